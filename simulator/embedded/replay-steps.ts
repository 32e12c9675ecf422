import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { Output } from '../cli/output.js';
import { progressPrinter } from '../cli/progress.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom } from '../core/random.js';
import { loadFixture } from '../events/load-fixture.js';
import { createSimulator, type Simulator } from '../simulator.js';
import type { DeliverySnapshot, SubscriptionSnapshot } from '../simulator-types.js';
import type { EventSchemaName } from '../subscription/subscription-options.js';
import { annotatedBy, checkDelivery, checkExternalSecrets, type CheckResult } from './check-expectations.js';
import type { ClusterView } from './cluster-view.js';
import type { Expectation } from './expectation-file.js';

export interface StepReport {
  readonly expectation: string;
  readonly fixture: string;
  readonly schema: EventSchemaName;
  readonly deliveries: readonly { eventIds: readonly string[]; statuses: readonly string[]; state: string }[];
  readonly annotated: readonly string[];
  readonly checks: readonly CheckResult[];
}

export interface SubscriptionReport {
  readonly schema: EventSchemaName;
  readonly name: string;
  readonly state: string;
  readonly validatedVia: string | undefined;
  readonly validationUrlFetched: boolean;
  readonly failureReason: string | undefined;
}

export interface ReplayStepsOptions {
  readonly expectations: readonly Expectation[];
  /** `http://127.0.0.1:{port}` of the listener's Event Grid server. */
  readonly target: string;
  readonly subscription: string;
  readonly cluster: ClusterView;
  readonly clock: Clock;
  readonly responseTimeoutMs: number;
  readonly validationWindowMs: number;
  readonly output: Output;
  /** How paths are shown (relative to the project root). */
  readonly display: (path: string) => string;
}

export interface ReplayStepsResult {
  readonly subscriptions: readonly SubscriptionReport[];
  readonly steps: readonly StepReport[];
}

/**
 * One Event Grid subscription per schema the expectations use (Azure binds a schema to a
 * subscription), handshakes first, then each fixture in order with its checks.
 */
export async function replaySteps(options: ReplayStepsOptions): Promise<ReplayStepsResult> {
  const { output } = options;
  const simulators: Simulator[] = [];
  const bySchema = new Map<EventSchemaName, { simulator: Simulator; subscription: SubscriptionSnapshot }>();
  const subscriptions: SubscriptionReport[] = [];
  const steps: StepReport[] = [];
  try {
    const schemas = [...new Set(options.expectations.map((expectation) => expectation.schema))];
    for (const schema of schemas) {
      output.progress(`\nhandshake  ${schema} subscription ${options.subscription}`);
      const simulator = await createSimulator({
        clock: options.clock,
        random: cryptoRandom,
        responseTimeoutMs: options.responseTimeoutMs,
        validationWindowMs: options.validationWindowMs,
        allowedTargets: [options.target],
      });
      simulators.push(simulator);
      simulator.on(progressPrinter(output, () => options.clock.now()));
      const subscription = await simulator.subscribe({
        name: options.subscription,
        endpoint: `${options.target}/${options.subscription}`,
        schema,
        // Retries are part of the rehearsal but a healthy listener needs none; 3 keeps a failure short.
        maxAttempts: 3,
      });
      bySchema.set(schema, { simulator, subscription });
      if (subscription.validationUrlFetched) output.progress('  (the validationUrl was fetched as well)');
      subscriptions.push({
        schema,
        name: subscription.name,
        state: subscription.state,
        validatedVia: subscription.validatedVia,
        validationUrlFetched: subscription.validationUrlFetched,
        failureReason: subscription.failureReason,
      });
    }

    let eventsSeen = (await options.cluster.events()).length;
    for (const [index, expectation] of options.expectations.entries()) {
      output.progress(
        `\nstep ${index + 1}/${options.expectations.length}  ${options.display(expectation.fixture)}  ` +
          `(${expectation.schema}; expectations in ${options.display(expectation.file)})`,
      );
      if (expectation.spec.description !== undefined) output.progress(`  ${expectation.spec.description}`);
      const entry = bySchema.get(expectation.schema);
      if (entry === undefined) throw new Error(`no ${expectation.schema} subscription`);
      steps.push(await runStep(expectation, entry.simulator, entry.subscription, options));
      const events = await options.cluster.events();
      for (const event of events.slice(eventsSeen)) {
        output.progress(
          `  kubernetes event ${event.type} ${event.reason} on ${event.regarding}: ${event.message}`,
        );
      }
      eventsSeen = events.length;
    }
  } finally {
    for (const simulator of simulators) await simulator.close();
  }
  return { subscriptions, steps };
}

async function runStep(
  expectation: Expectation,
  simulator: Simulator,
  subscription: SubscriptionSnapshot,
  options: ReplayStepsOptions,
): Promise<StepReport> {
  const events: EventGridEvent[] = await loadFixture(expectation.fixture, options.clock.now());
  const checks: CheckResult[] = [];
  let deliveries: readonly DeliverySnapshot[] = [];
  if (subscription.state !== 'Succeeded') {
    checks.push({
      ok: false,
      message: `subscription ${subscription.name} (${expectation.schema}) is not validated`,
    });
  } else {
    deliveries = await simulator.publish(events, { subscriptions: [subscription.name] }).settled;
    checks.push(...checkDelivery(expectation.spec.delivery, deliveries));
  }
  const externalSecrets = await options.cluster.externalSecrets();
  if (expectation.spec.externalSecrets !== undefined) {
    checks.push(...checkExternalSecrets(expectation.spec.externalSecrets, events, externalSecrets));
  }
  const annotated = annotatedBy(events, externalSecrets);
  for (const check of checks) options.output.progress(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.message}`);
  options.output.progress(
    `  annotated by this step: ${annotated.length === 0 ? '(none)' : annotated.join(', ')}`,
  );
  return {
    expectation: options.display(expectation.file),
    fixture: options.display(expectation.fixture),
    schema: expectation.schema,
    deliveries: deliveries.map((delivery) => ({
      eventIds: delivery.eventIds,
      statuses: delivery.attempts.map((attempt) => attempt.result),
      state: delivery.state,
    })),
    annotated,
    checks,
  };
}
