import { setMaxListeners } from 'node:events';

import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import { formatIssues, type EventGridEvent } from '../listener/eventgrid/index.js';
import { createScaledClock, type Clock } from './core/clock.js';
import { cryptoRandom, randomGuid, type Random } from './core/random.js';
import { jsonSize, splitIntoBatches } from './delivery/batching.js';
import { runDelivery, type AttemptRecord, type DeliveryRecord } from './delivery/delivery-run.js';
import { createHttpSender } from './delivery/http-sender.js';
import { RESPONSE_TIMEOUT_MS, VALIDATION_WINDOW_MS } from './delivery/retry-policy.js';
import { vaultLocation, vaultTopic } from './events/key-vault-event.js';
import { loadFixture } from './events/load-fixture.js';
import { createKeyVaultEmulator, type KeyVaultEmulator } from './keyvault/key-vault-emulator.js';
import { MAX_PUBLISH_BYTES, normalisePublished, topicMatches } from './publish-rules.js';
import { buildReport, snapshotDelivery } from './report/build-report.js';
import { PublishError, SubscriptionError } from './simulator-errors.js';
import type {
  SimulatorEvent,
  SimulatorListener,
  SimulatorReport,
  SubscriptionSnapshot,
} from './simulator-types.js';
import { matchesFilters } from './subscription/filters.js';
import { performHandshake, type HandshakeOutcome } from './subscription/handshake.js';
import {
  subscriptionOptionsSchema,
  type SubscriptionOptions,
  type SubscriptionOptionsInput,
} from './subscription/subscription-options.js';
import { createValidationRegistry, type ValidationRegistry } from './subscription/validation-registry.js';
import { startValidationServer } from './subscription/validation-server.js';
import { endpointKey, isUnderTargets } from './targets.js';

export { PublishError, SubscriptionError } from './simulator-errors.js';

export interface SimulatorOptions {
  /** The timeline of retries, time-to-live and Key Vault expiry (default: real time). */
  readonly clock?: Clock;
  /** Jitter, validation codes, event ids, versions (default: crypto randomness). */
  readonly random?: Random;
  /** Real-time bound on every answer; Azure's is 30 s. Scale it yourself with the clock. */
  readonly responseTimeoutMs?: number;
  /** Real-time bound on AwaitingManualAction; Azure's is 10 minutes. */
  readonly validationWindowMs?: number;
  /**
   * Where validationUrls point. By default the simulator serves them itself on 127.0.0.1 (a free
   * port); pass a base URL when you mount `validationRoutes` with `simulator.validationRegistry`.
   */
  readonly validationBaseUrl?: string | (() => string);
  /**
   * Endpoint prefixes subscriptions may use. Given, subscribe() refuses anything else: the simulator
   * only ever sends to targets its user named.
   */
  readonly allowedTargets?: readonly string[];
  /** Outbound HTTP (default: a private keep-alive undici Agent). */
  readonly dispatcher?: Dispatcher;
  /** Topic of events published without one, and of handshakes of subscriptions without a topic. */
  readonly defaultTopic?: string;
}

export interface PublishOptions {
  /** Deliver only to these subscriptions (by name); all matching subscriptions otherwise. */
  readonly subscriptions?: readonly string[];
}

export interface PublishReceipt {
  readonly eventIds: readonly string[];
  readonly deliveryIds: readonly string[];
  readonly filteredOut: number;
  readonly notValidated: number;
  /** Resolves when every delivery of this publish is acknowledged, dead-lettered, dropped or cancelled. */
  readonly settled: Promise<SimulatorReport['deliveries']>;
}

/** The Event Grid simulator: subscriptions with Azure's handshake, delivery, retries and dead letters. */
export interface Simulator {
  /** Creates a subscription and runs its handshake; resolves once it is Succeeded or Failed. */
  subscribe(options: SubscriptionOptionsInput): Promise<SubscriptionSnapshot>;
  /** Publishes events (Event Grid schema) to every validated subscription whose filters match. */
  publish(events: EventGridEvent | readonly EventGridEvent[], options?: PublishOptions): PublishReceipt;
  /** Publishes each fixture file as one publish (so batching can group its events). */
  replayFiles(files: readonly string[], options?: PublishOptions): Promise<PublishReceipt[]>;
  /** Waits until no delivery is queued or waiting for a retry. */
  drain(): Promise<void>;
  report(): SimulatorReport;
  subscriptions(): SubscriptionSnapshot[];
  /** Observes subscriptions, attempts and outcomes; returns the unsubscribe function. */
  on(listener: SimulatorListener): () => void;
  readonly keyVault: KeyVaultEmulator;
  readonly validationRegistry: ValidationRegistry;
  readonly clock: Clock;
  /** Cancels pending retries, stops timers, closes connections and the validation server. */
  close(): Promise<void>;
}

interface SubscriptionEntry {
  readonly options: SubscriptionOptions;
  snapshot: SubscriptionSnapshot;
}

export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? createScaledClock();
  const random = options.random ?? cryptoRandom;
  const responseTimeoutMs = options.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
  const validationWindowMs = options.validationWindowMs ?? VALIDATION_WINDOW_MS;
  const defaultTopic = options.defaultTopic ?? vaultTopic(vaultLocation('kv-prod'));
  const closing = new AbortController();
  // Every delivery in flight listens for close(); thousands at once is the load mode's normal state.
  setMaxListeners(0, closing.signal);
  const listeners = new Set<SimulatorListener>();
  const subscriptions = new Map<string, SubscriptionEntry>();
  const deliveries: DeliveryRecord[] = [];
  const runs = new Map<DeliveryRecord, Promise<void>>();
  const inflight = new Set<Promise<void>>();
  let published = 0;
  let filteredOut = 0;
  let notValidated = 0;
  let handshakeRequests = 0;

  // The registry reads the base URL lazily: our own server's port is known only once it listens.
  let baseUrl: () => string = () => '';
  const registry = createValidationRegistry(() => baseUrl());
  let validationServer: FastifyInstance | undefined;
  if (options.validationBaseUrl === undefined) {
    const started = await startValidationServer(registry);
    validationServer = started.server;
    baseUrl = () => started.url;
  } else {
    const given = options.validationBaseUrl;
    baseUrl = typeof given === 'string' ? () => given : given;
  }

  const allowedEndpoints = new Set<string>();
  const sender = createHttpSender({
    isAllowed: (url) => allowedEndpoints.has(endpointKey(url)),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });

  const emit = (event: SimulatorEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const onDeliveryChange = (record: DeliveryRecord, attempt: AttemptRecord | undefined): void => {
    const delivery = snapshotDelivery(record);
    emit(attempt === undefined ? { type: 'delivery', delivery } : { type: 'attempt', delivery, attempt });
  };

  const track = (promise: Promise<void>): void => {
    inflight.add(promise);
    void promise.finally(() => inflight.delete(promise));
  };

  const keyVault = createKeyVaultEmulator({
    clock,
    random,
    publish: (events) => {
      simulator.publish(events);
    },
    onError: (error) => {
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    },
  });

  const handshakeTopic = (subscription: SubscriptionOptions): string => {
    if (subscription.topic === undefined) return defaultTopic;
    return subscription.topic.startsWith('/')
      ? subscription.topic
      : vaultTopic(vaultLocation(subscription.topic));
  };

  const deliver = (
    entry: SubscriptionEntry,
    batch: EventGridEvent[],
    publishTime: number,
  ): DeliveryRecord => {
    const record: DeliveryRecord = {
      id: randomGuid(random),
      subscription: entry.options.name,
      events: batch,
      publishTime,
      attempts: [],
      state: 'queued',
      nextAttemptAt: undefined,
      deadLetterReason: undefined,
      deadLetters: [],
      deadLetterFile: undefined,
      error: undefined,
    };
    deliveries.push(record);
    const run = runDelivery(entry.options, record, {
      sender,
      clock,
      random,
      responseTimeoutMs,
      signal: closing.signal,
      onChange: onDeliveryChange,
    }).catch((error: unknown) => {
      // A failure of the simulator itself (a refused target, a dead-letter folder that cannot be
      // written): the delivery ends, and the report and observers say why.
      record.state = 'cancelled';
      record.error = error instanceof Error ? error.message : String(error);
      onDeliveryChange(record, undefined);
    });
    runs.set(record, run);
    track(run);
    return record;
  };

  const simulator: Simulator = {
    keyVault,
    validationRegistry: registry,
    clock,

    async subscribe(input) {
      const parsed = subscriptionOptionsSchema.safeParse(input);
      if (!parsed.success) {
        throw new SubscriptionError('SIM_BAD_SUBSCRIPTION', formatIssues(parsed.error, 'subscription'));
      }
      const subscription = parsed.data;
      if (
        options.allowedTargets !== undefined &&
        !isUnderTargets(subscription.endpoint, options.allowedTargets)
      ) {
        throw new SubscriptionError(
          'SIM_TARGET_NOT_ALLOWED',
          `subscription ${subscription.name}: endpoint ${subscription.endpoint} is not under a target you gave`,
        );
      }
      if (subscriptions.has(subscription.name.toLowerCase())) {
        throw new SubscriptionError(
          'SIM_DUPLICATE_SUBSCRIPTION',
          `subscription ${subscription.name} exists already`,
        );
      }
      const entry: SubscriptionEntry = {
        options: subscription,
        snapshot: {
          name: subscription.name,
          endpoint: subscription.endpoint,
          options: subscription,
          state: 'Creating',
          validatedVia: undefined,
          failureReason: undefined,
          validationUrlFetched: false,
          handshake: undefined,
        },
      };
      subscriptions.set(subscription.name.toLowerCase(), entry);
      allowedEndpoints.add(endpointKey(new URL(subscription.endpoint)));
      emit({ type: 'subscription', subscription: entry.snapshot });
      handshakeRequests++;
      const outcome: HandshakeOutcome = await performHandshake(subscription, {
        sender,
        clock,
        random,
        registry,
        topic: handshakeTopic(subscription),
        responseTimeoutMs,
        validationWindowMs,
        onAwaiting: () => {
          entry.snapshot = { ...entry.snapshot, state: 'AwaitingManualAction' };
          emit({ type: 'subscription', subscription: entry.snapshot });
        },
      });
      entry.snapshot = {
        ...entry.snapshot,
        state: outcome.state,
        validatedVia: outcome.via,
        failureReason: outcome.reason,
        validationUrlFetched: outcome.validationUrlFetched,
        handshake: outcome.request,
      };
      emit({ type: 'subscription', subscription: entry.snapshot });
      return entry.snapshot;
    },

    publish(input, publishOptions = {}) {
      const list: readonly EventGridEvent[] = Array.isArray(input) ? input : [input as EventGridEvent];
      const events = list.map((event, index) => normalisePublished(event, index, defaultTopic));
      const size = jsonSize(events);
      if (size > MAX_PUBLISH_BYTES) {
        throw new PublishError(
          'SIM_PAYLOAD_TOO_LARGE',
          `publish of ${size} bytes exceeds Event Grid's 1 MB limit`,
        );
      }
      published += events.length;
      const publishTime = clock.now();
      const only = publishOptions.subscriptions?.map((name) => name.toLowerCase());
      const records: DeliveryRecord[] = [];
      let filtered = 0;
      let unvalidated = 0;
      for (const entry of subscriptions.values()) {
        if (only !== undefined && !only.includes(entry.options.name.toLowerCase())) continue;
        const matching = events.filter(
          (event) =>
            topicMatches(entry.options.topic, event.topic) && matchesFilters(event, entry.options.filters),
        );
        filtered += events.length - matching.length;
        if (matching.length === 0) continue;
        // Azure has no subscription until its handshake succeeded: nothing reaches an unvalidated one.
        if (entry.snapshot.state !== 'Succeeded') {
          unvalidated += matching.length;
          continue;
        }
        for (const batch of splitIntoBatches(matching, entry.options.batch, jsonSize)) {
          records.push(deliver(entry, batch, publishTime));
        }
      }
      filteredOut += filtered;
      notValidated += unvalidated;
      const deliveryIds = records.map((record) => record.id);
      emit({
        type: 'published',
        eventIds: events.map((event) => event.id),
        deliveries: deliveryIds,
        filteredOut: filtered,
        notValidated: unvalidated,
      });
      const settled = Promise.all(records.map((record) => runs.get(record) ?? Promise.resolve())).then(() =>
        records.map(snapshotDelivery),
      );
      return {
        eventIds: events.map((event) => event.id),
        deliveryIds,
        filteredOut: filtered,
        notValidated: unvalidated,
        settled,
      };
    },

    async replayFiles(files, publishOptions) {
      const receipts: PublishReceipt[] = [];
      for (const file of files) {
        const events = await loadFixture(file, clock.now());
        receipts.push(simulator.publish(events, publishOptions));
      }
      return receipts;
    },

    async drain() {
      while (inflight.size > 0) await Promise.all([...inflight]);
    },

    report() {
      return buildReport({
        subscriptions: [...subscriptions.values()].map((entry) => entry.snapshot),
        deliveries,
        published,
        filteredOut,
        notValidated,
        handshakeRequests,
      });
    },

    subscriptions() {
      return [...subscriptions.values()].map((entry) => entry.snapshot);
    },

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closing.abort();
      keyVault.close();
      await simulator.drain();
      await sender.close();
      await validationServer?.close();
    },
  };

  return simulator;
}
