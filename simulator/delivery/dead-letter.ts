import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import { formatAzureTime } from '../events/azure-time.js';
import { toCloudEvent } from '../events/cloud-event-conversion.js';
import type { EventSchemaName } from '../subscription/subscription-options.js';

/** Why an event left the retry queue without being acknowledged (Azure's deadLetterReason values). */
export type DeadLetterReason =
  | 'MaxDeliveryAttemptsExceeded'
  | 'TimeToLiveExceeded'
  | 'UndeliverableDueToHttpBadRequest'
  | 'UndeliverableDueToHttpUnauthorized'
  | 'UndeliverableDueToHttpForbidden'
  | 'UndeliverableDueToHttpPayloadTooLarge';

/**
 * The reason for a status Azure never retries. 400's is from a capture; the other three follow its
 * pattern (Azure does not document them).
 */
export function neverRetriedReason(status: number): DeadLetterReason {
  switch (status) {
    case 401:
      return 'UndeliverableDueToHttpUnauthorized';
    case 403:
      return 'UndeliverableDueToHttpForbidden';
    case 413:
      return 'UndeliverableDueToHttpPayloadTooLarge';
    default:
      return 'UndeliverableDueToHttpBadRequest';
  }
}

export interface DeadLetterFacts {
  readonly reason: DeadLetterReason;
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastHttpStatusCode: number | undefined;
  readonly publishTime: number;
  readonly lastDeliveryAttemptTime: number | undefined;
}

/**
 * A dead-letter record as Azure writes it: the event in the subscription's schema plus the delivery
 * facts (camelCase for the Event Grid schema, lower-case attribute names for CloudEvents).
 */
export function deadLetterRecord(
  event: EventGridEvent,
  schema: EventSchemaName,
  facts: DeadLetterFacts,
): Record<string, unknown> {
  const lastAttempt =
    facts.lastDeliveryAttemptTime === undefined ? undefined : formatAzureTime(facts.lastDeliveryAttemptTime);
  if (schema === 'cloudevents') {
    return {
      ...toCloudEvent(event),
      deadletterreason: facts.reason,
      deliveryattempts: facts.deliveryAttempts,
      lastdeliveryoutcome: facts.lastDeliveryOutcome,
      ...(facts.lastHttpStatusCode === undefined ? {} : { lasthttpstatuscode: facts.lastHttpStatusCode }),
      publishtime: formatAzureTime(facts.publishTime),
      ...(lastAttempt === undefined ? {} : { lastdeliveryattempttime: lastAttempt }),
    };
  }
  return {
    ...event,
    deadLetterReason: facts.reason,
    deliveryAttempts: facts.deliveryAttempts,
    lastDeliveryOutcome: facts.lastDeliveryOutcome,
    ...(facts.lastHttpStatusCode === undefined ? {} : { lastHttpStatusCode: facts.lastHttpStatusCode }),
    publishTime: formatAzureTime(facts.publishTime),
    ...(lastAttempt === undefined ? {} : { lastDeliveryAttemptTime: lastAttempt }),
  };
}

/**
 * Writes one blob-like file per dead-lettered delivery, laid out as Azure lays out the container:
 * `{SUBSCRIPTION-NAME}/{yyyy}/{M}/{d}/{H}/{id}.json` (upper-cased name, unpadded UTC date and hour),
 * holding an array of records. Returns the file written.
 */
export async function writeDeadLetterFile(
  dir: string,
  subscription: string,
  time: number,
  id: string,
  records: readonly Record<string, unknown>[],
): Promise<string> {
  const date = new Date(time);
  const folder = join(
    dir,
    subscription.toUpperCase(),
    String(date.getUTCFullYear()),
    String(date.getUTCMonth() + 1),
    String(date.getUTCDate()),
    String(date.getUTCHours()),
  );
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${id}.json`);
  await writeFile(file, `${JSON.stringify(records, null, 2)}\n`);
  return file;
}
