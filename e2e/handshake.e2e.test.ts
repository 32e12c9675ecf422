/**
 * Endpoint validation on every subscription path of a cluster Config: the SubscriptionValidationEvent
 * answered with its code, the CloudEvents OPTIONS handshake granted, and the validationUrl GET sent
 * only to allow-listed hosts (the listener is started with --allow-validation-host 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { reserveLoopbackPorts } from './control-plane/free-port.js';
import { applyConfig, deleteE2eConfigs } from './support/configs.js';
import { installCrds } from './support/crds.js';
import { kubeClients, type Kube } from './support/kube.js';
import { startListener, stopListeners, type ListenerProcess } from './support/listener-process.js';
import { metricValue } from './support/metrics.js';
import { uniqueName } from './support/names.js';
import { announceSuite } from './support/suite-banner.js';
import { startValidationTarget, type ValidationTarget } from './support/validation-target.js';
import { validationEvent } from './support/validation-events.js';
import { postValidation, requestDeliveryPermission, sendWebhook } from './support/webhook-client.js';
import { createSimulator } from '../simulator/index.js';

const SUBSCRIPTIONS = ['kv-rotation', 'kv-rotation-eu'] as const;
const NOT_FETCHED = 'validationUrl host is not on the allow-list; not fetched';

describe('subscription validation handshakes', () => {
  let kube: Kube;
  let listener: ListenerProcess;
  let webhook: string;
  let allowedTarget: ValidationTarget;
  let otherTarget: ValidationTarget;

  beforeAll(async () => {
    announceSuite('handshakes');
    kube = kubeClients();
    await installCrds(kube);
    const [port = 0] = await reserveLoopbackPorts(1);
    webhook = `http://127.0.0.1:${port}`;
    await applyConfig(kube, {
      name: uniqueName('handshake'),
      port,
      subscriptions: SUBSCRIPTIONS,
      destinations: [{ names: ['none'] }],
    });
    allowedTarget = await startValidationTarget('127.0.0.1');
    // Another loopback address: reachable, but not the allow-listed host.
    otherTarget = await startValidationTarget('127.0.0.2');
    listener = await startListener({ allowValidationHosts: ['127.0.0.1'] });
  });

  afterAll(async () => {
    await stopListeners();
    await deleteE2eConfigs(kube);
    await allowedTarget.close();
    await otherTarget.close();
  });

  it.each(SUBSCRIPTIONS)('answers the validation event on /%s with its code', async (subscription) => {
    const event = validationEvent();
    const answer = await postValidation(`${webhook}/${subscription}`, event);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ validationResponse: event.data.validationCode });
  });

  it('answers no validation on a path no Config names, so Event Grid would not validate it', async () => {
    const answer = await postValidation(`${webhook}/not-configured`, validationEvent());
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('validationResponse');
  });

  it.each(SUBSCRIPTIONS)('grants the CloudEvents OPTIONS handshake on /%s', async (subscription) => {
    const answer = await requestDeliveryPermission(`${webhook}/${subscription}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['webhook-allowed-origin']).toBe('eventgrid.azure.net');
    expect(answer.headers['webhook-allowed-rate']).toBeDefined();
    expect(answer.headers['allow']).toContain('POST');

    const stranger = await requestDeliveryPermission(`${webhook}/${subscription}`, 'attacker.example');
    expect(stranger.status).toBe(403);
    expect(stranger.headers['webhook-allowed-origin']).toBeUndefined();
  });

  it('refuses other methods on a subscription path', async () => {
    const answer = await sendWebhook(`${webhook}/${SUBSCRIPTIONS[0]}`, { method: 'GET' });
    expect(answer.status).toBe(405);
  });

  it('GETs the validationUrl when its host is allowed', async () => {
    const path = `/eventsubscriptions/${SUBSCRIPTIONS[1]}/validate?id=${uniqueName('allowed')}`;
    const answer = await postValidation(
      `${webhook}/${SUBSCRIPTIONS[1]}`,
      validationEvent(`${allowedTarget.origin}${path}`),
    );
    expect(answer.status).toBe(200);
    await expect
      .poll(() => allowedTarget.requests.map((request) => `${request.method} ${request.path}`))
      .toContain(`GET ${path}`);
    await expect
      .poll(async () =>
        metricValue(await listener.metrics(), 'reloader_handshakes_total', {
          subscription: SUBSCRIPTIONS[1],
          kind: 'validation-url',
          outcome: 'confirmed',
        }),
      )
      .toBe(1);
  });

  it('never contacts a validationUrl on a host that is not allowed, and still answers with the code', async () => {
    const connectionsBefore = otherTarget.connections();
    const requestsBefore = allowedTarget.requests.length;
    const refused = [
      `${otherTarget.origin}/eventsubscriptions/kv-rotation/validate?id=other-host`,
      `https://127.0.0.2:${otherTarget.port}/eventsubscriptions/kv-rotation/validate?id=other-host-https`,
      // Resolves to the allowed target's address, but the host as written is not on the allow-list.
      `http://localhost:${allowedTarget.port}/eventsubscriptions/kv-rotation/validate?id=localhost`,
    ];
    for (const url of refused) {
      const event = validationEvent(url);
      const answer = await postValidation(`${webhook}/${SUBSCRIPTIONS[0]}`, event);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ validationResponse: event.data.validationCode });
    }
    // The listener decides before it answers, and says so (its log reaches us through a pipe, later).
    await expect.poll(() => listener.logs.withMessage(NOT_FETCHED).length).toBe(refused.length);
    expect(
      metricValue(await listener.metrics(), 'reloader_handshakes_total', {
        subscription: SUBSCRIPTIONS[0],
        kind: 'validation-url',
        outcome: 'not-allowed',
      }),
    ).toBe(refused.length);

    // A barrier: an allowed GET sent after them has arrived, so a refused one would have arrived too.
    const barrier = `/eventsubscriptions/kv-rotation/validate?id=${uniqueName('barrier')}`;
    await postValidation(
      `${webhook}/${SUBSCRIPTIONS[0]}`,
      validationEvent(`${allowedTarget.origin}${barrier}`),
    );
    await expect.poll(() => allowedTarget.requests.map((request) => request.path)).toContain(barrier);
    expect(otherTarget.connections()).toBe(connectionsBefore);
    expect(allowedTarget.requests.slice(requestsBefore).map((request) => request.path)).toEqual([barrier]);
  });

  it.each(['eventgrid', 'cloudevents'] as const)(
    'validates an Event Grid subscription (the simulator, %s schema) on each path',
    async (schema) => {
      // Azure binds a schema to a subscription, and a subscription's name is its path: one simulator each.
      const simulator = await createSimulator({ responseTimeoutMs: 10_000 });
      try {
        for (const subscription of SUBSCRIPTIONS) {
          const created = await simulator.subscribe({
            name: subscription,
            endpoint: `${webhook}/${subscription}`,
            schema,
          });
          expect(created).toMatchObject({
            state: 'Succeeded',
            validatedVia: schema === 'eventgrid' ? 'validationResponse' : 'webhookOptions',
          });
        }
      } finally {
        await simulator.close();
      }
    },
  );
});
