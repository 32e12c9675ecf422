import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runOnProcessExit } from '../control-plane/exit-cleanup.js';
import { runCommand } from '../control-plane/run-command.js';
import type { ClusterProvider, ProviderOptions, RunningCluster } from './cluster-provider.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { probeDockerEngine } from './docker-engine.js';
import { hasLocalImage, PROJECT_IMAGE } from './project-image.js';
import { stopAfterFailedStart } from './stop-after-failed-start.js';
import { readServerVersion } from './server-version.js';

/**
 * A throwaway kind cluster. The node image comes through Docker (E2E_KIND_NODE_IMAGE picks one, e.g. a
 * preloaded one); the project image is loaded into it when it has been built.
 */
export function createKindProvider(options: ProviderOptions): ClusterProvider {
  return {
    name: 'kind',
    async start(): Promise<RunningCluster> {
      const docker = await probeDockerEngine(options.env);
      if (!docker.answers) {
        throw new ClusterUnavailableError(
          'kind',
          `no Docker engine answers at ${docker.endpoint} (${docker.reason})`,
        );
      }
      try {
        await runCommand('kind', ['version'], { env: options.env });
      } catch (error: unknown) {
        throw new ClusterUnavailableError('kind', 'the kind CLI is not on PATH', { cause: error });
      }

      const name = `reloader-e2e-${process.pid}`;
      const directory = await mkdtemp(join(tmpdir(), 'kind-'));
      const kubeconfigPath = join(directory, 'kubeconfig');
      // kind clusters are containers, not children: nothing else stops them if this process dies early.
      const unregister = runOnProcessExit(() => {
        execFileSync('kind', ['delete', 'cluster', '--name', name], { stdio: 'ignore' });
      });
      const stop = async (): Promise<void> => {
        await runCommand('kind', ['delete', 'cluster', '--name', name], { env: options.env });
        unregister();
        await rm(directory, { recursive: true, force: true });
      };

      try {
        const nodeImage = options.env['E2E_KIND_NODE_IMAGE'];
        options.log(`kind: creating cluster ${name}`);
        await runCommand(
          'kind',
          [
            'create',
            'cluster',
            '--name',
            name,
            '--kubeconfig',
            kubeconfigPath,
            '--wait',
            '180s',
            ...(nodeImage !== undefined && nodeImage !== '' ? ['--image', nodeImage] : []),
          ],
          { env: options.env },
        );
        const imageBuilt = await hasLocalImage(PROJECT_IMAGE, options);
        if (imageBuilt) {
          options.log(`kind: loading ${PROJECT_IMAGE}`);
          await runCommand('kind', ['load', 'docker-image', PROJECT_IMAGE, '--name', name], {
            env: options.env,
          });
        } else {
          options.log(`kind: ${PROJECT_IMAGE} is not built; the in-cluster Deployment test will skip`);
        }
        return {
          provider: 'kind',
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
