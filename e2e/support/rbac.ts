import { z } from 'zod';

import { applyManifest } from './apply.js';
import type { ControlledUser } from './cluster-control.js';
import { eventually } from './eventually.js';
import { apiStatus, kubeClients, type Kube } from './kube.js';
import { readManifests, type Manifest } from './manifests.js';

export const RBAC_FILE = 'k8s/rbac.yaml';

/** A ClusterRole rule as the manifest writes it; other fields (resourceNames…) are kept. */
const policyRuleSchema = z.looseObject({
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  verbs: z.array(z.string()),
});
export type PolicyRule = z.infer<typeof policyRuleSchema>;

/** The listener's ClusterRole exactly as k8s/rbac.yaml ships it. */
export async function listenerClusterRole(): Promise<Manifest & { rules: readonly PolicyRule[] }> {
  const role = (await readManifests(RBAC_FILE)).find((manifest) => manifest.kind === 'ClusterRole');
  if (role === undefined) throw new Error(`${RBAC_FILE} has no ClusterRole`);
  return { ...role, rules: z.array(policyRuleSchema).parse(role['rules']) };
}

/** The namespaced Role for the status Lease exactly as k8s/rbac.yaml ships it. */
export async function listenerLeaseRole(): Promise<Manifest & { rules: readonly PolicyRule[] }> {
  const role = (await readManifests(RBAC_FILE)).find((manifest) => manifest.kind === 'Role');
  if (role === undefined) throw new Error(`${RBAC_FILE} has no Role`);
  return { ...role, rules: z.array(policyRuleSchema).parse(role['rules']) };
}

/** The same rules as a Role in another namespace, bound to one user only. */
export async function grantRoleIn(
  kube: Kube,
  namespace: string,
  role: Manifest & { rules: readonly PolicyRule[] },
  user: ControlledUser,
): Promise<void> {
  const name = role.metadata.name;
  await applyManifest(kube, { ...role, metadata: { ...role.metadata, namespace } });
  await kube.rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${name}-${user.name}`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user.name }],
    },
  });
}

/** Binds a ClusterRole to one user (the certificate's CN), and nothing else. */
export async function bindClusterRole(kube: Kube, roleName: string, user: ControlledUser): Promise<void> {
  await kube.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${roleName}-${user.name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user.name }],
    },
  });
}

/**
 * The RBAC authorizer learns of a new binding through a watch, so a grant takes effect shortly after
 * it is stored. Waits until the user may list ExternalSecrets, which every role here grants.
 */
export async function waitForGrant(
  user: ControlledUser,
  list: (kube: Kube) => Promise<unknown>,
): Promise<void> {
  const asUser = kubeClients(user.kubeconfigPath);
  await eventually(
    async () => {
      try {
        await list(asUser);
        return 200;
      } catch (error: unknown) {
        const status = apiStatus(error);
        if (status !== 403) throw error;
        return status;
      }
    },
    (status) => status === 200,
    { what: `RBAC grant for ${user.name} in effect` },
  );
}
