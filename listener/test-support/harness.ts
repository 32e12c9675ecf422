import type { FastifyInstance } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { EndpointAuth } from '../config/schema.js';
import { createAuthenticator } from '../webhook/authenticator.js';
import pino from 'pino';
import { MemoryCluster } from '../cluster/memory-cluster.js';
import { parseConfig } from '../config/parse-config.js';
import { KeyVaultEventType } from '../eventgrid/index.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import { Annotator } from '../rotation/annotator.js';
import { ExternalSecretCache } from '../rotation/external-secret-cache.js';
import { NamespaceCache } from '../rotation/namespace-cache.js';
import type { RouteTarget, WebhookDeps } from '../webhook/deps.js';
import type { FetchValidationUrl } from '../webhook/validation-url.js';
import { buildWebhookApp } from '../webhook/webhook-app.js';
import { yamlFixture } from './fixtures.js';

export const SUBSCRIPTION = 'kv-rotation';

export interface Harness {
  readonly cluster: MemoryCluster;
  readonly metrics: Metrics;
  readonly app: FastifyInstance;
  readonly deps: WebhookDeps;
  readonly fetched: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly fetchValidationUrl?: FetchValidationUrl;
  readonly bodyLimit?: number;
  readonly maxEventsPerDelivery?: number;
  readonly concurrency?: number;
  readonly maxQueued?: number;
  readonly seed?: boolean;
  readonly rateLimitPerSecond?: number;
  readonly auth?: EndpointAuth;
  readonly jwks?: (uri: URL) => JWTVerifyGetKey;
}

/** Waits until queued microtasks and timers of the in-memory watches have run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The webhook app of the default fixture Config on an in-memory cluster seeded from fixtures/cluster,
 * with caches fed by the cluster's watches exactly as the listener feeds them.
 */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const cluster = new MemoryCluster(() => new Date('2026-12-01T12:00:00Z'));
  if (options.seed !== false) {
    for (const manifest of [
      ...yamlFixture('cluster/namespaces.yaml'),
      ...yamlFixture('cluster/external-secrets.yaml'),
    ]) {
      cluster.apply(manifest);
    }
  }
  const metrics = createMetrics();
  const log = pino({ level: 'silent' });
  const externalSecrets = new ExternalSecretCache();
  const namespaces = new NamespaceCache();
  const watches = [cluster.watchExternalSecrets(externalSecrets), cluster.watchNamespaces(namespaces)];
  await flush();
  const fetched: string[] = [];
  const deps: WebhookDeps = {
    externalSecrets,
    namespaces,
    annotator: new Annotator({
      cluster,
      metrics,
      log,
      concurrency: options.concurrency ?? 4,
      maxQueued: options.maxQueued ?? 100,
    }),
    metrics,
    fetchValidationUrl:
      options.fetchValidationUrl ??
      ((url) => {
        fetched.push(url);
        return Promise.resolve({ ok: true, status: 200, error: undefined });
      }),
    allowedValidationHosts: ['*.eventgrid.azure.net'],
    allowedOrigins: ['eventgrid.azure.net'],
    actOnEventTypes: new Set([KeyVaultEventType.SecretNewVersionCreated]),
    maxEventsPerDelivery: options.maxEventsPerDelivery ?? 5000,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
    authenticatorFor: (auth) =>
      createAuthenticator(auth, {
        readSecret: (ref, key) => cluster.readSecretValue(ref, key),
        now: () => Date.now(),
        secretTtlMs: 0,
        ...(options.jwks === undefined ? {} : { jwks: options.jwks }),
      }),
    now: () => new Date('2026-12-01T12:00:00Z'),
  };
  const config = parseConfig(yamlFixture('configs/keyvault-rotation.yaml')[0]);
  if (!config.ok) throw new Error(config.errors.join('; '));
  const routes: RouteTarget[] = [
    {
      subscription: SUBSCRIPTION,
      configName: config.config.name,
      destinations: config.config.destinations,
      auth: options.auth,
    },
  ];
  const app = await buildWebhookApp(deps, routes, { logger: log, bodyLimit: options.bodyLimit ?? 1_048_576 });
  return {
    cluster,
    metrics,
    app,
    deps,
    fetched,
    async close() {
      await app.close();
      await Promise.all(watches.map((watch) => watch.stop()));
    },
  };
}

/** Annotations of a stored ExternalSecret, `namespace/name`. */
export function annotationsOf(cluster: MemoryCluster, key: string): Record<string, string> {
  const object = cluster.get('ExternalSecret', key);
  const annotations = (object?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
  return annotations ?? {};
}

export function resourceVersionOf(cluster: MemoryCluster, key: string): string | undefined {
  return (cluster.get('ExternalSecret', key)?.metadata as { resourceVersion?: string } | undefined)
    ?.resourceVersion;
}

/** Keys of the ExternalSecrets the fixtures mark `reloader.dev-kit/expect: annotated|untouched`. */
export function expectedFromFixtures(): { annotated: string[]; untouched: string[] } {
  const annotated: string[] = [];
  const untouched: string[] = [];
  for (const manifest of yamlFixture('cluster/external-secrets.yaml')) {
    const metadata = (
      manifest as { metadata: { name: string; namespace: string; annotations?: Record<string, string> } }
    ).metadata;
    const key = `${metadata.namespace}/${metadata.name}`;
    if (metadata.annotations?.['reloader.dev-kit/expect'] === 'annotated') annotated.push(key);
    else untouched.push(key);
  }
  return { annotated, untouched };
}
