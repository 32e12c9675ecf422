import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeCluster } from '../cluster/kube-cluster.js';
import { parseConfig } from '../config/parse-config.js';
import { CONTENT_TYPE_JSON, KeyVaultEventType } from '../eventgrid/index.js';
import { createMetrics } from '../ops/metrics.js';
import { Annotator } from '../rotation/annotator.js';
import { ExternalSecretCache } from '../rotation/external-secret-cache.js';
import { NamespaceCache } from '../rotation/namespace-cache.js';
import {
  startFakeApiServer,
  type ApiAnswer,
  type ApiRequest,
  type FakeApiServer,
} from '../test-support/fake-api-server.js';
import { jsonFixture, yamlFixture } from '../test-support/fixtures.js';
import { expectedFromFixtures, SUBSCRIPTION } from '../test-support/harness.js';
import { createAuthenticator } from './authenticator.js';
import { buildWebhookApp } from './webhook-app.js';

// The webhook through the front door, on the real Kubernetes adapter, with the API server played over
// real HTTPS on 127.0.0.1 (test-support/fake-api-server.ts).
let api: FakeApiServer;
beforeAll(async () => {
  api = await startFakeApiServer();
});
afterEach(() => api.reset());
afterAll(() => api.close());

function list(kind: string): Record<string, unknown>[] {
  return [...yamlFixture('cluster/namespaces.yaml'), ...yamlFixture('cluster/external-secrets.yaml')]
    .filter((object) => (object as { kind: string }).kind === kind)
    .map((object, index) => {
      const value = object as { metadata: Record<string, unknown> };
      return { ...value, metadata: { ...value.metadata, uid: `uid-${String(index)}`, resourceVersion: '1' } };
    });
}

const COLLECTIONS: Readonly<Record<string, string>> = {
  '/apis/external-secrets.io/v1/externalsecrets': 'ExternalSecret',
  '/api/v1/namespaces': 'Namespace',
};

/** List answers from the fixtures; watches stay quiet and end, as a watch timeout does. */
function collection(request: ApiRequest): ApiAnswer | undefined {
  const kind = COLLECTIONS[request.path];
  if (request.method !== 'GET' || kind === undefined) return undefined;
  if (request.search.get('watch') === 'true') return { lines: [], endAfterMs: 100 };
  return {
    status: 200,
    json: { apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: '1' }, items: list(kind) },
  };
}

const PATCH_PATH = /^\/apis\/external-secrets\.io\/v1\/namespaces\/([^/]+)\/externalsecrets\/([^/]+)$/;

async function setUp() {
  const cluster = new KubeCluster(api.kubeConfig(), { component: 'eventgrid-reloader', instance: 'test' });
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
      await cluster.close();
    },
  };
}

describe('webhook on the Kubernetes adapter (API server played over HTTPS)', () => {
  it('sends one merge patch per matched ExternalSecret and no LIST or GET per event', async () => {
    api.handle = (request) => {
      const answer = collection(request);
      if (answer !== undefined) return answer;
      if (request.method === 'PATCH' && PATCH_PATH.test(request.path)) return { status: 200, json: {} };
      if (request.method === 'POST' && request.path.endsWith('/events')) return { status: 201, json: {} };
      return { status: 404, json: {} };
    };
    const world = await setUp();
    try {
      const before = api.requests.length;
      const response = await world.deliver();
      expect(response.statusCode).toBe(200);
      // Watches may re-open meanwhile (they end every 100 ms here); a LIST or GET would be the event's.
      // Events are POSTed after the answer, best effort; they are not the event's reads either.
      const during = api.requests
        .slice(before)
        .filter((request) => request.search.get('watch') !== 'true' && request.method !== 'POST');
      expect(during.filter((request) => request.method !== 'PATCH')).toEqual([]);
      expect(during.map((request) => PATCH_PATH.exec(request.path)?.slice(1, 3).join('/')).sort()).toEqual(
        [...expectedFromFixtures().annotated].sort(),
      );
      expect(during.every((request) => request.contentType === 'application/merge-patch+json')).toBe(true);
    } finally {
      await world.close();
    }
  });

  it('answers 503 when the API server fails the patches, so Event Grid retries', async () => {
    api.handle = (request) =>
      collection(request) ?? {
        status: 500,
        json: { kind: 'Status', message: 'etcdserver: request timed out' },
      };
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
