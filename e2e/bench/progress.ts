/** Progress lines on stderr, each stamped with the time since the run began; stdout keeps the table. */
export interface Progress {
  line(text: string): void;
  /** Seconds since the run began. */
  elapsed(): number;
}

export function createProgress(
  write: (text: string) => void = (text) => process.stderr.write(text),
): Progress {
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  return {
    elapsed,
    line(text) {
      write(`[${elapsed().toFixed(1).padStart(6)} s] ${text}\n`);
    },
  };
}
