/**
 * Faults, nothing lost. Event Grid (the simulator, retrying on Azure's schedule run 1000× faster) keeps
 * delivering while kube-apiserver is down or the listener is killed; the listener must refuse to
 * acknowledge what it could not store, and every rotation must be on its ExternalSecret in the end.
 * Each suite prints what it counted: rotations sent, acknowledged and observed on the API server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  createScaledClock,
  createSimulator,
  type DeliverySnapshot,
  type Simulator,
} from '../simulator/index.js';
import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { waitForCacheInStep } from './support/cache-barrier.js';
import { clusterControl } from './support/cluster-control.js';
import { applyConfig, deleteE2eConfigs } from './support/configs.js';
import { installCrds, waitForCustomResourcesServed } from './support/crds.js';
import { recordDeliveries, type DeliveryLedger } from './support/delivery-ledger.js';
import { eventually } from './support/eventually.js';
import { createExternalSecrets, mustReadExternalSecret, readsKey } from './support/external-secrets.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { uniqueName } from './support/names.js';
import { createNamespace } from './support/namespaces.js';
import { carriesRotation, rotation, type Rotation } from './support/rotations.js';
import { expectAnnotated } from './support/rotation-assertions.js';
import { announceSuite } from './support/suite-banner.js';
import { postEventGrid } from './support/webhook-client.js';

const SUBSCRIPTION = 'kv-rotation';

/** A namespace where ExternalSecret i reads secret i, served by a Config of its own. */
interface RotationWorld {
  readonly namespace: string;
  readonly secrets: readonly string[];
  readonly url: string;
}

async function createRotationWorld(kube: Kube, prefix: string, count: number): Promise<RotationWorld> {
  const namespace = await createNamespace(kube, prefix);
  const secrets = Array.from({ length: count }, (_, index) => uniqueName(`${prefix}-${index}`));
  await createExternalSecrets(
    kube,
    secrets.map((secret) => ({ namespace, name: secret, spec: readsKey(secret) })),
  );
  const [port = 0] = await reserveLoopbackPorts(1);
  await applyConfig(kube, {
    name: uniqueName(prefix),
    port,
    subscriptions: [SUBSCRIPTION],
    destinations: [{ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }] }],
  });
  return { namespace, secrets, url: `http://127.0.0.1:${port}/${SUBSCRIPTION}` };
}

/** How many rotations are on their ExternalSecret, read back from the API server. */
async function observedRotations(
  kube: Kube,
  world: RotationWorld,
  sent: readonly Rotation[],
): Promise<number> {
  let observed = 0;
  for (const entry of sent) {
    const stored = await mustReadExternalSecret(kube, world.namespace, entry.secret);
    if (carriesRotation(stored.annotations, entry)) observed += 1;
  }
  return observed;
}

function reportCounts(
  label: string,
  simulator: Simulator,
  observed: number,
): { sent: number; acknowledged: number } {
  const { counts } = simulator.report();
  process.stderr.write(
    `[e2e] ${label}: rotations: sent ${counts.sent}, acknowledged ${counts.acknowledged}, observed ${observed}` +
      ` (${counts.retries} retries)\n`,
  );
  return { sent: counts.sent, acknowledged: counts.acknowledged };
}

/** Resolves once each of these deliveries has had a failed attempt (the fault has been met). */
async function waitForFailedAttempts(ledger: DeliveryLedger, deliveryIds: readonly string[]): Promise<void> {
  await eventually(
    () => Promise.resolve(new Set(ledger.attemptsOf(deliveryIds).map((entry) => entry.deliveryId)).size),
    (failed) => failed === deliveryIds.length,
    { what: `a failed attempt for each of ${deliveryIds.length} deliveries`, timeoutMs: 60_000 },
  );
}

function states(deliveries: readonly DeliverySnapshot[]): string[] {
  return [...new Set(deliveries.map((delivery) => delivery.state))];
}

describe('faults: nothing lost', () => {
  const control = clusterControl();
  const cannotStopApiServer =
    control.stopApiServer === undefined || control.startApiServer === undefined
      ? `the ${control.provider} provider cannot stop and start its kube-apiserver`
      : undefined;
  let kube: Kube;
  let simulator: Simulator;
  let ledger: DeliveryLedger;

  beforeAll(async () => {
    announceSuite('faults');
    kube = kubeClients();
    await installCrds(kube);
  });

  afterEach(async () => {
    ledger.stop();
    await simulator.close();
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  afterAll(() => {
    if (cannotStopApiServer !== undefined) {
      process.stderr.write(`[e2e] faults: skipped the kube-apiserver case: ${cannotStopApiServer}\n`);
    }
  });

  async function subscribedSimulator(url: string): Promise<void> {
    // Azure's schedule at 1/1000: retries after 10 ms, 30 ms, … 3.6 s, 10.8 s; time-to-live 86 s.
    simulator = await createSimulator({
      clock: createScaledClock({ scale: 0.001 }),
      responseTimeoutMs: 10_000,
    });
    ledger = recordDeliveries(simulator);
    const subscription = await simulator.subscribe({ name: SUBSCRIPTION, endpoint: url });
    expect(subscription.state).toBe('Succeeded');
  }

  it.skipIf(cannotStopApiServer !== undefined)(
    'kube-apiserver stopped: deliveries get 5xx and none is acknowledged; once it is back, the retries land',
    async () => {
      const { stopApiServer, startApiServer } = control;
      if (stopApiServer === undefined || startApiServer === undefined) throw new Error('skipped above');
      const world = await createRotationWorld(kube, 'apiserver-down', 10);
      const listener = await startListener();
      await subscribedSimulator(world.url);

      const sent = world.secrets.map((secret) => rotation(secret));
      let stopped = false;
      try {
        await stopApiServer({ graceful: false });
        stopped = true;
        ledger.openFault();
        const receipt = simulator.publish(sent.map((entry) => entry.event));
        await waitForFailedAttempts(ledger, receipt.deliveryIds);
        ledger.closeFault();
        const duringFault = ledger.entries.filter((entry) => entry.duringFault);
        // Nothing stored, nothing acknowledged: every answer said "retry".
        expect([...new Set(duringFault.map((entry) => entry.attempt.result))]).toEqual(['503']);

        await startApiServer();
        stopped = false;
        await waitForCustomResourcesServed(kube);
        const deliveries = await receipt.settled;
        expect(states(deliveries)).toEqual(['acknowledged']);
      } finally {
        // Later suites need the API server whatever happened here.
        if (stopped) {
          await startApiServer();
          await waitForCustomResourcesServed(kube);
        }
      }

      const observed = await observedRotations(kube, world, sent);
      const counts = reportCounts('kube-apiserver stopped', simulator, observed);
      expect({ ...counts, observed }).toEqual({
        sent: sent.length,
        acknowledged: sent.length,
        observed: sent.length,
      });

      // The watches resumed too: an ExternalSecret created after the restart is matched. (Their retry
      // backs off while the API server is gone, hence the longer wait.)
      const late = uniqueName('after-restart');
      await createExternalSecrets(kube, [{ namespace: world.namespace, name: late, spec: readsKey(late) }]);
      await waitForCacheInStep(listener, kube, 90_000);
      const lateRotation = rotation(late);
      expect((await postEventGrid(world.url, [lateRotation.event])).status).toBe(200);
      await expectAnnotated(kube, lateRotation, [{ namespace: world.namespace, name: late }]);
    },
  );

  it('the listener killed (SIGKILL) mid-run and restarted: every retried delivery lands', async () => {
    const world = await createRotationWorld(kube, 'listener-killed', 20);
    const first = await startListener();
    await subscribedSimulator(world.url);
    const sent = world.secrets.map((secret) => rotation(secret));
    const half = sent.length / 2;

    // The first half is published and the listener killed at once: some deliveries are answered,
    // some in flight, some not yet sent. The second half arrives while nothing listens.
    const before = simulator.publish(sent.slice(0, half).map((entry) => entry.event));
    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    ledger.openFault();
    const during = simulator.publish(sent.slice(half).map((entry) => entry.event));
    await waitForFailedAttempts(ledger, during.deliveryIds);
    ledger.closeFault();
    expect(ledger.entries.filter((entry) => entry.duringFault && entry.attempt.status !== undefined)).toEqual(
      [],
    );

    // Started again as it was: same flags and admin port; the Config puts it on the same webhook port.
    await startListener(first.options);
    const deliveries = [...(await before.settled), ...(await during.settled)];
    expect(states(deliveries)).toEqual(['acknowledged']);

    const observed = await observedRotations(kube, world, sent);
    const counts = reportCounts('listener killed', simulator, observed);
    expect({ ...counts, observed }).toEqual({
      sent: sent.length,
      acknowledged: sent.length,
      observed: sent.length,
    });
  });
});
