import type { EventGridEvent } from '../../../listener/eventgrid/index.js';
import { createScaledClock, createSimulator, type PublishReceipt } from '../../../simulator/index.js';
import type { BenchContext } from '../bench-context.js';
import { rotationEvent } from '../delivery/rotation-deliveries.js';
import { settledWithEvents, timeBaselineRotation, type RotationTiming } from '../delivery/rotation-timing.js';
import { member, soloSecret } from '../kube/population.js';
import { SUBSCRIPTION, webhookUrl } from '../listener/bench-config.js';
import { countsBetween, formatCounts, type RequestCounts } from '../proxy/request-counts.js';
import { summariseCpuProfile, type ProfileSummary } from '../report/cpu-profile-summary.js';
import { formatMs, formatNumber } from '../report/figures.js';
import { summariseLatencies, type LatencySummary } from '../report/stats.js';

/**
 * Retry delays run 100 times faster than Azure's (10 s → 100 ms), so backpressure's retries finish
 * within the run; answers and timeouts stay real-time.
 */
export const RETRY_CLOCK_SCALE = 0.01;
/** The listener's default --rate-limit: what a production install engages. */
export const DEFAULT_RATE_LIMIT = 200;
const SLICES = 100;

export interface BurstRun {
  readonly variant: 'rate limit off' | 'default rate limit';
  readonly rateLimit: number;
  readonly rotations: number;
  /** First → last publish, real ms: how long the burst took to hand over. */
  readonly sendWindowMs: number;
  readonly acknowledged: number;
  readonly annotated: number;
  /** First publish → the last annotation seen on the watch (undefined when not all were). */
  readonly toLastAnnotationMs: number | undefined;
  /** The listener's answer to each delivery's first attempt. */
  readonly firstAnswerMs: LatencySummary;
  /** Publish → acknowledged per delivery, retries included. */
  readonly toAcknowledgedMs: LatencySummary;
  /** Every attempt's result: `200`, `429`, `503`, `timeout`. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly retries: number;
  readonly requests: RequestCounts;
  /** Kubernetes Events the listener gave up on (its recorder is bounded and best-effort). */
  readonly eventsDropped: number;
  readonly failure?: string;
  /** With options.profile: the listener's CPU profile over the burst. */
  readonly profile?: ProfileSummary;
}

/** The same patches (one per ExternalSecret of the burst) from the bare client-node loop. */
export function burstBaseline(context: BenchContext): Promise<RotationTiming> {
  const members = Array.from({ length: context.plan.burst.rotations }, (_, index) => member(index));
  return timeBaselineRotation(context, 'solo-burst', members);
}

/**
 * Distinct one-match rotations (ExternalSecret i's own secret), published through the simulator one
 * delivery each, spread evenly over the window, with the simulator's retries on.
 */
export async function runBurst(
  context: BenchContext,
  rateLimit: number,
  options: { readonly profile?: boolean; readonly rotations?: number } = {},
): Promise<BurstRun> {
  const { windowMs } = context.plan.burst;
  const rotations = options.rotations ?? context.plan.burst.rotations;
  const variant = rateLimit === 0 ? 'rate limit off' : 'default rate limit';
  const label = `${rateLimit === 0 ? 'burst-no-limit' : 'burst-default-limit'}${options.profile === true ? '-profile' : ''}`;
  const url = webhookUrl(context.webhookPort);
  const listener = await context.startListener({ label, rateLimit, cpuProfile: options.profile === true });
  const simulator = await createSimulator({
    clock: createScaledClock({ scale: RETRY_CLOCK_SCALE }),
    responseTimeoutMs: 30_000,
    allowedTargets: [new URL(url).origin],
  });
  let simulatorOpen = true;
  let listenerRunning = true;
  try {
    const subscription = await simulator.subscribe({ name: SUBSCRIPTION, endpoint: url });
    if (subscription.state !== 'Succeeded') {
      throw new Error(
        `the listener did not validate the subscription: ${subscription.failureReason ?? subscription.state}`,
      );
    }
    const events: EventGridEvent[] = Array.from({ length: rotations }, (_, index) =>
      rotationEvent(soloSecret(index)),
    );
    const timeoutMs = 120_000;
    const stored = events.map((event, index) => context.watch.waitFor(event.id, [member(index)], timeoutMs));
    const before = await context.proxy.settledCounts('listener');
    const acknowledgedAt = new Map<string, number>();
    simulator.on((event) => {
      if (event.type === 'delivery' && event.delivery.state === 'acknowledged') {
        acknowledgedAt.set(event.delivery.id, performance.now());
      }
    });

    const publishedAt = new Map<string, number>();
    const receipts: PublishReceipt[] = [];
    const started = performance.now();
    for (let slice = 0; slice < SLICES; slice += 1) {
      const due = started + (slice * windowMs) / SLICES;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (const event of events.slice((slice * rotations) / SLICES, ((slice + 1) * rotations) / SLICES)) {
        const receipt = simulator.publish(event);
        for (const id of receipt.deliveryIds) publishedAt.set(id, performance.now());
        receipts.push(receipt);
      }
    }
    const sendWindowMs = performance.now() - started;

    const outcomes = await Promise.allSettled(stored);
    const annotatedTimes = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value] : [],
    );
    const settleDeadline = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), 30_000).unref(),
    );
    await Promise.race([Promise.all(receipts.map((receipt) => receipt.settled)), settleDeadline]);
    const report = simulator.report();
    const requests = countsBetween(before, await settledWithEvents(context, before, rotations));
    const eventsDropped = droppedEvents(await listener.metrics());

    const statuses: Record<string, number> = {};
    const firstAnswers: number[] = [];
    const toAcknowledged: number[] = [];
    for (const delivery of report.deliveries) {
      for (const attempt of delivery.attempts) statuses[attempt.result] = (statuses[attempt.result] ?? 0) + 1;
      const first = delivery.attempts[0];
      if (first !== undefined) firstAnswers.push(first.latencyMs);
      const sent = publishedAt.get(delivery.id);
      const acknowledged = acknowledgedAt.get(delivery.id);
      if (sent !== undefined && acknowledged !== undefined) toAcknowledged.push(acknowledged - sent);
    }
    const allAnnotated = annotatedTimes.length === rotations;
    const firstFailure = outcomes.find((outcome) => outcome.status === 'rejected');
    const run: BurstRun = {
      variant,
      rateLimit,
      rotations,
      sendWindowMs,
      acknowledged: report.counts.acknowledged,
      annotated: annotatedTimes.length,
      toLastAnnotationMs: allAnnotated ? Math.max(...annotatedTimes) - started : undefined,
      firstAnswerMs: summariseLatencies(firstAnswers),
      toAcknowledgedMs: summariseLatencies(toAcknowledged),
      statuses,
      retries: report.counts.retries,
      requests,
      eventsDropped,
      ...(firstFailure?.status === 'rejected'
        ? {
            failure:
              firstFailure.reason instanceof Error
                ? firstFailure.reason.message
                : String(firstFailure.reason),
          }
        : {}),
    };
    context.progress.line(
      `burst (${variant}): ${run.annotated}/${rotations} annotated, ${run.acknowledged} acknowledged, ` +
        `last annotation after ${formatMs(run.toLastAnnotationMs ?? Number.NaN)} (sent over ${formatMs(sendWindowMs)}), ` +
        `first answers p99 ${formatMs(run.firstAnswerMs.p99)}, statuses ${formatStatuses(statuses)}, ` +
        `${formatNumber(run.retries)} retries; API: ${formatCounts(requests)}; Events dropped: ${eventsDropped}`,
    );
    simulatorOpen = false;
    await simulator.close();
    listenerRunning = false;
    const stopped = await listener.stop();
    if (stopped.cpuProfile === undefined) return run;
    return {
      ...run,
      profile: await summariseCpuProfile(stopped.cpuProfile, listener.readyAt - listener.spawnedAt),
    };
  } finally {
    // Only when something threw before the orderly close above.
    if (simulatorOpen) await simulator.close();
    if (listenerRunning) await listener.stop();
  }
}

/** reloader_kubernetes_events_dropped_total from the listener's /metrics. */
function droppedEvents(metrics: string): number {
  const match = /^reloader_kubernetes_events_dropped_total (\S+)$/m.exec(metrics);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

export function formatStatuses(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}
