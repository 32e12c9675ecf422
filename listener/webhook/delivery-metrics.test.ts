import { request as httpRequest } from 'node:http';
import type { InjectOptions } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterError } from '../cluster/cluster-error.js';
import { CONTENT_TYPE_JSON } from '../eventgrid/index.js';
import { jsonFixture } from '../test-support/fixtures.js';
import { EVENT_ID } from '../rotation/annotations.js';
import { annotationsOf, createHarness, SUBSCRIPTION, type Harness } from '../test-support/harness.js';

/** Any method Node parses, as inject is given it (its type lists only the common ones). */
type Method = NonNullable<InjectOptions['method']>;

const NOTIFICATION = { 'content-type': CONTENT_TYPE_JSON, 'aeg-event-type': 'Notification' };
const ROTATION = JSON.stringify(jsonFixture('events/eventgrid/secret-new-version.json'));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** reloader_deliveries_total by outcome, and how many answers the latency histogram saw. */
async function counted(harness: Harness): Promise<{ outcomes: Record<string, number>; timed: number }> {
  const outcomes: Record<string, number> = {};
  for (const { labels, value } of (await harness.metrics.deliveries.get()).values) {
    expect(labels.subscription).toBe(SUBSCRIPTION);
    outcomes[String(labels.outcome)] = (outcomes[String(labels.outcome)] ?? 0) + value;
  }
  const timed = (await harness.metrics.deliveryDuration.get()).values
    .filter((sample) => sample.metricName === 'reloader_delivery_duration_seconds_count')
    .reduce((sum, sample) => sum + sample.value, 0);
  return { outcomes, timed };
}

function post(harness: Harness, payload: string, query = '') {
  return harness.app.inject({
    method: 'POST',
    url: `/${SUBSCRIPTION}${query}`,
    headers: NOTIFICATION,
    payload,
  });
}

describe('reloader_deliveries_total', () => {
  it('counts every answer on a subscription path once, refusals before the handler included', async () => {
    h = await createHarness({ bodyLimit: 4096 });
    const statuses = [
      (await post(h, ROTATION)).statusCode,
      (await post(h, '[{"id":')).statusCode,
      (await post(h, JSON.stringify(['x'.repeat(5000)]))).statusCode,
      (await h.app.inject({ method: 'GET', url: `/${SUBSCRIPTION}` })).statusCode,
      (await h.app.inject({ method: 'PROPFIND' as Method, url: `/${SUBSCRIPTION}` })).statusCode,
      (
        await h.app.inject({
          method: 'OPTIONS',
          url: `/${SUBSCRIPTION}`,
          headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
        })
      ).statusCode,
    ];
    h.cluster.injectFault('annotate', () => new ClusterError('UNAVAILABLE', 'connection refused', undefined));
    statuses.push((await post(h, ROTATION)).statusCode);
    // Another path is not a subscription's: not counted.
    await h.app.inject({ method: 'POST', url: '/someone-else', headers: NOTIFICATION, payload: ROTATION });

    expect(statuses).toEqual([200, 400, 413, 405, 405, 200, 503]);
    expect(await counted(h)).toEqual({ outcomes: { acknowledged: 2, rejected: 4, retry: 1 }, timed: 7 });
  });

  it('counts refusals by endpoint authentication as rejected', async () => {
    h = await createHarness({
      auth: {
        sharedSecret: {
          secretRef: { namespace: 'eventgrid-reloader', name: 'webhook-key', key: 'current' },
          queryParameter: 'code',
        },
      },
    });
    h.cluster.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: 'eventgrid-reloader', name: 'webhook-key' },
      stringData: { current: 'right-value-1234' },
    });
    expect((await post(h, ROTATION)).statusCode).toBe(401);
    expect((await post(h, ROTATION, '?code=guess')).statusCode).toBe(401);
    expect((await post(h, ROTATION, '?code=right-value-1234')).statusCode).toBe(200);
    expect(await counted(h)).toEqual({ outcomes: { rejected: 2, acknowledged: 1 }, timed: 3 });
  });

  it('tells the per-path rate limit (rate-limited) from backpressure (retry)', async () => {
    h = await createHarness({ rateLimitPerSecond: 1 });
    expect((await post(h, ROTATION)).statusCode).toBe(200);
    const limited = await post(h, ROTATION);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await counted(h)).toEqual({ outcomes: { acknowledged: 1, 'rate-limited': 1 }, timed: 2 });
  });
});

describe('a delivery the client abandons', () => {
  it('is counted once, as abandoned, and its annotations still land', async () => {
    const harness = await createHarness();
    h = harness;
    // Patches take 300 ms, so the client hangs up while the delivery is being stored.
    const annotate = harness.cluster.annotateExternalSecret.bind(harness.cluster);
    vi.spyOn(harness.cluster, 'annotateExternalSecret').mockImplementation(async (ref, annotations) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await annotate(ref, annotations);
    });
    const address = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const request = httpRequest({
      host: '127.0.0.1',
      port: Number(port),
      method: 'POST',
      path: `/${SUBSCRIPTION}`,
      headers: NOTIFICATION,
    });
    request.on('error', () => undefined);
    request.end(ROTATION);
    await new Promise((resolve) => setTimeout(resolve, 100));
    request.destroy();

    await vi.waitFor(() =>
      expect(annotationsOf(harness.cluster, 'team-a/db-credentials')).toHaveProperty(EVENT_ID),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await counted(harness)).outcomes).toEqual({ abandoned: 1 });
  });
});
