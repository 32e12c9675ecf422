import { kubeRequest, statusMessage } from './kube-http.js';
import type { Kube } from './kube.js';
import type { Manifest } from './manifests.js';

const FIELD_MANAGER = 'reloader-e2e';

export interface ApplyOptions {
  /** Server-side dry run: validated, defaulted and admitted by the API server, never stored. */
  readonly dryRun?: boolean;
}

/**
 * Server-side apply, as `kubectl apply --server-side` does it: idempotent, and strict about fields (a
 * field the schema does not declare fails the apply instead of being dropped). The manifest is sent
 * as written, not through client-node's models, which would drop such a field before it is sent.
 */
export async function applyManifest(
  kube: Kube,
  manifest: Manifest,
  options: ApplyOptions = {},
): Promise<Manifest> {
  const where = `${manifest.kind} ${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
  const query = new URLSearchParams({
    fieldManager: FIELD_MANAGER,
    force: 'true',
    fieldValidation: 'Strict',
  });
  if (options.dryRun === true) query.set('dryRun', 'All');
  const path = `${await resourcePath(kube, manifest)}?${query.toString()}`;
  const response = await kubeRequest(kube.config, 'PATCH', path, {
    text: JSON.stringify(manifest),
    contentType: 'application/apply-patch+yaml',
  });
  if (response.status >= 300) {
    throw new Error(`applying ${where}: ${response.status} ${statusMessage(response)}`);
  }
  return JSON.parse(response.body) as Manifest;
}

export async function applyManifests(
  kube: Kube,
  manifests: readonly Manifest[],
  options: ApplyOptions = {},
): Promise<void> {
  for (const manifest of manifests) await applyManifest(kube, manifest, options);
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** `/apis/apps/v1/namespaces/x/deployments/y`, from the API server's discovery of the kind. */
async function resourcePath(kube: Kube, manifest: Manifest): Promise<string> {
  const base = manifest.apiVersion.includes('/')
    ? `/apis/${manifest.apiVersion}`
    : `/api/${manifest.apiVersion}`;
  const discovery = await kubeRequest(kube.config, 'GET', base);
  if (discovery.status !== 200) {
    throw new Error(`${manifest.apiVersion} is not served: ${discovery.status} ${statusMessage(discovery)}`);
  }
  const { resources } = JSON.parse(discovery.body) as { resources: ApiResource[] };
  const resource = resources.find(
    (candidate) => candidate.kind === manifest.kind && !candidate.name.includes('/'),
  );
  if (resource === undefined) throw new Error(`${manifest.apiVersion} has no kind ${manifest.kind}`);
  const namespace = manifest.metadata.namespace ?? 'default';
  const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${resource.name}/${encodeURIComponent(manifest.metadata.name)}`;
}
