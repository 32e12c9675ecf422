import { afterEach, describe, expect, it } from 'vitest';
import { subscriptionValidationEventSchema } from '../../listener/eventgrid/index.js';
import { startHarness, type Harness } from '../test-support/harness.js';
import { politeResponder, validationDataOf, type Responder } from '../test-support/recording-webhook.js';
import { secretNewVersion } from '../test-support/sample-events.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// Short real-time bounds where a test waits for them to pass.
const QUICK = { responseTimeoutMs: 150, validationWindowMs: 150 };

async function start(responder: Responder, options = {}): Promise<Harness> {
  harness = await startHarness(responder, options);
  return harness;
}

const endpoint = (h: Harness): string => `${h.webhook.url}/kv-rotation`;

describe('Event Grid schema handshake', () => {
  it('posts a SubscriptionValidationEvent with a fresh code and a validationUrl served by the simulator', async () => {
    const h = await start(politeResponder);
    const first = await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    await h.simulator.subscribe({ name: 'kv-other', endpoint: `${h.webhook.url}/kv-other` });

    expect(first.state).toBe('Succeeded');
    expect(first.validatedVia).toBe('validationResponse');
    const [one, two] = h.webhook.requests;
    expect(one?.method).toBe('POST');
    expect(one?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    const body: unknown = JSON.parse(one?.body ?? '');
    expect(Array.isArray(body) && body.length === 1).toBe(true);
    const event = subscriptionValidationEventSchema.parse((body as unknown[])[0]);
    expect(event.subject).toBe('');
    expect(event.data.validationUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/eventsubscriptions\/kv-rotation\/validate\?/,
    );
    const second = one === undefined || two === undefined ? undefined : validationDataOf(two);
    expect(second?.validationCode).not.toBe(event.data.validationCode);
  });

  it('validates asynchronously: 200 without the code, then a GET on the validationUrl', async () => {
    const h = await start(async (request) => {
      const data = validationDataOf(request);
      if (data?.validationUrl !== undefined) {
        // Like a person clicking the link after the answer: fetch once the 200 is on its way.
        const url = data.validationUrl;
        setTimeout(() => void fetch(url), 20);
      }
      return Promise.resolve({ status: 200 });
    });
    const states: string[] = [];
    h.simulator.on((event) => {
      if (event.type === 'subscription') states.push(event.subscription.state);
    });

    const subscription = await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      validation: 'async',
    });

    expect(subscription.state).toBe('Succeeded');
    expect(subscription.validatedVia).toBe('validationUrl');
    expect(states).toEqual(['Creating', 'AwaitingManualAction', 'Succeeded']);
  });

  it('fails an async handshake whose validationUrl is not fetched within the window', async () => {
    const h = await start(() => ({ status: 200 }), QUICK);
    const subscription = await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      validation: 'async',
    });
    expect(subscription.state).toBe('Failed');
    expect(subscription.failureReason).toMatch(/validationUrl not fetched/);
  });

  it("keeps a validated subscription's validationUrl answering 200, and closes a failed one's", async () => {
    const urls: string[] = [];
    let answer = true;
    const h = await start((request) => {
      const data = validationDataOf(request);
      if (data?.validationUrl !== undefined) urls.push(data.validationUrl);
      return answer ? politeResponder(request, 0) : { status: 500 };
    });
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    answer = false;
    await h.simulator.subscribe({ name: 'kv-broken', endpoint: `${h.webhook.url}/kv-broken` });
    const statuses = await Promise.all(urls.map(async (url) => (await fetch(url)).status));
    expect(statuses).toEqual([200, 400]);
    expect((await fetch(urls[0]?.replace(/token=[^&]+/, 'token=forged') ?? '')).status).toBe(404);
  });

  it('fails a sync handshake answered 200 without the code', async () => {
    const h = await start(() => ({ status: 200, body: 'ok' }));
    const subscription = await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    expect(subscription.state).toBe('Failed');
    expect(subscription.failureReason).toMatch(/without \{"validationResponse"/);
  });

  it.each([
    [
      'a wrong code',
      (): { status: number; body: object } => ({ status: 200, body: { validationResponse: 'nope' } }),
    ],
    ['202 with the code', (code: string) => ({ status: 202, body: { validationResponse: code } })],
    ['500', () => ({ status: 500 })],
    [
      'a PascalCase ValidationResponse',
      (code: string) => ({ status: 200, body: { ValidationResponse: code } }),
    ],
  ])('fails on %s', async (_label, answer) => {
    const h = await start((request) => answer(validationDataOf(request)?.validationCode ?? ''));
    const subscription = await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    expect(subscription.state).toBe('Failed');
  });

  it('fails when the webhook does not answer within the response timeout', async () => {
    const h = await start(() => ({ hang: true }), QUICK);
    const subscription = await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    expect(subscription.state).toBe('Failed');
    expect(subscription.failureReason).toMatch(/response timeout/);
  });

  it('delivers nothing to a subscription whose handshake failed', async () => {
    const h = await start((request) =>
      request.headers['aeg-event-type'] === 'Notification' ? { status: 200 } : { status: 403 },
    );
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const receipt = h.simulator.publish(secretNewVersion());
    await receipt.settled;

    expect(receipt.notValidated).toBe(1);
    expect(h.webhook.notifications()).toHaveLength(0);
    expect(h.simulator.report().counts.notValidated).toBe(1);
  });
});

describe('CloudEvents schema handshake', () => {
  it('sends OPTIONS with WebHook-Request-Origin first, then delivers as application/cloudevents+json', async () => {
    const h = await start(politeResponder);
    const subscription = await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      schema: 'cloudevents',
    });
    await h.simulator.publish(secretNewVersion()).settled;

    expect(subscription.state).toBe('Succeeded');
    expect(subscription.validatedVia).toBe('webhookOptions');
    const [options, delivery] = h.webhook.requests;
    expect(options?.method).toBe('OPTIONS');
    expect(options?.headers['webhook-request-origin']).toBe('eventgrid.azure.net');
    expect(delivery?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(delivery?.body ?? '')).toMatchObject({
      specversion: '1.0',
      type: 'Microsoft.KeyVault.SecretNewVersionCreated',
      subject: 'db-password',
    });
  });

  it.each([
    ['405', { status: 405 }],
    ['200 without WebHook-Allowed-Origin', { status: 200 }],
    ['another origin', { status: 200, headers: { 'webhook-allowed-origin': 'example.com' } }],
  ])('is refused by %s and then delivers nothing', async (_label, plan) => {
    const h = await start((request) => (request.method === 'OPTIONS' ? plan : { status: 200 }));
    const subscription = await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      schema: 'cloudevents',
    });
    await h.simulator.publish(secretNewVersion()).settled;

    expect(subscription.state).toBe('Failed');
    expect(h.webhook.requests).toHaveLength(1);
  });

  it('uses application/cloudevents-batch+json when batching is on', async () => {
    const h = await start(politeResponder);
    await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      schema: 'cloudevents',
      batch: { maxEvents: 10, preferredSizeKb: 64 },
    });
    await h.simulator.publish([secretNewVersion(), secretNewVersion('api-token')]).settled;

    const delivery = h.webhook.requests[1];
    expect(delivery?.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    expect(JSON.parse(delivery?.body ?? '')).toHaveLength(2);
  });
});
