import type { AttemptRecord, Simulator } from '../../simulator/index.js';

/** One attempt as the fault suites judge it: what was answered, and whether the fault was in force. */
export interface LedgerEntry {
  readonly deliveryId: string;
  readonly attempt: AttemptRecord;
  readonly duringFault: boolean;
}

/**
 * Records every delivery attempt the simulator makes, tagged with whether a fault was in force when
 * the answer came. The fault window is opened after the fault is in place and closed before it is
 * repaired, so an attempt tagged `duringFault` certainly met the fault.
 */
export interface DeliveryLedger {
  readonly entries: readonly LedgerEntry[];
  openFault(): void;
  closeFault(): void;
  /** Attempts of these deliveries. */
  attemptsOf(deliveryIds: readonly string[]): LedgerEntry[];
  stop(): void;
}

export function recordDeliveries(simulator: Simulator): DeliveryLedger {
  const entries: LedgerEntry[] = [];
  let duringFault = false;
  const unsubscribe = simulator.on((event) => {
    if (event.type === 'attempt') {
      entries.push({ deliveryId: event.delivery.id, attempt: event.attempt, duringFault });
    }
  });
  return {
    entries,
    openFault: () => {
      duringFault = true;
    },
    closeFault: () => {
      duringFault = false;
    },
    attemptsOf: (deliveryIds) => entries.filter((entry) => deliveryIds.includes(entry.deliveryId)),
    stop: () => {
      unsubscribe();
    },
  };
}
