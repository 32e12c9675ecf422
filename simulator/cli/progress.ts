import { formatDuration } from '../subscription/handshake.js';
import type { DeliverySnapshot, SimulatorEvent, SubscriptionSnapshot } from '../simulator-types.js';
import type { Output } from './output.js';

/** Turns simulator events into one progress line each. `now` is the simulator's clock. */
export function progressPrinter(output: Output, now: () => number): (event: SimulatorEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'subscription':
        output.progress(describeSubscription(event.subscription));
        return;
      case 'published':
        if (event.filteredOut > 0)
          output.progress(`  ${event.filteredOut} event(s) kept out by subscription filters`);
        if (event.notValidated > 0) {
          output.progress(`  ${event.notValidated} event(s) not delivered: subscription not validated`);
        }
        return;
      case 'attempt': {
        const { attempt, delivery } = event;
        const tag = attempt.duplicate ? ' (duplicate on purpose)' : '';
        output.progress(
          `  ${describeDelivery(delivery)}: attempt ${attempt.number} -> ${attempt.result} ` +
            `in ${Math.round(attempt.latencyMs)} ms${tag}`,
        );
        return;
      }
      case 'delivery':
        output.progress(describeOutcome(event.delivery, now()));
        return;
      case 'error':
        output.error(`simulator error: ${event.message}`);
        return;
    }
  };
}

export function describeSubscription(subscription: SubscriptionSnapshot): string {
  const base = `subscription ${subscription.name} (${subscription.options.schema}) at ${subscription.endpoint}`;
  switch (subscription.state) {
    case 'Creating':
      return `${base}: handshake…`;
    case 'AwaitingManualAction':
      return `${base}: answered without the code, AwaitingManualAction until the validationUrl is fetched`;
    case 'Succeeded':
      return `${base}: validated via ${subscription.validatedVia ?? 'handshake'}`;
    case 'Failed':
      return `${base}: handshake FAILED: ${subscription.failureReason ?? 'unknown reason'}`;
  }
}

export function describeDelivery(delivery: DeliverySnapshot): string {
  const first = `${shortType(delivery.eventTypes[0] ?? '')} ${delivery.subjects[0] ?? ''}`.trim();
  const more = delivery.eventIds.length > 1 ? ` (+${delivery.eventIds.length - 1} in batch)` : '';
  const id = delivery.eventIds[0] ?? '';
  return `${first}${more} [${id.length > 12 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id}]`;
}

function describeOutcome(delivery: DeliverySnapshot, now: number): string {
  const attempts = `${delivery.attempts.length} attempt${delivery.attempts.length === 1 ? '' : 's'}`;
  switch (delivery.state) {
    case 'queued':
      return `  ${describeDelivery(delivery)}: queued`;
    case 'retrying':
      return `  ${describeDelivery(delivery)}: retry in ${formatDuration((delivery.nextAttemptAt ?? now) - now)} (Azure time)`;
    case 'acknowledged':
      return `  ${describeDelivery(delivery)}: acknowledged after ${attempts}`;
    case 'deadLettered':
      return `  ${describeDelivery(delivery)}: DEAD-LETTERED (${delivery.deadLetterReason ?? ''}) after ${attempts} -> ${delivery.deadLetterFile ?? ''}`;
    case 'dropped':
      return `  ${describeDelivery(delivery)}: DROPPED (${delivery.deadLetterReason ?? ''}) after ${attempts}; no --dead-letter folder`;
    case 'cancelled':
      return `  ${describeDelivery(delivery)}: cancelled${delivery.error === undefined ? '' : `: ${delivery.error}`}`;
  }
}

function shortType(type: string): string {
  return type.replace(/^Microsoft\.(KeyVault|EventGrid)\./, '');
}
