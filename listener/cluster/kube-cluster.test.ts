import { KubeConfig } from '@kubernetes/client-node';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WatchHandlers } from './cluster.js';
import { ClusterError } from './cluster-error.js';
import type { ExternalSecret } from './external-secret.js';
import { KubeCluster } from './kube-cluster.js';

const API = 'https://kube.test';
const ES_PATH = `${API}/apis/external-secrets.io/v1/externalsecrets`;
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function kubeCluster(): KubeCluster {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: API, skipTLSVerify: false }],
    users: [{ name: 'test', token: 'not-a-real-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return new KubeCluster(kubeConfig, {
    component: 'eventgrid-reloader',
    instance: 'test-0',
    watchRetry: { initialMs: 10, maxMs: 50 },
  });
}

function es(name: string, resourceVersion: string) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion },
    spec: { data: [{ remoteRef: { key: name } }] },
  };
}

/**
 * A watch response. `end` closes it at once, as the API server does when a watch expires; otherwise it
 * ends after a while like a watch timeout (msw hands a body over only once it is complete).
 */
function watchStream(lines: unknown[], end = false): HttpResponse<ReadableStream> {
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    start(controller) {
      for (const line of lines) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      if (end) controller.close();
      else setTimeout(() => controller.close(), 100);
    },
  });
  return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('KubeCluster over HTTP (msw)', () => {
  it('annotates with a JSON merge patch of metadata.annotations only', async () => {
    let seen: { type: string | null; body: unknown } | undefined;
    server.use(
      http.patch(
        `${API}/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db`,
        async ({ request }) => {
          seen = { type: request.headers.get('content-type'), body: await request.json() };
          return HttpResponse.json(es('db', '2'));
        },
      ),
    );
    await kubeCluster().annotateExternalSecret(
      { namespace: 'ns', name: 'db' },
      { 'reloader/last-rotated': 't' },
    );
    expect(seen).toEqual({
      type: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'reloader/last-rotated': 't' } } },
    });
  });

  it.each([
    [404, 'NOT_FOUND'],
    [403, 'FORBIDDEN'],
    [429, 'THROTTLED'],
    [500, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
  ])('maps HTTP %i to %s', async (status, code) => {
    server.use(
      http.patch(`${API}/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db`, () =>
        HttpResponse.json({ kind: 'Status', message: `status ${status}` }, { status }),
      ),
    );
    const error = await kubeCluster()
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe(code);
    expect((error as ClusterError).message).toContain('ns/db');
  });

  it('gives up on a patch past its deadline as UNAVAILABLE, so the delivery is retried', async () => {
    server.use(
      http.patch(`${API}/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db`, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'test', server: API }],
      users: [{ name: 'test', token: 'not-a-real-token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    const cluster = new KubeCluster(kubeConfig, { component: 'c', instance: 'i', requestTimeoutMs: 50 });
    const error = await cluster
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect((error as ClusterError).code).toBe('UNAVAILABLE');
    expect((error as ClusterError).message).toContain('no answer within 50 ms');
  });

  it('maps a network failure to UNAVAILABLE', async () => {
    server.use(
      http.patch(`${API}/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db`, () =>
        HttpResponse.error(),
      ),
    );
    const error = await kubeCluster()
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect((error as ClusterError).code).toBe('UNAVAILABLE');
  });

  it('records a core/v1 Event regarding the ExternalSecret', async () => {
    let body: Record<string, unknown> | undefined;
    server.use(
      http.post(`${API}/api/v1/namespaces/ns/events`, async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json(body, { status: 201 });
      }),
    );
    await kubeCluster().recordEvent({
      regarding: {
        namespace: 'ns',
        name: 'db',
        uid: 'u1',
        kind: 'ExternalSecret',
        apiVersion: 'external-secrets.io/v1',
      },
      type: 'Normal',
      reason: 'SecretRotated',
      message: 'm',
    });
    expect(body).toMatchObject({
      involvedObject: { kind: 'ExternalSecret', name: 'db', uid: 'u1' },
      reason: 'SecretRotated',
      type: 'Normal',
      reportingComponent: 'eventgrid-reloader',
    });
  });

  it('writes Config status through the status subresource', async () => {
    let seen: unknown;
    server.use(
      http.patch(
        `${API}/apis/reloader.external-secrets.io/v1alpha1/configs/c1/status`,
        async ({ request }) => {
          seen = await request.json();
          return HttpResponse.json({});
        },
      ),
    );
    await kubeCluster().updateConfigStatus('c1', { conditions: [] });
    expect(seen).toEqual({ status: { conditions: [] } });
  });

  it('lists, watches, relists after 410 Gone and drops what vanished meanwhile', async () => {
    let lists = 0;
    server.use(
      http.get(ES_PATH, ({ request }) => {
        const url = new URL(request.url);
        if (url.searchParams.get('watch') === 'true') {
          // The first watch expires (410 Gone); later ones stay open and quiet.
          return lists === 1
            ? watchStream(
                [
                  { type: 'ADDED', object: es('b', '11') },
                  { type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old' } },
                ],
                true,
              )
            : watchStream([]);
        }
        lists += 1;
        const items = lists === 1 ? [es('a', '10')] : [es('b', '12')];
        return HttpResponse.json({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: String(10 + lists) },
          items,
        });
      }),
    );
    const seen: string[] = [];
    let syncs = 0;
    const handlers: WatchHandlers<ExternalSecret> = {
      upsert: (secret) => seen.push(`upsert:${secret.name}`),
      remove: (secret) => seen.push(`remove:${secret.name}`),
      synced: () => (syncs += 1),
      error: () => undefined,
    };
    const handle = kubeCluster().watchExternalSecrets(handlers);
    try {
      await eventually(() => lists >= 2 && seen.includes('remove:a'), 'relist after 410');
      expect(syncs).toBeGreaterThanOrEqual(1);
      expect(seen.slice(0, 2)).toEqual(['upsert:a', 'upsert:b']);
    } finally {
      await handle.stop();
    }
  });

  it('starts a failed watch again with backoff', async () => {
    let lists = 0;
    server.use(
      http.get(ES_PATH, ({ request }) => {
        if (new URL(request.url).searchParams.get('watch') === 'true') return watchStream([]);
        lists += 1;
        if (lists === 1) return HttpResponse.json({ message: 'unavailable' }, { status: 503 });
        return HttpResponse.json({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: '5' },
          items: [es('a', '5')],
        });
      }),
    );
    const errors: string[] = [];
    let syncs = 0;
    const handle = kubeCluster().watchExternalSecrets({
      upsert: () => undefined,
      remove: () => undefined,
      synced: () => (syncs += 1),
      error: (e) => errors.push(e instanceof ClusterError ? e.code : 'other'),
    });
    try {
      await eventually(() => syncs >= 1, 'sync after the retry');
      expect(errors[0]).toBe('UNAVAILABLE');
      expect(lists).toBeGreaterThanOrEqual(2);
    } finally {
      await handle.stop();
    }
  });
});
