import { expect } from 'vitest';

import {
  createScaledClock,
  createSimulator,
  type BatchOptions,
  type Simulator,
} from '../../../simulator/index.js';
import { recordDeliveries, type DeliveryLedger } from '../delivery-ledger.js';
import { SUBSCRIPTION } from './rotation-world.js';

/** The simulator playing Event Grid toward one listener URL, with every attempt on a ledger. */
export interface EventGrid {
  readonly simulator: Simulator;
  readonly ledger: DeliveryLedger;
  close(): Promise<void>;
}

export interface EventGridOptions {
  /** Real-time bound on each answer; past it the attempt is a timeout, which Event Grid retries. */
  readonly responseTimeoutMs?: number;
  /** Events per delivery; one by default, as Key Vault subscriptions usually run. */
  readonly batch?: Partial<BatchOptions>;
}

/**
 * Azure's retry schedule at 1/2000: retries after 5 ms, 15 ms, 30 ms, 150 ms, 300 ms, 0.9 s, 1.8 s,
 * 5.4 s, 10.8 s, so a fault of a few seconds is outlived without waiting Azure's minutes, and the
 * 24-hour time-to-live becomes 43 s, longer than any fault here lasts. The retries are what make
 * "nothing lost" true: every 5xx, timeout or refused connection is tried again.
 */
export async function subscribeEventGrid(url: string, options: EventGridOptions = {}): Promise<EventGrid> {
  const simulator = await createSimulator({
    clock: createScaledClock({ scale: 1 / 2000 }),
    responseTimeoutMs: options.responseTimeoutMs ?? 10_000,
  });
  const ledger = recordDeliveries(simulator);
  try {
    const subscription = await simulator.subscribe({
      name: SUBSCRIPTION,
      endpoint: url,
      ...(options.batch === undefined
        ? {}
        : { batch: { maxEvents: 1, preferredSizeKb: 64, ...options.batch } }),
    });
    expect(subscription.state, subscription.failureReason).toBe('Succeeded');
  } catch (error: unknown) {
    ledger.stop();
    await simulator.close();
    throw error;
  }
  return {
    simulator,
    ledger,
    close: async () => {
      ledger.stop();
      await simulator.close();
    },
  };
}
