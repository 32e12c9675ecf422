import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../listener/cluster/external-secret.js';
import { CONFIG_GROUP, CONFIG_PLURAL, CONFIG_VERSION } from '../../listener/config/schema.js';
import { applyManifests } from './apply.js';
import { eventually } from './eventually.js';
import { apiStatus, type Kube } from './kube.js';
import { readManifests } from './manifests.js';

const CONFIGS = { group: CONFIG_GROUP, version: CONFIG_VERSION, plural: CONFIG_PLURAL };
const EXTERNAL_SECRETS = {
  group: EXTERNAL_SECRET_GROUP,
  version: EXTERNAL_SECRET_VERSION,
  plural: EXTERNAL_SECRET_PLURAL,
};

/** The listener's Config CRD (owned by k8s/) and the stand-in ExternalSecret CRD (no ESO runs here). */
export const CRD_FILES = ['k8s/crds/config.yaml', 'e2e/crds/externalsecret.yaml'] as const;

/**
 * Applies both CRDs and waits until each is Established, i.e. served. Idempotent: every suite calls it
 * in beforeAll, and only the first call on a fresh cluster does any work.
 */
export async function installCrds(kube: Kube): Promise<void> {
  const manifests = (await Promise.all(CRD_FILES.map((file) => readManifests(file)))).flat();
  await applyManifests(kube, manifests);
  for (const { metadata } of manifests) await waitForEstablished(kube, metadata.name);
}

export async function waitForEstablished(kube: Kube, name: string): Promise<void> {
  await eventually(
    () => kube.extensions.readCustomResourceDefinition({ name }),
    (crd) =>
      crd.status?.conditions?.some(
        (condition) => condition.type === 'Established' && condition.status === 'True',
      ) === true,
    { what: `CRD ${name} Established`, timeoutMs: 60_000 },
  );
}

/**
 * After kube-apiserver restarts, /readyz is ok before the storage of custom resources is: for a moment
 * they answer 429 "storage is (re)initializing". Waits until Configs and ExternalSecrets are served.
 */
export async function waitForCustomResourcesServed(kube: Kube): Promise<void> {
  const served = async (): Promise<string | undefined> => {
    try {
      await kube.custom.listClusterCustomObject({ ...CONFIGS, limit: 1 });
      await kube.custom.listClusterCustomObject({ ...EXTERNAL_SECRETS, limit: 1 });
      return undefined;
    } catch (error: unknown) {
      const status = apiStatus(error);
      if (status !== undefined && status !== 429 && status < 500) throw error;
      return `not yet: ${status ?? (error instanceof Error ? error.message : String(error))}`;
    }
  };
  await eventually(served, (problem) => problem === undefined, {
    what: 'Configs and ExternalSecrets served after a restart',
    timeoutMs: 60_000,
  });
}
