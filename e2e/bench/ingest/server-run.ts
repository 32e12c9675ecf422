import { readProcessCpuMs } from '../process/process-cpu.js';
import type { LoadRequest, LoadResult } from './load-protocol.js';
import type { LoadWorker } from './load-worker-client.js';

export interface ServerRun {
  readonly load: LoadResult;
  /**
   * The server process's CPU (user + system, from /proc) per delivery answered in the measured window.
   * Far steadier than throughput or latency on a shared machine: it is what the work costs, whoever
   * else is running.
   */
  readonly cpuUsPerDelivery: number;
}

/**
 * One closed-loop round against the server process `pid`. Its CPU is read when the warm-up ends (by
 * this process's clock, within an IPC hop of the worker's) and when the round ends, so JIT compilation
 * during warm-up is not charged to the deliveries measured.
 */
export async function runAgainstServer(
  worker: LoadWorker,
  pid: number,
  request: LoadRequest,
): Promise<ServerRun> {
  let cpuAtWindow: Promise<number> | undefined;
  const timer = setTimeout(() => {
    cpuAtWindow = readProcessCpuMs(pid);
  }, request.warmupMs);
  const start = request.warmupMs === 0 ? readProcessCpuMs(pid) : undefined;
  let load: LoadResult;
  try {
    load = await worker.run(request);
  } finally {
    clearTimeout(timer);
  }
  const from = await (start ?? cpuAtWindow);
  const cpuMs = (await readProcessCpuMs(pid)) - (from ?? Number.NaN);
  return {
    load,
    cpuUsPerDelivery: load.acknowledged === 0 ? Number.NaN : (cpuMs * 1000) / load.acknowledged,
  };
}
