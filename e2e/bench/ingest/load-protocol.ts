import type { LatencySummary } from '../report/stats.js';

/** One closed-loop round, sent to the load worker over IPC. */
export interface LoadRequest {
  readonly url: string;
  readonly concurrency: number;
  /** Answers in this first stretch are not counted (JIT, connection set-up). */
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface LoadResult {
  /** 2xx answers within the measured window. */
  readonly acknowledged: number;
  readonly throughput: number;
  /** Every answer within the window by status (or error code). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly latencyMs: LatencySummary;
  /** What the generator itself used, to tell when it, not the server, was the limit. */
  readonly generatorCpuMs: number;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly result: LoadResult }
  | { readonly type: 'error'; readonly message: string };
