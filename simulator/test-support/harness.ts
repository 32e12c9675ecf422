import { createVirtualClock, type VirtualClock } from '../core/clock.js';
import { createSeededRandom } from '../core/random.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../simulator.js';
import {
  politeResponder,
  startRecordingWebhook,
  type RecordingWebhook,
  type Responder,
} from './recording-webhook.js';

export interface Harness {
  readonly webhook: RecordingWebhook;
  readonly simulator: Simulator;
  readonly clock: VirtualClock;
  close(): Promise<void>;
}

/**
 * A recording webhook and a simulator on a virtual clock with a seeded random source: Azure's whole
 * retry schedule runs in milliseconds and every run is the same.
 */
export async function startHarness(
  responder: Responder = politeResponder,
  options: Omit<SimulatorOptions, 'clock' | 'random'> = {},
): Promise<Harness> {
  const webhook = await startRecordingWebhook(responder);
  const clock = createVirtualClock();
  const simulator = await createSimulator({
    clock,
    random: createSeededRandom(42),
    responseTimeoutMs: 2_000,
    validationWindowMs: 2_000,
    ...options,
  });
  return {
    webhook,
    simulator,
    clock,
    async close() {
      await simulator.close();
      await webhook.close();
    },
  };
}
