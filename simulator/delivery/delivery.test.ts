import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventGridDeliverySchema } from '../../listener/eventgrid/index.js';
import { startHarness, type Harness } from '../test-support/harness.js';
import { politeResponder, type Responder } from '../test-support/recording-webhook.js';
import { secretNewVersion } from '../test-support/sample-events.js';
import { RETRY_JITTER, RETRY_SCHEDULE_MS } from './retry-policy.js';

let harness: Harness | undefined;
const folders: string[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** Validates politely, then answers notifications with `notification`. */
async function start(notification: Responder, options = {}): Promise<Harness> {
  harness = await startHarness(
    (request, index) =>
      request.headers['aeg-event-type'] === 'Notification'
        ? notification(request, index)
        : politeResponder(request, index),
    options,
  );
  return harness;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-dead-letter-'));
  folders.push(dir);
  return dir;
}

const endpoint = (h: Harness): string => `${h.webhook.url}/kv-rotation`;

describe('headers', () => {
  it('puts the aeg-* headers and the JSON content type on every request, delivery count rising from 0', async () => {
    let calls = 0;
    const h = await start(() => ({ status: ++calls < 3 ? 500 : 200 }));
    await h.simulator.subscribe({ name: 'kv-Rotation', endpoint: endpoint(h) });
    await h.simulator.publish(secretNewVersion()).settled;

    const [validation, ...deliveries] = h.webhook.requests;
    for (const request of [validation, ...deliveries]) {
      expect(request?.headers['aeg-subscription-name']).toBe('KV-ROTATION');
      expect(request?.headers['aeg-data-version']).toBe('1');
      expect(request?.headers['aeg-metadata-version']).toBe('1');
      expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    expect(validation?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    expect(validation?.headers['aeg-delivery-count']).toBe('0');
    expect(deliveries.map((request) => request.headers['aeg-event-type'])).toEqual([
      'Notification',
      'Notification',
      'Notification',
    ]);
    expect(deliveries.map((request) => request.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
  });

  it('delivers the Event Grid schema as an array of one event', async () => {
    const h = await start(() => ({ status: 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const event = secretNewVersion();
    await h.simulator.publish(event).settled;

    const [notification] = h.webhook.notifications();
    expect(eventGridDeliverySchema.parse(notification?.body)).toEqual([event]);
  });
});

describe('retries', () => {
  it.each([200, 201, 202, 203, 204])('counts %i as success', async (status) => {
    const h = await start(() => ({ status }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;
    expect(delivery?.state).toBe('acknowledged');
    expect(delivery?.attempts).toHaveLength(1);
  });

  it.each([205, 301, 404, 500])('retries after %i', async (status) => {
    let calls = 0;
    const h = await start(() => ({ status: ++calls === 1 ? status : 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;
    expect(delivery?.attempts.map((attempt) => attempt.result)).toEqual([String(status), '200']);
  });

  it("follows Azure's schedule (10 s, 30 s, 1 min, 5 min, …) with small jitter, on the injected clock", async () => {
    const h = await start(() => ({ status: 500 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h), maxAttempts: 10 });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;

    const times = delivery?.attempts.map((attempt) => attempt.time) ?? [];
    const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
    expect(gaps).toHaveLength(9);
    gaps.forEach((gap, index) => {
      const scheduled = RETRY_SCHEDULE_MS[index] ?? 0;
      expect(gap).toBeGreaterThanOrEqual(Math.max(10_000, scheduled * (1 - RETRY_JITTER)));
      expect(gap).toBeLessThanOrEqual(scheduled * (1 + RETRY_JITTER));
    });
    expect(delivery?.state).toBe('dropped');
    expect(delivery?.deadLetterReason).toBe('MaxDeliveryAttemptsExceeded');
  });

  it('waits at least 5 minutes after a 404 and 30 s after a 503', async () => {
    let calls = 0;
    const h = await start(() => ({ status: [404, 503, 200][calls++] ?? 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;
    const [first, second, third] = delivery?.attempts ?? [];
    expect((second?.time ?? 0) - (first?.time ?? 0)).toBeGreaterThanOrEqual(5 * 60_000);
    expect((third?.time ?? 0) - (second?.time ?? 0)).toBeGreaterThanOrEqual(30_000);
  });

  it.each([
    [400, 'UndeliverableDueToHttpBadRequest', 'BadRequest'],
    [401, 'UndeliverableDueToHttpUnauthorized', 'Unauthorized'],
    [403, 'UndeliverableDueToHttpForbidden', 'Forbidden'],
    [413, 'UndeliverableDueToHttpPayloadTooLarge', 'PayloadTooLarge'],
  ])('never retries %i: dead-lettered at once', async (status, reason, outcome) => {
    const h = await start(() => ({ status }));
    const dir = await tempDir();
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h), deadLetterDir: dir });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;

    expect(delivery?.attempts).toHaveLength(1);
    expect(delivery?.state).toBe('deadLettered');
    expect(delivery?.deadLetterReason).toBe(reason);
    expect(h.simulator.report().deadLetters[0]).toMatchObject({
      lastDeliveryOutcome: outcome,
      deliveryAttempts: 1,
    });
  });

  it('ends at max attempts and writes a dead-letter record like Azure', async () => {
    const h = await start(() => ({ status: 404 }));
    const dir = await tempDir();
    await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      maxAttempts: 3,
      deadLetterDir: dir,
    });
    const event = secretNewVersion();
    const [delivery] = await h.simulator.publish(event).settled;

    expect(delivery?.state).toBe('deadLettered');
    const file = delivery?.deadLetterFile ?? '';
    expect(file.startsWith(join(dir, 'KV-ROTATION', '2026', '12', '1'))).toBe(true);
    const records: unknown = JSON.parse(await readFile(file, 'utf8'));
    expect(records).toEqual([
      {
        ...event,
        deadLetterReason: 'MaxDeliveryAttemptsExceeded',
        deliveryAttempts: 3,
        lastDeliveryOutcome: 'NotFound',
        lastHttpStatusCode: 404,
        publishTime: expect.stringMatching(/^2026-12-01T10:00:00\.\d{7}Z$/) as unknown,
        lastDeliveryAttemptTime: expect.stringMatching(/^2026-12-01T10:\d\d:\d\d\.\d{7}Z$/) as unknown,
      },
    ]);
    expect(await readdir(dir)).toEqual(['KV-ROTATION']);
  });

  it('ends at the event time-to-live, even with attempts left', async () => {
    const h = await start(() => ({ status: 500 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h), ttlMinutes: 5 });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;

    expect(delivery?.deadLetterReason).toBe('TimeToLiveExceeded');
    // 10 s, 30 s, 1 min fit into 5 minutes; the 5-minute retry would not.
    expect(delivery?.attempts).toHaveLength(4);
    expect(h.simulator.clock.now() - (delivery?.publishTime ?? 0)).toBe(5 * 60_000);
  });

  it('runs the default policy to the 24-hour time-to-live', async () => {
    const h = await start(() => ({ status: 500 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;
    expect(delivery?.deadLetterReason).toBe('TimeToLiveExceeded');
    // 9 scheduled retries reach about 10.8 h, one 12-hour retry about 22.8 h, then 24 h runs out.
    expect(delivery?.attempts).toHaveLength(11);
  });

  it('treats no answer within the response timeout as a failure and retries', async () => {
    let calls = 0;
    const h = await start(() => (++calls === 1 ? { hang: true } : { status: 200 }), {
      responseTimeoutMs: 150,
    });
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    const [delivery] = await h.simulator.publish(secretNewVersion()).settled;
    expect(delivery?.attempts.map((attempt) => [attempt.result, attempt.outcome])).toEqual([
      ['timeout', 'TimedOut'],
      ['200', 'Succeeded'],
    ]);
  });
});

describe('batching', () => {
  it('groups by max events and fails or succeeds a batch whole', async () => {
    let calls = 0;
    const h = await start(() => ({ status: ++calls === 1 ? 500 : 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h), batch: { maxEvents: 2 } });
    const events = [secretNewVersion('a'), secretNewVersion('b'), secretNewVersion('c')];
    const deliveries = await h.simulator.publish(events).settled;

    expect(deliveries.map((delivery) => delivery.eventIds.length)).toEqual([2, 1]);
    const sizes = h.webhook.notifications().map(({ body }) => (body as unknown[]).length);
    expect(sizes.sort()).toEqual([1, 2, 2]);
    const failed = deliveries.find((delivery) => delivery.attempts.length === 2);
    expect(failed?.state).toBe('acknowledged');
    const events2 = h.simulator.report().events.filter((event) => event.deliveryId === failed?.id);
    expect(events2.every((event) => event.statuses.join() === '500,200')).toBe(true);
  });

  it('respects the preferred batch size in KB, but sends an oversized event alone', async () => {
    const h = await start(() => ({ status: 200 }));
    await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      batch: { maxEvents: 100, preferredSizeKb: 2 },
    });
    const big = secretNewVersion('big', { data: { padding: 'x'.repeat(3000) } });
    const deliveries = await h.simulator.publish([
      secretNewVersion('a'),
      secretNewVersion('b'),
      big,
      secretNewVersion('c'),
    ]).settled;
    expect(deliveries.map((delivery) => delivery.subjects)).toEqual([['a', 'b'], ['big'], ['c']]);
  });
});

describe('at-least-once', () => {
  it('sends an acknowledged delivery again on demand', async () => {
    const h = await start(() => ({ status: 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h), duplicates: 1 });
    const event = secretNewVersion();
    await h.simulator.publish(event).settled;

    const ids = h.webhook.notifications().map(({ body }) => (body as { id: string }[])[0]?.id);
    expect(ids).toEqual([event.id, event.id]);
    expect(h.simulator.report().counts).toMatchObject({ acknowledged: 1, duplicates: 1 });
  });
});

describe('filters', () => {
  it('applies includedEventTypes, subjectBeginsWith and subjectEndsWith', async () => {
    const h = await start(() => ({ status: 200 }));
    await h.simulator.subscribe({
      name: 'kv-rotation',
      endpoint: endpoint(h),
      filters: {
        includedEventTypes: ['Microsoft.KeyVault.SecretNewVersionCreated'],
        subjectBeginsWith: 'DB-',
        subjectEndsWith: '-password',
      },
    });
    const receipt = h.simulator.publish([
      secretNewVersion('db-password'),
      secretNewVersion('db-user'),
      secretNewVersion('api-password'),
      secretNewVersion('db-password', { eventType: 'Microsoft.KeyVault.SecretNearExpiry' }),
    ]);
    await receipt.settled;

    expect(receipt.filteredOut).toBe(3);
    expect(h.webhook.notifications()).toHaveLength(1);
  });
});

describe('report', () => {
  it('counts published, sent, acknowledged and dead-lettered events', async () => {
    const h = await start((request) => ({ status: request.body.includes('"subject":"bad"') ? 400 : 200 }));
    await h.simulator.subscribe({ name: 'kv-rotation', endpoint: endpoint(h) });
    await h.simulator.publish([secretNewVersion('good'), secretNewVersion('bad')]).settled;

    expect(h.simulator.report().counts).toMatchObject({
      published: 2,
      sent: 2,
      acknowledged: 1,
      dropped: 1,
      deadLettered: 0,
      requests: 3,
    });
  });
});
