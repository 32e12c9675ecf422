import type { Cluster, ConfigObject } from '../cluster/cluster.js';
import type { ConfigSource } from './config-source.js';

/** Configs from the cluster-scoped `configs.reloader.external-secrets.io` watch. */
export function clusterConfigSource(cluster: Cluster): ConfigSource {
  return {
    kind: 'cluster',
    start(onChange) {
      const configs = new Map<string, ConfigObject>();
      let synced = false;
      const emit = (): void => {
        if (synced) onChange([...configs.values()], []);
      };
      return cluster.watchConfigs({
        upsert(config) {
          configs.set(config.name, config);
          emit();
        },
        remove(config) {
          configs.delete(config.name);
          emit();
        },
        synced() {
          synced = true;
          emit();
        },
        error() {
          // The watch relists by itself; the Configs in force stay in force meanwhile.
        },
      });
    },
  };
}
