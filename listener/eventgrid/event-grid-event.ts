import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

// Ids, types and subjects end up in annotations and logs; Azure's are short, so long ones are refused
// here (400) rather than by the API server later (a 422 that Event Grid would retry for a day).
export const MAX_ID_LENGTH = 256;
export const MAX_TEXT_LENGTH = 1024;

/** The Event Grid schema envelope as delivered to a webhook (data is typed per event type). */
export const eventGridEventSchema = z.object({
  id: z.string().min(1).max(MAX_ID_LENGTH),
  topic: z.string().max(MAX_TEXT_LENGTH).optional(),
  subject: z.string().max(MAX_TEXT_LENGTH),
  eventType: z.string().min(1).max(MAX_ID_LENGTH),
  eventTime: timestampSchema,
  data: z.unknown(),
  dataVersion: z.string(),
  metadataVersion: z.string().optional(),
});
export type EventGridEvent = z.infer<typeof eventGridEventSchema>;

/** A delivery in the Event Grid schema is always an array, one event unless batching is on. */
export const eventGridDeliverySchema = z.array(eventGridEventSchema).min(1);

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
export const SUBSCRIPTION_DELETED_EVENT = 'Microsoft.EventGrid.SubscriptionDeletedEvent';

export const subscriptionValidationDataSchema = z.object({
  validationCode: z.string().min(1).max(1024),
  // Any string: a URL that does not parse is simply never fetched; the code is still answered.
  validationUrl: z.string().max(4096).optional(),
});
export type SubscriptionValidationData = z.infer<typeof subscriptionValidationDataSchema>;

export const subscriptionValidationEventSchema = eventGridEventSchema.extend({
  eventType: z.literal(SUBSCRIPTION_VALIDATION_EVENT),
  data: subscriptionValidationDataSchema,
});
export type SubscriptionValidationEvent = z.infer<typeof subscriptionValidationEventSchema>;

/** The body of a synchronous validation answer: lower-case `v`, as Azure requires. */
export const validationResponseSchema = z.object({ validationResponse: z.string() });
