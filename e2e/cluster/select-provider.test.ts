import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { ProviderOptions } from './cluster-provider.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { selectClusterProvider } from './select-provider.js';

/** A stand-in Docker engine on a unix socket: it answers GET /_ping as dockerd does. */
async function fakeDockerEngine(socketPath: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK');
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

describe('choosing the e2e cluster provider', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'select-provider-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function options(env: NodeJS.ProcessEnv): ProviderOptions & { lines: string[] } {
    const lines: string[] = [];
    return { env, lines, log: (line) => lines.push(line) };
  }

  it('takes E2E_CLUSTER as given, and refuses a name it does not know', async () => {
    for (const name of ['local', 'kind', 'k3s', 'existing'] as const) {
      expect((await selectClusterProvider(options({ E2E_CLUSTER: name }))).name).toBe(name);
    }
    await expect(selectClusterProvider(options({ E2E_CLUSTER: 'minikube' }))).rejects.toThrow(
      'E2E_CLUSTER=minikube: expected one of auto, local, kind, k3s, existing',
    );
  });

  it('without a Docker engine picks the local control plane and says why in one line', async () => {
    const dir = await scratch();
    const chosen = options({ DOCKER_HOST: `unix://${join(dir, 'docker.sock')}`, PATH: dir });
    expect((await selectClusterProvider(chosen)).name).toBe('local');
    expect(chosen.lines).toEqual([
      `cluster: no Docker engine at ${join(dir, 'docker.sock')}; using the local control plane`,
    ]);
  });

  it('with a Docker engine picks kind when its CLI is on PATH, else k3s', async () => {
    const dir = await scratch();
    const socket = join(dir, 'docker.sock');
    const engine = await fakeDockerEngine(socket);
    cleanups.push(() => new Promise((resolve) => engine.close(() => resolve())));

    expect((await selectClusterProvider(options({ DOCKER_HOST: `unix://${socket}`, PATH: dir }))).name).toBe(
      'k3s',
    );

    const kind = join(dir, 'kind');
    await writeFile(kind, '#!/bin/sh\necho "kind v0.0.0-test"\n');
    await chmod(kind, 0o755);
    expect((await selectClusterProvider(options({ DOCKER_HOST: `unix://${socket}`, PATH: dir }))).name).toBe(
      'kind',
    );
  });

  it('a provider this machine cannot run fails with one line naming it and the reason', async () => {
    const dir = await scratch();
    const env = {
      DOCKER_HOST: `unix://${join(dir, 'docker.sock')}`,
      PATH: dir,
      KUBECONFIG: join(dir, 'none'),
    };
    for (const name of ['kind', 'k3s', 'existing'] as const) {
      const provider = await selectClusterProvider(options({ ...env, E2E_CLUSTER: name }));
      const failure = await provider.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ClusterUnavailableError);
      const message = (failure as Error).message;
      expect(message.startsWith(`${name}: `)).toBe(true);
      expect(message).not.toContain('\n');
    }
  });
});
