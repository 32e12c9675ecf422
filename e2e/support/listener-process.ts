import { spawn } from 'node:child_process';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { inject } from 'vitest';

import { runOnProcessExit } from '../control-plane/exit-cleanup.js';
import { reserveLoopbackPorts } from '../control-plane/free-port.js';
import { waitForHttp } from '../control-plane/http-probe.js';
import { writeProcessGroups } from '../control-plane/process-groups-file.js';
import { signalProcessGroup } from '../control-plane/process-liveness.js';
import { startWatchdog } from '../control-plane/watchdog.js';
import { LogBook } from './listener-logs.js';
import { repoPath } from './manifests.js';

/** The built listener, exactly what `npm start` runs (`npm run test:e2e` builds it first). */
const LISTENER_MAIN = repoPath('dist/listener/main.js');

export interface ListenerOptions {
  /** Default: the run's admin kubeconfig. */
  readonly kubeconfigPath?: string;
  /** `--config` files or folders; without them the listener watches Configs in the cluster. */
  readonly configFiles?: readonly string[];
  /** Default: a free port. Give the old one to restart a listener where it was. */
  readonly adminPort?: number;
  /** Default: 127.0.0.1, where the suites' validationUrl targets listen. */
  readonly allowValidationHosts?: readonly string[];
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
}

export interface ListenerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ListenerProcess {
  readonly pid: number;
  readonly adminPort: number;
  readonly adminUrl: string;
  /** What it was started with, to start it again in the same place. */
  readonly options: ListenerOptions & { readonly adminPort: number };
  readonly logs: LogBook;
  readonly exited: Promise<ListenerExit>;
  hasExited(): boolean;
  /** GET /metrics on the admin port. */
  metrics(): Promise<string>;
  /** Sends a signal (SIGKILL by default: a crash) and waits for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<ListenerExit>;
  /** SIGTERM, SIGKILL after a grace period; resolves with how it ended. */
  stop(): Promise<ListenerExit>;
}

const STOP_GRACE_MS = 15_000;

/** Every listener this test file started and has not yet stopped. */
const running = new Set<ListenerProcess>();
/** Listeners that ended before anyone asked them to: a crash that the next stopListeners() reports. */
const crashed: { readonly listener: ListenerProcess; readonly exit: ListenerExit }[] = [];

let groupsDirectory: string | undefined;

/**
 * Records the listeners' process groups where the control plane's watchdog shell can read them, so a
 * listener dies with this test process however it ends (even SIGKILL), as kube-apiserver does.
 */
async function guardAgainstLeftovers(): Promise<void> {
  if (groupsDirectory !== undefined) return;
  groupsDirectory = await mkdtemp(join(tmpdir(), 'reloader-e2e-listeners-'));
  startWatchdog(groupsDirectory, true);
  runOnProcessExit(() => {
    for (const listener of running) signalProcessGroup(listener.pid, 'SIGKILL');
  });
}

function recordGroups(): void {
  if (groupsDirectory === undefined) return;
  writeProcessGroups(
    groupsDirectory,
    [...running].filter((listener) => !listener.hasExited()).map((listener) => listener.pid),
  );
}

/**
 * Starts `node dist/listener/main.js` and waits until its /readyz answers 200: every configured
 * endpoint bound, every cache synced. Its JSON log is parsed as it arrives.
 */
export async function startListener(options: ListenerOptions = {}): Promise<ListenerProcess> {
  try {
    await access(LISTENER_MAIN);
  } catch (error: unknown) {
    throw new Error(`${LISTENER_MAIN} is missing: run \`npm run build\` (npm run test:e2e does)`, {
      cause: error,
    });
  }
  await guardAgainstLeftovers();
  const [freeAdminPort = 0] = options.adminPort === undefined ? await reserveLoopbackPorts(1) : [];
  const adminPort = options.adminPort ?? freeAdminPort;
  const resolved = { ...options, adminPort };
  const args = [
    LISTENER_MAIN,
    '--kubeconfig',
    options.kubeconfigPath ?? inject('e2eKubeconfig'),
    '--admin-port',
    String(adminPort),
    '--admin-host',
    '127.0.0.1',
    '--log-level',
    'info',
    ...(options.allowValidationHosts ?? ['127.0.0.1']).flatMap((host) => ['--allow-validation-host', host]),
    ...(options.configFiles ?? []).flatMap((file) => ['--config', file]),
    ...(options.extraArgs ?? []),
  ];
  // Its own process group, so a signal reaches anything it might spawn, and the watchdog can find it.
  const child = spawn(process.execPath, args, {
    cwd: repoPath(''),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = new LogBook();
  // Spawn failures arrive as an 'error' event, which would crash the run if nobody listened.
  child.once('error', (error) => {
    logs.add(`could not run ${process.execPath}: ${error.message}`, 'stderr');
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${LISTENER_MAIN}`);
  createInterface({ input: child.stdout }).on('line', (line) => {
    logs.add(line, 'stdout');
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    logs.add(line, 'stderr');
  });

  let exit: ListenerExit | undefined;
  let stopRequested = false;
  const exited = new Promise<ListenerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(listener);
      recordGroups();
      if (!stopRequested) crashed.push({ listener, exit });
      resolve(exit);
    });
  });

  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const signalAndWait = async (signal: NodeJS.Signals): Promise<ListenerExit> => {
    stopRequested = true;
    if (exit === undefined) signalProcessGroup(pid, signal);
    return exited;
  };
  const listener: ListenerProcess = {
    pid,
    adminPort,
    adminUrl,
    options: resolved,
    logs,
    exited,
    hasExited: () => exit !== undefined,
    async metrics() {
      const response = await fetch(`${adminUrl}/metrics`);
      const text = await response.text();
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text}`);
      return text;
    },
    kill: (signal = 'SIGKILL') => signalAndWait(signal),
    async stop() {
      const timer = setTimeout(() => {
        signalProcessGroup(pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      try {
        return await signalAndWait('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    },
  };
  running.add(listener);
  recordGroups();

  const ready = await waitForHttp({
    url: `${adminUrl}/readyz`,
    timeoutMs: options.readyTimeoutMs ?? 60_000,
    isReady: (response) => response.status === 200,
    abandon: () => (exit === undefined ? undefined : `exited (${exit.code ?? exit.signal ?? '?'})`),
  });
  if (!ready.ok) {
    await listener.kill();
    // Reported here, with the reason; stopListeners() need not report the same failure again.
    const index = crashed.findIndex((entry) => entry.listener === listener);
    if (index >= 0) crashed.splice(index, 1);
    throw new Error(`the listener did not become ready: ${ready.reason}\n${logs.tail()}`);
  }
  return listener;
}

/**
 * Stops every listener this file started (afterEach/afterAll), then fails if one of them ended by
 * itself, or did not shut down cleanly when asked: a crash is a finding, not noise.
 */
export async function stopListeners(): Promise<void> {
  const problems: string[] = [];
  for (const listener of [...running]) {
    const exit = await listener.stop();
    if (exit.code !== 0) {
      problems.push(
        `listener ${listener.pid} did not shut down cleanly on SIGTERM (${describeExit(exit)})\n${listener.logs.tail()}`,
      );
    }
  }
  for (const { listener, exit } of crashed.splice(0)) {
    problems.push(
      `listener ${listener.pid} exited on its own (${describeExit(exit)})\n${listener.logs.tail()}`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

function describeExit(exit: ListenerExit): string {
  return exit.signal === null ? `exit code ${exit.code ?? '?'}` : `signal ${exit.signal}`;
}
