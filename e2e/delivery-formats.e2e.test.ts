/**
 * Every shape a delivery can take on the wire, into the real listener: Event Grid schema batches,
 * CloudEvents in structured mode (one object) and batch mode (an array), sent as single requests and
 * by the simulator playing Event Grid with batching on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CONTENT_TYPE_CLOUDEVENT_BATCH, type CloudEvent } from '../listener/eventgrid/index.js';
import { createScaledClock, createSimulator, KeyVaultEventType, toCloudEvent } from '../simulator/index.js';
import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { applyConfig, deleteE2eConfigs } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { createExternalSecrets, readsKey, type ExternalSecretInput } from './support/external-secrets.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners } from './support/listener-process.js';
import { uniqueName } from './support/names.js';
import { createNamespace } from './support/namespaces.js';
import {
  expectAnnotated,
  expectRotationOutcome,
  expectUntouched,
  snapshot,
} from './support/rotation-assertions.js';
import { rotation, type Rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import {
  deliverySummary,
  postCloudEvent,
  postCloudEventBatch,
  postEventGrid,
  sendWebhook,
} from './support/webhook-client.js';

const SUBSCRIPTION = 'kv-rotation';

interface SecretSet {
  readonly a: string;
  readonly b: string;
  readonly readsA: ExternalSecretInput;
  readonly readsB: ExternalSecretInput;
  readonly readsBoth: ExternalSecretInput;
  readonly readsNeither: ExternalSecretInput;
}

describe('delivery formats', () => {
  let kube: Kube;
  let namespace: string;
  let url: string;
  let sets: {
    eventGrid: SecretSet;
    structured: SecretSet;
    batch: SecretSet;
    malformed: SecretSet;
    simulatedEventGrid: SecretSet[];
    simulatedCloudEvents: SecretSet[];
  };

  /** Secrets a and b, ExternalSecrets reading one of them each, one reading both, one reading neither. */
  async function secretsFor(prefix: string): Promise<SecretSet> {
    const a = uniqueName(`${prefix}-a`);
    const b = uniqueName(`${prefix}-b`);
    const make = (name: string, spec: Record<string, unknown>): ExternalSecretInput => ({
      namespace,
      name: `${prefix}-${name}`,
      spec,
    });
    const set = {
      a,
      b,
      readsA: make('reads-a', readsKey(a)),
      readsB: make('reads-b', { dataFrom: [{ extract: { key: b } }] }),
      readsBoth: make('reads-both', {
        data: [
          { secretKey: 'a', remoteRef: { key: a } },
          { secretKey: 'b', remoteRef: { key: `secret/${b}` } },
        ],
      }),
      readsNeither: make('reads-neither', readsKey(uniqueName(`${prefix}-c`))),
    };
    await createExternalSecrets(kube, [set.readsA, set.readsB, set.readsBoth, set.readsNeither]);
    return set;
  }

  beforeAll(async () => {
    announceSuite('delivery formats');
    kube = kubeClients();
    await installCrds(kube);
    namespace = await createNamespace(kube, 'formats');
    const [port = 0] = await reserveLoopbackPorts(1);
    url = `http://127.0.0.1:${port}/${SUBSCRIPTION}`;
    await applyConfig(kube, {
      name: uniqueName('formats'),
      port,
      subscriptions: [SUBSCRIPTION],
      destinations: [{ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }] }],
    });
    // Every test's ExternalSecrets exist before the listener starts, so its caches hold them once ready.
    sets = {
      eventGrid: await secretsFor('eg'),
      structured: await secretsFor('ce'),
      batch: await secretsFor('ceb'),
      malformed: await secretsFor('cebad'),
      simulatedEventGrid: [await secretsFor('simeg1'), await secretsFor('simeg2')],
      simulatedCloudEvents: [await secretsFor('simce1'), await secretsFor('simce2')],
    };
    await startListener();
  });

  afterAll(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
  });

  it('Event Grid schema: a batch of events in one request, each acted on, the newest winning', async () => {
    const set = sets.eventGrid;
    const untouched = await snapshot(kube, [set.readsNeither]);
    const time = Date.now();
    const rotationA = rotation(set.a, { time: new Date(time) });
    const rotationB = rotation(set.b, { time: new Date(time + 1_000) });
    // Acknowledged, not acted on: only SecretNewVersionCreated triggers a re-sync by default.
    const nearExpiry = rotation(set.a, {
      type: KeyVaultEventType.SecretNearExpiry,
      time: new Date(time + 2_000),
    });

    const answer = await postEventGrid(url, [rotationB.event, nearExpiry.event, rotationA.event]);
    expect(answer.status, answer.body).toBe(200);
    // One patch per ExternalSecret and delivery, even for one that reads both rotated secrets.
    expect(deliverySummary(answer)).toMatchObject({ events: 3, matched: 3, annotated: 3 });
    await expectRotationOutcome(kube, rotationA, { annotated: [set.readsA], untouched });
    await expectAnnotated(kube, rotationB, [set.readsB, set.readsBoth]);
  });

  it('CloudEvents structured mode: one event as an object', async () => {
    const set = sets.structured;
    const untouched = await snapshot(kube, [set.readsB, set.readsNeither]);
    const sent = rotation(set.a);
    const answer = await postCloudEvent(url, toCloudEvent(sent.event));
    expect(answer.status, answer.body).toBe(200);
    await expectRotationOutcome(kube, sent, { annotated: [set.readsA, set.readsBoth], untouched });
  });

  it('CloudEvents batch mode: an array of events', async () => {
    const set = sets.batch;
    const untouched = await snapshot(kube, [set.readsNeither]);
    const rotationA = rotation(set.a, { time: new Date(Date.now() - 1_000) });
    const rotationB = rotation(set.b);
    const answer = await postCloudEventBatch(url, [
      toCloudEvent(rotationA.event),
      toCloudEvent(rotationB.event),
    ]);
    expect(answer.status, answer.body).toBe(200);
    expect(deliverySummary(answer)).toMatchObject({ events: 2, matched: 3, annotated: 3 });
    await expectRotationOutcome(kube, rotationA, { annotated: [set.readsA], untouched });
    await expectAnnotated(kube, rotationB, [set.readsB, set.readsBoth]);
  });

  it('a CloudEvent in batch mode must still be an array: one object is refused with 400, nothing written', async () => {
    const set = sets.malformed;
    const before = await snapshot(kube, [set.readsA, set.readsBoth]);
    const sent: CloudEvent = toCloudEvent(rotation(set.a).event);
    const answer = await sendWebhook(url, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE_CLOUDEVENT_BATCH },
      body: JSON.stringify(sent),
    });
    expect(answer.status).toBe(400);
    await expectUntouched(kube, before);
  });

  it.each(['eventgrid', 'cloudevents'] as const)(
    'the simulator as Event Grid with batching on (%s schema): one delivery, every rotation lands',
    async (schema) => {
      const simulated = schema === 'eventgrid' ? sets.simulatedEventGrid : sets.simulatedCloudEvents;
      const simulator = await createSimulator({
        clock: createScaledClock({ scale: 0.001 }),
        responseTimeoutMs: 10_000,
      });
      try {
        const subscription = await simulator.subscribe({
          name: SUBSCRIPTION,
          endpoint: url,
          schema,
          batch: { maxEvents: 10 },
        });
        expect(subscription.state).toBe('Succeeded');
        const sent: Rotation[] = simulated.map((set) => rotation(set.a));
        const receipt = simulator.publish(sent.map((entry) => entry.event));
        const deliveries = await receipt.settled;
        expect(
          deliveries.map((delivery) => ({ events: delivery.eventIds.length, state: delivery.state })),
        ).toEqual([{ events: sent.length, state: 'acknowledged' }]);
        for (const [index, set] of simulated.entries()) {
          const entry = sent[index];
          if (entry === undefined) throw new Error('a rotation per set');
          await expectAnnotated(kube, entry, [set.readsA, set.readsBoth]);
        }
      } finally {
        await simulator.close();
      }
    },
  );
});
