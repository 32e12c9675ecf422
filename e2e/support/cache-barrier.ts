import { eventually } from './eventually.js';
import { listExternalSecrets } from './external-secrets.js';
import type { Kube } from './kube.js';
import type { ListenerProcess } from './listener-process.js';
import { metricValue } from './metrics.js';

/**
 * Waits until the listener's ExternalSecret cache holds as many objects as the API server: after a
 * create or delete, the watch event has arrived. Only this test writes ExternalSecrets, so equal
 * counts mean the cache has seen its change.
 */
export async function waitForCacheInStep(
  listener: ListenerProcess,
  kube: Kube,
  timeoutMs = 30_000,
): Promise<void> {
  const stored = (await listExternalSecrets(kube)).length;
  await eventually(
    async () => metricValue(await listener.metrics(), 'reloader_cached_external_secrets'),
    (cached) => cached === stored,
    {
      what: `reloader_cached_external_secrets = ${stored} (the ExternalSecrets on the API server)`,
      timeoutMs,
    },
  );
}
