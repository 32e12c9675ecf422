import type { BenchContext } from './bench-context.js';
import { burstFigures } from './burst/burst-figures.js';
import { burstBaseline, DEFAULT_RATE_LIMIT, runBurst, type BurstRun } from './burst/burst-scenario.js';
import type { RotationTiming } from './delivery/rotation-timing.js';
import {
  fanoutFigures,
  measureFanout,
  profileFanoutMisses,
  type FanoutMeasurement,
  type FanoutProfile,
} from './fanout/fanout-scenario.js';
import { runIngest, type IngestResult } from './ingest/ingest-scenario.js';
import { profileReference, type ProfileSummary } from './report/cpu-profile-summary.js';
import { withNote, type Figure, type ScenarioName } from './report/figures.js';
import { scaleFigures } from './scale/scale-figures.js';
import { measureScale } from './scale/scale-measure.js';
import type { ScalePoint } from './scale/scale-point.js';
import { profileScaleMiss } from './scale/scale-profile.js';

export interface ScenarioError {
  readonly scenario: ScenarioName | 'population';
  readonly message: string;
}

/** A profile of a missed workload, printed once under the table. */
export interface ProfileEntry {
  readonly scenario: ScenarioName;
  /** What ran while profiling: `c=64`, `100-match rotations`. */
  readonly workload: string;
  readonly summary: ProfileSummary;
}

export interface BenchOutcome {
  readonly figures: readonly Figure[];
  readonly errors: readonly ScenarioError[];
  readonly profiles: readonly ProfileEntry[];
  readonly ingest?: IngestResult;
  readonly fanout?: { readonly measurements: readonly FanoutMeasurement[]; readonly profile?: FanoutProfile };
  readonly scale?: { readonly points: readonly ScalePoint[]; readonly profile?: ProfileSummary };
  readonly burst?: { readonly runs: readonly BurstRun[]; readonly baselines: readonly RotationTiming[] };
}

/**
 * Runs the selected scenarios in an order that lets the population only grow: ingest on an empty
 * cluster, then for each size (ascending) whatever scale, fan-out and burst measure at that size. A
 * scenario that fails is reported and the others still run.
 */
export async function runBench(context: BenchContext): Promise<BenchOutcome> {
  const { plan, progress } = context;
  const errors: ScenarioError[] = [];
  const failed = new Set<ScenarioName>();
  const attempt = async <T>(scenario: ScenarioName, work: () => Promise<T>): Promise<T | undefined> => {
    if (failed.has(scenario)) return undefined;
    try {
      return await work();
    } catch (error: unknown) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      progress.line(`${scenario}: FAILED: ${message}`);
      errors.push({ scenario, message });
      failed.add(scenario);
      return undefined;
    }
  };

  let ingest: IngestResult | undefined;
  if (plan.scenarios.has('ingest')) {
    progress.line('== ingest');
    ingest = await attempt('ingest', () => runIngest(context));
  }

  const sizes = new Set<number>();
  if (plan.scenarios.has('scale')) for (const size of [0, ...plan.scale.populations]) sizes.add(size);
  if (plan.scenarios.has('fanout')) for (const size of plan.fanout.populations) sizes.add(size);
  if (plan.scenarios.has('burst')) sizes.add(plan.burst.population);

  const scalePoints: ScalePoint[] = [];
  const fanoutMeasurements: FanoutMeasurement[] = [];
  const burstRuns: BurstRun[] = [];
  const burstBaselines: RotationTiming[] = [];
  for (const size of [...sizes].sort((a, b) => a - b)) {
    try {
      await context.growTo(size);
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      progress.line(`population: FAILED to grow to ${size}: ${message}`);
      errors.push({ scenario: 'population', message });
      break;
    }
    if (plan.scenarios.has('scale') && (size === 0 || plan.scale.populations.includes(size))) {
      progress.line(`== scale at ${size} ExternalSecrets`);
      const point = await attempt('scale', () => measureScale(context, size));
      if (point !== undefined) scalePoints.push(point);
    }
    if (plan.scenarios.has('fanout') && plan.fanout.populations.includes(size)) {
      progress.line(`== fanout at ${size} ExternalSecrets`);
      fanoutMeasurements.push(...((await attempt('fanout', () => measureFanout(context, size))) ?? []));
    }
    if (plan.scenarios.has('burst') && plan.burst.population === size) {
      progress.line(`== burst at ${size} ExternalSecrets`);
      await attempt('burst', async () => {
        burstBaselines.push(await burstBaseline(context));
        burstRuns.push(await runBurst(context, 0));
        if (plan.burst.baselineAfter) burstBaselines.push(await burstBaseline(context));
        if (plan.burst.defaultRateLimitRun) burstRuns.push(await runBurst(context, DEFAULT_RATE_LIMIT));
      });
    }
  }

  const figures: Figure[] = [...(ingest?.figures ?? [])];
  let fanoutProfile: FanoutProfile | undefined;
  if (fanoutMeasurements.length > 0) {
    const rows = fanoutFigures(fanoutMeasurements, plan.fanout.target);
    const profiled = await attempt('fanout', () => profileFanoutMisses(context, fanoutMeasurements, rows));
    figures.push(...(profiled?.figures ?? rows));
    fanoutProfile = profiled?.profile;
  }
  let scaleProfile: ProfileSummary | undefined;
  if (scalePoints.length > 0) {
    const rows = scaleFigures(scalePoints, plan.scale);
    const profiled = await attempt('scale', () => profileScaleMiss(context, rows));
    figures.push(...(profiled?.figures ?? rows));
    scaleProfile = profiled?.profile;
  }
  if (burstRuns.length > 0) {
    let rows = burstFigures({ runs: burstRuns, baselines: burstBaselines }, plan.burst.target);
    const missed = rows.some((row) => row.verdict === 'MISSED');
    if (missed && plan.profileMisses) {
      progress.line('burst: a target was missed; profiling the listener through the same burst');
      const profiled = await attempt('burst', () =>
        runBurst(context, 0, { profile: true, rotations: plan.burst.profileRotations }),
      );
      if (profiled?.profile !== undefined) {
        const note = profileReference('burst');
        rows = rows.map((row) => (row.verdict === 'MISSED' ? withNote(row, note) : row));
        // Kept with the raw runs (it carries the profile); the figures above are from the measured runs.
        burstRuns.push(profiled);
      }
    }
    figures.push(...rows);
  }

  const profiles: ProfileEntry[] = [];
  if (ingest?.profile !== undefined) {
    profiles.push({
      scenario: 'ingest',
      workload: `no-match deliveries at concurrency ${ingest.profile.concurrency}`,
      summary: ingest.profile,
    });
  }
  if (fanoutProfile !== undefined) {
    profiles.push({
      scenario: 'fanout',
      workload: `${fanoutProfile.matches}-match rotations at ${fanoutProfile.population} ES`,
      summary: fanoutProfile,
    });
  }
  if (scaleProfile !== undefined) {
    profiles.push({
      scenario: 'scale',
      workload: 'no-match deliveries at concurrency 1 at the largest size',
      summary: scaleProfile,
    });
  }
  const burstProfile = burstRuns.find((run) => run.profile !== undefined);
  if (burstProfile?.profile !== undefined) {
    profiles.push({
      scenario: 'burst',
      workload: `${burstProfile.rotations} rotations in one second, rate limit off`,
      summary: burstProfile.profile,
    });
  }

  return {
    figures,
    errors,
    profiles,
    ...(ingest === undefined ? {} : { ingest }),
    ...(fanoutMeasurements.length === 0
      ? {}
      : {
          fanout: {
            measurements: fanoutMeasurements,
            ...(fanoutProfile === undefined ? {} : { profile: fanoutProfile }),
          },
        }),
    ...(scalePoints.length === 0
      ? {}
      : { scale: { points: scalePoints, ...(scaleProfile === undefined ? {} : { profile: scaleProfile }) } }),
    ...(burstRuns.length === 0 ? {} : { burst: { runs: burstRuns, baselines: burstBaselines } }),
  };
}
