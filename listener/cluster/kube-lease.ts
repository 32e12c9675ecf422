import { V1MicroTime, type CoordinationV1Api } from '@kubernetes/client-node';

import type { LeaseClaim } from './cluster.js';
import { toClusterError } from './kube-errors.js';

/**
 * Takes or renews a coordination.k8s.io Lease, as client-go's leader election does. Optimistic
 * concurrency does the arbitration: a create or replace that another replica got in before answers
 * 409, which is a lost race (false), not a failure. Expiry is judged on this replica's clock.
 */
export async function claimKubeLease(api: CoordinationV1Api, claim: LeaseClaim, at: Date): Promise<boolean> {
  const { namespace, name, holder, durationSeconds } = claim;
  const now = new V1MicroTime(at.getTime());
  const what = `claim Lease ${namespace}/${name}`;
  try {
    let current;
    try {
      current = await api.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (toClusterError(what, error).code !== 'NOT_FOUND') throw error;
      await api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: holder,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
          },
        },
      });
      return true;
    }
    const spec = current.spec ?? {};
    const renewedAt = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
    const expiresAt = renewedAt + (spec.leaseDurationSeconds ?? 0) * 1000;
    const mine = spec.holderIdentity === holder;
    if (!mine && (spec.holderIdentity ?? '') !== '' && expiresAt > now.getTime()) return false;
    await api.replaceNamespacedLease({
      namespace,
      name,
      body: {
        // resourceVersion makes the replace conditional: a claim that raced ours answers 409.
        metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion ?? '' },
        spec: {
          holderIdentity: holder,
          leaseDurationSeconds: durationSeconds,
          renewTime: now,
          acquireTime: mine ? (spec.acquireTime ?? now) : now,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      },
    });
    return true;
  } catch (error) {
    const failure = toClusterError(what, error);
    if (failure.code === 'CONFLICT') return false;
    throw failure;
  }
}
