import { EXTERNAL_SECRET } from '../../listener/config/schema.js';
import { applyManifests } from './apply.js';
import { E2E_CONFIG_LABEL } from './configs.js';
import type { StoredExternalSecret } from './external-secrets.js';
import type { Kube } from './kube.js';
import { readManifests, type Manifest } from './manifests.js';
import { uniqueName } from './names.js';
import { createNamespace } from './namespaces.js';

/** Labels every namespace of one fixture world, so a fixture Config can be narrowed to it. */
const WORLD_LABEL = 'e2e.reloader.test/world';

/**
 * fixtures/cluster (namespaces team-a, team-b, sandbox and their ExternalSecrets) applied under fresh
 * namespace names, so it can be applied once per suite on a cluster that keeps everything forever.
 */
export interface FixtureWorld {
  readonly id: string;
  /** Fixture namespace → the namespace created for it. */
  readonly namespaces: ReadonlyMap<string, string>;
  /** An ExternalSecret of this world under its fixture name (`team-a/db-credentials`), or undefined. */
  fixtureRef(stored: StoredExternalSecret): string | undefined;
  /**
   * A fixture Config narrowed to this world: its namespaceSelectors also require the world label
   * (a Config without them gets one), its sources listen on 127.0.0.1 at `port`.
   */
  scopeConfig(config: Manifest, options: { readonly name: string; readonly port: number }): Manifest;
}

export async function applyFixtureWorld(kube: Kube): Promise<FixtureWorld> {
  const id = uniqueName('world');
  const namespaces = new Map<string, string>();
  for (const namespace of await readManifests('fixtures/cluster/namespaces.yaml')) {
    const labels = { ...namespace.metadata.labels, [WORLD_LABEL]: id };
    namespaces.set(
      namespace.metadata.name,
      await createNamespace(kube, `fx-${namespace.metadata.name}`, labels),
    );
  }
  const externalSecrets = (await readManifests('fixtures/cluster/external-secrets.yaml')).map((manifest) => {
    const fixtureNamespace = manifest.metadata.namespace ?? 'default';
    const namespace = namespaces.get(fixtureNamespace);
    if (namespace === undefined) {
      throw new Error(
        `fixtures/cluster: ${manifest.metadata.name} is in ${fixtureNamespace}, which no fixture defines`,
      );
    }
    return { ...manifest, metadata: { ...manifest.metadata, namespace } };
  });
  await applyManifests(kube, externalSecrets);

  const fixtureNamespaceOf = new Map([...namespaces].map(([fixture, real]) => [real, fixture]));
  return {
    id,
    namespaces,
    fixtureRef(stored) {
      const fixture = fixtureNamespaceOf.get(stored.namespace);
      return fixture === undefined ? undefined : `${fixture}/${stored.name}`;
    },
    scopeConfig(config, { name, port }) {
      const copy = structuredClone(config) as Manifest & { spec: ConfigSpec };
      for (const source of copy.spec.notificationSources ?? []) {
        if (source.azureEventGrid !== undefined) {
          source.azureEventGrid = { ...source.azureEventGrid, host: '127.0.0.1', port };
        }
      }
      for (const destination of copy.spec.destinationsToWatch ?? []) {
        if ((destination.type ?? EXTERNAL_SECRET) !== EXTERNAL_SECRET) continue;
        const externalSecret = destination.externalSecret ?? {};
        const selectors = externalSecret.namespaceSelectors ?? [{}];
        externalSecret.namespaceSelectors = selectors.map((selector) => ({
          ...selector,
          matchLabels: { ...selector.matchLabels, [WORLD_LABEL]: id },
        }));
        destination.externalSecret = externalSecret;
      }
      return {
        ...copy,
        metadata: { ...copy.metadata, name, labels: { ...copy.metadata.labels, [E2E_CONFIG_LABEL]: 'true' } },
      };
    },
  };
}

/** The parts of a Config manifest scopeConfig rewrites; everything else is kept as written. */
interface ConfigSpec {
  notificationSources?: { azureEventGrid?: Record<string, unknown> }[];
  destinationsToWatch?: {
    type?: string;
    externalSecret?: {
      namespaceSelectors?: { matchLabels?: Record<string, string>; [key: string]: unknown }[];
      [key: string]: unknown;
    };
  }[];
}
