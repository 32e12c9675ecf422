import type { DeliveryRecord } from '../delivery/delivery-run.js';
import type {
  DeliverySnapshot,
  EventOutcome,
  ReportCounts,
  SimulatorReport,
  SubscriptionSnapshot,
} from '../simulator-types.js';

/** A copy of a delivery that later attempts will not change under the reader. */
export function snapshotDelivery(record: DeliveryRecord): DeliverySnapshot {
  return {
    id: record.id,
    subscription: record.subscription,
    eventIds: record.events.map((event) => event.id),
    eventTypes: record.events.map((event) => event.eventType),
    subjects: record.events.map((event) => event.subject),
    publishTime: record.publishTime,
    attempts: [...record.attempts],
    state: record.state,
    nextAttemptAt: record.nextAttemptAt,
    deadLetterReason: record.deadLetterReason,
    deadLetterFile: record.deadLetterFile,
    error: record.error,
  };
}

export interface ReportInput {
  readonly subscriptions: readonly SubscriptionSnapshot[];
  readonly deliveries: readonly DeliveryRecord[];
  readonly published: number;
  readonly filteredOut: number;
  readonly notValidated: number;
  readonly handshakeRequests: number;
}

export function buildReport(input: ReportInput): SimulatorReport {
  const events: EventOutcome[] = [];
  for (const record of input.deliveries) {
    const statuses = record.attempts.map((attempt) => attempt.result);
    for (const event of record.events) {
      events.push({
        eventId: event.id,
        eventType: event.eventType,
        subject: event.subject,
        subscription: record.subscription,
        deliveryId: record.id,
        attempts: record.attempts.length,
        statuses,
        outcome: record.state,
        deadLetterReason: record.deadLetterReason,
      });
    }
  }
  const count = (state: DeliveryRecord['state']): number =>
    input.deliveries
      .filter((record) => record.state === state)
      .reduce((sum, record) => sum + record.events.length, 0);
  const attempts = input.deliveries.flatMap((record) => record.attempts);
  const counts: ReportCounts = {
    published: input.published,
    sent: input.deliveries
      .filter((record) => record.attempts.length > 0)
      .reduce((sum, record) => sum + record.events.length, 0),
    acknowledged: count('acknowledged'),
    deadLettered: count('deadLettered'),
    dropped: count('dropped'),
    pending: count('queued') + count('retrying'),
    cancelled: count('cancelled'),
    filteredOut: input.filteredOut,
    notValidated: input.notValidated,
    requests: input.handshakeRequests + attempts.length,
    retries: attempts.filter((attempt) => attempt.number > 1 && !attempt.duplicate).length,
    duplicates: attempts.filter((attempt) => attempt.duplicate).length,
  };
  return {
    subscriptions: input.subscriptions,
    deliveries: input.deliveries.map(snapshotDelivery),
    events,
    deadLetters: input.deliveries.flatMap((record) => record.deadLetters),
    counts,
  };
}
