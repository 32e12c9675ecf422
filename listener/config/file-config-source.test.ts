import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConfigObject, WatchHandle } from '../cluster/cluster.js';
import { fileConfigSource } from './file-config-source.js';

const manifest = (name: string): string =>
  stringify({ apiVersion: 'reloader.external-secrets.io/v1alpha1', kind: 'Config', metadata: { name } });

let dir: string;
let handle: WatchHandle | undefined;
let reported: (readonly ConfigObject[])[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-config-'));
  reported = [];
});
afterEach(async () => {
  await handle?.stop();
  handle = undefined;
  await rm(dir, { recursive: true, force: true });
});

// Polling set far beyond the test's timeout: what is seen here, the folder watch saw.
function watch(paths: string[]): void {
  handle = fileConfigSource(paths, { watch: true, debounceMs: 20, pollMs: 600_000 }).start((configs) =>
    reported.push(configs),
  );
}

async function until(names: string[], what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (JSON.stringify(reported.at(-1)?.map((config) => config.name)) !== JSON.stringify(names)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What the kubelet does on a ConfigMap update: a new timestamped folder, then `..data` swapped to it. */
async function kubeletUpdate(mount: string, stamp: string, previous: string, content: string): Promise<void> {
  await mkdir(join(mount, stamp));
  await writeFile(join(mount, stamp, 'config.yaml'), content);
  await symlink(stamp, join(mount, '..data_tmp'));
  await rename(join(mount, '..data_tmp'), join(mount, '..data'));
  await rm(join(mount, previous), { recursive: true });
}

describe('Configs from files, watched', () => {
  it('sees every update of a mounted ConfigMap, not only the first', async () => {
    await mkdir(join(dir, '..2026_12_04_a'));
    await writeFile(join(dir, '..2026_12_04_a', 'config.yaml'), manifest('first'));
    await symlink('..2026_12_04_a', join(dir, '..data'));
    await symlink(join('..data', 'config.yaml'), join(dir, 'config.yaml'));
    watch([join(dir, 'config.yaml')]);
    await until(['first'], 'the first content');

    await kubeletUpdate(dir, '..2026_12_04_b', '..2026_12_04_a', manifest('second'));
    await until(['second'], 'the first update');
    await kubeletUpdate(dir, '..2026_12_04_c', '..2026_12_04_b', manifest('third'));
    await until(['third'], 'the second update');
  });

  it('reads a file that did not exist at start once it appears', async () => {
    const file = join(dir, 'later.yaml');
    watch([file]);
    await until([], 'the empty start');
    await writeFile(file, manifest('later'));
    await until(['later'], 'the new file');
  });

  it('reports only real changes, not every change in the watched folder', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(file, manifest('only'));
    watch([file]);
    await until(['only'], 'the content');
    await writeFile(join(dir, 'unrelated.txt'), 'noise');
    await writeFile(file, manifest('only'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reported).toHaveLength(1);
  });
});
