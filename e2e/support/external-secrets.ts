import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_KIND,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../listener/cluster/external-secret.js';
import { applyManifest } from './apply.js';
import { unlessNotFound, type Kube } from './kube.js';
import type { Manifest } from './manifests.js';

const api = {
  group: EXTERNAL_SECRET_GROUP,
  version: EXTERNAL_SECRET_VERSION,
  plural: EXTERNAL_SECRET_PLURAL,
};

/** An ExternalSecret as read back from the API server: what the assertions look at. */
export interface StoredExternalSecret {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface ExternalSecretInput {
  readonly namespace: string;
  readonly name: string;
  /** Merged over a minimal valid spec (store, target); give `data` or `dataFrom`. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function externalSecretManifest(input: ExternalSecretInput): Manifest {
  return {
    apiVersion: `${EXTERNAL_SECRET_GROUP}/${EXTERNAL_SECRET_VERSION}`,
    kind: EXTERNAL_SECRET_KIND,
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      annotations: { ...input.annotations },
    },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { name: 'azure-kv', kind: 'ClusterSecretStore' },
      target: { name: input.name },
      ...input.spec,
    },
  };
}

/** spec.data with one remoteRef.key: the commonest way an ExternalSecret reads a Key Vault secret. */
export function readsKey(key: string, version?: string): Record<string, unknown> {
  return { data: [{ secretKey: 'value', remoteRef: version === undefined ? { key } : { key, version } }] };
}

export async function createExternalSecret(kube: Kube, input: ExternalSecretInput): Promise<void> {
  await applyManifest(kube, externalSecretManifest(input));
}

export async function createExternalSecrets(
  kube: Kube,
  inputs: readonly ExternalSecretInput[],
): Promise<void> {
  for (const input of inputs) await createExternalSecret(kube, input);
}

export async function deleteExternalSecret(kube: Kube, namespace: string, name: string): Promise<void> {
  await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name });
}

/** Undefined when the ExternalSecret does not exist. */
export async function readExternalSecret(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<StoredExternalSecret | undefined> {
  const object: unknown = await unlessNotFound(() =>
    kube.custom.getNamespacedCustomObject({ ...api, namespace, name }),
  );
  return object === undefined ? undefined : toStored(object);
}

export async function listExternalSecrets(kube: Kube, namespace?: string): Promise<StoredExternalSecret[]> {
  const list: unknown =
    namespace === undefined
      ? await kube.custom.listClusterCustomObject(api)
      : await kube.custom.listNamespacedCustomObject({ ...api, namespace });
  const items = (list as { items?: unknown }).items;
  return Array.isArray(items) ? items.map(toStored) : [];
}

/** Like readExternalSecret, but a missing object fails the test with its name. */
export async function mustReadExternalSecret(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<StoredExternalSecret> {
  const stored = await readExternalSecret(kube, namespace, name);
  if (stored === undefined) throw new Error(`ExternalSecret ${namespace}/${name} does not exist`);
  return stored;
}

function toStored(object: unknown): StoredExternalSecret {
  const { metadata, spec } = object as {
    metadata?: {
      namespace?: string;
      name?: string;
      resourceVersion?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec?: Record<string, unknown>;
  };
  return {
    namespace: metadata?.namespace ?? '',
    name: metadata?.name ?? '',
    resourceVersion: metadata?.resourceVersion ?? '',
    labels: metadata?.labels ?? {},
    annotations: metadata?.annotations ?? {},
    spec: spec ?? {},
  };
}
