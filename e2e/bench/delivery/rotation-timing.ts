import type { BenchContext } from '../bench-context.js';
import type { PopulationMember } from '../kube/population.js';
import { countsBetween, type RequestCounts } from '../proxy/request-counts.js';
import { cryptoRandom, randomGuid } from '../../../simulator/index.js';
import { rotationEvent, type DeliverySender } from './rotation-deliveries.js';

export interface RotationTiming {
  /** Delivery sent (or the baseline's first patch started) → the last annotation seen on the watch. */
  readonly toLastAnnotationMs: number;
  /** Delivery sent → the listener's answer (it answers 200 only once every patch is stored). */
  readonly answerMs?: number;
  readonly status?: number;
  /** Requests on the side's proxy lane, including the Events it records after answering. */
  readonly requests: RequestCounts | undefined;
}

export interface TimingOptions {
  /**
   * Count the side's API requests (the default). Counting waits for the proxy's tally to settle before
   * and after, a few hundred ms per rotation; the scale scenario's many one-match rotations skip it.
   */
  readonly countRequests?: boolean;
}

/** Generous per rotation, and proportional: a thousand patches on a loaded 2-core machine take seconds. */
export function rotationTimeoutMs(matches: number): number {
  return 30_000 + matches * 100;
}

/**
 * One rotation through the listener: the watch waits for the event's id on every member, the delivery
 * goes out, and the counts are read once the listener's trailing Events have settled, so that they
 * neither spill into the next measurement nor go uncounted.
 */
export async function timeListenerRotation(
  context: BenchContext,
  sender: DeliverySender,
  secret: string,
  members: readonly PopulationMember[],
  options: TimingOptions = {},
): Promise<RotationTiming> {
  const counting = options.countRequests ?? true;
  const before = counting ? await context.proxy.settledCounts('listener') : undefined;
  const event = rotationEvent(secret);
  const stored = context.watch.waitFor(event.id, members, rotationTimeoutMs(members.length));
  const answer = await sender.send([event]);
  if (answer.status !== 200) {
    // The error thrown here says what failed; the waiter's own timeout later would only repeat it.
    stored.catch(() => undefined);
    throw new Error(
      `the listener answered ${answer.status} to a rotation of ${secret}: ${answer.body.slice(0, 300)}`,
    );
  }
  const lastAt = await stored;
  const requests =
    before === undefined
      ? undefined
      : countsBetween(before, await settledWithEvents(context, before, members.length));
  return {
    toLastAnnotationMs: lastAt - answer.sentAt,
    answerMs: answer.answeredAt - answer.sentAt,
    status: answer.status,
    requests,
  };
}

/** The same rotation's patches from the bare client-node loop (or the keep-alive reference). */
export async function timeBaselineRotation(
  context: BenchContext,
  secret: string,
  members: readonly PopulationMember[],
  options: TimingOptions & { readonly keepAlive?: boolean } = {},
): Promise<RotationTiming> {
  const counting = options.countRequests ?? true;
  const before = counting ? await context.proxy.settledCounts('baseline') : undefined;
  const eventId = randomGuid(cryptoRandom);
  const stored = context.watch.waitFor(eventId, members, rotationTimeoutMs(members.length));
  const started = performance.now();
  try {
    const patcher = options.keepAlive === true ? context.keepAlivePatcher : context.baselinePatcher;
    await patcher.patch(eventId, secret, members);
  } catch (error: unknown) {
    // As above: the patch failure is the news, not the annotation that will never come.
    stored.catch(() => undefined);
    throw error;
  }
  const lastAt = await stored;
  const requests =
    before === undefined ? undefined : countsBetween(before, await context.proxy.settledCounts('baseline'));
  return { toLastAnnotationMs: lastAt - started, requests };
}

/**
 * Waits for the listener's Events (one POST per stored annotation, sent after it answers, four at a
 * time) until as many were counted as patches, or until none has come for QUIET_MS (Events are
 * best-effort and may be dropped, which the report shows as fewer POSTs). A TLS handshake per request
 * on a loaded machine can pause the stream for a few hundred ms, hence the long quiet period.
 */
export async function settledWithEvents(
  context: BenchContext,
  before: RequestCounts,
  expectedEvents: number,
): Promise<RequestCounts> {
  const deadline = performance.now() + rotationTimeoutMs(expectedEvents);
  let last = await context.proxy.counts('listener');
  let lastChange = performance.now();
  for (;;) {
    const posted = last.byKind.POST - before.byKind.POST;
    const now = performance.now();
    if (posted >= expectedEvents || now - lastChange > QUIET_MS || now > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const current = await context.proxy.counts('listener');
    if (JSON.stringify(current) !== JSON.stringify(last)) lastChange = performance.now();
    last = current;
  }
}

const QUIET_MS = 3_000;
const POLL_MS = 100;
