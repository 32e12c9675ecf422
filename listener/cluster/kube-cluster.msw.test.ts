/**
 * KubeCluster on client-node's own HTTP path, the one plain-HTTP and proxied clusters take
 * (keep-alive-http.ts hands them back to client-node's node-fetch). msw intercepts that path, so the
 * requests are checked here as sent; the kept-alive HTTPS path, which msw cannot see (undici), is
 * played by a real HTTPS server in kube-cluster.test.ts.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClusterError } from './cluster-error.js';
import { KubeCluster } from './kube-cluster.js';

const SERVER = 'http://kube.test:8001';
const PATCH_URL = `${SERVER}/apis/external-secrets.io/v1/namespaces/ns/externalsecrets/db`;

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | null;
  readonly authorization: string | null;
  readonly body: unknown;
}

const seen: Seen[] = [];
/** Notes a request as the handler receives it (before answering, so nothing lands late). */
async function record(request: Request): Promise<void> {
  const text = await request.clone().text();
  seen.push({
    method: request.method,
    url: request.url,
    contentType: request.headers.get('content-type'),
    authorization: request.headers.get('authorization'),
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  });
}

const mock = setupServer();
beforeAll(() => {
  // Any request without a handler is a failure, never a real connection.
  mock.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  mock.resetHandlers();
  seen.length = 0;
});
afterAll(() => {
  mock.close();
});

function kubeCluster(): KubeCluster {
  const config = new KubeConfig();
  config.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is off, as for `kubectl proxy`'s address.
    clusters: [{ name: 'plain', server: SERVER, skipTLSVerify: true }],
    users: [{ name: 'listener', token: 'msw-token' }],
    contexts: [{ name: 'plain', cluster: 'plain', user: 'listener' }],
    currentContext: 'plain',
  });
  return new KubeCluster(config, { component: 'eventgrid-reloader', instance: 'test-0' });
}

async function failureOf(call: Promise<unknown>): Promise<ClusterError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ClusterError)) throw new Error(`expected a ClusterError, got ${String(error)}`);
  return error;
}

describe('KubeCluster through client-node over plain HTTP (msw)', () => {
  it('annotates with one JSON merge patch of the annotations, authenticated, and nothing else', async () => {
    mock.use(
      http.patch(PATCH_URL, async ({ request }) => {
        await record(request);
        return HttpResponse.json({
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: {},
        });
      }),
    );
    await kubeCluster().annotateExternalSecret(
      { namespace: 'ns', name: 'db' },
      { 'reloader/last-rotated': 't' },
    );
    expect(seen).toEqual([
      {
        method: 'PATCH',
        url: PATCH_URL,
        contentType: 'application/merge-patch+json',
        authorization: 'Bearer msw-token',
        body: { metadata: { annotations: { 'reloader/last-rotated': 't' } } },
      },
    ]);
  });

  it.each([
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [429, 'THROTTLED'],
    [500, 'UNAVAILABLE'],
  ])('maps an answer of %i to %s, with the API server message', async (status, code) => {
    mock.use(
      http.patch(PATCH_URL, () =>
        HttpResponse.json({ kind: 'Status', message: `refused with ${String(status)}` }, { status }),
      ),
    );
    const error = await failureOf(
      kubeCluster().annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toContain('ns/db');
  });

  it('maps a network failure to UNAVAILABLE, so the delivery is retried', async () => {
    mock.use(http.patch(PATCH_URL, () => HttpResponse.error()));
    const error = await failureOf(
      kubeCluster().annotateExternalSecret({ namespace: 'ns', name: 'db' }, { a: 'b' }),
    );
    expect(error.code).toBe('UNAVAILABLE');
  });

  it('records the Event on the ExternalSecret in its namespace', async () => {
    mock.use(
      http.post(`${SERVER}/api/v1/namespaces/ns/events`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(await request.json(), { status: 201 });
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
      message: 'rotated',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: {
        involvedObject: { kind: 'ExternalSecret', name: 'db', uid: 'u1' },
        reason: 'SecretRotated',
        type: 'Normal',
      },
    });
  });
});
