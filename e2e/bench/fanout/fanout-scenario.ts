import type { BenchContext } from '../bench-context.js';
import { createDeliverySender } from '../delivery/rotation-deliveries.js';
import {
  timeBaselineRotation,
  timeListenerRotation,
  type RotationTiming,
} from '../delivery/rotation-timing.js';
import { membersMatching, secretMatching } from '../kube/population.js';
import { webhookUrl } from '../listener/bench-config.js';
import { formatCounts } from '../proxy/request-counts.js';
import type { RequestKind } from '../proxy/request-kind.js';
import { profileReference, summariseCpuProfile, type ProfileSummary } from '../report/cpu-profile-summary.js';
import { figure, formatMs, formatNumber, withNote, type Figure } from '../report/figures.js';
import { median, round } from '../report/stats.js';

export interface FanoutMeasurement {
  readonly population: number;
  readonly matches: number;
  readonly repetition: number;
  readonly listener: RotationTiming;
  readonly baseline: RotationTiming;
  /** The first repetition of a many-match rotation: the same patches over keep-alive connections. */
  readonly keepAlive?: RotationTiming;
}

/** The largest fan-out profiled: enough patches to outweigh start-up, few enough to take seconds. */
const PROFILE_MAX_MATCHES = 100;

export interface FanoutProfile extends ProfileSummary {
  readonly population: number;
  readonly matches: number;
}

/**
 * Fan-out at one population size: for each match count, rotations through the listener alternate with
 * the same patches from the bare client-node loop (listener first in odd repetitions, baseline first in
 * even ones), each timed to the last annotation on the shared watch.
 */
export async function measureFanout(context: BenchContext, population: number): Promise<FanoutMeasurement[]> {
  const { plan, progress } = context;
  const listener = await context.startListener({ label: `fanout-${population}` });
  const sender = createDeliverySender(webhookUrl(context.webhookPort));
  const measurements: FanoutMeasurement[] = [];
  try {
    for (const matches of plan.fanout.matches.filter((count) => count <= population)) {
      const repetitions = plan.fanout.repetitions[matches] ?? 1;
      for (let repetition = 1; repetition <= repetitions; repetition += 1) {
        // A different ExternalSecret each time for one match, so no patch is a repeat of the last.
        const secret = secretMatching(matches, repetition);
        const members = membersMatching(matches, repetition);
        let listenerTiming: RotationTiming | undefined;
        let baselineTiming: RotationTiming | undefined;
        for (const side of repetition % 2 === 1 ? ['listener', 'baseline'] : ['baseline', 'listener']) {
          if (side === 'listener')
            listenerTiming = await timeListenerRotation(context, sender, secret, members);
          else baselineTiming = await timeBaselineRotation(context, secret, members);
        }
        if (listenerTiming === undefined || baselineTiming === undefined)
          throw new Error('fan-out: a side did not run');
        const keepAlive =
          repetition === 1 && plan.fanout.keepAliveReference.includes(matches)
            ? await timeBaselineRotation(context, secret, members, { keepAlive: true })
            : undefined;
        measurements.push({
          population,
          matches,
          repetition,
          listener: listenerTiming,
          baseline: baselineTiming,
          ...(keepAlive === undefined ? {} : { keepAlive }),
        });
        progress.line(
          `fanout ${population} ES, ${matches} match(es), rep ${repetition}/${repetitions}: ` +
            `listener ${formatMs(listenerTiming.toLastAnnotationMs)} (answered ${formatMs(listenerTiming.answerMs ?? Number.NaN)}; ${listenerTiming.requests === undefined ? '' : formatCounts(listenerTiming.requests)}), ` +
            `baseline ${formatMs(baselineTiming.toLastAnnotationMs)}` +
            (keepAlive === undefined
              ? ''
              : `, keep-alive reference ${formatMs(keepAlive.toLastAnnotationMs)}`),
        );
      }
    }
  } finally {
    await sender.close();
    await listener.stop();
  }
  return measurements;
}

/** Re-runs one rotation size under `node --cpu-prof`, a few times so that it outweighs start-up. */
export async function profileFanout(
  context: BenchContext,
  population: number,
  matches: number,
): Promise<FanoutProfile> {
  const listener = await context.startListener({
    label: `fanout-${population}-${matches}-profile`,
    cpuProfile: true,
  });
  const sender = createDeliverySender(webhookUrl(context.webhookPort));
  try {
    const deadline = performance.now() + 5_000;
    for (let repetition = 0; repetition < 20 && performance.now() < deadline; repetition += 1) {
      const members = membersMatching(matches, repetition);
      await timeListenerRotation(context, sender, secretMatching(matches, repetition), members);
    }
  } finally {
    await sender.close();
  }
  const stopped = await listener.stop();
  if (stopped.cpuProfile === undefined) throw new Error('the profiled listener wrote no profile');
  const summary = await summariseCpuProfile(stopped.cpuProfile, listener.readyAt - listener.spawnedAt);
  return { ...summary, population, matches };
}

export function fanoutFigures(measurements: readonly FanoutMeasurement[], target: number): Figure[] {
  const figures: Figure[] = [];
  const sizes = [...new Set(measurements.map((m) => m.population))];
  const matchCounts = [...new Set(measurements.map((m) => m.matches))];
  for (const population of sizes) {
    for (const matches of matchCounts) {
      const set = measurements.filter((m) => m.population === population && m.matches === matches);
      if (set.length === 0) continue;
      const listener = median(set.map((m) => m.listener.toLastAnnotationMs));
      const baseline = median(set.map((m) => m.baseline.toLastAnnotationMs));
      // Paired by repetition, like ingest: each pair ran back to back.
      const ratio = round(
        median(set.map((m) => m.baseline.toLastAnnotationMs / m.listener.toLastAnnotationMs)),
        3,
      );
      figures.push(
        figure({
          scenario: 'fanout',
          name: `${formatNumber(population)} ES, ${matches} match${matches === 1 ? '' : 'es'}: delivery → last annotation`,
          listener: formatMs(listener),
          baseline: formatMs(baseline),
          ratio,
          check: { value: ratio, op: '>=', limit: target },
          note: `listener answered 200 after ${formatMs(median(set.map((m) => m.listener.answerMs ?? Number.NaN)))} (median)`,
        }),
      );
      const reference = set.flatMap((m) =>
        m.keepAlive === undefined ? [] : [m.keepAlive.toLastAnnotationMs],
      );
      if (reference.length > 0) {
        figures.push(
          figure({
            scenario: 'fanout',
            name: `${formatNumber(population)} ES, ${matches} matches: same patches over keep-alive`,
            listener: formatMs(listener),
            baseline: `${formatMs(median(reference))} (undici keep-alive)`,
            ratio: round(median(reference) / listener, 3),
            note: 'a reference, not a target: @kubernetes/client-node opens a new TLS connection per request (a new https.Agent each time); this is the same loop with connections kept',
          }),
        );
      }
    }
  }
  for (const matches of matchCounts) {
    const set = measurements.filter((m) => m.matches === matches);
    const sum = (side: 'listener' | 'baseline', kinds: readonly RequestKind[]): number =>
      set.reduce(
        (total, m) => total + kinds.reduce((n, kind) => n + (m[side].requests?.byKind[kind] ?? 0), 0),
        0,
      );
    const reads = sum('listener', ['LIST', 'GET', 'WATCH']);
    const patches = sum('listener', ['PATCH']);
    const posts = sum('listener', ['POST']);
    const others = sum('listener', ['PUT', 'DELETE', 'DISCOVERY']);
    const events = set.length;
    const baselinePatches = sum('baseline', ['PATCH']);
    figures.push(
      figure({
        scenario: 'fanout',
        name: `${matches} match${matches === 1 ? '' : 'es'}: LIST + GET + WATCH per event`,
        listener: formatNumber(reads / events),
        baseline: '0',
        check: { value: reads / events, op: '==', limit: 0 },
        note: `over ${events} events at every size${others === 0 ? '' : `; also ${others} PUT/DELETE/discovery`}`,
      }),
    );
    const perMatch = round(patches / (events * matches), 3);
    figures.push(
      figure({
        scenario: 'fanout',
        name: `${matches} match${matches === 1 ? '' : 'es'}: PATCH per matched ES`,
        listener: formatNumber(perMatch),
        baseline: formatNumber(round(baselinePatches / (events * matches), 3)),
        check: { value: perMatch, op: '==', limit: 1 },
        note: `Events POSTed: ${formatNumber(round(posts / events, 1))} per event (${formatNumber(round(posts / (events * matches), 3))} per matched ES)`,
      }),
    );
  }
  return figures;
}

/**
 * Profiles the listener on the largest match count that missed its target (the most work per delivery,
 * so the profile is about fan-out, not start-up) and adds the summary to every missed time figure.
 */
export async function profileFanoutMisses(
  context: BenchContext,
  measurements: readonly FanoutMeasurement[],
  figures: readonly Figure[],
): Promise<{ figures: Figure[]; profile?: FanoutProfile }> {
  const missed = figures.filter((row) => row.verdict === 'MISSED' && row.name.includes('last annotation'));
  if (!context.plan.profileMisses || missed.length === 0) return { figures: [...figures] };
  const target = context.plan.fanout.target;
  const missedMatches = measurements
    .filter((m) => m.population <= context.population())
    .filter((m) => {
      const group = measurements.filter(
        (other) => other.population === m.population && other.matches === m.matches,
      );
      return median(group.map((g) => g.baseline.toLastAnnotationMs / g.listener.toLastAnnotationMs)) < target;
    })
    .map((m) => m.matches);
  const worst = Math.max(...missedMatches);
  if (!Number.isFinite(worst)) return { figures: [...figures] };
  // Each patch costs the same however many there are; a smaller fan-out repeats that work in less time.
  const matches = Math.min(worst, PROFILE_MAX_MATCHES);
  context.progress.line(`fanout: a target was missed; profiling the listener on ${matches}-match rotations`);
  const profile = await profileFanout(context, context.population(), matches);
  const note = profileReference('fanout');
  return { figures: figures.map((row) => (missed.includes(row) ? withNote(row, note) : row)), profile };
}
