import {
  cloudEventSchema,
  eventGridEventSchema,
  type CloudEvent,
  type EventGridEvent,
} from '../../listener/eventgrid/index.js';
import { formatAzureTime } from './azure-time.js';
import { selfCheck } from './self-check.js';

/**
 * An Event Grid event as Event Grid delivers it to a CloudEvents 1.0 subscription: topic becomes
 * source, eventType becomes type, eventTime becomes time; data is carried unchanged.
 */
export function toCloudEvent(event: EventGridEvent): CloudEvent {
  return selfCheck(
    cloudEventSchema,
    {
      specversion: '1.0',
      id: event.id,
      source: event.topic ?? '',
      subject: event.subject,
      type: event.eventType,
      time: event.eventTime,
      data: event.data,
    },
    'CloudEvent',
  );
}

/** The reverse, so CloudEvents fixtures can be published and then delivered in either schema. */
export function fromCloudEvent(event: CloudEvent, now: number): EventGridEvent {
  return selfCheck(
    eventGridEventSchema,
    {
      id: event.id,
      topic: event.source,
      subject: event.subject ?? '',
      eventType: event.type,
      eventTime: event.time ?? formatAzureTime(now),
      data: event.data ?? null,
      dataVersion: '1',
      metadataVersion: '1',
    },
    'Event Grid event',
  );
}
