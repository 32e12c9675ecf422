import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { runOnProcessExit } from '../../control-plane/exit-cleanup.js';
import { writeProcessGroups } from '../../control-plane/process-groups-file.js';
import { signalProcessGroup } from '../../control-plane/process-liveness.js';
import { startWatchdog, type Watchdog } from '../../control-plane/watchdog.js';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildSpec {
  /** For messages: `listener`, `load-worker`, `counting-proxy`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** stdout and stderr go to this file (a file needs no reader, so it costs the measured run nothing). */
  readonly logFile?: string;
  /** A Node IPC channel, for children that take commands and answer with results. */
  readonly ipc?: boolean;
}

export interface Child {
  readonly name: string;
  /** Also the process group id: each child leads its own group. */
  readonly pid: number;
  readonly process: ChildProcess;
  /** Piped only when there is no logFile. */
  readonly stdout: Readable | null;
  readonly exited: Promise<ChildExit>;
  hasExited(): boolean;
  /** The last of what it wrote to a piped stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves with how it ended. */
  stop(graceMs?: number): Promise<ChildExit>;
}

/**
 * Every process the benchmark starts goes through here, so none outlives it: each leads its own process
 * group, listed in a file that the control plane's watchdog shell reads if this process is SIGKILLed; an
 * exit/signal handler kills them otherwise; stopAll() is the orderly way, called in a finally.
 */
export class ChildProcesses {
  readonly #running = new Set<Child>();
  readonly #directory: string;
  readonly #watchdog: Watchdog;
  readonly #unregister: () => void;

  private constructor(directory: string) {
    this.#directory = directory;
    this.#watchdog = startWatchdog(directory, true);
    this.#unregister = runOnProcessExit(() => {
      for (const child of this.#running) signalProcessGroup(child.pid, 'SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    });
  }

  static async create(): Promise<ChildProcesses> {
    return new ChildProcesses(await mkdtemp(join(tmpdir(), 'reloader-bench-children-')));
  }

  spawn(spec: ChildSpec): Child {
    const logFd = spec.logFile === undefined ? undefined : openSync(spec.logFile, 'a');
    const output = logFd ?? 'pipe';
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        detached: true,
        stdio: spec.ipc === true ? ['ignore', output, output, 'ipc'] : ['ignore', output, output],
      });
    } finally {
      // The child holds its own copy of the descriptor.
      if (logFd !== undefined) closeSync(logFd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    // Piped stderr that nobody reads could fill up and stall the child; it is kept for failures only.
    const stderrTail: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail.push(chunk.toString('utf8'));
      if (stderrTail.length > 20) stderrTail.shift();
    });

    let exit: ChildExit | undefined;
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        this.#running.delete(handle);
        this.#record();
        resolve(exit);
      });
    });
    const handle: Child = {
      name: spec.name,
      pid,
      process: child,
      stdout: child.stdout,
      exited,
      hasExited: () => exit !== undefined,
      stderrTail: () => stderrTail.join('').slice(-4000),
      stop: async (graceMs = 10_000) => {
        if (exit !== undefined) return exit;
        signalProcessGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          signalProcessGroup(pid, 'SIGKILL');
        }, graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
          // The leader is gone; anything it started in its group goes with it.
          signalProcessGroup(pid, 'SIGKILL');
        }
      },
    };
    this.#running.add(handle);
    this.#record();
    return handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running].map((child) => child.stop(5_000)));
    this.#watchdog.dismiss();
    this.#unregister();
    rmSync(this.#directory, { recursive: true, force: true });
  }

  #record(): void {
    writeProcessGroups(
      this.#directory,
      [...this.#running].filter((child) => !child.hasExited()).map((child) => child.pid),
    );
  }
}

/** How to run one of our TypeScript entry points as its own Node process (tsx only loads the modules). */
export function typeScriptCommand(
  entry: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', entry, ...args] };
}
