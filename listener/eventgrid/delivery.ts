import { z } from 'zod';
import { cloudEventBatchSchema, cloudEventSchema, type CloudEvent } from './cloud-event.js';
import {
  eventGridDeliverySchema,
  SUBSCRIPTION_VALIDATION_EVENT,
  subscriptionValidationEventSchema,
  type EventGridEvent,
  type SubscriptionValidationEvent,
} from './event-grid-event.js';
import { formatIssues } from './issues.js';
import {
  identifyKeyVaultObject,
  keyVaultDataSchema,
  objectTypeOfEventType,
  type KeyVaultObject,
} from './key-vault.js';

export type EventSchema = 'eventgrid' | 'cloudevents';

/** One event of a delivery, the same shape whichever schema carried it. */
export interface InboundEvent {
  readonly schema: EventSchema;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  /** eventTime (Event Grid) or time (CloudEvents), when present. */
  readonly time: string | undefined;
  /** topic (Event Grid) or source (CloudEvents). */
  readonly source: string | undefined;
  readonly data: unknown;
}

export type ParsedDelivery =
  | { readonly kind: 'validation'; readonly event: SubscriptionValidationEvent }
  | { readonly kind: 'events'; readonly schema: EventSchema; readonly events: readonly InboundEvent[] };

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export const CLOUDEVENTS_MEDIA_TYPE = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';

/**
 * Classifies and validates a delivery body. The content type decides the schema; plain JSON holding
 * `specversion` is taken as CloudEvents too, since some senders use `application/json` for them.
 */
export function parseDelivery(body: unknown, contentType: string | undefined): ParseResult<ParsedDelivery> {
  const media = mediaType(contentType);
  if (media === CLOUDEVENTS_MEDIA_TYPE) return parseCloudEvents(cloudEventSchema, body, 'event');
  if (media === CLOUDEVENTS_BATCH_MEDIA_TYPE) return parseCloudEvents(cloudEventBatchSchema, body, 'events');
  if (isCloudEventShaped(body)) {
    return Array.isArray(body)
      ? parseCloudEvents(cloudEventBatchSchema, body, 'events')
      : parseCloudEvents(cloudEventSchema, body, 'event');
  }
  return parseEventGrid(body);
}

function isCloudEventShaped(body: unknown): boolean {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  return typeof first === 'object' && first !== null && 'specversion' in first;
}

function parseEventGrid(body: unknown): ParseResult<ParsedDelivery> {
  const parsed = eventGridDeliverySchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: formatIssues(parsed.error, 'events') };
  const events = parsed.data;
  const validationIndex = events.findIndex((event) => event.eventType === SUBSCRIPTION_VALIDATION_EVENT);
  if (validationIndex >= 0) {
    if (events.length !== 1) {
      return { ok: false, error: `events[${validationIndex}]: a validation event must be delivered alone` };
    }
    const validation = subscriptionValidationEventSchema.safeParse(events[0]);
    if (!validation.success) return { ok: false, error: formatIssues(validation.error, 'events[0]') };
    return { ok: true, value: { kind: 'validation', event: validation.data } };
  }
  return { ok: true, value: { kind: 'events', schema: 'eventgrid', events: events.map(fromEventGrid) } };
}

function parseCloudEvents(
  schema: z.ZodType<CloudEvent | CloudEvent[]>,
  body: unknown,
  prefix: string,
): ParseResult<ParsedDelivery> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, error: formatIssues(parsed.error, prefix) };
  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return { ok: true, value: { kind: 'events', schema: 'cloudevents', events: list.map(fromCloudEvent) } };
}

function fromEventGrid(event: EventGridEvent): InboundEvent {
  return {
    schema: 'eventgrid',
    id: event.id,
    type: event.eventType,
    subject: event.subject,
    time: event.eventTime,
    source: event.topic,
    data: event.data,
  };
}

function fromCloudEvent(event: CloudEvent): InboundEvent {
  return {
    schema: 'cloudevents',
    id: event.id,
    type: event.type,
    subject: event.subject ?? '',
    time: event.time,
    source: event.source,
    data: event.data,
  };
}

/** The Key Vault object an event is about, or an error naming the field that failed. */
export function parseKeyVaultEvent(event: InboundEvent, path: string): ParseResult<KeyVaultObject> {
  const data = keyVaultDataSchema.safeParse(event.data ?? {});
  if (!data.success) return { ok: false, error: formatIssues(data.error, `${path}.data`) };
  const object = identifyKeyVaultObject(event.subject, data.data);
  if (object === undefined) {
    return {
      ok: false,
      error: `${path}: no Key Vault object named by data.Id, data.ObjectName or subject`,
    };
  }
  // A SecretNewVersionCreated whose Id names a key contradicts itself: refuse it rather than guess.
  const expected = objectTypeOfEventType(event.type);
  if (
    expected !== undefined &&
    object.objectType !== undefined &&
    object.objectType.toLowerCase() !== expected.toLowerCase()
  ) {
    return { ok: false, error: `${path}: ${event.type} names a ${object.objectType}, not a ${expected}` };
  }
  return { ok: true, value: object };
}
