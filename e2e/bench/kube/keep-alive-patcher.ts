import pLimit from 'p-limit';

import { rotationAnnotations } from '../../../listener/rotation/annotations.js';
import { cryptoRandom, randomKeyVaultVersion } from '../../../simulator/index.js';
import { BENCH_VAULT } from '../delivery/rotation-deliveries.js';
import type { BaselinePatcher } from './baseline-patcher.js';
import type { KubeHttp } from './kube-http.js';
import { namespacedPath, type PopulationMember } from './population.js';

/**
 * A reference, not a baseline: the same merge patches at the same concurrency over keep-alive
 * connections (undici). @kubernetes/client-node 1.x makes a new https.Agent, so a new TLS connection,
 * for every request; the gap between this and the client-node loop is what that costs here.
 */
export function createKeepAlivePatcher(kube: KubeHttp, concurrency: number): BaselinePatcher {
  const limit = pLimit(concurrency);
  return {
    async patch(eventId, secret, members: readonly PopulationMember[]) {
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
            kube.json('PATCH', `${namespacedPath(member.namespace)}/${member.name}`, {
              metadata: { annotations },
            }),
          ),
        ),
      );
    },
  };
}
