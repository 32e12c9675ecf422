import type { Random } from '../core/random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Azure's documented retry schedule after the 1st, 2nd, … failed attempt; after the ninth it retries
 * every 12 hours until the time-to-live (at most 24 hours) runs out.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  10 * SECOND,
  30 * SECOND,
  1 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  3 * HOUR,
  6 * HOUR,
];
export const LATE_RETRY_INTERVAL_MS = 12 * HOUR;

/** Default response timeout: Azure waits 30 s for an answer (older docs said 60 s). */
export const RESPONSE_TIMEOUT_MS = 30 * SECOND;
/** How long a subscription may stay AwaitingManualAction: 10 minutes in current docs, 5 in older ones. */
export const VALIDATION_WINDOW_MS = 10 * MINUTE;

export const MAX_DELIVERY_ATTEMPTS = { min: 1, max: 30, default: 30 } as const;
export const EVENT_TTL_MINUTES = { min: 1, max: 1440, default: 1440 } as const;

/** Only 200–204 acknowledge a delivery; every other status, even 205 or 3xx, is a failure. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 204;
}

/** Statuses Azure never retries for a webhook: the event is dead-lettered (or dropped) at once. */
export function isNeverRetried(status: number): boolean {
  return status === 400 || status === 401 || status === 403 || status === 413;
}

/** Azure waits longer before retrying some statuses; everything else waits at least 10 s. */
export function minimumRetryDelayMs(status: number | undefined): number {
  if (status === 401 || status === 404) return 5 * MINUTE;
  if (status === 408) return 2 * MINUTE;
  if (status === 503) return 30 * SECOND;
  return 10 * SECOND;
}

export function scheduledRetryDelayMs(failedAttempts: number): number {
  return RETRY_SCHEDULE_MS[failedAttempts - 1] ?? LATE_RETRY_INTERVAL_MS;
}

/** ±10 %: "a small randomization" on every step, so retries from many senders do not line up. */
export const RETRY_JITTER = 0.1;

/**
 * How long to wait after the `failedAttempts`-th failure. `status` is the last answer (undefined for a
 * timeout or a connection error).
 */
export function retryDelayMs(failedAttempts: number, status: number | undefined, random: Random): number {
  const base = Math.max(scheduledRetryDelayMs(failedAttempts), minimumRetryDelayMs(status));
  const jittered = base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random());
  return Math.round(Math.max(jittered, minimumRetryDelayMs(status)));
}
