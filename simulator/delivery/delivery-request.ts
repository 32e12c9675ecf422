import {
  AegEventType,
  CONTENT_TYPE_CLOUDEVENT,
  CONTENT_TYPE_CLOUDEVENT_BATCH,
  CONTENT_TYPE_JSON,
  SUBSCRIPTION_VALIDATION_EVENT,
  type EventGridEvent,
} from '../../listener/eventgrid/index.js';
import { toCloudEvent } from '../events/cloud-event-conversion.js';
import type { SubscriptionOptions } from '../subscription/subscription-options.js';
import type { OutboundRequest } from './http-sender.js';
import { aegHeaders } from './wire-headers.js';

/** The body and content type of a delivery in the subscription's schema. */
export function encodeBatch(
  subscription: Pick<SubscriptionOptions, 'schema' | 'batch'>,
  events: readonly EventGridEvent[],
): { body: string; contentType: string } {
  if (subscription.schema === 'eventgrid') {
    // Always an array, even for one event.
    return { body: JSON.stringify(events), contentType: CONTENT_TYPE_JSON };
  }
  const cloudEvents = events.map(toCloudEvent);
  // Structured mode (one object) unless batching is on; then batch mode, an array.
  if (subscription.batch === undefined && cloudEvents.length === 1) {
    return { body: JSON.stringify(cloudEvents[0]), contentType: CONTENT_TYPE_CLOUDEVENT };
  }
  return { body: JSON.stringify(cloudEvents), contentType: CONTENT_TYPE_CLOUDEVENT_BATCH };
}

/** One POST of a batch, as Event Grid sends it on attempt `deliveryCount` (0 on the first). */
export function buildDeliveryRequest(
  subscription: SubscriptionOptions,
  events: readonly EventGridEvent[],
  deliveryCount: number,
  timeoutMs: number,
): OutboundRequest {
  const { body, contentType } = encodeBatch(subscription, events);
  const isValidation = events.every((event) => event.eventType === SUBSCRIPTION_VALIDATION_EVENT);
  const first = events[0];
  return {
    url: subscription.endpoint,
    method: 'POST',
    headers: {
      ...subscription.headers,
      ...aegHeaders({
        eventType: isValidation ? AegEventType.SubscriptionValidation : AegEventType.Notification,
        subscription: subscription.name,
        deliveryCount,
        dataVersion: subscription.schema === 'eventgrid' ? (first?.dataVersion ?? '1') : undefined,
        outputEventId: events.length === 1 ? first?.id : undefined,
      }),
      'content-type': contentType,
    },
    body,
    timeoutMs,
  };
}
