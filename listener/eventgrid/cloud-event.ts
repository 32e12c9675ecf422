import { z } from 'zod';
import { MAX_ID_LENGTH, MAX_TEXT_LENGTH } from './event-grid-event.js';
import { timestampSchema } from './timestamp.js';

/** CloudEvents 1.0 structured-mode event, as Event Grid delivers it. */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(MAX_ID_LENGTH),
  source: z.string().min(1).max(MAX_TEXT_LENGTH),
  type: z.string().min(1).max(MAX_ID_LENGTH),
  subject: z.string().max(MAX_TEXT_LENGTH).optional(),
  time: timestampSchema.optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  data: z.unknown().optional(),
});
export type CloudEvent = z.infer<typeof cloudEventSchema>;

export const cloudEventBatchSchema = z.array(cloudEventSchema).min(1);
