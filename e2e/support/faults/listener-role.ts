import { applyManifest } from '../apply.js';
import type { Kube } from '../kube.js';
import { readManifests, type Manifest } from '../manifests.js';
import { uniqueName } from '../names.js';

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * The listener's shipped ClusterRole (k8s/rbac.yaml) under a fresh name, bound to one user: the rights
 * production gives the listener, so restoring them is the fix an operator would apply.
 */
export interface ListenerRole {
  readonly roleName: string;
  /** Applies the shipped rules, or the same without `patch` on ExternalSecrets: annotating is refused. */
  grant(rights: ListenerRights): Promise<void>;
  /** Deletes the binding and the role; cluster-scoped, they would outlive the test otherwise. */
  remove(): Promise<void>;
}

async function shippedRules(): Promise<readonly PolicyRule[]> {
  const role = (await readManifests('k8s/rbac.yaml')).find((manifest) => manifest.kind === 'ClusterRole');
  const rules = (role as (Manifest & { rules?: PolicyRule[] }) | undefined)?.rules;
  if (rules === undefined) throw new Error('k8s/rbac.yaml: no ClusterRole with rules');
  return rules;
}

function withoutPatchOnExternalSecrets(rules: readonly PolicyRule[]): PolicyRule[] {
  const withoutPatch = rules.map((rule) =>
    rule.resources?.includes('externalsecrets') === true
      ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'patch') }
      : rule,
  );
  if (JSON.stringify(withoutPatch) === JSON.stringify(rules)) {
    throw new Error('k8s/rbac.yaml: no rule grants patch on externalsecrets; nothing to take away');
  }
  return withoutPatch;
}

export type ListenerRights = 'all' | 'all but patch';

export async function bindListenerRole(
  kube: Kube,
  user: string,
  rights: ListenerRights,
): Promise<ListenerRole> {
  const rules = await shippedRules();
  const roleName = uniqueName('e2e-listener');
  const role = (granted: readonly PolicyRule[]): Manifest => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: roleName },
    rules: granted,
  });
  const rulesFor = (granted: ListenerRights): readonly PolicyRule[] =>
    granted === 'all' ? rules : withoutPatchOnExternalSecrets(rules);
  await applyManifest(kube, role(rulesFor(rights)));
  await applyManifest(kube, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: roleName },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  return {
    roleName,
    grant: async (granted) => {
      await applyManifest(kube, role(rulesFor(granted)));
    },
    remove: async () => {
      await kube.rbac.deleteClusterRoleBinding({ name: roleName });
      await kube.rbac.deleteClusterRole({ name: roleName });
    },
  };
}
