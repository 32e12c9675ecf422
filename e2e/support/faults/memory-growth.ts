import type { RssSample } from './rss-sampler.js';

/** How much growth a run may show, as fractions of its memory after warm-up. */
export interface GrowthLimits {
  readonly trendFraction: number;
  readonly endFraction: number;
}

export const DEFAULT_GROWTH_LIMITS: GrowthLimits = { trendFraction: 0.25, endFraction: 0.25 };

/** Fewer judged samples than this cannot tell a trend from the sawtooth: too short a run to judge. */
export const MIN_JUDGED_SAMPLES = 8;

export interface GrowthVerdict {
  readonly growing: boolean;
  readonly reasons: readonly string[];
  readonly judgedSamples: number;
  /** Median of the first three judged samples. */
  readonly startBytes: number;
  /** Median of the last three samples. */
  readonly endBytes: number;
  readonly slopeBytesPerSecond: number;
  /** The slope held over the whole run. */
  readonly projectedGrowthBytes: number;
}

/**
 * Whether a process's memory grows without bound, judged from RSS samples taken under a steady load.
 *
 * RSS climbs while the process warms up (JIT code, V8's heap growing to its working size) and then,
 * for a process that retains nothing per request, stays level give or take a collection's sawtooth.
 * (Measured here, the listener with the Deployment's heap limit at 20 deliveries/s: 140 MB at the
 * start, level near 186 MB from about the first minute on, flat to ±2 MB over 10 minutes.) So:
 * - the first half of the samples is warm-up, printed but not judged;
 * - the trend is the Theil–Sen slope of the second half (the median of the slopes between every pair
 *   of samples), which a collection's drop or a lone spike cannot tilt the way they tilt a
 *   least-squares line;
 * - the run fails when that slope, held for the whole run, would add more than `trendFraction` of
 *   the judged half's level, or when the end (median of the last three samples) stands more than
 *   `endFraction` above the start of the judged half (median of its first three): a step that the
 *   slope alone could spread thin.
 * A process that levels off passes both at any length. A leak fails the trend test at a rate that
 * shrinks with the run: with 25% of ~186 MB, CI's minute catches about 45 MB/min (some 40 KB kept per
 * delivery at 20/s) and the 10-minute soak about 4.7 MB/min (4 KB per delivery), while the end of
 * the warm-up, which a one-minute run still judges, measured at most 7 MB/min.
 */
export function judgeMemoryGrowth(
  samples: readonly RssSample[],
  runMs: number,
  limits: GrowthLimits = DEFAULT_GROWTH_LIMITS,
): GrowthVerdict {
  const judged = samples.slice(Math.floor(samples.length / 2));
  if (judged.length < MIN_JUDGED_SAMPLES) {
    throw new Error(
      `${samples.length} RSS samples: at least ${2 * MIN_JUDGED_SAMPLES} are needed to judge growth after warm-up`,
    );
  }
  const startBytes = median(judged.slice(0, 3).map((sample) => sample.rssBytes));
  const endBytes = median(judged.slice(-3).map((sample) => sample.rssBytes));
  const slopeBytesPerSecond = theilSenSlope(judged) * 1000;
  const projectedGrowthBytes = (slopeBytesPerSecond * runMs) / 1000;
  const level = median(judged.map((sample) => sample.rssBytes));

  const reasons: string[] = [];
  if (projectedGrowthBytes > limits.trendFraction * level) {
    reasons.push(
      `the trend (${formatMb(slopeBytesPerSecond)}/s) would add ${formatMb(projectedGrowthBytes)} over the run, ` +
        `more than ${Math.round(limits.trendFraction * 100)}% of ${formatMb(level)}`,
    );
  }
  if (endBytes > startBytes * (1 + limits.endFraction)) {
    reasons.push(
      `the end (${formatMb(endBytes)}) is more than ${Math.round(limits.endFraction * 100)}% above ` +
        `the start after warm-up (${formatMb(startBytes)})`,
    );
  }
  return {
    growing: reasons.length > 0,
    reasons,
    judgedSamples: judged.length,
    startBytes,
    endBytes,
    slopeBytesPerSecond,
    projectedGrowthBytes,
  };
}

/** Median of the pairwise slopes, in bytes per millisecond. */
function theilSenSlope(samples: readonly RssSample[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i += 1) {
    for (let j = i + 1; j < samples.length; j += 1) {
      const a = samples[i];
      const b = samples[j];
      if (a === undefined || b === undefined || b.atMs === a.atMs) continue;
      slopes.push((b.rssBytes - a.rssBytes) / (b.atMs - a.atMs));
    }
  }
  return median(slopes);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error('median of nothing');
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

export function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `71.2 72.0 73.4 …` in MB, for the CI log. */
export function formatRssSeries(samples: readonly RssSample[]): string {
  return samples.map((sample) => (sample.rssBytes / 1024 / 1024).toFixed(1)).join(' ');
}
