import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startFakeApiServer, type FakeApiServer } from '../test-support/fake-api-server.js';
import { selfSignedCertificate } from '../test-support/self-signed.js';
import { KubeCluster } from './kube-cluster.js';

let api: FakeApiServer;
const dir = mkdtempSync(join(tmpdir(), 'keep-alive-test-'));

beforeAll(async () => {
  api = await startFakeApiServer();
  // Big enough that a client reading it lazily would still be mid-body when the socket is reused.
  const annotations = Object.fromEntries(Array.from({ length: 200 }, (_u, i) => [`k${i}`, 'v'.repeat(40)]));
  api.handle = () => ({ status: 200, json: { kind: 'ExternalSecret', metadata: { annotations } } });
});
afterEach(() => api.reset());
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function patchMany(cluster: KubeCluster, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_unused, index) =>
      cluster.annotateExternalSecret({ namespace: 'ns', name: `es-${index}` }, { 'reloader/t': 'x' }),
    ),
  );
}

describe('KubeCluster keeps its API server connections alive', () => {
  it('sends sequential requests over kept-alive TLS connections, each authenticated by the kubeconfig', async () => {
    const cluster = new KubeCluster(api.kubeConfig({ token: 'a-token' }), { component: 'c', instance: 'i' });
    try {
      for (let index = 0; index < 10; index += 1) await patchMany(cluster, 1);
    } finally {
      await cluster.close();
    }
    expect(api.requests.map((request) => request.authorization)).toEqual(
      Array.from({ length: 10 }, () => 'Bearer a-token'),
    );
    // undici may open a second connection while the first is still being handed back to its pool.
    expect(api.connections.opened).toBeLessThanOrEqual(2);
  });

  it('reuses at most maxConnections connections for concurrent requests with chunked answers', async () => {
    const cluster = new KubeCluster(api.kubeConfig(), { component: 'c', instance: 'i', maxConnections: 4 });
    try {
      await patchMany(cluster, 40);
      await patchMany(cluster, 40);
    } finally {
      await cluster.close();
    }
    expect(api.requests).toHaveLength(80);
    expect(api.connections.opened).toBeGreaterThanOrEqual(1);
    expect(api.connections.opened).toBeLessThanOrEqual(4);
  });

  it('moves to a new connection when the client certificate file is rotated, closing the old one', async () => {
    const [first, second] = [selfSignedCertificate(dir, 'client-a'), selfSignedCertificate(dir, 'client-b')];
    const certFile = join(dir, 'client.crt');
    const keyFile = join(dir, 'client.key');
    const install = (source: { cert: string; key: string }): void => {
      copyFileSync(source.cert, certFile);
      copyFileSync(source.key, keyFile);
    };
    install(first);
    const cluster = new KubeCluster(api.kubeConfig({ certFile, keyFile }), { component: 'c', instance: 'i' });
    try {
      await patchMany(cluster, 1);
      await patchMany(cluster, 1);
      const withFirst = api.connections.opened;
      install(second);
      await patchMany(cluster, 1);
      expect(api.connections.opened).toBe(withFirst + 1);
      // The connections made with the old certificate are not kept for later requests.
      await expect.poll(() => api.connections.closed).toBe(withFirst);
    } finally {
      await cluster.close();
    }
    expect(api.requests.map((request) => request.clientCert)).toEqual(['client-a', 'client-a', 'client-b']);
  });

  it('closes its connections on close()', async () => {
    const cluster = new KubeCluster(api.kubeConfig(), { component: 'c', instance: 'i' });
    await patchMany(cluster, 3);
    await cluster.close();
    await expect.poll(() => api.connections.closed).toBe(api.connections.opened);
  });
});
