import { describeClusterContract } from '../test-support/cluster-contract.js';
import { MemoryCluster } from './memory-cluster.js';

let counter = 0;

describeClusterContract('MemoryCluster', () => {
  const cluster = new MemoryCluster();
  const namespace = `contract-${++counter}`;
  cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const meta = (object: Record<string, unknown> | undefined) =>
    object?.metadata as { annotations?: Record<string, string>; resourceVersion: string } | undefined;
  return Promise.resolve({
    cluster,
    namespace,
    createExternalSecret: (name, spec, annotations) => {
      cluster.apply({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name, namespace, annotations },
        spec,
      });
      return Promise.resolve();
    },
    deleteExternalSecret: (name) => {
      cluster.delete('ExternalSecret', `${namespace}/${name}`);
      return Promise.resolve();
    },
    readExternalSecret: (name) => {
      const metadata = meta(cluster.get('ExternalSecret', `${namespace}/${name}`));
      return Promise.resolve(
        metadata === undefined
          ? undefined
          : { annotations: metadata.annotations ?? {}, resourceVersion: metadata.resourceVersion },
      );
    },
    labelNamespace: (labels) => {
      cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } });
      return Promise.resolve();
    },
    createConfig: (name) => {
      cluster.apply({
        apiVersion: 'reloader.external-secrets.io/v1alpha1',
        kind: 'Config',
        metadata: { name },
        spec: {
          notificationSources: [{ type: 'AzureEventGrid', azureEventGrid: { subscriptions: ['contract'] } }],
          destinationsToWatch: [{ type: 'ExternalSecret', externalSecret: {} }],
        },
      });
      return Promise.resolve();
    },
    readConfigStatus: (name) => Promise.resolve(cluster.get('Config', name)?.status),
    eventReasons: (name) =>
      Promise.resolve(
        cluster.events.filter((event) => event.regarding.name === name).map((event) => event.reason),
      ),
    dispose: () => Promise.resolve(),
  });
});
