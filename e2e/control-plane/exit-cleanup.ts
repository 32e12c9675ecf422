/**
 * Last-resort cleanup for a process that ends without calling stop(): a failed test run, process.exit,
 * an uncaught exception, Ctrl-C. Handlers must be synchronous because the 'exit' event cannot await.
 * (SIGKILL runs no handler at all; the watchdog covers that.)
 */
type SyncCleanup = () => void;

interface ExitHandlers {
  readonly onExit: () => void;
  readonly onSignal: (signal: NodeJS.Signals) => void;
}

interface ExitCleanupState {
  readonly cleanups: Set<SyncCleanup>;
  installed?: ExitHandlers | undefined;
}

/**
 * One state per process, not per module instance: vitest evaluates this module afresh for every test
 * file in the same worker, and handlers installed per instance would pile up on `process`
 * (MaxListenersExceededWarning) and outlive the instance that could remove them.
 */
const STATE = Symbol.for('reloader-listener.e2e.exit-cleanup');
const holder = globalThis as unknown as Record<symbol, ExitCleanupState | undefined>;
const state = (holder[STATE] ??= { cleanups: new Set<SyncCleanup>() });
const signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runCleanups(): void {
  for (const cleanup of state.cleanups) {
    try {
      cleanup();
    } catch (error: unknown) {
      // One failing cleanup must not keep the others from running; say so, since nothing else will.
      process.stderr.write(`control plane: exit cleanup failed: ${String(error)}\n`);
    }
  }
  state.cleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  uninstall();
  // Listening for a signal cancels Node's default of exiting. When nobody else (vitest, the app) handles
  // it, re-raise it so the process still ends the way the signal asked.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (state.installed) return;
  state.installed = { onExit: runCleanups, onSignal };
  process.on('exit', state.installed.onExit);
  for (const signal of signals) process.on(signal, state.installed.onSignal);
}

function uninstall(): void {
  const { installed } = state;
  if (!installed) return;
  process.off('exit', installed.onExit);
  for (const signal of signals) process.off(signal, installed.onSignal);
  state.installed = undefined;
}

/** Registers a cleanup to run if this process ends first; call the returned function once it is moot. */
export function runOnProcessExit(cleanup: SyncCleanup): () => void {
  install();
  state.cleanups.add(cleanup);
  return () => {
    state.cleanups.delete(cleanup);
    if (state.cleanups.size === 0) uninstall();
  };
}
