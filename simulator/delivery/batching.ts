import type { BatchOptions } from '../subscription/subscription-options.js';

/**
 * Splits events into batches the way Event Grid does: never more than `maxEvents`, and no more than
 * the preferred size unless a single event is larger on its own (it then travels alone, not dropped).
 * Without batching every event is its own delivery (still an array of one in the Event Grid schema).
 */
export function splitIntoBatches<T>(
  events: readonly T[],
  batch: BatchOptions | undefined,
  sizeOf: (event: T) => number,
): T[][] {
  if (batch === undefined) return events.map((event) => [event]);
  const limit = batch.preferredSizeKb * 1024;
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = sizeOf(event);
    if (current.length > 0 && (current.length >= batch.maxEvents || size + eventSize > limit)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function jsonSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
