import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';

import { ControlPlaneError } from './control-plane-error.js';
import { signalProcessGroup } from './process-liveness.js';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  /** Also the process group id: every managed process leads its own group. */
  readonly pid: number;
  /** Settles when the process has exited; never rejects. */
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after the grace period; resolves once the process is gone. */
  stop(options?: { graceMs?: number; signal?: NodeJS.Signals }): Promise<void>;
}

export interface StartProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here, so a restarted process keeps one log. */
  readonly logPath: string;
}

/**
 * Spawns a long-running binary in its own process group, its output in a log file rather than a pipe.
 * A file, unlike a pipe, needs no reader: the child survives a parent that exits (`cluster:up`) and its
 * log can still be read after a failed start.
 */
export function startManagedProcess(options: StartProcessOptions): ManagedProcess {
  appendFileSync(
    options.logPath,
    `--- ${new Date().toISOString()} ${options.command} ${options.args.join(' ')}\n`,
  );
  const child = spawnWithLog(options.command, options.args, options.logPath);
  let exitInfo: ProcessExit | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', (error) => {
      spawnError = error;
      exitInfo = { code: null, signal: null };
      resolve(exitInfo);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn reports a missing binary asynchronously; the listener above keeps that from crashing us.
    throw new ControlPlaneError('PROCESS_EXITED', `${options.name}: could not start ${options.command}`, {
      cause: spawnError,
    });
  }
  // Neither the handle nor the log keeps this process alive; the exit cleanup stops the child instead.
  child.unref();

  return {
    name: options.name,
    pid,
    exited,
    hasExited: () => exitInfo !== undefined,
    async stop({ graceMs = 10_000, signal = 'SIGTERM' } = {}) {
      if (exitInfo !== undefined) return;
      signalProcessGroup(pid, signal);
      const timer = setTimeout(() => {
        signalProcessGroup(pid, 'SIGKILL');
      }, graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
      // The leader is gone; anything it forked in its group goes with it.
      signalProcessGroup(pid, 'SIGKILL');
    },
  };
}

function spawnWithLog(command: string, args: readonly string[], logPath: string): ChildProcess {
  const logFd = openSync(logPath, 'a');
  try {
    return spawn(command, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
}
