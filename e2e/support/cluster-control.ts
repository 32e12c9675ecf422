import { inject } from 'vitest';
import { z } from 'zod';

import type { UserSpec } from '../control-plane/user-credentials.js';
import type { ClusterControlAddress } from './cluster-control-server.js';

const controlledUserSchema = z.object({
  name: z.string(),
  groups: z.array(z.string()).readonly(),
  /** A kubeconfig with the user's client certificate: no rights until RBAC grants some. */
  kubeconfigPath: z.string(),
});
export type ControlledUser = z.infer<typeof controlledUserSchema>;

/**
 * The running cluster's optional capabilities, called from a test file. A member is undefined when the
 * provider lacks it (kind, k3s, an existing cluster): suites skip those cases and say why.
 */
export interface ClusterControl {
  readonly provider: string;
  readonly stopApiServer: ((options?: { graceful?: boolean }) => Promise<void>) | undefined;
  readonly startApiServer: (() => Promise<void>) | undefined;
  readonly createUser: ((user: UserSpec) => Promise<ControlledUser>) | undefined;
}

export function clusterControl(): ClusterControl {
  const address = inject('e2eClusterControl');
  const has = (capability: ClusterControlAddress['capabilities'][number]): boolean =>
    address.capabilities.includes(capability);
  return {
    provider: inject('e2eClusterProvider'),
    stopApiServer: has('stopApiServer')
      ? async (options = {}) => {
          await call(address, '/api-server/stop', options);
        }
      : undefined,
    startApiServer: has('startApiServer')
      ? async () => {
          await call(address, '/api-server/start', {});
        }
      : undefined,
    createUser: has('createUser')
      ? async (user) => controlledUserSchema.parse(await call(address, '/users', user))
      : undefined,
  };
}

async function call(address: ClusterControlAddress, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${address.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${address.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    // Starting kube-apiserver waits for /readyz; a cold start takes seconds.
    signal: AbortSignal.timeout(120_000),
  });
  const answer: unknown = await response.json();
  if (!response.ok) {
    const error = (answer as { error?: unknown }).error;
    throw new Error(`cluster control ${path}: ${typeof error === 'string' ? error : response.status}`);
  }
  return answer;
}
