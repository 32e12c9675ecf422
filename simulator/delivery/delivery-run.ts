import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { SubscriptionOptions } from '../subscription/subscription-options.js';
import { deliveryOutcome, describeResult, statusOf, type AttemptResult } from './attempt-result.js';
import {
  deadLetterRecord,
  neverRetriedReason,
  writeDeadLetterFile,
  type DeadLetterReason,
} from './dead-letter.js';
import { buildDeliveryRequest } from './delivery-request.js';
import type { Sender } from './http-sender.js';
import { isNeverRetried, isSuccessStatus, retryDelayMs } from './retry-policy.js';

export interface AttemptRecord {
  /** 1-based; the aeg-delivery-count header carried `number - 1`. */
  readonly number: number;
  readonly deliveryCount: number;
  /** On the simulator's clock. */
  readonly time: number;
  /** `200`, `503`, `timeout`, `ECONNREFUSED`. */
  readonly result: string;
  readonly status: number | undefined;
  /** Azure's lastDeliveryOutcome name for this attempt. */
  readonly outcome: string;
  readonly latencyMs: number;
  /** A deliberate re-delivery of an acknowledged batch (at-least-once rehearsal). */
  readonly duplicate: boolean;
  readonly responseBody: string | undefined;
}

/**
 * queued → (retrying →)* acknowledged | deadLettered | dropped. `dropped` is a dead letter without a
 * dead-letter destination, as in Azure; `cancelled` means the simulator was closed first.
 */
export type DeliveryState = 'queued' | 'retrying' | 'acknowledged' | 'deadLettered' | 'dropped' | 'cancelled';

export interface DeliveryRecord {
  readonly id: string;
  readonly subscription: string;
  readonly events: readonly EventGridEvent[];
  readonly publishTime: number;
  readonly attempts: AttemptRecord[];
  state: DeliveryState;
  nextAttemptAt: number | undefined;
  deadLetterReason: DeadLetterReason | undefined;
  /** The records Azure would have written, kept whether or not a folder is configured. */
  deadLetters: Record<string, unknown>[];
  deadLetterFile: string | undefined;
  error: string | undefined;
}

export interface DeliveryDeps {
  readonly sender: Sender;
  readonly clock: Clock;
  readonly random: Random;
  readonly responseTimeoutMs: number;
  readonly signal: AbortSignal;
  /** Called after every attempt and state change, for progress, the report and the dashboard. */
  readonly onChange: (record: DeliveryRecord, attempt: AttemptRecord | undefined) => void;
}

/** Delivers one batch until it is acknowledged, dead-lettered or dropped, on Azure's retry schedule. */
export async function runDelivery(
  subscription: SubscriptionOptions,
  record: DeliveryRecord,
  deps: DeliveryDeps,
): Promise<void> {
  const expires = record.publishTime + subscription.ttlMinutes * 60_000;
  let last: AttemptResult | undefined;
  for (;;) {
    if (deps.clock.now() >= expires) {
      await endUndelivered(subscription, record, 'TimeToLiveExceeded', last, deps);
      return;
    }
    last = await attempt(subscription, record, false, deps);
    const status = statusOf(last);
    if (status !== undefined && isSuccessStatus(status)) {
      record.state = 'acknowledged';
      record.nextAttemptAt = undefined;
      deps.onChange(record, undefined);
      if (subscription.duplicates > 0 && deps.random() < subscription.duplicates) {
        await attempt(subscription, record, true, deps);
      }
      return;
    }
    if (status !== undefined && isNeverRetried(status)) {
      await endUndelivered(subscription, record, neverRetriedReason(status), last, deps);
      return;
    }
    const failed = record.attempts.filter((done) => !done.duplicate).length;
    if (failed >= subscription.maxAttempts) {
      await endUndelivered(subscription, record, 'MaxDeliveryAttemptsExceeded', last, deps);
      return;
    }
    const now = deps.clock.now();
    // A retry due after the time-to-live never happens: the event expires at the deadline instead.
    const wake = Math.min(now + retryDelayMs(failed, status, deps.random), expires);
    record.state = 'retrying';
    record.nextAttemptAt = wake;
    deps.onChange(record, undefined);
    try {
      await deps.clock.sleep(wake - now, deps.signal);
    } catch (error) {
      if (!deps.signal.aborted) throw error;
      record.state = 'cancelled';
      record.nextAttemptAt = undefined;
      deps.onChange(record, undefined);
      return;
    }
  }
}

async function attempt(
  subscription: SubscriptionOptions,
  record: DeliveryRecord,
  duplicate: boolean,
  deps: DeliveryDeps,
): Promise<AttemptResult> {
  const deliveryCount = record.attempts.length;
  const time = deps.clock.now();
  const request = buildDeliveryRequest(subscription, record.events, deliveryCount, deps.responseTimeoutMs);
  const { result, latencyMs } = await deps.sender.send(request);
  const done: AttemptRecord = {
    number: deliveryCount + 1,
    deliveryCount,
    time,
    result: describeResult(result),
    status: statusOf(result),
    outcome: deliveryOutcome(result),
    latencyMs,
    duplicate,
    responseBody: result.kind === 'response' && result.body !== '' ? result.body.slice(0, 2048) : undefined,
  };
  record.attempts.push(done);
  deps.onChange(record, done);
  return result;
}

async function endUndelivered(
  subscription: SubscriptionOptions,
  record: DeliveryRecord,
  reason: DeadLetterReason,
  last: AttemptResult | undefined,
  deps: DeliveryDeps,
): Promise<void> {
  const lastAttempt = record.attempts.at(-1);
  record.deadLetterReason = reason;
  record.nextAttemptAt = undefined;
  record.deadLetters = record.events.map((event) =>
    deadLetterRecord(event, subscription.schema, {
      reason,
      deliveryAttempts: record.attempts.length,
      lastDeliveryOutcome: last === undefined ? 'None' : deliveryOutcome(last),
      lastHttpStatusCode: last === undefined ? undefined : statusOf(last),
      publishTime: record.publishTime,
      lastDeliveryAttemptTime: lastAttempt?.time,
    }),
  );
  if (subscription.deadLetterDir === undefined) {
    record.state = 'dropped';
  } else {
    record.deadLetterFile = await writeDeadLetterFile(
      subscription.deadLetterDir,
      subscription.name,
      deps.clock.now(),
      record.id,
      record.deadLetters,
    );
    record.state = 'deadLettered';
  }
  deps.onChange(record, undefined);
}
