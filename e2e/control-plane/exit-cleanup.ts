/**
 * Last-resort cleanup for a process that ends without calling stop(): a failed test run, process.exit,
 * an uncaught exception, Ctrl-C. Handlers must be synchronous because the 'exit' event cannot await.
 * (SIGKILL runs no handler at all; the watchdog covers that.)
 */
type SyncCleanup = () => void;

const cleanups = new Set<SyncCleanup>();
const signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch (error: unknown) {
      // One failing cleanup must not keep the others from running; say so, since nothing else will.
      process.stderr.write(`control plane: exit cleanup failed: ${String(error)}\n`);
    }
  }
  cleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  uninstall();
  // Listening for a signal cancels Node's default of exiting. When nobody else (vitest, the app) handles
  // it, re-raise it so the process still ends the way the signal asked.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', runCleanups);
  for (const signal of signals) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', runCleanups);
  for (const signal of signals) process.off(signal, onSignal);
}

/** Registers a cleanup to run if this process ends first; call the returned function once it is moot. */
export function runOnProcessExit(cleanup: SyncCleanup): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
