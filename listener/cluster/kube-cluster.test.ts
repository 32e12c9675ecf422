import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type ApiAnswer, type FakeApiServer } from '../test-support/fake-api-server.js';
import type { WatchHandlers } from './cluster.js';
import { ClusterError } from './cluster-error.js';
import type { ExternalSecret } from './external-secret.js';
import { KubeCluster } from './kube-cluster.js';

// The API server is played over real HTTPS on 127.0.0.1 (test-support/fake-api-server.ts).
const ES_PATH = '/apis/external-secrets.io/v1/externalsecrets';
let api: FakeApiServer;
beforeAll(async () => {
  api = await startFakeApiServer();
});
afterEach(() => api.reset());
afterAll(() => api.close());

function kubeCluster(options: { requestTimeoutMs?: number } = {}): KubeCluster {
  return new KubeCluster(api.kubeConfig(), {
    component: 'eventgrid-reloader',
    instance: 'test-0',
    watchRetry: { initialMs: 10, maxMs: 50 },
    ...options,
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
 * A watch answer. `end` closes it at once, as the API server does when a watch expires; otherwise it
 * ends after a while like a watch timeout.
 */
function watchStream(lines: unknown[], end = false): ApiAnswer {
  return { lines, endAfterMs: end ? 0 : 100 };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('KubeCluster requests', () => {
  it('annotates with a JSON merge patch of metadata.annotations only', async () => {
    api.handle = () => ({ status: 200, json: es('db', '2') });
    await kubeCluster().annotateExternalSecret(
      { namespace: 'ns', name: 'db' },
      { 'reloader/last-rotated': 't' },
    );
    expect(
      api.requests.map(({ method, path, contentType, authorization }) => ({
        method,
        path,
        contentType,
        authorization,
      })),
    ).toEqual([
      {
        method: 'PATCH',
        path: '/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db',
        contentType: 'application/merge-patch+json',
        authorization: 'Bearer test-token',
      },
    ]);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({
      metadata: { annotations: { 'reloader/last-rotated': 't' } },
    });
  });

  it.each([
    [404, 'NOT_FOUND'],
    [403, 'FORBIDDEN'],
    [429, 'THROTTLED'],
    [500, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
  ])('maps HTTP %i to %s', async (status, code) => {
    api.handle = () => ({ status, json: { kind: 'Status', message: `status ${status}` } });
    const error = await kubeCluster()
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe(code);
    expect((error as ClusterError).message).toContain('ns/db');
  });

  it('gives up on a patch past its deadline as UNAVAILABLE, so the delivery is retried', async () => {
    api.handle = () => ({ status: 200, json: {}, delayMs: 500 });
    const error = await kubeCluster({ requestTimeoutMs: 50 })
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect((error as ClusterError).code).toBe('UNAVAILABLE');
    expect((error as ClusterError).message).toContain('no answer within 50 ms');
  });

  it('maps a dropped connection to UNAVAILABLE', async () => {
    api.handle = () => ({ drop: true });
    const error = await kubeCluster()
      .annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' })
      .catch((e: unknown) => e);
    expect((error as ClusterError).code).toBe('UNAVAILABLE');
  });

  it('records a core/v1 Event regarding the ExternalSecret', async () => {
    api.handle = (request) => ({ status: 201, json: JSON.parse(request.body) as unknown });
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
    expect(api.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /api/v1/namespaces/ns/events',
    ]);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toMatchObject({
      involvedObject: { kind: 'ExternalSecret', name: 'db', uid: 'u1' },
      reason: 'SecretRotated',
      type: 'Normal',
      reportingComponent: 'eventgrid-reloader',
    });
  });

  it('writes Config status through the status subresource', async () => {
    api.handle = () => ({ status: 200, json: {} });
    await kubeCluster().updateConfigStatus('c1', { conditions: [] });
    expect(
      api.requests.map(({ method, path, contentType }) => `${method} ${path} ${contentType ?? ''}`),
    ).toEqual([
      'PATCH /apis/reloader.external-secrets.io/v1alpha1/configs/c1/status application/merge-patch+json',
    ]);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({ status: { conditions: [] } });
  });

  it('reads one key of a Secret, and undefined when the Secret is missing', async () => {
    api.handle = (request) =>
      request.path.endsWith('/secrets/present')
        ? { status: 200, json: { kind: 'Secret', data: { token: Buffer.from('s3cr3t').toString('base64') } } }
        : { status: 404, json: { kind: 'Status', code: 404 } };
    const kube = kubeCluster();
    expect(await kube.readSecretValue({ namespace: 'ns', name: 'present' }, 'token')).toBe('s3cr3t');
    expect(await kube.readSecretValue({ namespace: 'ns', name: 'present' }, 'other')).toBeUndefined();
    expect(await kube.readSecretValue({ namespace: 'ns', name: 'absent' }, 'token')).toBeUndefined();
  });
});

describe('KubeCluster watches', () => {
  it('lists, watches, relists after 410 Gone and drops what vanished meanwhile', async () => {
    let lists = 0;
    api.handle = (request) => {
      if (request.path === ES_PATH) {
        if (request.search.get('watch') === 'true') {
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
        return {
          status: 200,
          json: { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(10 + lists) }, items },
        };
      }
      return { status: 404, json: {} };
    };
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
    api.handle = (request) => {
      if (request.search.get('watch') === 'true') return watchStream([]);
      lists += 1;
      if (lists === 1) return { status: 503, json: { message: 'unavailable' } };
      return {
        status: 200,
        json: { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '5' }, items: [es('a', '5')] },
      };
    };
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
