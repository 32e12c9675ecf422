import type { LedgerEntry } from '../delivery-ledger.js';
import { eventually } from '../eventually.js';
import type { EventGrid } from './event-grid.js';

/**
 * The span during which a fault is in force, as the deliveries saw it. Open it once the fault is in
 * place and close it before the repair begins: an attempt that started after the opening (on the
 * simulator's clock) and was answered before the closing certainly met the fault, whatever the timing.
 */
export interface FaultWindow {
  /** Attempts that met the fault. */
  met(): LedgerEntry[];
  close(): void;
}

export function openFaultWindow(grid: EventGrid): FaultWindow {
  const openedAt = grid.simulator.clock.now();
  grid.ledger.openFault();
  return {
    met: () => grid.ledger.entries.filter((entry) => entry.duringFault && entry.attempt.time >= openedAt),
    close: () => {
      grid.ledger.closeFault();
    },
  };
}

/** Waits until each of these deliveries has met the fault at least once. */
export async function waitUntilEachMetFault(
  window: FaultWindow,
  deliveryIds: readonly string[],
): Promise<void> {
  const notYet = (): string[] => {
    const met = new Set(window.met().map((entry) => entry.deliveryId));
    return deliveryIds.filter((id) => !met.has(id));
  };
  await eventually(
    () => Promise.resolve(notYet()),
    (left) => left.length === 0,
    { what: `an attempt during the fault for each of ${deliveryIds.length} deliveries`, timeoutMs: 60_000 },
  );
}

/** Waits until at least `count` attempts have met the fault: a stream has run into it. */
export async function waitUntilMetFault(window: FaultWindow, count: number): Promise<void> {
  await eventually(
    () => Promise.resolve(window.met().length),
    (met) => met >= count,
    { what: `${count} attempts during the fault`, timeoutMs: 60_000 },
  );
}

export function isAcknowledgement(entry: LedgerEntry): boolean {
  const { status } = entry.attempt;
  return status !== undefined && status >= 200 && status <= 204;
}

/** The distinct results of these attempts, sorted: `['503']`, `['503', 'timeout']`. */
export function resultsOf(entries: readonly LedgerEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.attempt.result))].sort();
}
