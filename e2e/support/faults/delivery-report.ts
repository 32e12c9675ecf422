import { expect } from 'vitest';

import type { DeliverySnapshot } from '../../../simulator/index.js';
import type { LedgerEntry } from '../delivery-ledger.js';
import { readExternalSecret } from '../external-secrets.js';
import type { Kube } from '../kube.js';
import { carriesRotation, type Rotation } from '../rotations.js';
import type { EventGrid } from './event-grid.js';

export interface RunCounts {
  readonly sent: number;
  readonly acknowledged: number;
  readonly observed: number;
}

/**
 * How many rotations are on their ExternalSecret, read back from the API server (rotation i is
 * expected on the ExternalSecret named after its secret, as in a RotationWorld).
 */
export async function countObserved(
  kube: Kube,
  namespace: string,
  sent: readonly Rotation[],
): Promise<number> {
  let observed = 0;
  for (const entry of sent) {
    const stored = await readExternalSecret(kube, namespace, entry.secret);
    if (stored !== undefined && carriesRotation(stored.annotations, entry)) observed += 1;
  }
  return observed;
}

/** `200 ×40, 503 ×12, timeout ×3`: what the listener answered, most frequent first. */
export function formatResults(entries: readonly LedgerEntry[]): string {
  const tally = new Map<string, number>();
  for (const { attempt } of entries) tally.set(attempt.result, (tally.get(attempt.result) ?? 0) + 1);
  const parts = [...tally].sort((a, b) => b[1] - a[1]).map(([result, count]) => `${result} ×${count}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * Prints the run's line for the CI log: what Event Grid sent, what was acknowledged, what is stored;
 * `note` says more about the observed count.
 */
export function printRun(label: string, grid: EventGrid, observed: number, note?: string): RunCounts {
  const { counts } = grid.simulator.report();
  process.stderr.write(
    `[e2e] ${label}: rotations: sent ${counts.sent}, acknowledged ${counts.acknowledged}, observed ${observed}` +
      `${note === undefined ? '' : ` ${note}`} (attempts: ${formatResults(grid.ledger.entries)};` +
      ` ${counts.retries} retries, ${counts.duplicates} duplicates)\n`,
  );
  return { sent: counts.sent, acknowledged: counts.acknowledged, observed };
}

/** The distinct states the deliveries ended in: `['acknowledged']` when nothing was given up. */
export function finalStates(deliveries: readonly DeliverySnapshot[]): string[] {
  return [...new Set(deliveries.map((delivery) => delivery.state))];
}

/**
 * Zero lost: every rotation sent was acknowledged and is on its ExternalSecret. Duplicates are
 * harmless by construction: a redelivered rotation writes the same annotations again.
 */
export async function expectNothingLost(
  label: string,
  grid: EventGrid,
  kube: Kube,
  namespace: string,
  sent: readonly Rotation[],
): Promise<void> {
  const counts = printRun(label, grid, await countObserved(kube, namespace, sent));
  expect(counts).toEqual({ sent: sent.length, acknowledged: sent.length, observed: sent.length });
}
