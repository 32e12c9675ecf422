/**
 * Every manifest in k8s/ goes to the real API server, which validates it against the real schemas
 * (server-side apply refuses a field the schema does not declare). Definitions and RBAC are stored;
 * workloads and the example Config are applied as a server-side dry run: no controllers run here to act
 * on them, and a stored example Config would be served by every later listener.
 */
import { readdir } from 'node:fs/promises';

import { beforeAll, describe, expect, it } from 'vitest';

import { applyManifest } from './support/apply.js';
import { waitForEstablished } from './support/crds.js';
import { kubeClients, type Kube } from './support/kube.js';
import { renderKustomization } from './support/kustomization.js';
import { readManifests, repoPath, type Manifest } from './support/manifests.js';
import { announceSuite } from './support/suite-banner.js';

const FOLDER = 'k8s';
/** Stored for real: what the listener's namespace, API and permissions consist of. */
const STORED_KINDS = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
]);
/** Not applied, and why. Every other manifest in k8s/ is (the optional ones as a dry run). */
const EXCLUDED: Readonly<Record<string, string>> = {
  'servicemonitor.yaml': 'its kind exists only where the Prometheus Operator CRDs are installed',
};

/** Every YAML manifest under k8s/ but the kustomization itself, relative to k8s/. */
async function manifestFiles(): Promise<string[]> {
  const files = await readdir(repoPath(FOLDER), { recursive: true });
  return files.filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml').sort();
}

function describeManifest(manifest: Manifest): string {
  return `${manifest.kind} ${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
}

describe('k8s/ manifests on a real API server', () => {
  let kube: Kube;

  beforeAll(() => {
    announceSuite('k8s manifests');
    kube = kubeClients();
  });

  it('excludes only manifests that exist, each with a reason', async () => {
    const files = await manifestFiles();
    expect(files).toEqual(expect.arrayContaining(Object.keys(EXCLUDED)));
    const { resources } = await renderKustomization(FOLDER);
    expect(files).toEqual(expect.arrayContaining([...resources]));
  });

  it('applies the kustomization: definitions and RBAC stored, workloads as a server-side dry run', async () => {
    const { manifests } = await renderKustomization(FOLDER);
    const applied: string[] = [];
    for (const manifest of manifests) {
      const dryRun = !STORED_KINDS.has(manifest.kind);
      const result = await applyManifest(kube, manifest, { dryRun });
      expect(result.metadata.name).toBe(manifest.metadata.name);
      if (manifest.kind === 'CustomResourceDefinition')
        await waitForEstablished(kube, manifest.metadata.name);
      applied.push(`${describeManifest(manifest)}${dryRun ? ' (dry run)' : ''}`);
    }
    process.stderr.write(`[e2e] k8s: applied ${applied.join(', ')}\n`);
    expect(manifests.map((manifest) => manifest.kind)).toEqual(
      expect.arrayContaining([
        'Namespace',
        'CustomResourceDefinition',
        'ClusterRole',
        'Deployment',
        'Service',
      ]),
    );
    // The stored ClusterRole is the one the RBAC suite proves sufficient.
    const role = manifests.find((manifest) => manifest.kind === 'ClusterRole');
    if (role === undefined) throw new Error('the kustomization has no ClusterRole');
    const stored = await kube.rbac.readClusterRole({ name: role.metadata.name });
    expect(JSON.parse(JSON.stringify(stored.rules))).toEqual(role['rules']);
  });

  it('applies every other manifest in k8s/ (optional examples) as a server-side dry run', async () => {
    const { resources } = await renderKustomization(FOLDER);
    const optional = (await manifestFiles()).filter(
      (file) => !resources.includes(file) && !Object.hasOwn(EXCLUDED, file),
    );
    const applied: string[] = [];
    for (const file of optional) {
      for (const manifest of await readManifests(`${FOLDER}/${file}`)) {
        const result = await applyManifest(kube, manifest, { dryRun: true });
        expect(result.kind).toBe(manifest.kind);
        applied.push(`${file}: ${describeManifest(manifest)}`);
      }
    }
    process.stderr.write(`[e2e] k8s: optional manifests accepted (dry run): ${applied.join(', ')}\n`);
    expect(applied).not.toEqual([]);
  });

  it('would catch a mistake: the API server refuses a Deployment with a misspelt field', async () => {
    const { manifests } = await renderKustomization(FOLDER);
    const deployment = manifests.find((manifest) => manifest.kind === 'Deployment');
    if (deployment === undefined) throw new Error('the kustomization has no Deployment');
    const broken = structuredClone(deployment) as Manifest & { spec: Record<string, unknown> };
    broken.spec['replica'] = 2;
    await expect(applyManifest(kube, broken, { dryRun: true })).rejects.toThrow(/replica/);
  });
});
