import type { ConfigObject, WatchHandle } from '../cluster/cluster.js';

/** Where Configs come from: the cluster (a watch) or files (`--config`). */
export interface ConfigSource {
  readonly kind: 'cluster' | 'files';
  /** Calls `onChange` with the complete current set whenever it changes, the first time once loaded. */
  start(onChange: (configs: readonly ConfigObject[], problems: readonly string[]) => void): WatchHandle;
}
