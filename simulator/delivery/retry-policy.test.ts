import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryOutcome } from './attempt-result.js';
import { splitIntoBatches } from './batching.js';
import {
  isNeverRetried,
  isSuccessStatus,
  LATE_RETRY_INTERVAL_MS,
  minimumRetryDelayMs,
  RETRY_JITTER,
  retryDelayMs,
  scheduledRetryDelayMs,
} from './retry-policy.js';

describe('retry policy', () => {
  it('is 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h', () => {
    const minutes = Array.from({ length: 12 }, (_, index) => scheduledRetryDelayMs(index + 1) / 60_000);
    expect(minutes).toEqual([1 / 6, 0.5, 1, 5, 10, 30, 60, 180, 360, 720, 720, 720]);
    expect(LATE_RETRY_INTERVAL_MS).toBe(12 * 3_600_000);
  });

  it('jitters within ±10 % and never below the per-status minimum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(undefined, 404, 408, 500, 503),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (failed, status, r) => {
          const delay = retryDelayMs(failed, status, () => r);
          const base = Math.max(scheduledRetryDelayMs(failed), minimumRetryDelayMs(status));
          expect(delay).toBeGreaterThanOrEqual(minimumRetryDelayMs(status));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - RETRY_JITTER)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + RETRY_JITTER)));
        },
      ),
    );
  });

  it('accepts only 200–204 and never retries 400, 401, 403 and 413', () => {
    const statuses = Array.from({ length: 500 }, (_, index) => index + 100);
    expect(statuses.filter(isSuccessStatus)).toEqual([200, 201, 202, 203, 204]);
    expect(statuses.filter(isNeverRetried)).toEqual([400, 401, 403, 413]);
  });

  it("names outcomes as Azure's dead-letter records do", () => {
    expect(deliveryOutcome({ kind: 'timeout' })).toBe('TimedOut');
    expect(deliveryOutcome({ kind: 'response', status: 404, headers: {}, body: '' })).toBe('NotFound');
    expect(deliveryOutcome({ kind: 'response', status: 503, headers: {}, body: '' })).toBe('Busy');
  });
});

describe('batching', () => {
  it('keeps every event once, in order, within max events, over the size only when alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4000 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        (sizes, maxEvents, preferredSizeKb) => {
          const batches = splitIntoBatches(sizes, { maxEvents, preferredSizeKb }, (size) => size);
          expect(batches.flat()).toEqual(sizes);
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxEvents);
            const total = batch.reduce((sum, size) => sum + size, 0);
            if (batch.length > 1) expect(total).toBeLessThanOrEqual(preferredSizeKb * 1024);
          }
        },
      ),
    );
  });

  it('sends each event alone when batching is off', () => {
    expect(splitIntoBatches([1, 2, 3], undefined, () => 1)).toEqual([[1], [2], [3]]);
  });
});
