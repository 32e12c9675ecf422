import type { AttemptRecord, DeliveryState } from './delivery/delivery-run.js';
import type { DeadLetterReason } from './delivery/dead-letter.js';
import type { HandshakeRecord, SubscriptionState } from './subscription/handshake.js';
import type { SubscriptionOptions } from './subscription/subscription-options.js';

/** A subscription as the report, progress lines and the dashboard show it. */
export interface SubscriptionSnapshot {
  readonly name: string;
  readonly endpoint: string;
  readonly options: SubscriptionOptions;
  readonly state: SubscriptionState;
  readonly validatedVia: 'validationResponse' | 'validationUrl' | 'webhookOptions' | undefined;
  readonly failureReason: string | undefined;
  readonly validationUrlFetched: boolean;
  readonly handshake: HandshakeRecord | undefined;
}

/** One batch on its way to one subscription. */
export interface DeliverySnapshot {
  readonly id: string;
  readonly subscription: string;
  readonly eventIds: readonly string[];
  readonly eventTypes: readonly string[];
  readonly subjects: readonly string[];
  readonly publishTime: number;
  readonly attempts: readonly AttemptRecord[];
  readonly state: DeliveryState;
  readonly nextAttemptAt: number | undefined;
  readonly deadLetterReason: DeadLetterReason | undefined;
  readonly deadLetterFile: string | undefined;
  readonly error: string | undefined;
}

/** The fate of one event at one subscription (the per-event lines of `--json`). */
export interface EventOutcome {
  readonly eventId: string;
  readonly eventType: string;
  readonly subject: string;
  readonly subscription: string;
  readonly deliveryId: string;
  readonly attempts: number;
  /** Every attempt's result in order: `503`, `timeout`, `200`. */
  readonly statuses: readonly string[];
  readonly outcome: DeliveryState;
  readonly deadLetterReason: DeadLetterReason | undefined;
}

export interface ReportCounts {
  /** Events accepted by publish(). */
  readonly published: number;
  /** Event deliveries (event × subscription) tried at least once. */
  readonly sent: number;
  readonly acknowledged: number;
  readonly deadLettered: number;
  readonly dropped: number;
  /** Still queued or waiting for a retry. */
  readonly pending: number;
  readonly cancelled: number;
  /** Event × subscription pairs a filter kept out. */
  readonly filteredOut: number;
  /** Event × subscription pairs not delivered because the subscription is not validated. */
  readonly notValidated: number;
  /** HTTP requests to webhooks: handshakes, attempts, retries and duplicates. */
  readonly requests: number;
  readonly retries: number;
  readonly duplicates: number;
}

export interface SimulatorReport {
  readonly subscriptions: readonly SubscriptionSnapshot[];
  readonly deliveries: readonly DeliverySnapshot[];
  readonly events: readonly EventOutcome[];
  readonly deadLetters: readonly Record<string, unknown>[];
  readonly counts: ReportCounts;
}

/** What the simulator tells observers (progress output, the dashboard's live feed). */
export type SimulatorEvent =
  | { readonly type: 'subscription'; readonly subscription: SubscriptionSnapshot }
  | {
      readonly type: 'published';
      readonly eventIds: readonly string[];
      readonly deliveries: readonly string[];
      readonly filteredOut: number;
      readonly notValidated: number;
    }
  | { readonly type: 'attempt'; readonly delivery: DeliverySnapshot; readonly attempt: AttemptRecord }
  | { readonly type: 'delivery'; readonly delivery: DeliverySnapshot }
  /** A failure of the simulator itself outside any delivery (a Key Vault expiry timer). */
  | { readonly type: 'error'; readonly message: string };

export type SimulatorListener = (event: SimulatorEvent) => void;
