import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { MemoryCluster } from './cluster/memory-cluster.js';
import { clusterConfigSource } from './config/cluster-config-source.js';
import { KeyVaultEventType } from './eventgrid/index.js';
import { createListener, type Listener } from './listener.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createHttpBind } from './server/http-bind.js';
import { freePort } from './test-support/free-port.js';

/**
 * Two replicas on one cluster, as two pods of the Deployment: only the holder of the status Lease
 * writes Config status. Here the second replica cannot bind the port the first holds (one process),
 * so the two see the Config differently, which is what makes the writer observable. Failed binds are
 * retried only after a minute, so the second replica keeps that view for the whole test.
 */
const started: Listener[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((listener) => listener.close()));
});

function replica(
  cluster: MemoryCluster,
  holder: string,
  lease = true,
): { listener: Listener; metrics: Metrics } {
  const metrics = createMetrics();
  const listener = createListener({
    cluster,
    configSource: clusterConfigSource(cluster),
    bind: createHttpBind({ requestTimeoutMs: 5000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 1000 }),
    logger: pino({ level: 'silent' }),
    metrics,
    fetchValidationUrl: () => Promise.resolve({ ok: true, status: 200, error: undefined }),
    allowedValidationHosts: [],
    allowedOrigins: [],
    actOnEventTypes: new Set([KeyVaultEventType.SecretNewVersionCreated]),
    bodyLimit: 1_048_576,
    maxEventsPerDelivery: 100,
    kubeConcurrency: 4,
    maxQueuedPatches: 100,
    coalesceWindowMs: 0,
    rateLimitPerSecond: 0,
    graceMs: 1000,
    now: () => new Date(),
    retry: { initialMs: 60_000, maxMs: 60_000 },
    statusLease: lease
      ? { namespace: 'ops', name: 'eventgrid-reloader', holder, durationSeconds: 1 }
      : undefined,
  });
  listener.start();
  started.push(listener);
  return { listener, metrics };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function applyConfig(cluster: MemoryCluster, port: number): void {
  cluster.apply({
    apiVersion: 'reloader.external-secrets.io/v1alpha1',
    kind: 'Config',
    metadata: { name: 'leased', generation: 1 },
    spec: {
      notificationSources: [
        {
          type: 'AzureEventGrid',
          azureEventGrid: { host: '127.0.0.1', port, subscriptions: ['leased-sub'] },
        },
      ],
      destinationsToWatch: [{ type: 'ExternalSecret', externalSecret: { names: ['x'] } }],
    },
  });
}

const boundCondition = (cluster: MemoryCluster): string | undefined => {
  const status = cluster.get('Config', 'leased')?.status as
    { conditions?: { type: string; status: string }[] } | undefined;
  return status?.conditions?.find((condition) => condition.type === 'ListenersBound')?.status;
};

const writerGauge = async (metrics: Metrics): Promise<number | undefined> =>
  (await metrics.statusWriter.get()).values[0]?.value;

describe('Config status with two replicas', () => {
  it('is written by the Lease holder only, and by the other replica once the holder is gone', async () => {
    const cluster = new MemoryCluster();
    const port = await freePort();
    applyConfig(cluster, port);
    const first = replica(cluster, 'pod-a');
    await until(() => boundCondition(cluster) === 'True', 'the first replica to write Bound');
    const second = replica(cluster, 'pod-b');
    // The second replica fails to bind the port and says so in its report, but holds no Lease.
    await until(async () => (await second.listener.settled())?.bindErrors.length === 1, 'a bind error');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(boundCondition(cluster)).toBe('True');
    expect([await writerGauge(first.metrics), await writerGauge(second.metrics)]).toEqual([1, 0]);

    // The holder goes away without renewing; within the Lease's duration the other takes over and
    // writes its own view of the Config.
    await first.listener.close();
    // Every status written from here on, as a watcher sees it.
    const written: (string | undefined)[] = [];
    const watch = cluster.watchConfigs({
      upsert: () => written.push(boundCondition(cluster)),
      remove: () => undefined,
      synced: () => undefined,
      error: () => undefined,
    });
    try {
      await first.listener.close();
      // The second replica's own view: it could not bind while the first held the port.
      await until(() => written.includes('False'), 'the second replica to write BindFailed');
      expect(await writerGauge(second.metrics)).toBe(1);
    } finally {
      await watch.stop();
    }
  });

  it('survives a replica restart: transition times kept from the Config, nothing rewritten unchanged', async () => {
    const cluster = new MemoryCluster();
    const port = await freePort();
    applyConfig(cluster, port);
    const before = replica(cluster, 'pod-a', false);
    await until(() => boundCondition(cluster) === 'True', 'the status written');
    const written = JSON.stringify(cluster.get('Config', 'leased')?.status);
    await before.listener.close();

    const writes = vi.spyOn(cluster, 'updateConfigStatus');
    const after = replica(cluster, 'pod-a', false);
    await until(async () => (await after.listener.settled())?.served.has('leased') === true, 'serving');
    expect(writes).not.toHaveBeenCalled();
    expect(JSON.stringify(cluster.get('Config', 'leased')?.status)).toBe(written);
  });
});
