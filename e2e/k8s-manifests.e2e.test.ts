/**
 * Every manifest in k8s/ goes to the real API server, which validates it against the real schemas
 * (server-side apply refuses a field the schema does not declare). Definitions and RBAC are stored;
 * workloads and the example Config are applied as a server-side dry run: on the local control plane no
 * controllers run to act on them, and a stored example Config would be served by every later listener.
 * Where Pods run and the project's image is loaded (kind, k3s), the Deployment also runs for real.
 */
import { readdir } from 'node:fs/promises';

import { beforeAll, describe, expect, inject, it } from 'vitest';

import { applyManifest } from './support/apply.js';
import { installCrds, waitForEstablished } from './support/crds.js';
import { eventually } from './support/eventually.js';
import { kubeClients, unlessNotFound, type Kube } from './support/kube.js';
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

/** The Deployment as shipped, but running the image this run built and loaded into the nodes. */
function withProjectImage(deployment: Manifest, image: string): Manifest {
  const copy = structuredClone(deployment) as Manifest & {
    spec: { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } };
  };
  for (const container of copy.spec.template.spec.containers) {
    container.image = image;
    // Loaded, not pushed: there is no registry to pull it from.
    container.imagePullPolicy = 'Never';
  }
  return copy;
}

const projectImage = inject('e2eProjectImage');
const cannotRunImage = !inject('e2eRunsControllers')
  ? 'no controllers run Pods on this cluster (the local control plane)'
  : projectImage === ''
    ? 'the project image is not built (docker build -t eventgrid-reloader-listener:dev .)'
    : undefined;

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

  it.skipIf(cannotRunImage !== undefined)(
    `runs the project image as k8s/ deploys it: every replica Ready under the shipped ServiceAccount${cannotRunImage === undefined ? '' : ` (skipped: ${cannotRunImage})`}`,
    async () => {
      // Readiness means the listener's watches synced: the ExternalSecret CRD must exist.
      await installCrds(kube);
      const { manifests } = await renderKustomization(FOLDER);
      const shipped = manifests.find((manifest) => manifest.kind === 'Deployment');
      if (shipped === undefined) throw new Error('the kustomization has no Deployment');
      const { name } = shipped.metadata;
      const namespace = shipped.metadata.namespace ?? 'default';
      for (const manifest of manifests) {
        await applyManifest(kube, manifest === shipped ? withProjectImage(shipped, projectImage) : manifest);
        if (manifest.kind === 'CustomResourceDefinition')
          await waitForEstablished(kube, manifest.metadata.name);
      }
      try {
        // /readyz (the readiness probe) answers 200 only once every watch has listed: with the
        // ServiceAccount's token, under the ClusterRole, non-root on a read-only root filesystem.
        const ready = await eventually(
          () => kube.apps.readNamespacedDeployment({ name, namespace }),
          (deployment) =>
            deployment.status?.observedGeneration === deployment.metadata?.generation &&
            (deployment.status?.readyReplicas ?? 0) === (deployment.spec?.replicas ?? 1),
          { what: `Deployment ${namespace}/${name} Ready`, timeoutMs: 240_000, intervalMs: 1_000 },
        );
        expect(ready.status?.readyReplicas).toBe(2);
        process.stderr.write(
          `[e2e] k8s: ${projectImage} ran as Deployment ${namespace}/${name}: 2/2 Ready\n`,
        );
      } finally {
        // Later suites run their own listener process; replicas left running would write Config status.
        await unlessNotFound(() =>
          kube.apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Foreground' }),
        );
        await eventually(
          () =>
            kube.core.listNamespacedPod({
              namespace,
              labelSelector: 'app.kubernetes.io/name=eventgrid-reloader',
            }),
          (pods) => pods.items.length === 0,
          { what: `the listener's Pods in ${namespace} gone`, timeoutMs: 120_000, intervalMs: 1_000 },
        );
      }
    },
    420_000,
  );
});
