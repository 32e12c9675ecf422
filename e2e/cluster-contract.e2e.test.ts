/**
 * The Cluster behaviour suite that MemoryCluster passes in the unit tests, run here against KubeCluster
 * on a real kube-apiserver: if the in-memory fake ever behaves differently from the API server, one of
 * the two runs fails.
 */
import { beforeAll } from 'vitest';

import { KubeCluster } from '../listener/cluster/kube-cluster.js';
import { describeClusterContract } from '../listener/test-support/cluster-contract.js';
import { applyConfig, deleteConfig, readConfig } from './support/configs.js';
import { installCrds } from './support/crds.js';
import {
  createExternalSecret,
  deleteExternalSecret,
  readExternalSecret,
} from './support/external-secrets.js';
import { kubeClients, unlessNotFound, type Kube } from './support/kube.js';
import { createNamespace, labelNamespace } from './support/namespaces.js';
import { announceSuite } from './support/suite-banner.js';

let kube: Kube;

beforeAll(async () => {
  announceSuite('cluster contract (KubeCluster)');
  kube = kubeClients();
  await installCrds(kube);
});

describeClusterContract('KubeCluster on a real API server', async () => {
  const namespace = await createNamespace(kube, 'contract');
  const cluster = new KubeCluster(kube.config, { component: 'e2e-contract', instance: namespace });
  const configs: string[] = [];
  return {
    cluster,
    namespace,
    async createExternalSecret(name, spec, annotations) {
      await createExternalSecret(kube, {
        namespace,
        name,
        spec,
        ...(annotations === undefined ? {} : { annotations }),
      });
    },
    async deleteExternalSecret(name) {
      await deleteExternalSecret(kube, namespace, name);
    },
    async readExternalSecret(name) {
      const stored = await readExternalSecret(kube, namespace, name);
      return stored === undefined
        ? undefined
        : { annotations: { ...stored.annotations }, resourceVersion: stored.resourceVersion };
    },
    async labelNamespace(labels) {
      await labelNamespace(kube, namespace, labels);
    },
    async createConfig(name) {
      configs.push(name);
      // Port 1 on loopback: a valid Config that no listener of this suite binds.
      await applyConfig(kube, { name, port: 1, subscriptions: ['contract'], destinations: [{}] });
    },
    async readConfigStatus(name) {
      return (await readConfig(kube, name))?.status;
    },
    async eventReasons(name) {
      const events = await kube.core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.name=${name}`,
      });
      return events.items.flatMap((event) => (event.reason === undefined ? [] : [event.reason]));
    },
    async dispose() {
      // Configs are cluster-scoped and every listener serves them all: none may outlive its test.
      for (const name of configs) await unlessNotFound(() => deleteConfig(kube, name));
    },
  };
});
