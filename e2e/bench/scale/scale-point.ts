import type { ProcessMemory } from '../process/process-memory.js';
import { median, type LatencySummary } from '../report/stats.js';

/** What the scale scenario measures at one population size. */
export interface ScalePoint {
  readonly population: number;
  /** Spawn → /readyz 200 (Node start-up, Config, caches synced, port bound). */
  readonly readyMs: number;
  /** From the listener's log: watch started → ExternalSecret cache synced. */
  readonly cacheSyncMs: number | undefined;
  /** The baseline: the same LIST with bare client-node, decoded and nothing else. */
  readonly listMs: number;
  readonly listBytes: number;
  /** Two seconds after ready, so start-up garbage has had a chance to go. */
  readonly memory: ProcessMemory;
  /**
   * Deliveries that match nothing, closed loop at concurrency 1: the listener's own per-event work
   * (parse, index lookup, answer) with no API server in it, which is what must not grow with the cache.
   * Runs alternate with the same against the reference listener (no ExternalSecrets, in memory).
   */
  readonly noMatch: readonly NoMatchPair[];
  /** Delivery → annotation seen on the watch, one matched ExternalSecret each. */
  readonly oneMatchMs: LatencySummary;
  /** The same patch from bare client-node, interleaved with the listener's rotations. */
  readonly barePatchMs: LatencySummary;
}

export interface NoMatchRun {
  readonly latencyMs: LatencySummary;
  /**
   * The server's CPU (user + system, /proc) per delivery: far steadier than latency on a loaded
   * machine, so the flatness check uses it.
   */
  readonly cpuUsPerDelivery: number;
}

/** One no-match run against the listener under test and one against the reference, back to back. */
export interface NoMatchPair {
  readonly listener: NoMatchRun;
  readonly reference: NoMatchRun;
}

/** Medians over the pairs: p50, p99 and CPU per delivery of each side, and the paired CPU ratio. */
export function noMatchSummary(point: ScalePoint): {
  readonly listener: { readonly p50: number; readonly p99: number; readonly cpuUs: number };
  readonly reference: { readonly p50: number; readonly p99: number; readonly cpuUs: number };
  /** Reference CPU over the listener's, per pair, median: 1 is flat. */
  readonly cpuRatio: number;
  readonly samples: number;
} {
  const side = (pick: (pair: NoMatchPair) => NoMatchRun) => ({
    p50: median(point.noMatch.map((pair) => pick(pair).latencyMs.p50)),
    p99: median(point.noMatch.map((pair) => pick(pair).latencyMs.p99)),
    cpuUs: median(point.noMatch.map((pair) => pick(pair).cpuUsPerDelivery)),
  });
  return {
    listener: side((pair) => pair.listener),
    reference: side((pair) => pair.reference),
    cpuRatio: median(
      point.noMatch.map((pair) => pair.reference.cpuUsPerDelivery / pair.listener.cpuUsPerDelivery),
    ),
    samples: point.noMatch.reduce((sum, pair) => sum + pair.listener.latencyMs.count, 0),
  };
}
