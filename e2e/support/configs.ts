import type { ConfigStatus } from '../../listener/cluster/cluster.js';
import {
  AZURE_EVENT_GRID,
  CONFIG_API_VERSION,
  CONFIG_GROUP,
  CONFIG_KIND,
  CONFIG_PLURAL,
  CONFIG_VERSION,
  EXTERNAL_SECRET,
  type ExternalSecretDestination,
} from '../../listener/config/schema.js';
import { applyManifest } from './apply.js';
import { eventually } from './eventually.js';
import { unlessNotFound, type Kube } from './kube.js';
import type { Manifest } from './manifests.js';

const api = { group: CONFIG_GROUP, version: CONFIG_VERSION, plural: CONFIG_PLURAL };

/** On every Config the suites create: Configs are cluster-scoped, and every listener serves them all. */
export const E2E_CONFIG_LABEL = 'e2e.reloader.test/config';

export interface ConfigInput {
  readonly name: string;
  readonly port: number;
  readonly subscriptions: readonly string[];
  readonly destinations: readonly ExternalSecretDestination[];
  readonly host?: string;
}

export function configManifest(input: ConfigInput): Manifest {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    metadata: { name: input.name, labels: { [E2E_CONFIG_LABEL]: 'true' } },
    spec: {
      notificationSources: [
        {
          type: AZURE_EVENT_GRID,
          azureEventGrid: {
            host: input.host ?? '127.0.0.1',
            port: input.port,
            subscriptions: [...input.subscriptions],
          },
        },
      ],
      destinationsToWatch: input.destinations.map((externalSecret) => ({
        type: EXTERNAL_SECRET,
        externalSecret,
      })),
    },
  };
}

/** Creates or changes a Config (server-side apply: the manifest given is the whole spec). */
export async function applyConfig(kube: Kube, input: ConfigInput | Manifest): Promise<void> {
  await applyManifest(kube, 'kind' in input ? input : configManifest(input));
}

export async function deleteConfig(kube: Kube, name: string): Promise<void> {
  await kube.custom.deleteClusterCustomObject({ ...api, name });
}

/**
 * Deletes every Config the suites made. Custom resources need no controller to go away, unlike
 * namespaces; a leftover Config would make the next suite's listener bind its port too.
 */
export async function deleteE2eConfigs(kube: Kube): Promise<void> {
  await kube.custom.deleteCollectionClusterCustomObject({ ...api, labelSelector: E2E_CONFIG_LABEL });
}

export interface StoredConfig {
  readonly generation: number;
  readonly status: ConfigStatus | undefined;
}

export async function readConfig(kube: Kube, name: string): Promise<StoredConfig | undefined> {
  const object: unknown = await unlessNotFound(() => kube.custom.getClusterCustomObject({ ...api, name }));
  if (object === undefined) return undefined;
  const { metadata, status } = object as { metadata?: { generation?: number }; status?: ConfigStatus };
  return { generation: metadata?.generation ?? 0, status };
}

export function conditionOf(
  status: ConfigStatus | undefined,
  type: string,
): ConfigStatus['conditions'][number] | undefined {
  return status?.conditions.find((condition) => condition.type === type);
}

/**
 * Waits until the listener has applied the Config's current generation (observedGeneration) and its
 * status satisfies `check`. The status is written after the servers are re-routed, so it is the
 * signal that a change is in force.
 */
export async function waitForConfigStatus(
  kube: Kube,
  name: string,
  check: (status: ConfigStatus) => boolean,
  what: string,
): Promise<ConfigStatus> {
  const config = await eventually(
    () => readConfig(kube, name),
    (read) =>
      read?.status !== undefined && read.status.observedGeneration === read.generation && check(read.status),
    { what: `Config ${name}: ${what}` },
  );
  if (config?.status === undefined) throw new Error(`Config ${name} has no status`);
  return config.status;
}

/** The listener serves every path of the Config's current generation. */
export function waitForConfigReady(kube: Kube, name: string): Promise<ConfigStatus> {
  return waitForConfigStatus(
    kube,
    name,
    (status) => conditionOf(status, 'Ready')?.status === 'True',
    'Ready=True for its current generation',
  );
}
