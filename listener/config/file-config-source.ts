import { watch, type FSWatcher } from 'node:fs';
import type { ConfigObject } from '../cluster/cluster.js';
import type { ConfigSource } from './config-source.js';
import { loadManifests } from './load-manifests.js';
import { CONFIG_KIND } from './schema.js';

/**
 * Configs from `--config` files and folders. They are read again when a file changes (a mounted
 * ConfigMap updates in place), so Config changes apply live here too.
 */
export function fileConfigSource(
  paths: readonly string[],
  options: { watch: boolean; debounceMs?: number },
): ConfigSource {
  return {
    kind: 'files',
    start(onChange) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const watchers: FSWatcher[] = [];
      const watchProblems: string[] = [];
      const load = async (): Promise<void> => {
        const { manifests, problems } = await loadManifests(paths);
        const configs: ConfigObject[] = [];
        const issues = [...watchProblems, ...problems];
        for (const { file, manifest } of manifests) {
          const kind = (manifest as { kind?: unknown }).kind;
          if (kind !== CONFIG_KIND) {
            issues.push(
              `${file}: skipped a ${typeof kind === 'string' ? kind : 'manifest without kind'}; only Config manifests are read`,
            );
            continue;
          }
          const name = (manifest as { metadata?: { name?: unknown } }).metadata?.name;
          configs.push({ name: typeof name === 'string' ? name : '(unnamed)', manifest });
        }
        if (!stopped) onChange(configs, issues);
      };
      if (options.watch) {
        for (const path of paths) {
          try {
            const watcher = watch(path, () => {
              clearTimeout(timer);
              timer = setTimeout(() => void load(), options.debounceMs ?? 200);
            });
            watcher.on('error', () => watcher.close());
            watchers.push(watcher);
          } catch (error) {
            // Still read once, but changes will go unnoticed: the operator should know.
            const reason = error instanceof Error ? error.message : String(error);
            watchProblems.push(`${path}: cannot watch for changes (${reason})`);
          }
        }
      }
      void load();
      return {
        stop: () => {
          stopped = true;
          clearTimeout(timer);
          for (const watcher of watchers) watcher.close();
          return Promise.resolve();
        },
      };
    },
  };
}
