import { z } from 'zod';
import { EVENT_TTL_MINUTES, MAX_DELIVERY_ATTEMPTS } from '../delivery/retry-policy.js';

export const eventSchemaNameSchema = z.enum(['eventgrid', 'cloudevents']);
export type EventSchemaName = z.infer<typeof eventSchemaNameSchema>;

export const validationModeSchema = z.enum(['sync', 'async']);
/**
 * `sync`: the webhook must echo the code in its 200 answer. `async`: a 200 without the code leaves the
 * subscription AwaitingManualAction until something GETs the validationUrl within the window. A 200
 * with the right code validates at once in both modes, as in Azure.
 */
export type ValidationMode = z.infer<typeof validationModeSchema>;

// Azure's limits, so a rehearsal cannot configure what Azure would refuse.
export const batchOptionsSchema = z.strictObject({
  maxEvents: z.int().min(1).max(5000).default(1),
  preferredSizeKb: z.int().min(1).max(1024).default(64),
});
export type BatchOptions = z.infer<typeof batchOptionsSchema>;

export const filterOptionsSchema = z.strictObject({
  includedEventTypes: z.array(z.string().min(1)).min(1).optional(),
  subjectBeginsWith: z.string().min(1).optional(),
  subjectEndsWith: z.string().min(1).optional(),
  /** Azure compares subjects case-insensitively unless the subscription says otherwise. */
  subjectCaseSensitive: z.boolean().default(false),
});
export type FilterOptions = z.infer<typeof filterOptionsSchema>;

const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

// Custom delivery headers: Azure allows up to 10 static ones per subscription.
const headerNameSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name');

export const subscriptionOptionsSchema = z.strictObject({
  /** Event Grid subscription names: 3–64 letters, digits and hyphens. */
  name: z.string().regex(/^[A-Za-z0-9-]{3,64}$/, 'must be 3–64 letters, digits or hyphens'),
  endpoint: httpUrlSchema,
  /** Deliver only events of this topic; all topics when absent. */
  topic: z.string().min(1).optional(),
  schema: eventSchemaNameSchema.default('eventgrid'),
  validation: validationModeSchema.default('sync'),
  maxAttempts: z
    .int()
    .min(MAX_DELIVERY_ATTEMPTS.min)
    .max(MAX_DELIVERY_ATTEMPTS.max)
    .default(MAX_DELIVERY_ATTEMPTS.default),
  ttlMinutes: z
    .int()
    .min(EVENT_TTL_MINUTES.min)
    .max(EVENT_TTL_MINUTES.max)
    .default(EVENT_TTL_MINUTES.default),
  batch: batchOptionsSchema.optional(),
  filters: filterOptionsSchema.default({ subjectCaseSensitive: false }),
  /** Folder for dead-letter records; without it undeliverable events are dropped, as in Azure. */
  deadLetterDir: z.string().min(1).optional(),
  /** Share of acknowledged deliveries sent once more, to rehearse at-least-once delivery. */
  duplicates: z.number().min(0).max(1).default(0),
  headers: z
    .record(headerNameSchema, z.string())
    .refine((headers) => Object.keys(headers).length <= 10, 'at most 10 custom delivery headers')
    .default({}),
});

export type SubscriptionOptionsInput = z.input<typeof subscriptionOptionsSchema>;
export type SubscriptionOptions = z.infer<typeof subscriptionOptionsSchema>;
