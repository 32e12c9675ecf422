import type { ClusterProviderName } from './cluster-provider.js';

/**
 * This machine cannot run the chosen provider (no Docker engine, no kind CLI, no kubeconfig). That is a
 * fact about the environment, not a bug, so the error is one line naming the provider and the reason,
 * without a stack trace to bury it.
 */
export class ClusterUnavailableError extends Error {
  override readonly name = 'ClusterUnavailableError';
  readonly code = 'CLUSTER_UNAVAILABLE';
  constructor(
    readonly provider: ClusterProviderName,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${provider}: ${reason}`, options);
    this.stack = this.message;
  }
}
