import type { ExternalSecret } from '../cluster/external-secret.js';

// "0", "0s", "0m0s", "0h"… Go durations that are zero.
const ZERO_DURATION = /^(0+(\.0+)?(ns|us|µs|ms|s|m|h)?)+$/;

/**
 * Why ESO will not re-sync this ExternalSecret when its annotations change, if it will not:
 * CreatedOnce never refreshes, and refreshInterval 0 under the default Periodic policy was measured to
 * leave the Secret stale.
 */
export function annotationIgnoredBecause(secret: ExternalSecret): string | undefined {
  const policy = secret.spec.refreshPolicy;
  if (policy === 'CreatedOnce') return 'spec.refreshPolicy is CreatedOnce';
  const interval = secret.spec.refreshInterval?.trim();
  if (
    (policy === undefined || policy === 'Periodic') &&
    interval !== undefined &&
    ZERO_DURATION.test(interval)
  ) {
    return `spec.refreshInterval is ${interval} with the Periodic refresh policy`;
  }
  return undefined;
}
