import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ClusterError } from './cluster/cluster-error.js';
import { MemoryCluster } from './cluster/memory-cluster.js';
import { clusterConfigSource } from './config/cluster-config-source.js';
import type { ConfigSource } from './config/config-source.js';
import { fileConfigSource } from './config/file-config-source.js';
import { KeyVaultEventType } from './eventgrid/index.js';
import { createListener, type Listener } from './listener.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { EVENT_ID } from './rotation/annotations.js';
import { createHttpBind } from './server/http-bind.js';
import { jsonFixture, yamlFixture } from './test-support/fixtures.js';
import { freePort } from './test-support/free-port.js';
import { annotationsOf } from './test-support/harness.js';

const HOST = '127.0.0.1';

function config(
  name: string,
  port: number,
  subscriptions: string[],
  destination: unknown,
): Record<string, unknown> {
  return {
    apiVersion: 'reloader.external-secrets.io/v1alpha1',
    kind: 'Config',
    metadata: { name },
    spec: {
      notificationSources: [{ type: 'AzureEventGrid', azureEventGrid: { host: HOST, port, subscriptions } }],
      destinationsToWatch: [{ type: 'ExternalSecret', externalSecret: destination }],
    },
  };
}

async function deliver(
  port: number,
  subscription: string,
  payload: unknown = jsonFixture('events/eventgrid/secret-new-version.json'),
): Promise<number> {
  const response = await fetch(`http://${HOST}:${port}/${subscription}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify(payload),
  });
  await response.arrayBuffer();
  return response.status;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function condition(name: string, type: string): string | undefined {
  const status = cluster.get('Config', name)?.status as
    { conditions?: { type: string; status: string }[] } | undefined;
  return status?.conditions?.find((c) => c.type === type)?.status;
}

async function refused(port: number): Promise<boolean> {
  try {
    await deliver(port, 'x');
    return false;
  } catch {
    return true;
  }
}

let cluster: MemoryCluster;
let metrics: Metrics;
let listener: Listener | undefined;
let dir: string;

function start(source: ConfigSource): Listener {
  metrics = createMetrics();
  listener = createListener({
    cluster,
    configSource: source,
    bind: createHttpBind({ requestTimeoutMs: 5000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 1000 }),
    logger: pino({ level: 'silent' }),
    metrics,
    fetchValidationUrl: () => Promise.resolve({ ok: true, status: 200, error: undefined }),
    allowedValidationHosts: ['*.eventgrid.azure.net'],
    allowedOrigins: ['eventgrid.azure.net'],
    actOnEventTypes: new Set([KeyVaultEventType.SecretNewVersionCreated]),
    bodyLimit: 1_048_576,
    maxEventsPerDelivery: 5000,
    kubeConcurrency: 8,
    maxQueuedPatches: 1000,
    coalesceWindowMs: 0,
    rateLimitPerSecond: 0,
    graceMs: 5000,
    now: () => new Date(),
    retry: { initialMs: 50, maxMs: 200 },
  });
  listener.start();
  return listener;
}

beforeEach(async () => {
  cluster = new MemoryCluster();
  for (const manifest of [
    ...yamlFixture('cluster/namespaces.yaml'),
    ...yamlFixture('cluster/external-secrets.yaml'),
  ])
    cluster.apply(manifest);
  dir = await mkdtemp(join(tmpdir(), 'listener-test-'));
});

afterEach(async () => {
  await listener?.close();
  listener = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('Configs from files, applied live', () => {
  it('serves two Configs on one port, each path with its own destinations', async () => {
    const port = await freePort();
    const file = join(dir, 'configs.yaml');
    await writeFile(
      file,
      [
        config('team-a', port, ['sub-a'], { namespaceSelectors: [{ matchLabels: { team: 'a' } }] }),
        config('team-b', port, ['sub-b'], { namespaceSelectors: [{ matchLabels: { team: 'b' } }] }),
      ]
        .map((c) => stringify(c))
        .join('---\n'),
    );
    const running = start(fileConfigSource([file], { watch: false }));
    await until(() => running.ready, 'ready');

    expect(await deliver(port, 'sub-a')).toBe(200);
    expect(annotationsOf(cluster, 'team-a/db-credentials')[EVENT_ID]).toBeDefined();
    expect(annotationsOf(cluster, 'team-b/db-bundle')[EVENT_ID]).toBeUndefined();
    expect(await deliver(port, 'sub-b')).toBe(200);
    expect(annotationsOf(cluster, 'team-b/db-bundle')[EVENT_ID]).toBeDefined();
  });

  it('reports a path claimed twice as a conflict; without creation times the Config whose name sorts first keeps it', async () => {
    const port = await freePort();
    const file = join(dir, 'configs.yaml');
    await writeFile(
      file,
      [
        config('zeta', port, ['shared'], { namespaceSelectors: [{ matchLabels: { team: 'b' } }] }),
        config('alpha', port, ['shared'], { namespaceSelectors: [{ matchLabels: { team: 'a' } }] }),
      ]
        .map((c) => stringify(c))
        .join('---\n'),
    );
    const running = start(fileConfigSource([file], { watch: false }));
    await until(() => running.ready, 'ready');
    expect((await metrics.routeConflicts.get()).values[0]?.value).toBe(1);
    expect(await deliver(port, 'shared')).toBe(200);
    expect(annotationsOf(cluster, 'team-a/db-credentials')[EVENT_ID]).toBeDefined();
    expect(annotationsOf(cluster, 'team-b/db-bundle')[EVENT_ID]).toBeUndefined();
  });

  it('an invalid Config never stops the others', async () => {
    const port = await freePort();
    await writeFile(join(dir, 'a-good.yaml'), stringify(config('good', port, ['good-sub'], {})));
    await writeFile(join(dir, 'b-bad.yaml'), stringify(config('bad', port, ['bad/sub'], {})));
    await writeFile(join(dir, 'c-broken.yaml'), 'spec: [unclosed');
    const running = start(fileConfigSource([dir], { watch: false }));
    await until(() => running.ready, 'ready');
    expect((await metrics.invalidConfigs.get()).values[0]?.value).toBe(1);
    expect(await deliver(port, 'good-sub')).toBe(200);
  });

  it('re-routes live when a file changes: subscription added and removed, port moved, Config deleted', async () => {
    const [port1, port2] = [await freePort(), await freePort()];
    const file = join(dir, 'config.yaml');
    await writeFile(file, stringify(config('live', port1, ['first'], {})));
    const running = start(fileConfigSource([file], { watch: true, debounceMs: 20 }));
    await until(() => running.ready, 'ready');
    expect(await deliver(port1, 'first')).toBe(200);

    await writeFile(file, stringify(config('live', port1, ['second'], {})));
    await until(async () => (await deliver(port1, 'second')) === 200, 'second path served');
    expect(await deliver(port1, 'first')).toBe(404);

    await writeFile(file, stringify(config('live', port2, ['second'], {})));
    await until(async () => refused(port1), 'old port closed');
    expect(await deliver(port2, 'second')).toBe(200);

    await writeFile(file, '');
    await until(async () => refused(port2), 'server stopped after the Config was removed');
  });
});

describe('Configs from the cluster', () => {
  it('starts, changes and stops listeners as Configs are created, changed and deleted, and writes their status', async () => {
    const [port1, port2] = [await freePort(), await freePort()];
    const running = start(clusterConfigSource(cluster));
    cluster.apply(config('from-cluster', port1, ['kv-sub'], {}));
    await until(
      async () => (await running.settled())?.served.has('from-cluster') === true && running.ready,
      'ready',
    );
    expect(await deliver(port1, 'kv-sub')).toBe(200);
    await until(() => {
      const status = cluster.get('Config', 'from-cluster')?.status as
        { conditions?: { type: string; status: string; message: string }[] } | undefined;
      return (
        status?.conditions?.some(
          (c) => c.type === 'Ready' && c.status === 'True' && c.message.includes(`${HOST}:${port1} /kv-sub`),
        ) === true
      );
    }, 'Ready status');

    cluster.apply(config('from-cluster', port2, ['kv-sub'], {}));
    await until(async () => refused(port1), 'old port closed');
    expect(await deliver(port2, 'kv-sub')).toBe(200);

    cluster.apply(config('conflicting', port2, ['kv-sub'], {}));
    await until(() => {
      const status = cluster.get('Config', 'conflicting')?.status as
        { conditions?: { type: string; status: string }[] } | undefined;
      return status?.conditions?.some((c) => c.type === 'Conflict' && c.status === 'True') === true;
    }, 'Conflict status');

    cluster.delete('Config', 'conflicting');
    cluster.delete('Config', 'from-cluster');
    await until(async () => refused(port2), 'server stopped');
  });

  it('reports a port it cannot bind without affecting other Configs', async () => {
    const [busy, free] = [await freePort(), await freePort()];
    const blocker = await createHttpBind({
      requestTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      keepAliveTimeoutMs: 1000,
    })(HOST, busy, (_req, res) => res.end());
    try {
      const running = start(clusterConfigSource(cluster));
      cluster.apply(config('blocked', busy, ['kv-sub'], {}));
      cluster.apply(config('fine', free, ['kv-two'], {}));
      await until(async () => (await running.settled())?.bindErrors.length === 1, 'bind error reported');
      expect(running.ready).toBe(false);
      expect(await deliver(free, 'kv-two')).toBe(200);
    } finally {
      await blocker.close(100);
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight delivery before closing', async () => {
    const port = await freePort();
    const file = join(dir, 'config.yaml');
    await writeFile(file, stringify(config('graceful', port, ['kv-sub'], {})));
    const running = start(fileConfigSource([file], { watch: false }));
    await until(() => running.ready, 'ready');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const annotate = cluster.annotateExternalSecret.bind(cluster);
    cluster.annotateExternalSecret = async (ref, annotations) => {
      entered = true;
      await gate;
      return annotate(ref, annotations);
    };
    const inflight = deliver(port, 'kv-sub');
    await until(() => entered, 'delivery in flight');
    const closing = running.close();
    listener = undefined;
    release();
    expect(await inflight).toBe(200);
    await closing;
    expect(await refused(port)).toBe(true);
  });
});

describe('recovery without a Config change', () => {
  it('binds a port once its previous holder lets go, and says so in the status', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, HOST, resolve));
    const running = start(clusterConfigSource(cluster));
    cluster.apply(config('waiting', port, ['kv-sub'], {}));
    await until(() => condition('waiting', 'ListenersBound') === 'False', 'BindFailed status');
    expect(running.ready).toBe(false);

    await new Promise((resolve) => holder.close(resolve));
    await until(() => running.ready, 'ready once the port is free');
    expect(await deliver(port, 'kv-sub')).toBe(200);
    await until(() => condition('waiting', 'ListenersBound') === 'True', 'Bound status');
  });

  it('writes a Config status again after the write failed, counting the error by its code', async () => {
    let failures = 3;
    cluster.injectFault('updateConfigStatus', () =>
      failures-- > 0 ? new ClusterError('THROTTLED', 'too many requests', 429) : undefined,
    );
    const port = await freePort();
    start(clusterConfigSource(cluster));
    cluster.apply(config('throttled', port, ['kv-sub'], {}));
    await until(() => condition('throttled', 'Ready') === 'True', 'Ready status written');
    const errors = (await metrics.kubernetesErrors.get()).values.find(
      (value) => value.labels.operation === 'config-status' && value.labels.code === 'THROTTLED',
    );
    expect(errors?.value).toBe(3);
  });
});
