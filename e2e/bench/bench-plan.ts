import type { ScenarioName } from './report/figures.js';

/** Sizes, repetitions and durations of one run: --quick for CI smoke (< 3 minutes), full otherwise. */
export interface BenchPlan {
  readonly mode: 'quick' | 'full';
  readonly scenarios: ReadonlySet<ScenarioName>;
  /** The listener's --kube-concurrency, and the baseline loop's, so the two patch alike. */
  readonly kubeConcurrency: number;
  readonly ingest: {
    readonly concurrencies: readonly number[];
    /** Each round measures the listener and the baseline once, in alternating order. */
    readonly rounds: number;
    readonly warmupMs: number;
    readonly measureMs: number;
    readonly target: number;
  };
  readonly fanout: {
    readonly populations: readonly number[];
    readonly matches: readonly number[];
    /**
     * Listener and baseline alternate this many times per match count (medians are reported): more for
     * one match, where a single patch's noise is of the size of what is measured.
     */
    readonly repetitions: Readonly<Record<number, number>>;
    readonly target: number;
    /** Match counts that also get the keep-alive reference (the same patches, connections kept). */
    readonly keepAliveReference: readonly number[];
  };
  readonly scale: {
    readonly populations: readonly number[];
    /** One-match rotations per size, for p50/p99. */
    readonly rotations: number;
    /** Closed-loop no-match deliveries (concurrency 1) per size: the listener's own work, no API server. */
    readonly noMatchMs: number;
    /**
     * "Flat in the number of ExternalSecrets": the listener relative to its baseline at a size, over
     * the same at the smallest size, at least this (no-match CPU per delivery; one-match latency).
     */
    readonly flatTarget: number;
  };
  readonly burst: {
    readonly population: number;
    readonly rotations: number;
    /** The rotations are sent spread over this window. */
    readonly windowMs: number;
    readonly target: number;
    /** The bare-loop baseline runs before the listener's burst, and also after it when true (ABA). */
    readonly baselineAfter: boolean;
    /** Also run the burst with the default rate limit (backpressure by design, then retries). */
    readonly defaultRateLimitRun: boolean;
    /** Rotations in the profiled re-run of a missed burst (the same shape, shorter). */
    readonly profileRotations: number;
  };
  /** Re-run a missed figure's workload under `node --cpu-prof` and summarise the profile. */
  readonly profileMisses: boolean;
}

export const ALL_SCENARIOS: readonly ScenarioName[] = ['ingest', 'fanout', 'scale', 'burst'];

export function benchPlan(options: {
  readonly quick: boolean;
  readonly scenarios: readonly ScenarioName[];
  readonly profileMisses: boolean;
}): BenchPlan {
  const common = {
    scenarios: new Set(options.scenarios),
    kubeConcurrency: 16,
    profileMisses: options.profileMisses,
  };
  if (options.quick) {
    return {
      ...common,
      mode: 'quick',
      ingest: { concurrencies: [1, 16, 64], rounds: 2, warmupMs: 500, measureMs: 1_500, target: 0.8 },
      fanout: {
        populations: [1_000],
        matches: [1, 100, 1_000],
        repetitions: { 1: 10, 100: 3, 1_000: 1 },
        target: 0.8,
        keepAliveReference: [100],
      },
      scale: {
        populations: [1_000, 5_000],
        rotations: 10,
        noMatchMs: 1_600,
        flatTarget: 0.8,
      },
      burst: {
        population: 1_000,
        rotations: 1_000,
        windowMs: 1_000,
        target: 0.8,
        baselineAfter: false,
        defaultRateLimitRun: false,
        profileRotations: 200,
      },
    };
  }
  return {
    ...common,
    mode: 'full',
    ingest: { concurrencies: [1, 16, 64], rounds: 4, warmupMs: 2_000, measureMs: 5_000, target: 0.8 },
    fanout: {
      populations: [1_000, 10_000],
      matches: [1, 100, 1_000],
      repetitions: { 1: 20, 100: 5, 1_000: 3 },
      target: 0.8,
      keepAliveReference: [100, 1_000],
    },
    scale: {
      populations: [1_000, 10_000, 50_000],
      rotations: 40,
      noMatchMs: 4_000,
      flatTarget: 0.8,
    },
    burst: {
      population: 1_000,
      rotations: 1_000,
      windowMs: 1_000,
      target: 0.8,
      baselineAfter: true,
      defaultRateLimitRun: true,
      profileRotations: 500,
    },
  };
}
