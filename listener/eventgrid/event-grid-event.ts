import { z } from 'zod';
import { timestampSchema } from './timestamp.js';

/** The Event Grid schema envelope as delivered to a webhook (data is typed per event type). */
export const eventGridEventSchema = z.object({
  id: z.string().min(1),
  topic: z.string().optional(),
  subject: z.string(),
  eventType: z.string().min(1),
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
  validationUrl: z.url().optional(),
});
export type SubscriptionValidationData = z.infer<typeof subscriptionValidationDataSchema>;

export const subscriptionValidationEventSchema = eventGridEventSchema.extend({
  eventType: z.literal(SUBSCRIPTION_VALIDATION_EVENT),
  data: subscriptionValidationDataSchema,
});
export type SubscriptionValidationEvent = z.infer<typeof subscriptionValidationEventSchema>;

/** The body of a synchronous validation answer: lower-case `v`, as Azure requires. */
export const validationResponseSchema = z.object({ validationResponse: z.string() });
