import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_KIND,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../../listener/cluster/external-secret.js';

/**
 * The benchmark's ExternalSecrets and which Key Vault secrets they read. Every one reads a secret of
 * its own (`solo-<i>`), so a one-match rotation can pick any of them; the first 100 and the first 1,000
 * also read a shared secret, so one rotation matches exactly 100 or 1,000. Creating more only adds
 * higher indices, so the population grows in place from one size to the next.
 */
export const POPULATION_LABEL = 'bench.reloader.test/population';
export const NAMESPACE_COUNT = 10;

export const FANOUT_SECRETS: Readonly<Record<number, string>> = { 100: 'fanout-100', 1000: 'fanout-1000' };

export interface PopulationMember {
  readonly namespace: string;
  readonly name: string;
}

export function namespaceName(index: number): string {
  return `bench-${index % NAMESPACE_COUNT}`;
}

export function member(index: number): PopulationMember {
  return { namespace: namespaceName(index), name: `es-${String(index).padStart(5, '0')}` };
}

export function soloSecret(index: number): string {
  return `solo-${index}`;
}

/** The secret a rotation of which matches `matches` ExternalSecrets (1 picks the ExternalSecret `index`). */
export function secretMatching(matches: number, index = 0): string {
  if (matches === 1) return soloSecret(index);
  const name = FANOUT_SECRETS[matches];
  if (name === undefined) throw new Error(`no shared secret is read by exactly ${matches} ExternalSecrets`);
  return name;
}

/** The members a rotation of secretMatching(matches, index) annotates. */
export function membersMatching(matches: number, index = 0): PopulationMember[] {
  if (matches === 1) return [member(index)];
  return Array.from({ length: matches }, (_, i) => member(i));
}

export function externalSecretManifest(index: number): Record<string, unknown> {
  const { namespace, name } = member(index);
  const keys = [soloSecret(index)];
  for (const [size, secret] of Object.entries(FANOUT_SECRETS)) if (index < Number(size)) keys.push(secret);
  return {
    apiVersion: `${EXTERNAL_SECRET_GROUP}/${EXTERNAL_SECRET_VERSION}`,
    kind: EXTERNAL_SECRET_KIND,
    metadata: { name, namespace, labels: { [POPULATION_LABEL]: 'true' } },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { name: 'azure-kv', kind: 'ClusterSecretStore' },
      target: { name },
      data: keys.map((key, k) => ({ secretKey: `value-${k}`, remoteRef: { key } })),
    },
  };
}

export const EXTERNAL_SECRETS_PATH = `/apis/${EXTERNAL_SECRET_GROUP}/${EXTERNAL_SECRET_VERSION}/${EXTERNAL_SECRET_PLURAL}`;

export function namespacedPath(namespace: string): string {
  return `/apis/${EXTERNAL_SECRET_GROUP}/${EXTERNAL_SECRET_VERSION}/namespaces/${namespace}/${EXTERNAL_SECRET_PLURAL}`;
}
