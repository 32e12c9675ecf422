import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';

export interface ListenerProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; only this process, by its pid. */
  stop(graceMs?: number): Promise<void>;
  logTail(lines?: number): Promise<string>;
}

export interface StartListenerOptions {
  readonly node: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** stdout and stderr of the listener go here. */
  readonly logFile: string;
  readonly adminUrl: string;
  readonly readyTimeoutMs: number;
}

export class ListenerStartError extends Error {
  readonly code = 'SIM_LISTENER_START';
  constructor(message: string) {
    super(message);
    this.name = 'ListenerStartError';
  }
}

/** Starts the listener and waits until its /readyz answers 200 (servers bound, caches synced). */
export async function startListener(options: StartListenerOptions): Promise<ListenerProcess> {
  const log = await open(options.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(options.node, [options.script, ...options.args], {
      cwd: options.cwd,
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    // The child has its own copy of the descriptor.
    await log.close();
  }
  const pid = child.pid;
  if (pid === undefined) throw new ListenerStartError(`could not start ${options.script}`);
  let exitedWith: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? String(code);
      resolve(exitedWith);
    });
  });

  const logTail = async (lines = 30): Promise<string> =>
    (await readFile(options.logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');

  const stop = async (graceMs = 5000): Promise<void> => {
    if (exitedWith !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (exitedWith === undefined) child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = performance.now() + options.readyTimeoutMs;
  for (;;) {
    if (exitedWith !== undefined) {
      throw new ListenerStartError(
        `the listener exited (${exitedWith}) before it was ready:\n${await logTail()}`,
      );
    }
    if (await isReady(options.adminUrl)) break;
    if (performance.now() > deadline) {
      await stop();
      throw new ListenerStartError(
        `the listener was not ready within ${options.readyTimeoutMs / 1000} s (GET ${options.adminUrl}/readyz):\n${await logTail()}`,
      );
    }
    await delay(100);
  }
  return { pid, logFile: options.logFile, exited, stop, logTail };
}

async function isReady(adminUrl: string): Promise<boolean> {
  try {
    const response = await request(`${adminUrl}/readyz`, { headersTimeout: 1000, bodyTimeout: 1000 });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    // Not listening yet is the normal state while it starts; a listener that never comes up is
    // reported by the deadline, with its log.
    return false;
  }
}
