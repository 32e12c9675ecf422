import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { reserveLoopbackPorts } from '../../control-plane/free-port.js';
import { waitForHttp } from '../../control-plane/http-probe.js';
import { repoPath } from '../repo-path.js';
import type { ChildExit, ChildProcesses } from '../process/child-processes.js';
import { readProcessMemory, type ProcessMemory } from '../process/process-memory.js';

/** The built listener, exactly what `npm start` runs (`npm run bench` builds it first). */
export const LISTENER_MAIN = repoPath('dist/listener/main.js');

export interface BenchListenerOptions {
  readonly children: ChildProcesses;
  /**
   * The counting proxy's listener lane; or an in-memory cluster seeded from this folder (the scale
   * scenario's reference: the same listener with no ExternalSecrets at all, alive beside the real one).
   */
  readonly cluster: { readonly kubeconfig: string } | { readonly memorySeed: string };
  readonly configFile: string;
  /** stdout and stderr (JSON log lines at info, as in production) go here. */
  readonly logFile: string;
  /** 0 turns the per-path limit off (what the capacity measurements use). */
  readonly rateLimit: number;
  readonly kubeConcurrency: number;
  /** Given: run under `node --cpu-prof` and write the profile here on exit. */
  readonly cpuProfile?: { readonly directory: string; readonly name: string };
  readonly readyTimeoutMs?: number;
}

export interface BenchListener {
  readonly pid: number;
  readonly adminUrl: string;
  /** performance.now() at spawn and at the first 200 from /readyz (every cache synced, path bound). */
  readonly spawnedAt: number;
  readonly readyAt: number;
  memory(): Promise<ProcessMemory>;
  metrics(): Promise<string>;
  /** From its own log: "listener started" to "ExternalSecret cache synced" (LIST, decode, index). */
  cacheSyncMs(): Promise<number | undefined>;
  /** SIGTERM (a clean shutdown, which also writes the CPU profile); the profile's path when there is one. */
  stop(): Promise<{ readonly exit: ChildExit; readonly cpuProfile: string | undefined }>;
}

export async function startBenchListener(options: BenchListenerOptions): Promise<BenchListener> {
  try {
    await access(LISTENER_MAIN);
  } catch (error: unknown) {
    throw new Error(`${LISTENER_MAIN} is missing: run \`npm run build\` (npm run bench does)`, {
      cause: error,
    });
  }
  const [adminPort = 0] = await reserveLoopbackPorts(1);
  const nodeFlags =
    options.cpuProfile === undefined
      ? []
      : [
          '--cpu-prof',
          '--cpu-prof-dir',
          options.cpuProfile.directory,
          '--cpu-prof-name',
          options.cpuProfile.name,
        ];
  const spawnedAt = performance.now();
  const child = options.children.spawn({
    name: 'listener',
    command: process.execPath,
    args: [
      ...nodeFlags,
      LISTENER_MAIN,
      ...('kubeconfig' in options.cluster
        ? ['--kubeconfig', options.cluster.kubeconfig]
        : ['--memory-cluster', options.cluster.memorySeed]),
      '--config',
      options.configFile,
      '--admin-port',
      String(adminPort),
      '--admin-host',
      '127.0.0.1',
      '--rate-limit',
      String(options.rateLimit),
      '--kube-concurrency',
      String(options.kubeConcurrency),
      '--log-level',
      'info',
    ],
    cwd: repoPath(''),
    logFile: options.logFile,
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const ready = await waitForHttp({
    url: `${adminUrl}/readyz`,
    timeoutMs: options.readyTimeoutMs ?? 120_000,
    isReady: (response) => response.status === 200,
    abandon: () => (child.hasExited() ? 'the listener exited' : undefined),
  });
  if (!ready.ok) {
    await child.stop(2_000);
    throw new Error(`the listener did not become ready: ${ready.reason}\n${await logTail(options.logFile)}`);
  }
  const readyAt = performance.now();

  return {
    pid: child.pid,
    adminUrl,
    spawnedAt,
    readyAt,
    memory: () => readProcessMemory(child.pid),
    async metrics() {
      const response = await fetch(`${adminUrl}/metrics`);
      const text = await response.text();
      if (!response.ok) throw new Error(`listener GET /metrics answered ${response.status}`);
      return text;
    },
    async cacheSyncMs() {
      const lines = (await readFile(options.logFile, 'utf8')).split('\n');
      const timeOf = (message: string): number | undefined => {
        // The log file collects every run of this listener; the last start is this one.
        for (const line of lines.toReversed()) {
          if (!line.includes(`"msg":"${message}"`)) continue;
          const parsed = JSON.parse(line) as { time?: unknown };
          return typeof parsed.time === 'number' ? parsed.time : undefined;
        }
        return undefined;
      };
      const started = timeOf('listener started');
      const synced = timeOf('ExternalSecret cache synced');
      return started === undefined || synced === undefined ? undefined : Math.max(0, synced - started);
    },
    async stop() {
      const exit = await child.stop(15_000);
      if (exit.code !== 0) {
        throw new Error(
          `the listener did not shut down cleanly (${exit.signal ?? String(exit.code)})\n${await logTail(options.logFile)}`,
        );
      }
      const cpuProfile =
        options.cpuProfile === undefined
          ? undefined
          : join(options.cpuProfile.directory, options.cpuProfile.name);
      return { exit, cpuProfile };
    },
  };
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').slice(-30).join('\n');
}
