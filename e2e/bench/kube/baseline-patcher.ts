import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import pLimit from 'p-limit';

import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../../listener/cluster/external-secret.js';
import { rotationAnnotations } from '../../../listener/rotation/annotations.js';
import { cryptoRandom, randomKeyVaultVersion } from '../../../simulator/index.js';
import { BENCH_VAULT } from '../delivery/rotation-deliveries.js';
import type { PopulationMember } from './population.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface BaselinePatcher {
  /**
   * The same JSON merge patches the listener sends for one rotation of `secret` to `members`, from a
   * bare loop at the listener's concurrency. The caller picks the event id written, so it can start
   * waiting for it on the annotation watch before the first patch goes out.
   */
  patch(eventId: string, secret: string, members: readonly PopulationMember[]): Promise<void>;
}

/**
 * The fan-out baseline: what @kubernetes/client-node does with no listener around it (no HTTP
 * delivery, no parsing, matching or Events), through the same counting proxy on a lane of its own.
 */
export function createBaselinePatcher(kubeconfigPath: string, concurrency: number): BaselinePatcher {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const api = config.makeApiClient(CustomObjectsApi);
  const limit = pLimit(concurrency);
  return {
    async patch(eventId, secret, members) {
      const annotations = rotationAnnotations({
        vault: BENCH_VAULT,
        name: secret,
        version: randomKeyVaultVersion(cryptoRandom),
        eventId,
        eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
        time: new Date().toISOString(),
      });
      await Promise.all(
        members.map((member) =>
          limit(() =>
            api.patchNamespacedCustomObject(
              {
                group: EXTERNAL_SECRET_GROUP,
                version: EXTERNAL_SECRET_VERSION,
                plural: EXTERNAL_SECRET_PLURAL,
                namespace: member.namespace,
                name: member.name,
                body: { metadata: { annotations } },
              },
              MERGE_PATCH,
            ),
          ),
        ),
      );
    },
  };
}
