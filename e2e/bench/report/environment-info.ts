import { cpus, freemem, loadavg, release, totalmem, type as osType } from 'node:os';

import { runCommand } from '../../control-plane/run-command.js';
import { repoPath } from '../repo-path.js';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly freeMemoryBytes: number;
  /** 1, 5 and 15 minutes: how busy the (shared) machine was, which the ratios are meant to survive. */
  readonly loadAverage: readonly number[];
  readonly os: string;
}

export interface Versions {
  readonly node: string;
  readonly kubeApiServer: string;
  readonly etcd: string;
  /** The listener's commit, with `+dirty` when listener/ has uncommitted changes. */
  readonly listenerCommit: string;
}

export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cores: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    os: `${osType()} ${release()}`,
  };
}

export async function listenerCommit(): Promise<string> {
  try {
    const cwd = repoPath('');
    const { stdout: commit } = await runCommand('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      timeoutMs: 5_000,
    });
    const { stdout: status } = await runCommand('git', ['status', '--porcelain', '--', 'listener'], {
      cwd,
      timeoutMs: 5_000,
    });
    return `${commit.trim()}${status.trim() === '' ? '' : '+dirty'}`;
  } catch (error: unknown) {
    // Not a git checkout (a tarball, a container): the results still stand, without a commit.
    return `unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}
