/**
 * The Event Grid simulator as a library, for the e2e suites and benchmarks.
 *
 * ```ts
 * import { createSimulator, createScaledClock } from '../simulator/index.js';
 *
 * const simulator = await createSimulator({ clock: createScaledClock({ scale: 0.001 }) });
 * const subscription = await simulator.subscribe({ name: 'kv-rotation', endpoint: `${listenerUrl}/kv-rotation` });
 * // subscription.state === 'Succeeded' once the listener answered the handshake
 * const { version } = simulator.keyVault.setSecret('kv-prod', 'db-password', 'new value');
 * await simulator.drain();
 * const { counts } = simulator.report(); // published, sent, acknowledged, deadLettered, dropped, …
 * await simulator.close();
 * ```
 *
 * Time and randomness are injected: `createVirtualClock()` runs Azure's 24-hour retry schedule in
 * milliseconds, `createSeededRandom(n)` makes jitter, ids and codes repeatable. Response timeouts and
 * the async-validation window are real-time bounds (`responseTimeoutMs`, `validationWindowMs`),
 * because a webhook answers in real time however fast the simulated clock runs.
 */

export {
  createSimulator,
  PublishError,
  SubscriptionError,
  type PublishOptions,
  type PublishReceipt,
  type Simulator,
  type SimulatorOptions,
} from './simulator.js';
export type {
  DeliverySnapshot,
  EventOutcome,
  ReportCounts,
  SimulatorEvent,
  SimulatorListener,
  SimulatorReport,
  SubscriptionSnapshot,
} from './simulator-types.js';
export type {
  BatchOptions,
  EventSchemaName,
  FilterOptions,
  SubscriptionOptions,
  SubscriptionOptionsInput,
  ValidationMode,
} from './subscription/subscription-options.js';
export type { SubscriptionState } from './subscription/handshake.js';
export type { AttemptRecord, DeliveryState } from './delivery/delivery-run.js';
export type { DeadLetterReason } from './delivery/dead-letter.js';
export {
  RESPONSE_TIMEOUT_MS,
  RETRY_SCHEDULE_MS,
  VALIDATION_WINDOW_MS,
  isNeverRetried,
  isSuccessStatus,
  retryDelayMs,
} from './delivery/retry-policy.js';

// Time and randomness.
export { createScaledClock, createVirtualClock, type Clock, type VirtualClock } from './core/clock.js';
export {
  createSeededRandom,
  cryptoRandom,
  randomGuid,
  randomKeyVaultVersion,
  type Random,
} from './core/random.js';

// Events: Azure-faithful builders and fixtures.
export {
  buildKeyVaultEvent,
  KeyVaultEventType,
  vaultLocation,
  vaultTopic,
  type KeyVaultEventInput,
  type VaultLocation,
} from './events/key-vault-event.js';
export { buildValidationEvent } from './events/validation-event.js';
export { fromCloudEvent, toCloudEvent } from './events/cloud-event-conversion.js';
export { FixtureError, loadFixture, parseFixture } from './events/load-fixture.js';
export { formatAzureTime } from './events/azure-time.js';
export type {
  KeyVaultEmulator,
  SetSecretOptions,
  SetSecretResult,
  VaultSnapshot,
} from './keyvault/key-vault-emulator.js';

// Fixture expectations (the *.expect.yaml sidecars) and how to check them against a cluster.
export { findExpectations, parseExpectation, type Expectation } from './embedded/expectation-file.js';
export {
  annotatedBy,
  checkDelivery,
  checkExternalSecrets,
  type CheckResult,
} from './embedded/check-expectations.js';
export type { ClusterView, ExternalSecretView } from './embedded/cluster-view.js';
export { createDebugClusterView } from './embedded/cluster-view.js';

// Load generation (the basis of benchmarks) and the long-running server.
export { runLoad, LOAD_LIMITS, type LoadOptions, type LoadSummary } from './load/load-runner.js';
export { summariseLatencies, type LatencySummary } from './load/percentiles.js';
export { startServe, type ServeHandle, type ServeOptions } from './serve/start-serve.js';
export { parseServeConfig, type ServeConfig } from './serve/serve-config.js';
