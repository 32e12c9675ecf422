import type { InjectOptions } from 'fastify';

/** Any method Node parses, as inject is given it (its type lists only the common ones). */
type Method = NonNullable<InjectOptions['method']>;
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterError } from '../cluster/cluster-error.js';
import {
  AEG_EVENT_TYPE,
  AEG_SUBSCRIPTION_NAME,
  CONTENT_TYPE_CLOUDEVENT,
  CONTENT_TYPE_CLOUDEVENT_BATCH,
  CONTENT_TYPE_JSON,
} from '../eventgrid/index.js';
import { EVENT_ID, LAST_ROTATED, SECRET_VERSION, TRIGGER_SOURCE } from '../rotation/annotations.js';
import { jsonFixture } from '../test-support/fixtures.js';
import {
  annotationsOf,
  createHarness,
  expectedFromFixtures,
  flush,
  resourceVersionOf,
  SUBSCRIPTION,
  type Harness,
} from '../test-support/harness.js';

const notification = {
  'content-type': CONTENT_TYPE_JSON,
  [AEG_EVENT_TYPE]: 'Notification',
  [AEG_SUBSCRIPTION_NAME]: 'KV-ROTATION',
};
const validation = {
  'content-type': CONTENT_TYPE_JSON,
  [AEG_EVENT_TYPE]: 'SubscriptionValidation',
  [AEG_SUBSCRIPTION_NAME]: 'KV-ROTATION',
};

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

function post(payload: unknown, headers: Record<string, string> = notification, path = `/${SUBSCRIPTION}`) {
  return h.app.inject({
    method: 'POST',
    url: path,
    headers,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('Event Grid validation handshake', () => {
  it('answers 200 with the validation code, comparing the subscription header case-insensitively', async () => {
    const response = await post(jsonFixture('events/eventgrid/handshake.json'), validation);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('fetches the validationUrl of an allow-listed host', async () => {
    await post(jsonFixture('events/eventgrid/handshake.json'), validation);
    await flush();
    expect(h.fetched).toHaveLength(1);
    expect(h.fetched[0]).toMatch(/^https:\/\/rp-eastus2\.eventgrid\.azure\.net:553\//);
  });

  it('never requests a validationUrl on a host outside the allow-list, yet answers with the code', async () => {
    const event = jsonFixture('events/eventgrid/handshake.json') as [{ data: { validationUrl: string } }];
    event[0].data.validationUrl = 'http://169.254.169.254/latest/meta-data/';
    const response = await post(event, validation);
    await flush();
    expect(response.statusCode).toBe(200);
    expect(h.fetched).toEqual([]);
  });

  it('refuses a handshake without aeg-subscription-name (400) and never echoes the code', async () => {
    const response = await post(jsonFixture('events/eventgrid/handshake.json'), {
      'content-type': CONTENT_TYPE_JSON,
      [AEG_EVENT_TYPE]: 'SubscriptionValidation',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'MISSING_SUBSCRIPTION_HEADER' });
    expect(response.body).not.toContain('512d38b6');
  });

  it("refuses another subscription's handshake (403) without the code", async () => {
    const response = await post(jsonFixture('events/eventgrid/handshake.json'), {
      ...validation,
      [AEG_SUBSCRIPTION_NAME]: 'SOMEONE-ELSE',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'SUBSCRIPTION_MISMATCH' });
    expect(response.body).not.toContain('512d38b6');
  });

  it('tolerates a trailing slash', async () => {
    const response = await post(
      jsonFixture('events/eventgrid/handshake.json'),
      validation,
      `/${SUBSCRIPTION}/`,
    );
    expect(response.statusCode).toBe(200);
  });
});

describe('CloudEvents abuse-protection handshake', () => {
  it('grants Event Grid with WebHook-Allowed-Origin, WebHook-Allowed-Rate and Allow', async () => {
    const response = await h.app.inject({
      method: 'OPTIONS',
      url: `/${SUBSCRIPTION}`,
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['webhook-allowed-origin']).toBe('eventgrid.azure.net');
    expect(response.headers['webhook-allowed-rate']).toBe('*');
    expect(response.headers.allow).toContain('POST');
  });

  it('advertises the per-path rate limit in requests per minute, as the CloudEvents webhook spec counts', async () => {
    const limited = await createHarness({ rateLimitPerSecond: 5 });
    try {
      const response = await limited.app.inject({
        method: 'OPTIONS',
        url: `/${SUBSCRIPTION}`,
        headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['webhook-allowed-rate']).toBe('300');
    } finally {
      await limited.close();
    }
  });

  it('refuses an origin that is not allowed and a request without origin', async () => {
    const other = await h.app.inject({
      method: 'OPTIONS',
      url: `/${SUBSCRIPTION}`,
      headers: { 'webhook-request-origin': 'evil.example' },
    });
    expect(other.statusCode).toBe(403);
    expect(other.headers['webhook-allowed-origin']).toBeUndefined();
    const none = await h.app.inject({ method: 'OPTIONS', url: `/${SUBSCRIPTION}` });
    expect(none.statusCode).toBe(400);
  });
});

describe('rotation deliveries', () => {
  const expected = expectedFromFixtures();

  it.each(['secret-new-version.json', 'seed-example.json', 'mixed-case-data.json'])(
    'annotates exactly the matching ExternalSecrets for %s',
    async (file) => {
      const versionsBefore = new Map(
        expected.untouched.map((key) => [key, resourceVersionOf(h.cluster, key)]),
      );
      const event = (jsonFixture(`events/eventgrid/${file}`) as [{ id: string }])[0];
      const response = await post([event]);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        matched: expected.annotated.length,
        annotated: expected.annotated.length,
      });
      for (const key of expected.annotated) {
        const annotations = annotationsOf(h.cluster, key);
        expect(annotations[TRIGGER_SOURCE], key).toBe('AzureEventGrid');
        expect(annotations[EVENT_ID], key).toBe(event.id);
        expect(annotations[LAST_ROTATED], key).toMatch(/^2026-12-01T10:0\d:\d\d\.\d{3}Z$/);
      }
      for (const key of expected.untouched) {
        expect(resourceVersionOf(h.cluster, key), key).toBe(versionsBefore.get(key));
        expect(annotationsOf(h.cluster, key)[TRIGGER_SOURCE], key).toBeUndefined();
      }
    },
  );

  it('takes the secret from data.Id when ObjectName is absent and the subject is the vault path (the seed example)', async () => {
    await post(jsonFixture('events/eventgrid/seed-example.json'));
    expect(annotationsOf(h.cluster, 'team-a/db-credentials')[SECRET_VERSION]).toBe(
      '0b1c2d3e4f5a46b7a8b9c0d1e2f3a4b5',
    );
  });

  it('handles an Event Grid batch in one response, acknowledging other event types without acting', async () => {
    const response = await post(jsonFixture('events/eventgrid/batch.json'));
    expect(response.statusCode).toBe(200);
    const body = response.json<{ events: number; rotations: unknown[] }>();
    expect(body.events).toBe(3);
    expect(body.rotations).toHaveLength(2);
    // team-a/api-config reads both db-password and api-token: one patch, the newer event wins.
    expect(annotationsOf(h.cluster, 'team-a/api-config')[EVENT_ID]).toBe(
      'b1000000-0000-4000-8000-000000000002',
    );
    expect(annotationsOf(h.cluster, 'team-a/unrelated')[EVENT_ID]).toBe(
      'b1000000-0000-4000-8000-000000000002',
    );
  });

  it('accepts structured and batched CloudEvents', async () => {
    const single = await post(jsonFixture('events/cloudevents/secret-new-version.json'), {
      'content-type': CONTENT_TYPE_CLOUDEVENT,
    });
    expect(single.statusCode).toBe(200);
    expect(annotationsOf(h.cluster, 'team-b/db-bundle')[EVENT_ID]).toBe(
      'c1000000-0000-4000-8000-000000000001',
    );
    const batch = await post(jsonFixture('events/cloudevents/batch.json'), {
      'content-type': CONTENT_TYPE_CLOUDEVENT_BATCH,
    });
    expect(batch.statusCode).toBe(200);
    expect(annotationsOf(h.cluster, 'team-a/unrelated')[EVENT_ID]).toBe(
      'c2000000-0000-4000-8000-000000000002',
    );
  });

  it('is idempotent: a redelivered event changes nothing', async () => {
    const event = jsonFixture('events/eventgrid/secret-new-version.json');
    await post(event);
    const version = resourceVersionOf(h.cluster, 'team-a/db-credentials');
    const again = await post(event);
    expect(again.statusCode).toBe(200);
    expect(resourceVersionOf(h.cluster, 'team-a/db-credentials')).toBe(version);
  });

  it('records a Kubernetes Event on each annotated ExternalSecret', async () => {
    await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    await flush();
    const rotated = h.cluster.events
      .filter((event) => event.reason === 'SecretRotated')
      .map((event) => `${event.regarding.namespace}/${event.regarding.name}`);
    expect(rotated.sort()).toEqual([...expected.annotated].sort());
  });

  it('warns when ESO will ignore the annotation (CreatedOnce, refreshInterval 0)', async () => {
    h.cluster.apply({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'frozen', namespace: 'team-a' },
      spec: { refreshPolicy: 'CreatedOnce', data: [{ secretKey: 'p', remoteRef: { key: 'db-password' } }] },
    });
    h.cluster.apply({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'never', namespace: 'team-a' },
      spec: { refreshInterval: '0s', data: [{ secretKey: 'p', remoteRef: { key: 'db-password' } }] },
    });
    await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    await flush();
    const warned = h.cluster.events
      .filter((event) => event.type === 'Warning')
      .map((event) => event.regarding.name);
    expect(warned.sort()).toEqual(['frozen', 'never']);
    expect(await h.metrics.ignoredAnnotations.get()).toMatchObject({ values: [{ value: 2 }] });
  });
});

describe('the retry contract', () => {
  it('answers 503 and acknowledges nothing when the Kubernetes API fails; the retry lands', async () => {
    h.cluster.injectFault('annotate', () => new ClusterError('UNAVAILABLE', 'connection refused', undefined));
    const failed = await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ code: 'KUBERNETES_UNAVAILABLE' });
    expect(annotationsOf(h.cluster, 'team-a/db-credentials')[EVENT_ID]).toBeUndefined();

    h.cluster.injectFault('annotate', undefined);
    const retried = await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    expect(retried.statusCode).toBe(200);
    expect(annotationsOf(h.cluster, 'team-a/db-credentials')[EVENT_ID]).toBe(
      '9f4b3c2a-6a1e-4d0c-8b7e-2f5d1c3a9e01',
    );
  });

  it('answers 503 when only some patches fail, so the whole delivery is retried', async () => {
    h.cluster.injectFault('annotate', (key) =>
      key === 'team-b/db-bundle' ? new ClusterError('UNAVAILABLE', 'timeout', undefined) : undefined,
    );
    const response = await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    expect(response.statusCode).toBe(503);
  });

  it('answers 429 when the API server throttles', async () => {
    h.cluster.injectFault('annotate', () => new ClusterError('THROTTLED', 'too many requests', 429));
    const response = await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    expect(response.statusCode).toBe(429);
  });

  it('treats an ExternalSecret deleted meanwhile as done', async () => {
    h.cluster.injectFault('annotate', (key) =>
      key === 'team-a/db-credentials' ? new ClusterError('NOT_FOUND', 'gone', 404) : undefined,
    );
    const response = await post(jsonFixture('events/eventgrid/secret-new-version.json'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ gone: 1 });
  });

  it('answers 503 before the caches have synced', async () => {
    const cold = await createHarness({ seed: false });
    try {
      Object.defineProperty(cold.deps.externalSecrets, 'isSynced', { get: () => false });
      const response = await cold.app.inject({
        method: 'POST',
        url: `/${SUBSCRIPTION}`,
        headers: notification,
        payload: JSON.stringify(jsonFixture('events/eventgrid/secret-new-version.json')),
      });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'NOT_READY' });
    } finally {
      await cold.close();
    }
  });

  it.each([
    ['invalid JSON', '[{"id": ', 'INVALID_JSON'],
    ['an empty array', '[]', 'INVALID_DELIVERY'],
    ['a wrong type', '[{"id": 5}]', 'INVALID_DELIVERY'],
    ['a prototype-pollution key', '[{"__proto__": {"polluted": true}}]', 'INVALID_JSON'],
  ])('answers 400 for %s and changes nothing', async (_name, payload, code) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code });
    expect(h.cluster.events).toEqual([]);
  });

  it('names the field in error: a rotation whose data names no secret', async () => {
    const event = jsonFixture('events/eventgrid/secret-new-version.json') as [
      { data: Record<string, unknown>; subject: string },
    ];
    event[0].data = { VaultName: 'kv-prod' };
    event[0].subject = '';
    const response = await post(event);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toContain('events[0]');
  });

  it('rejects the whole batch when one event is invalid, annotating nothing', async () => {
    const batch = jsonFixture('events/eventgrid/batch.json') as [{ eventTime: string }, unknown, unknown];
    batch[1] = { ...(batch[1] as object), eventTime: 'yesterday' };
    const response = await post(batch);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toContain('events[1].eventTime');
    expect(annotationsOf(h.cluster, 'team-a/db-credentials')[EVENT_ID]).toBeUndefined();
  });

  it('answers 413 above the body limit', async () => {
    const small = await createHarness({ bodyLimit: 1024 });
    try {
      const response = await small.app.inject({
        method: 'POST',
        url: `/${SUBSCRIPTION}`,
        headers: notification,
        payload: JSON.stringify([{ pad: 'x'.repeat(2048) }]),
      });
      expect(response.statusCode).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('answers 413 above the events-per-delivery limit', async () => {
    const strict = await createHarness({ maxEventsPerDelivery: 2 });
    try {
      const response = await strict.app.inject({
        method: 'POST',
        url: `/${SUBSCRIPTION}`,
        headers: notification,
        payload: JSON.stringify(jsonFixture('events/eventgrid/batch.json')),
      });
      expect(response.statusCode).toBe(413);
    } finally {
      await strict.close();
    }
  });

  it('answers 400 for a content type it cannot read (Event Grid would retry 415 for a day)', async () => {
    const response = await post('<xml/>', { 'content-type': 'application/xml' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 404 on an unknown path and 405 with Allow on other methods', async () => {
    const unknown = await post(
      jsonFixture('events/eventgrid/secret-new-version.json'),
      notification,
      '/someone-else',
    );
    expect(unknown.statusCode).toBe(404);
    const get = await h.app.inject({ method: 'GET', url: `/${SUBSCRIPTION}` });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
  });

  it.each(['TRACE', 'PROPFIND', 'SEARCH', 'QUERY', 'PURGE', 'MKCOL', 'LOCK', 'M-SEARCH'] as const)(
    'answers 405 with Allow to %s on a served path, and 404 elsewhere',
    async (method) => {
      const served = await h.app.inject({ method: method as Method, url: `/${SUBSCRIPTION}` });
      expect(served.statusCode).toBe(405);
      expect(served.headers.allow).toBe('POST, OPTIONS');
      expect(served.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
      const elsewhere = await h.app.inject({ method: method as Method, url: '/someone-else' });
      expect(elsewhere.statusCode).toBe(404);
    },
  );

  it('answers 405 before reading a body, whatever its content type', async () => {
    const response = await h.app.inject({
      method: 'PUT',
      url: `/${SUBSCRIPTION}`,
      headers: { 'content-type': 'application/xml' },
      payload: '<not-json/>',
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST, OPTIONS');
  });

  it('refuses a notification from another subscription (403) and annotates nothing', async () => {
    const response = await post(jsonFixture('events/eventgrid/secret-new-version.json'), {
      ...notification,
      [AEG_SUBSCRIPTION_NAME]: 'OTHER',
    });
    expect(response.statusCode).toBe(403);
    expect(annotationsOf(h.cluster, 'team-a/db-credentials')[EVENT_ID]).toBeUndefined();
  });

  it('answers 429 instead of queueing without bound while the annotator is saturated', async () => {
    const tight = await createHarness({ concurrency: 1, maxQueued: 1 });
    // The API server stalls: the first delivery's patches hold the only slot and fill the queue.
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const annotate = tight.cluster.annotateExternalSecret.bind(tight.cluster);
    tight.cluster.annotateExternalSecret = async (ref, annotations) => {
      await stalled;
      return annotate(ref, annotations);
    };
    const deliver = (fixture: string) =>
      tight.app.inject({
        method: 'POST',
        url: `/${SUBSCRIPTION}`,
        headers: notification,
        payload: JSON.stringify(jsonFixture(fixture)),
      });
    try {
      const first = deliver('events/eventgrid/secret-new-version.json');
      await flush();
      const refused = await deliver('events/eventgrid/seed-example.json');
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'SATURATED' });
      release();
      // Taken whole once nothing else waits, however many ExternalSecrets it matches.
      expect((await first).statusCode).toBe(200);
      expect((await deliver('events/eventgrid/seed-example.json')).statusCode).toBe(200);
    } finally {
      release();
      await tight.close();
    }
  });
});
