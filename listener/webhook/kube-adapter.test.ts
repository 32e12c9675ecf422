import { KubeConfig } from '@kubernetes/client-node';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeCluster } from '../cluster/kube-cluster.js';
import { parseConfig } from '../config/parse-config.js';
import { CONTENT_TYPE_JSON, KeyVaultEventType } from '../eventgrid/index.js';
import { createMetrics } from '../ops/metrics.js';
import { Annotator } from '../rotation/annotator.js';
import { ExternalSecretCache } from '../rotation/external-secret-cache.js';
import { NamespaceCache } from '../rotation/namespace-cache.js';
import { jsonFixture, yamlFixture } from '../test-support/fixtures.js';
import { expectedFromFixtures, SUBSCRIPTION } from '../test-support/harness.js';
import { createAuthenticator } from './authenticator.js';
import { buildWebhookApp } from './webhook-app.js';

// The webhook through the front door, on the real Kubernetes adapter, with the API server played by msw.
const API = 'https://kube.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function list(kind: string): Record<string, unknown>[] {
  return [...yamlFixture('cluster/namespaces.yaml'), ...yamlFixture('cluster/external-secrets.yaml')]
    .filter((object) => (object as { kind: string }).kind === kind)
    .map((object, index) => {
      const value = object as { metadata: Record<string, unknown> };
      return { ...value, metadata: { ...value.metadata, uid: `uid-${String(index)}`, resourceVersion: '1' } };
    });
}

/** List answers from the fixtures; watches stay quiet and end, as a watch timeout does. */
function collection(path: string, kind: string, requests: string[] = []) {
  return http.get(`${API}${path}`, ({ request }) => {
    const watch = new URL(request.url).searchParams.get('watch') === 'true';
    requests.push(`${watch ? 'WATCH' : 'LIST'} ${path}`);
    if (watch) {
      const stream = new ReadableStream({
        start: (controller) => void setTimeout(() => controller.close(), 100),
      });
      return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } });
    }
    return HttpResponse.json({
      apiVersion: 'v1',
      kind: `${kind}List`,
      metadata: { resourceVersion: '1' },
      items: list(kind),
    });
  });
}

async function setUp() {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 't', server: API }],
    users: [{ name: 't', token: 'not-a-real-token' }],
    contexts: [{ name: 't', cluster: 't', user: 't' }],
    currentContext: 't',
  });
  const cluster = new KubeCluster(kubeConfig, { component: 'eventgrid-reloader', instance: 'test' });
  const metrics = createMetrics();
  const log = pino({ level: 'silent' });
  const externalSecrets = new ExternalSecretCache();
  const namespaces = new NamespaceCache();
  const watches = [cluster.watchExternalSecrets(externalSecrets), cluster.watchNamespaces(namespaces)];
  const deadline = Date.now() + 5000;
  while (!(externalSecrets.isSynced && namespaces.isSynced) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const config = parseConfig(yamlFixture('configs/keyvault-rotation.yaml')[0]);
  if (!config.ok) throw new Error(config.errors.join('; '));
  const app = await buildWebhookApp(
    {
      externalSecrets,
      namespaces,
      annotator: new Annotator({ cluster, metrics, log, concurrency: 4, maxQueued: 100 }),
      metrics,
      fetchValidationUrl: () => Promise.resolve({ ok: true, status: 200, error: undefined }),
      allowedValidationHosts: [],
      allowedOrigins: ['eventgrid.azure.net'],
      actOnEventTypes: new Set([KeyVaultEventType.SecretNewVersionCreated]),
      maxEventsPerDelivery: 5000,
      rateLimitPerSecond: 0,
      authenticatorFor: (auth) =>
        createAuthenticator(auth, {
          readSecret: (ref, key) => cluster.readSecretValue(ref, key),
          now: () => Date.now(),
          secretTtlMs: 0,
        }),
      now: () => new Date(),
    },
    [
      {
        subscription: SUBSCRIPTION,
        configName: config.config.name,
        destinations: config.config.destinations,
        auth: undefined,
      },
    ],
    { logger: log, bodyLimit: 1_048_576 },
  );
  return {
    deliver: () =>
      app.inject({
        method: 'POST',
        url: `/${SUBSCRIPTION}`,
        headers: { 'content-type': CONTENT_TYPE_JSON, 'aeg-event-type': 'Notification' },
        payload: JSON.stringify(jsonFixture('events/eventgrid/secret-new-version.json')),
      }),
    close: async () => {
      await app.close();
      await Promise.all(watches.map((watch) => watch.stop()));
    },
  };
}

describe('webhook on the Kubernetes adapter (API server played by msw)', () => {
  it('sends one merge patch per matched ExternalSecret and no LIST or GET per event', async () => {
    const requests: string[] = [];
    server.use(
      collection('/apis/external-secrets.io/v1/externalsecrets', 'ExternalSecret'),
      collection('/api/v1/namespaces', 'Namespace'),
      http.patch(
        `${API}/apis/external-secrets.io/v1/namespaces/:namespace/externalsecrets/:name`,
        ({ params, request }) => {
          requests.push(
            `PATCH ${String(params['namespace'])}/${String(params['name'])} ${request.headers.get('content-type') ?? ''}`,
          );
          return HttpResponse.json({});
        },
      ),
      http.post(`${API}/api/v1/namespaces/:namespace/events`, () => HttpResponse.json({}, { status: 201 })),
    );
    const world = await setUp();
    try {
      const before = requests.length;
      const response = await world.deliver();
      expect(response.statusCode).toBe(200);
      // Watches may re-open meanwhile (they end every 100 ms here); a LIST or GET would be the event's.
      const during = requests.slice(before).filter((line) => !line.startsWith('WATCH'));
      expect(during.filter((line) => !line.startsWith('PATCH'))).toEqual([]);
      const patches = during;
      expect(patches.map((line) => line.split(' ')[1]).sort()).toEqual(
        [...expectedFromFixtures().annotated].sort(),
      );
      expect(patches.every((line) => line.endsWith('application/merge-patch+json'))).toBe(true);
    } finally {
      await world.close();
    }
  });

  it('answers 503 when the API server fails the patches, so Event Grid retries', async () => {
    server.use(
      collection('/apis/external-secrets.io/v1/externalsecrets', 'ExternalSecret'),
      collection('/api/v1/namespaces', 'Namespace'),
      http.patch(`${API}/apis/external-secrets.io/v1/namespaces/:namespace/externalsecrets/:name`, () =>
        HttpResponse.json({ kind: 'Status', message: 'etcdserver: request timed out' }, { status: 500 }),
      ),
    );
    const world = await setUp();
    try {
      const response = await world.deliver();
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'KUBERNETES_UNAVAILABLE' });
    } finally {
      await world.close();
    }
  });
});
