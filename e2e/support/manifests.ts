import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { parseAllDocuments } from 'yaml';

/** The repository root, so suites can name files as the README does: `k8s/rbac.yaml`. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return `${REPO_ROOT}${relative}`;
}

/** Object metadata as manifests write it (plain data, unlike client-node's V1ObjectMeta class). */
export interface ManifestMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A manifest with the fields every Kubernetes object has; the rest is kept as written. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ManifestMetadata;
  readonly [field: string]: unknown;
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return (
    typeof apiVersion === 'string' &&
    typeof kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof (metadata as { name?: unknown }).name === 'string'
  );
}

/** Every document of a YAML file (relative to the repository root), parsed fresh for each caller. */
export async function readManifests(relative: string): Promise<Manifest[]> {
  const text = await readFile(repoPath(relative), 'utf8');
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${relative}: document ${index + 1}: ${document.errors[0]?.message ?? 'invalid'}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return [];
    if (!isManifest(value)) throw new Error(`${relative}: document ${index + 1} is not a Kubernetes object`);
    return [value];
  });
}
