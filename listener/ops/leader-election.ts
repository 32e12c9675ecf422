import type { FastifyBaseLogger } from 'fastify';

import type { Cluster, LeaseClaim } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/cluster-error.js';

export interface LeaderElectionOptions {
  readonly cluster: Cluster;
  readonly claim: LeaseClaim;
  readonly logger: FastifyBaseLogger;
  /** Called when this replica starts or stops leading. */
  readonly onChange: (leading: boolean) => void;
  readonly now?: () => number;
  readonly setTimeout?: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout?: (handle: unknown) => void;
}

export interface LeaderElection {
  readonly leading: boolean;
  start(): void;
  stop(): void;
}

/**
 * One replica at a time leads, by holding a Lease it renews every third of its duration. A replica
 * that cannot renew stops leading a third of a duration before anyone else may take the Lease, so two
 * replicas never both believe they lead (clocks agreeing within that margin).
 */
export function leaderElection(options: LeaderElectionOptions): LeaderElection {
  const { cluster, claim, logger } = options;
  const now = options.now ?? Date.now;
  const schedule = options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms).unref());
  const cancel = options.clearTimeout ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
  const durationMs = claim.durationSeconds * 1000;
  let leading = false;
  let renewedAt = Number.NEGATIVE_INFINITY;
  let timer: unknown;
  let stopped = true;

  const setLeading = (next: boolean): void => {
    if (next === leading) return;
    leading = next;
    logger.info(
      { lease: `${claim.namespace}/${claim.name}`, holder: claim.holder },
      next ? 'took the status Lease: this replica writes Config status' : 'no longer holds the status Lease',
    );
    options.onChange(next);
  };

  // A claim that hangs must not keep a stale leader leading: past a third of the duration it counts
  // as failed, and the loop goes on.
  const claimWithDeadline = (): Promise<boolean> => {
    let timeout: unknown;
    const deadline = new Promise<never>((_resolve, reject) => {
      timeout = schedule(
        () => reject(new ClusterError('UNAVAILABLE', 'no answer to the Lease claim in time', undefined)),
        durationMs / 3,
      );
    });
    return Promise.race([cluster.claimLease(claim), deadline]).finally(() => cancel(timeout));
  };

  const attempt = async (): Promise<void> => {
    const startedAt = now();
    try {
      const held = await claimWithDeadline();
      if (stopped) return;
      if (held) renewedAt = startedAt;
      setLeading(held);
    } catch (error) {
      const code = error instanceof ClusterError ? error.code : 'UNAVAILABLE';
      // A missing RBAC grant is not cured by retrying: an operator must act, so say it louder.
      const level = code === 'FORBIDDEN' || code === 'UNAUTHORIZED' ? 'error' : 'warn';
      logger[level]({ lease: `${claim.namespace}/${claim.name}`, code }, 'could not claim the status Lease');
      if (leading && now() - renewedAt >= (durationMs * 2) / 3) setLeading(false);
    }
    if (!stopped) timer = schedule(() => void attempt(), durationMs / 3);
  };

  return {
    // Judged on every read, not only when an attempt ends: leadership older than two thirds of the
    // duration is not trusted even if no attempt has come back to say so.
    get leading() {
      return leading && now() - renewedAt < (durationMs * 2) / 3;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      void attempt();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) cancel(timer);
      setLeading(false);
    },
  };
}
