import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { K3sContainer } from '@testcontainers/k3s';

import { runCommand } from '../control-plane/run-command.js';
import type { ClusterProvider, ProviderOptions, RunningCluster } from './cluster-provider.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { probeDockerEngine } from './docker-engine.js';
import { hasLocalImage, PROJECT_IMAGE } from './project-image.js';
import { readServerVersion } from './server-version.js';
import { stopAfterFailedStart } from './stop-after-failed-start.js';

// The tag testcontainers documents for its k3s module; E2E_K3S_IMAGE picks another (or a preloaded one).
const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.31.2-k3s1';

/**
 * k3s in one container via testcontainers, whose reaper (Ryuk) removes the container if this process
 * dies, so no exit handler is needed here.
 */
export function createK3sProvider(options: ProviderOptions): ClusterProvider {
  return {
    name: 'k3s',
    async start(): Promise<RunningCluster> {
      const docker = await probeDockerEngine(options.env);
      if (!docker.answers) {
        throw new ClusterUnavailableError(
          'k3s',
          `no Docker engine answers at ${docker.endpoint} (${docker.reason})`,
        );
      }
      const image = options.env['E2E_K3S_IMAGE'] ?? DEFAULT_K3S_IMAGE;
      options.log(`k3s: starting ${image}`);
      const container = await new K3sContainer(image).start();
      const directory = await mkdtemp(join(tmpdir(), 'k3s-'));
      const stop = async (): Promise<void> => {
        await container.stop();
        await rm(directory, { recursive: true, force: true });
      };
      try {
        const kubeconfigPath = join(directory, 'kubeconfig');
        await writeFile(kubeconfigPath, container.getKubeConfig(), { mode: 0o600 });
        const imageBuilt = await hasLocalImage(PROJECT_IMAGE, options);
        if (imageBuilt) {
          await importImage(container, directory, options);
        } else {
          options.log(`k3s: ${PROJECT_IMAGE} is not built; the in-cluster Deployment test will skip`);
        }
        return {
          provider: 'k3s',
          kubeconfigPath,
          version: await readServerVersion(kubeconfigPath),
          runsControllers: true,
          ...(imageBuilt ? { projectImage: PROJECT_IMAGE } : {}),
          stop,
        };
      } catch (error: unknown) {
        await stopAfterFailedStart(stop, options.log);
        throw error;
      }
    },
  };
}

/** k3s runs containerd, not Docker: the image goes in as a tarball through `ctr images import`. */
async function importImage(
  container: Awaited<ReturnType<K3sContainer['start']>>,
  directory: string,
  options: ProviderOptions,
): Promise<void> {
  options.log(`k3s: importing ${PROJECT_IMAGE}`);
  const tarball = join(directory, 'image.tar');
  await runCommand('docker', ['save', '--output', tarball, PROJECT_IMAGE], { env: options.env });
  await container.copyFilesToContainer([{ source: tarball, target: '/tmp/project-image.tar' }]);
  const result = await container.exec([
    'ctr',
    '--namespace',
    'k8s.io',
    'images',
    'import',
    '/tmp/project-image.tar',
  ]);
  if (result.exitCode !== 0) {
    throw new Error(`k3s: ctr images import failed (${result.exitCode}): ${result.output}`);
  }
}
