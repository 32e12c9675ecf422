/**
 * vitest globalSetup for the e2e project: one cluster for the whole run, chosen by E2E_CLUSTER (see
 * e2e/cluster/select-provider.ts). Test files find its kubeconfig through `inject('e2eKubeconfig')` or the
 * E2E_KUBECONFIG variable (workers are created after this runs, so they inherit it).
 */
// Brings 'vitest' into the program so the ProvidedContext augmentation below can find it.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

import type { RunningCluster } from './cluster/cluster-provider.js';
import { selectClusterProvider } from './cluster/select-provider.js';
import {
  startClusterControlServer,
  type ClusterControlAddress,
  type ClusterControlServer,
} from './support/cluster-control-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eKubeconfig: string;
    e2eClusterProvider: string;
    e2eKubernetesVersion: string;
    /** False on the local control plane: no namespace finalization, no Pods. */
    e2eRunsControllers: boolean;
    /** The project image loaded into the cluster's nodes, or '' (never on the local control plane). */
    e2eProjectImage: string;
    /** Where test files call the cluster's optional capabilities (e2e/support/cluster-control.ts). */
    e2eClusterControl: ClusterControlAddress;
  }
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provider = await selectClusterProvider({ env: process.env, log });
  const started = Date.now();
  const cluster: RunningCluster = await provider.start();
  log(`e2e cluster: ${cluster.provider}, Kubernetes ${cluster.version}, ready in ${Date.now() - started} ms`);

  process.env['E2E_KUBECONFIG'] = cluster.kubeconfigPath;
  process.env['E2E_CLUSTER_PROVIDER'] = cluster.provider;
  project.provide('e2eKubeconfig', cluster.kubeconfigPath);
  project.provide('e2eClusterProvider', cluster.provider);
  project.provide('e2eKubernetesVersion', cluster.version);
  project.provide('e2eRunsControllers', cluster.runsControllers);
  project.provide('e2eProjectImage', cluster.projectImage ?? '');
  let control: ClusterControlServer;
  try {
    control = await startClusterControlServer(cluster);
  } catch (error: unknown) {
    await cluster.stop();
    throw error;
  }
  project.provide('e2eClusterControl', control.address);

  return async () => {
    try {
      await control.close();
    } finally {
      await cluster.stop();
    }
  };
}
