/**
 * The simulator's timeline. Retry delays, event time-to-live and Key Vault expiry all run on a Clock, so
 * a test can run Azure's 24-hour retry schedule in milliseconds and the CLI can run it faster by a factor.
 */
export interface Clock {
  /** Milliseconds since the epoch on this clock's timeline. */
  now(): number;
  /** Resolves once `ms` have passed on this timeline; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// setTimeout overflows above 2^31-1 ms (about 24.8 days), and Key Vault's near-expiry notice sleeps longer.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScaledClockOptions {
  /** Real time per simulated time: 0.001 runs a 10 s retry delay in 10 ms. */
  readonly scale?: number;
  /** Where the timeline starts, in epoch ms (default: the real time now). */
  readonly start?: number;
}

/** Real timers, optionally sped up: simulated time passes 1/scale times faster than real time. */
export function createScaledClock(options: ScaledClockOptions = {}): Clock {
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`clock scale must be > 0, got ${scale}`);
  const start = options.start ?? Date.now();
  const origin = performance.now();
  return {
    now: () => Math.round(start + (performance.now() - origin) / scale),
    sleep: (ms, signal) => realSleep(Math.max(0, ms) * scale, signal),
  };
}

async function realSleep(realMs: number, signal: AbortSignal | undefined): Promise<void> {
  let remaining = realMs;
  do {
    const chunk = Math.min(remaining, MAX_TIMER_MS);
    await timer(chunk, signal);
    remaining -= chunk;
  } while (remaining > 0);
}

function timer(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(handle);
      reject(abortReason(signal));
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

export interface VirtualClock extends Clock {
  /** Timers waiting on this clock. */
  pending(): number;
}

interface VirtualTimer {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A timeline that jumps straight to the next due timer. Whenever a timer is pending, the earliest one
 * fires on the next turn of the event loop and the clock moves to its due time; timers fire one at a
 * time in due order, so a retry schedule keeps its shape. Real I/O (a webhook answering) is not on this
 * timeline, which is why response timeouts are real-time bounds and not clock timers.
 */
export function createVirtualClock(start = Date.UTC(2026, 11, 1, 10, 0, 0)): VirtualClock {
  let now = start;
  let seq = 0;
  let scheduled = false;
  const timers: VirtualTimer[] = [];

  const fireNext = (): void => {
    scheduled = false;
    timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
    const next = timers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.due);
    next.resolve();
    schedule();
  };
  const schedule = (): void => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(fireNext);
  };

  return {
    now: () => now,
    pending: () => timers.length,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(abortReason(signal));
          return;
        }
        const entry: VirtualTimer = {
          due: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const index = timers.indexOf(entry);
          if (index >= 0) timers.splice(index, 1);
          reject(abortReason(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(entry);
        schedule();
      }),
  };
}
