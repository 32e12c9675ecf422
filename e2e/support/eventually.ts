import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** What is awaited, for the error message: "ExternalSecret a/b annotated". */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until `done` holds and returns that value. On timeout it throws with the last value
 * seen, so a failure says what the cluster or the listener looked like instead of just "timed out".
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: EventuallyOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what}; last seen: ${describe(value)}`,
      );
    }
    await delay(options.intervalMs ?? 100);
  }
}

function describe(value: unknown): string {
  // JSON.stringify answers undefined (despite its type) for undefined and functions.
  const json = JSON.stringify(value) as string | undefined;
  const text = typeof value === 'string' ? value : (json ?? String(value));
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

/** Polls until `probe` returns something, and returns it. */
export async function eventuallyDefined<T>(
  probe: () => Promise<T | undefined>,
  options: EventuallyOptions,
): Promise<T> {
  const value = await eventually(probe, (candidate) => candidate !== undefined, options);
  if (value === undefined) throw new Error(`${options.what}: nothing found`);
  return value;
}
