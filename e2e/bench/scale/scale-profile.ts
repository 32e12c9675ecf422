import type { BenchContext } from '../bench-context.js';
import { webhookUrl } from '../listener/bench-config.js';
import { profileReference, summariseCpuProfile, type ProfileSummary } from '../report/cpu-profile-summary.js';
import { withNote, type Figure } from '../report/figures.js';

/**
 * Profiles the listener's own per-event work at the largest size: no-match deliveries, closed loop, for
 * a few seconds, which is where a cost that grows with the cache would show.
 */
export async function profileScale(context: BenchContext): Promise<ProfileSummary> {
  const population = context.population();
  const listener = await context.startListener({ label: `scale-${population}-profile`, cpuProfile: true });
  let stopped: Awaited<ReturnType<typeof listener.stop>>;
  try {
    const worker = await context.loadWorker();
    await worker.run({ url: webhookUrl(context.webhookPort), concurrency: 1, warmupMs: 0, measureMs: 4_000 });
  } finally {
    stopped = await listener.stop();
  }
  if (stopped.cpuProfile === undefined) throw new Error('the profiled listener wrote no profile');
  return summariseCpuProfile(stopped.cpuProfile, listener.readyAt - listener.spawnedAt);
}

export async function profileScaleMiss(
  context: BenchContext,
  figures: readonly Figure[],
): Promise<{ figures: Figure[]; profile?: ProfileSummary }> {
  const missed = figures.filter((row) => row.verdict === 'MISSED');
  if (!context.plan.profileMisses || missed.length === 0 || context.population() === 0) {
    return { figures: [...figures] };
  }
  context.progress.line('scale: a target was missed; profiling no-match deliveries at the largest size');
  const profile = await profileScale(context);
  const note = profileReference('scale');
  return { figures: figures.map((row) => (missed.includes(row) ? withNote(row, note) : row)), profile };
}
