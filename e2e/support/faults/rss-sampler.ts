import { readFile } from 'node:fs/promises';

export interface RssSample {
  /** Since sampling started. */
  readonly atMs: number;
  readonly rssBytes: number;
}

/** The resident set of a process, from /proc/<pid>/status (Linux): no cooperation from the process. */
export async function readRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(match[1]) * 1024;
}

export interface RssSampler {
  readonly samples: readonly RssSample[];
  /** Stops sampling; throws if a read failed (the process gone mid-run is a finding, not a gap). */
  stop(): Promise<readonly RssSample[]>;
  /** Stops sampling and reports nothing: for afterEach, after a failure that is already reported. */
  cancel(): void;
}

/** Reads the process's RSS now and every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs: number): RssSampler {
  const samples: RssSample[] = [];
  const started = performance.now();
  let failure: Error | undefined;
  let reading: Promise<void> = Promise.resolve();
  const take = (): void => {
    reading = readRss(pid).then(
      (rssBytes) => {
        samples.push({ atMs: Math.round(performance.now() - started), rssBytes });
      },
      (error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
        clearInterval(timer);
      },
    );
  };
  const timer = setInterval(take, intervalMs);
  take();
  return {
    samples,
    cancel: () => {
      clearInterval(timer);
    },
    stop: async () => {
      clearInterval(timer);
      await reading;
      if (failure !== undefined) {
        throw new Error(`sampling the RSS of ${pid}: ${failure.message}`, {
          cause: failure,
        });
      }
      return samples;
    },
  };
}
