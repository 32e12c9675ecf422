import type { DeliverySnapshot, PublishReceipt, Simulator } from '../../../simulator/index.js';
import { rotation, type Rotation } from '../rotations.js';

export interface RotationStreamOptions {
  /** Rotation i rotates secrets[i % secrets.length]. */
  readonly secrets: readonly string[];
  readonly perSecond: number;
  /** How many rotations in all: the stream is bounded in count, and so in time. */
  readonly count: number;
}

/** Rotations published one by one at a steady rate, each its own delivery. */
export interface RotationStream {
  /** Published so far, in order. */
  readonly sent: readonly Rotation[];
  /** Resolves once all `count` are published, or stop() was called. */
  readonly finished: Promise<void>;
  stop(): void;
  /** Every delivery of what was published, once each is acknowledged, dead-lettered or dropped. */
  settled(): Promise<DeliverySnapshot[]>;
}

/**
 * Publishes on a fixed schedule (rotation i at i/perSecond seconds from the start), catching up after a
 * late tick instead of drifting, so the rate holds however long the run.
 */
export function startRotationStream(simulator: Simulator, options: RotationStreamOptions): RotationStream {
  if (options.secrets.length === 0) throw new Error('rotation stream: no secrets to rotate');
  const sent: Rotation[] = [];
  const receipts: PublishReceipt[] = [];
  const started = performance.now();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const publishDue = (): void => {
    const due = Math.min(
      options.count,
      Math.floor(((performance.now() - started) * options.perSecond) / 1000) + 1,
    );
    while (sent.length < due) {
      const secret = options.secrets[sent.length % options.secrets.length] ?? '';
      const next = rotation(secret);
      sent.push(next);
      receipts.push(simulator.publish([next.event]));
    }
    if (sent.length >= options.count) stop();
  };
  const timer = setInterval(publishDue, Math.max(1, Math.floor(1000 / options.perSecond)));
  const stop = (): void => {
    clearInterval(timer);
    finish();
  };
  publishDue();

  return {
    sent,
    finished,
    stop,
    settled: async () => (await Promise.all(receipts.map((receipt) => receipt.settled))).flat(),
  };
}
