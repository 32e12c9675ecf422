import { statSync, unwatchFile, watch, watchFile, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { ConfigObject } from '../cluster/cluster.js';
import type { ConfigSource } from './config-source.js';
import { loadManifests } from './load-manifests.js';
import { CONFIG_KIND } from './schema.js';

export interface FileConfigSourceOptions {
  readonly watch: boolean;
  /** Quiet time after a change before the files are read again (default 200 ms). */
  readonly debounceMs?: number;
  /** How often the paths are also polled, in case a folder watch misses a change (default 5 s). */
  readonly pollMs?: number;
}

/**
 * Configs from `--config` files and folders. They are read again when a file changes (a mounted
 * ConfigMap updates in place), so Config changes apply live here too.
 *
 * A mounted ConfigMap changes by re-pointing its `..data` symlink to a new folder: the files a path
 * resolves to are replaced, never written, so a watch on the file itself sees the first update and
 * then watches a deleted inode. The folder that holds the path sees every swap, so that is what is
 * watched; polling the path's stat is the backstop for file systems without change events.
 */
export function fileConfigSource(paths: readonly string[], options: FileConfigSourceOptions): ConfigSource {
  return {
    kind: 'files',
    start(onChange) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let loading = Promise.resolve();
      let reported: string | undefined;
      const watchers: FSWatcher[] = [];
      const watchProblems: string[] = [];
      const pollMs = options.pollMs ?? 5_000;

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
        // The folder watch also fires for unrelated files beside the Config: report real changes only.
        const snapshot = JSON.stringify([configs, issues]);
        if (stopped || snapshot === reported) return;
        reported = snapshot;
        onChange(configs, issues);
      };
      // One read at a time, so an older read can never report after a newer one.
      const reload = (): void => {
        loading = loading.then(load);
      };
      const changed = (): void => {
        clearTimeout(timer);
        timer = setTimeout(reload, options.debounceMs ?? 200);
      };

      if (options.watch) {
        const folders = new Set<string>();
        for (const path of paths) {
          let folder = path;
          try {
            folder = folderOf(path);
            if (folders.has(folder)) continue;
            folders.add(folder);
            const watcher = watch(folder, changed);
            watcher.on('error', (error) => {
              watcher.close();
              watchProblems.push(`${folder}: stopped watching (${error.message}); polling instead`);
              changed();
            });
            watchers.push(watcher);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            watchProblems.push(`${folder}: cannot watch for changes (${reason}); polling instead`);
          }
        }
        for (const path of paths) watchFile(path, { interval: pollMs }, changed);
      }
      reload();
      return {
        stop: () => {
          stopped = true;
          clearTimeout(timer);
          for (const watcher of watchers) watcher.close();
          for (const path of paths) unwatchFile(path, changed);
          return loading;
        },
      };
    },
  };
}

/** The folder whose entries change when `path` does: itself if a folder, else its parent. */
function folderOf(path: string): string {
  // A missing path is watched through its parent, so the file is read once it appears.
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true ? path : dirname(path);
}
