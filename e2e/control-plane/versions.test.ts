import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

import { ETCD_VERSION, KUBERNETES_VERSION } from './versions.js';

const goMod = (builder: string): Promise<string> =>
  readFile(new URL(`./builders/${builder}/go.mod`, import.meta.url), 'utf8');

describe('the pinned releases', () => {
  it('are the ones the builder modules require: the cache key and /version depend on it', async () => {
    expect(await goMod('kube-apiserver')).toMatch(
      new RegExp(`^require k8s\\.io/kubernetes ${KUBERNETES_VERSION.replaceAll('.', '\\.')}$`, 'm'),
    );
    expect(await goMod('etcd')).toMatch(
      new RegExp(`^require go\\.etcd\\.io/etcd/server/v3 ${ETCD_VERSION.replaceAll('.', '\\.')}$`, 'm'),
    );
  });

  it('replace every staging module at the matching v0.x, as the release itself needs', async () => {
    const minorPatch = KUBERNETES_VERSION.replace(/^v1\./, '');
    const replaces = [
      ...(await goMod('kube-apiserver')).matchAll(/^\s*(k8s\.io\/[\w.-]+) => (\S+) (\S+)$/gm),
    ];
    expect(replaces.length).toBeGreaterThan(20);
    for (const [, module, target, version] of replaces) {
      expect({ module, target, version }).toEqual({ module, target: module, version: `v0.${minorPatch}` });
    }
  });
});
