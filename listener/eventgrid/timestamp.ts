import { z } from 'zod';

// Event Grid writes seven fractional digits ("2019-11-18T15:13:39.4589254Z"); Date.parse accepts
// that and RFC 3339 offsets, which is the leniency the wire needs.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export const timestampSchema = z
  .string()
  .refine((value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)), {
    error: 'must be an RFC 3339 timestamp',
  });

/** Normalises a wire timestamp to RFC 3339 UTC with millisecond precision. */
export function toRfc3339(value: string): string {
  return new Date(Date.parse(value)).toISOString();
}
