import type { Socket } from 'node:net';

interface Queued {
  readonly due: number;
  /** undefined: the source ended; end the target once everything before it is written. */
  readonly chunk: Buffer | undefined;
}

/**
 * Pipes `from` into `to`, each chunk written `latencyMs()` after it arrived, read when it arrives: a
 * change of latency applies to the next chunk, not to those already waiting. Order is kept (a chunk is
 * never due before the one ahead of it), and the end of `from` is passed on after the last chunk, so a
 * TLS stream or an HTTP response arrives whole, only later.
 */
export function delayedPipe(from: Socket, to: Socket, latencyMs: () => number): void {
  const queue: Queued[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastDue = 0;

  const flush = (): void => {
    timer = undefined;
    if (to.destroyed) {
      queue.length = 0;
      return;
    }
    const now = performance.now();
    while (queue[0] !== undefined && queue[0].due <= now) {
      const { chunk } = queue[0];
      queue.shift();
      if (chunk === undefined) to.end();
      else to.write(chunk);
    }
    schedule();
  };
  const schedule = (): void => {
    const head = queue[0];
    if (head === undefined || timer !== undefined) return;
    timer = setTimeout(flush, Math.max(0, head.due - performance.now()));
  };
  const enqueue = (chunk: Buffer | undefined): void => {
    const due = Math.max(performance.now() + latencyMs(), lastDue);
    lastDue = due;
    queue.push({ due, chunk });
    schedule();
  };

  from.on('data', (chunk: Buffer) => {
    enqueue(chunk);
  });
  from.on('end', () => {
    enqueue(undefined);
  });
  // Once the target is gone (a cut, or its peer reset), what was held back for it has nowhere to go.
  to.on('close', () => {
    clearTimeout(timer);
    timer = undefined;
    queue.length = 0;
  });
}
