import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';

import type { ClusterProvider, ProviderOptions, RunningCluster } from './cluster-provider.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';
import { readServerVersion } from './server-version.js';

/**
 * Whatever cluster KUBECONFIG (or ~/.kube/config) points at. It is not ours: stop() leaves it running,
 * and suites must clean up what they create.
 */
export function createExistingProvider(options: ProviderOptions): ClusterProvider {
  return {
    name: 'existing',
    async start(): Promise<RunningCluster> {
      const fromEnv = options.env['KUBECONFIG'];
      const paths = (
        fromEnv !== undefined && fromEnv !== ''
          ? fromEnv.split(delimiter)
          : [join(homedir(), '.kube', 'config')]
      ).filter((path) => path !== '');
      const present = paths.filter((path) => existsSync(path));
      if (present.length === 0) {
        throw new ClusterUnavailableError(
          'existing',
          `no kubeconfig at ${paths.join(delimiter)} (set KUBECONFIG)`,
        );
      }
      const [first = '', ...rest] = present;
      let kubeconfigPath = first;
      let directory: string | undefined;
      const removeMerged = async (): Promise<void> => {
        if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      };
      if (rest.length > 0) {
        // Suites and child processes want one file, so the KUBECONFIG list is merged into one.
        const merged = mergeKubeconfigs(present);
        directory = await mkdtemp(join(tmpdir(), 'existing-cluster-'));
        kubeconfigPath = join(directory, 'kubeconfig');
        await writeFile(kubeconfigPath, merged.exportConfig(), { mode: 0o600 });
      }
      let version: string;
      try {
        version = await readServerVersion(kubeconfigPath);
      } catch (error: unknown) {
        await removeMerged();
        const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        throw new ClusterUnavailableError(
          'existing',
          `the cluster in ${kubeconfigPath} does not answer: ${reason}`,
          {
            cause: error,
          },
        );
      }
      return {
        provider: 'existing',
        kubeconfigPath,
        version,
        runsControllers: true,
        stop: removeMerged,
      };
    },
  };
}

/**
 * kubectl's merge rule: the first file that names a cluster, user or context wins, and so does the first
 * current-context. (client-node's mergeConfig throws on a duplicate name instead.)
 */
function mergeKubeconfigs(paths: readonly string[]): KubeConfig {
  const merged = new KubeConfig();
  let currentContext = '';
  for (const path of paths) {
    const part = new KubeConfig();
    part.loadFromFile(path);
    for (const cluster of part.clusters) {
      if (merged.getCluster(cluster.name) === null) merged.addCluster(cluster);
    }
    for (const user of part.users) {
      if (merged.getUser(user.name) === null) merged.addUser(user);
    }
    for (const context of part.contexts) {
      if (merged.getContextObject(context.name) === null) merged.addContext(context);
    }
    // Tracked here: a fresh KubeConfig's currentContext is undefined despite its string type.
    if (currentContext === '') currentContext = part.getCurrentContext();
  }
  merged.setCurrentContext(currentContext);
  return merged;
}
