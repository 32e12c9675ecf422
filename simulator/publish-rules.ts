import { eventGridEventSchema, formatIssues, type EventGridEvent } from '../listener/eventgrid/index.js';
import { jsonSize } from './delivery/batching.js';
import { selfCheck } from './events/self-check.js';
import { PublishError } from './simulator-errors.js';

/** Event Grid's limit for one event and for one publish request. */
export const MAX_PUBLISH_BYTES = 1024 * 1024;

/** A subscription's topic is a full resource id or its last segment (`kv-prod` for a vault). */
export function topicMatches(wanted: string | undefined, topic: string | undefined): boolean {
  if (wanted === undefined) return true;
  if (topic === undefined) return false;
  const lowerTopic = topic.toLowerCase();
  const lowerWanted = wanted.toLowerCase();
  return lowerTopic === lowerWanted || lowerTopic.split('/').at(-1) === lowerWanted;
}

/** Checks a published event and fills in what Event Grid fills in on publish (topic, metadataVersion). */
export function normalisePublished(
  event: EventGridEvent,
  index: number,
  defaultTopic: string,
): EventGridEvent {
  const parsed = eventGridEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new PublishError('SIM_INVALID_EVENT', formatIssues(parsed.error, `events[${index}]`));
  }
  const size = jsonSize(parsed.data);
  if (size > MAX_PUBLISH_BYTES) {
    throw new PublishError(
      'SIM_PAYLOAD_TOO_LARGE',
      `events[${index}] is ${size} bytes; Event Grid's limit is 1 MB`,
    );
  }
  return selfCheck(
    eventGridEventSchema,
    {
      ...parsed.data,
      topic: parsed.data.topic ?? defaultTopic,
      metadataVersion: parsed.data.metadataVersion ?? '1',
    },
    'published event',
  );
}
