import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster, ConfigObject, Namespace, WatchHandle, WatchHandlers } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/cluster-error.js';
import type { ExternalSecret } from '../cluster/external-secret.js';

/** How a contract run puts objects in place and reads them back, outside the Cluster under test. */
export interface ContractWorld {
  readonly cluster: Cluster;
  /** A namespace of its own for this test, created with these labels. */
  readonly namespace: string;
  createExternalSecret(
    name: string,
    spec: Record<string, unknown>,
    annotations?: Record<string, string>,
  ): Promise<void>;
  deleteExternalSecret(name: string): Promise<void>;
  readExternalSecret(
    name: string,
  ): Promise<{ annotations: Record<string, string>; resourceVersion: string } | undefined>;
  labelNamespace(labels: Record<string, string>): Promise<void>;
  createConfig(name: string): Promise<void>;
  readConfigStatus(name: string): Promise<unknown>;
  /** Reasons of the Events recorded on an object of this test's namespace. */
  eventReasons(name: string): Promise<string[]>;
  dispose(): Promise<void>;
}

class Recorder<T> implements WatchHandlers<T> {
  readonly seen: { op: 'upsert' | 'remove'; value: T }[] = [];
  syncs = 0;
  upsert(value: T): void {
    this.seen.push({ op: 'upsert', value });
  }
  remove(value: T): void {
    this.seen.push({ op: 'remove', value });
  }
  synced(): void {
    this.syncs += 1;
  }
  error(): void {
    // Failures are retried by the implementation; the contract looks only at what gets through.
  }
}

async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const spec = (key: string) => ({
  secretStoreRef: { name: 'kv', kind: 'ClusterSecretStore' },
  target: { name: 't' },
  data: [{ secretKey: 'k', remoteRef: { key } }],
});

/**
 * The behaviour every Cluster must show. It runs against MemoryCluster in unit tests and against
 * KubeCluster on a real API server in e2e, which keeps the in-memory fake honest.
 */
export function describeClusterContract(name: string, makeWorld: () => Promise<ContractWorld>): void {
  describe(`Cluster contract: ${name}`, () => {
    let world: ContractWorld;
    const handles: WatchHandle[] = [];
    beforeEach(async () => {
      world = await makeWorld();
    });
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((handle) => handle.stop()));
      await world.dispose();
    });

    it('watches ExternalSecrets: lists existing ones, reports synced, then streams changes and deletions', async () => {
      await world.createExternalSecret('before', spec('a'));
      const recorder = new Recorder<ExternalSecret>();
      handles.push(world.cluster.watchExternalSecrets(recorder));
      const mine = () => recorder.seen.filter((entry) => entry.value.namespace === world.namespace);
      await eventually(() => recorder.syncs > 0, 'synced');
      expect(mine().map((entry) => `${entry.op}:${entry.value.name}`)).toEqual(['upsert:before']);
      expect(mine()[0]?.value.spec.data?.[0]?.remoteRef?.key).toBe('a');

      await world.createExternalSecret('after', spec('b'));
      await eventually(() => mine().some((entry) => entry.value.name === 'after'), 'the new ExternalSecret');
      await world.deleteExternalSecret('before');
      await eventually(
        () => mine().some((entry) => entry.op === 'remove' && entry.value.name === 'before'),
        'the deletion',
      );
    });

    it('merges annotations, keeps the others, and changes nothing when they are already set', async () => {
      await world.createExternalSecret('target', spec('a'), { 'team/owner': 'a' });
      await world.cluster.annotateExternalSecret(
        { namespace: world.namespace, name: 'target' },
        { 'reloader/last-rotated': '2026-12-01T10:00:00.000Z' },
      );
      const first = await world.readExternalSecret('target');
      expect(first?.annotations).toMatchObject({
        'team/owner': 'a',
        'reloader/last-rotated': '2026-12-01T10:00:00.000Z',
      });
      await world.cluster.annotateExternalSecret(
        { namespace: world.namespace, name: 'target' },
        { 'reloader/last-rotated': '2026-12-01T10:00:00.000Z' },
      );
      expect((await world.readExternalSecret('target'))?.resourceVersion).toBe(first?.resourceVersion);
    });

    it('reports a missing ExternalSecret as NOT_FOUND', async () => {
      const error = await world.cluster
        .annotateExternalSecret({ namespace: world.namespace, name: 'missing' }, { a: 'b' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as ClusterError).code).toBe('NOT_FOUND');
    });

    it('watches Namespaces with their labels', async () => {
      const recorder = new Recorder<Namespace>();
      handles.push(world.cluster.watchNamespaces(recorder));
      await eventually(() => recorder.syncs > 0, 'synced');
      await world.labelNamespace({ reloader: 'enabled' });
      await eventually(
        () =>
          recorder.seen.some(
            (entry) => entry.value.name === world.namespace && entry.value.labels['reloader'] === 'enabled',
          ),
        'the label',
      );
    });

    it('watches Configs and writes their status', async () => {
      const recorder = new Recorder<ConfigObject>();
      handles.push(world.cluster.watchConfigs(recorder));
      await eventually(() => recorder.syncs > 0, 'synced');
      const configName = `${world.namespace}-config`;
      await world.createConfig(configName);
      await eventually(() => recorder.seen.some((entry) => entry.value.name === configName), 'the Config');
      const status = {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Ready',
            status: 'True' as const,
            reason: 'Serving',
            message: 'ok',
            lastTransitionTime: '2026-12-01T10:00:00Z',
          },
        ],
      };
      await world.cluster.updateConfigStatus(configName, status);
      expect(await world.readConfigStatus(configName)).toMatchObject(status);
      const missing = await world.cluster
        .updateConfigStatus(`${configName}-missing`, status)
        .catch((e: unknown) => e);
      expect((missing as ClusterError).code).toBe('NOT_FOUND');
    });

    it('grants a Lease to one holder at a time, renews it, and hands it over once it expires', async () => {
      const lease = { namespace: world.namespace, name: 'status-writer', durationSeconds: 1 };
      expect(await world.cluster.claimLease({ ...lease, holder: 'a' })).toBe(true);
      expect(await world.cluster.claimLease({ ...lease, holder: 'b' })).toBe(false);
      expect(await world.cluster.claimLease({ ...lease, holder: 'a' })).toBe(true);
      expect(await world.cluster.claimLease({ ...lease, holder: 'b' })).toBe(false);
      // Not renewed for longer than its duration: the next claimant takes it, and the old holder is out.
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect(await world.cluster.claimLease({ ...lease, holder: 'b' })).toBe(true);
      expect(await world.cluster.claimLease({ ...lease, holder: 'a' })).toBe(false);
    });

    it('gives a new Lease to exactly one of two simultaneous claimants', async () => {
      const lease = { namespace: world.namespace, name: 'raced', durationSeconds: 30 };
      const won = await Promise.all(
        ['c', 'd'].map((holder) => world.cluster.claimLease({ ...lease, holder })),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('records Events on an ExternalSecret', async () => {
      await world.createExternalSecret('evented', spec('a'));
      await world.cluster.recordEvent({
        regarding: {
          namespace: world.namespace,
          name: 'evented',
          uid: '',
          kind: 'ExternalSecret',
          apiVersion: 'external-secrets.io/v1',
        },
        type: 'Normal',
        reason: 'SecretRotated',
        message: 'test',
      });
      expect(await world.eventReasons('evented')).toContain('SecretRotated');
    });
  });
}
