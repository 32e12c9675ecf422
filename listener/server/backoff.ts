/** Schedules `callback` after `ms`; returns a function that cancels it. Injected by tests. */
export type SetTimer = (callback: () => void, ms: number) => () => void;

/** Retries of a failed operation: the delay doubles from `initialMs` up to `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly setTimer?: SetTimer;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

/** The delay before retry number `attempt` (0 for the first). */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.initialMs * 2 ** Math.min(attempt, 30), backoff.maxMs);
}

// Unref'd: a pending retry must never be what keeps a stopping process alive.
export const realTimer: SetTimer = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};
