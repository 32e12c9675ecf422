/**
 * Every fixture under fixtures/events that has an expectation sidecar (NAME.expect.yaml) is published
 * by the simulator to the real listener, in the sidecar's order and schema, against fixtures/cluster
 * applied to the real API server and the default fixture Config. The sidecars' checks (first status,
 * outcome, annotated and untouched ExternalSecrets) then run on what the API server holds.
 */
import { relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseConfig } from '../listener/config/parse-config.js';
import {
  checkDelivery,
  checkExternalSecrets,
  createScaledClock,
  createSimulator,
  findExpectations,
  loadFixture,
  type EventSchemaName,
  type ExternalSecretView,
  type Simulator,
} from '../simulator/index.js';
import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { applyManifest } from './support/apply.js';
import { deleteE2eConfigs } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { listExternalSecrets } from './support/external-secrets.js';
import { applyFixtureWorld, type FixtureWorld } from './support/fixture-world.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { readManifests, repoPath } from './support/manifests.js';
import { uniqueName } from './support/names.js';
import { announceSuite } from './support/suite-banner.js';

const CONFIG_FIXTURE = 'fixtures/configs/keyvault-rotation.yaml';
const expectations = await findExpectations(repoPath('fixtures/events'));

describe('fixtures/events replayed through the simulator', () => {
  let kube: Kube;
  let world: FixtureWorld;
  let subscription: string;
  const clock = createScaledClock({ scale: 0.001 });
  const simulators = new Map<EventSchemaName, Simulator>();

  beforeAll(async () => {
    announceSuite('fixture replay');
    kube = kubeClients();
    await installCrds(kube);
    world = await applyFixtureWorld(kube);
    const [config] = await readManifests(CONFIG_FIXTURE);
    const parsed = parseConfig(config);
    if (config === undefined || !parsed.ok) throw new Error(`${CONFIG_FIXTURE} is not a valid Config`);
    const [source] = parsed.config.sources;
    const [first] = source?.subscriptions ?? [];
    if (first === undefined) throw new Error(`${CONFIG_FIXTURE} names no subscription`);
    subscription = first;
    const [port = 0] = await reserveLoopbackPorts(1);
    await applyManifest(kube, world.scopeConfig(config, { name: uniqueName('fixtures'), port }));
    await startListener();

    // Azure binds a schema to a subscription, and the subscription's name is the path: one simulator each.
    for (const schema of new Set(expectations.map((expectation) => expectation.schema))) {
      const simulator = await createSimulator({ clock, responseTimeoutMs: 10_000 });
      simulators.set(schema, simulator);
      const created = await simulator.subscribe({
        name: subscription,
        endpoint: `http://127.0.0.1:${port}/${subscription}`,
        schema,
        maxAttempts: 3,
      });
      expect(created.state, created.failureReason).toBe('Succeeded');
    }
  });

  afterAll(async () => {
    for (const simulator of simulators.values()) await simulator.close();
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  /** This world's ExternalSecrets under their fixture names, as the sidecars name them. */
  async function clusterView(): Promise<ExternalSecretView[]> {
    const views: ExternalSecretView[] = [];
    for (const namespace of world.namespaces.values()) {
      for (const stored of await listExternalSecrets(kube, namespace)) {
        const ref = world.fixtureRef(stored);
        const [fixtureNamespace = '', name = ''] = ref?.split('/') ?? [];
        views.push({ namespace: fixtureNamespace, name, annotations: stored.annotations });
      }
    }
    return views;
  }

  it('has fixtures to replay', () => {
    expect(expectations.length).toBeGreaterThan(0);
  });

  it.each(
    expectations.map((expectation) => ({
      ...expectation,
      name: relative(repoPath('fixtures/events'), expectation.fixture),
    })),
  )('$name ($schema)', async (expectation) => {
    const simulator = simulators.get(expectation.schema);
    if (simulator === undefined) throw new Error(`no ${expectation.schema} subscription`);
    const events = await loadFixture(expectation.fixture, clock.now());
    const deliveries = await simulator.publish(events, { subscriptions: [subscription] }).settled;
    const checks = [
      ...checkDelivery(expectation.spec.delivery, deliveries),
      ...(expectation.spec.externalSecrets === undefined
        ? []
        : checkExternalSecrets(expectation.spec.externalSecrets, events, await clusterView())),
    ];
    expect(checks.filter((check) => !check.ok).map((check) => check.message)).toEqual([]);
    expect(checks.length).toBeGreaterThan(0);
  });
});
