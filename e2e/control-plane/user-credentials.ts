import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { issueCertificate, type KeyPair } from './certificates.js';
import { writeKubeconfig } from './kubeconfig.js';

export interface UserSpec {
  /** Becomes the certificate's CN, which Kubernetes reads as the user name. */
  readonly name: string;
  /** Become O= entries, which Kubernetes reads as groups. */
  readonly groups?: readonly string[];
}

export interface UserCredentials extends KeyPair {
  readonly name: string;
  readonly groups: readonly string[];
  readonly kubeconfigPath: string;
}

/**
 * Mints a client certificate and kubeconfig for an arbitrary user. Such a user has no rights until a
 * (Cluster)RoleBinding names it, which is how RBAC rules (the listener's ClusterRole) get tested for real.
 */
export async function mintUserCredentials(input: {
  readonly ca: KeyPair;
  readonly directory: string;
  readonly serverUrl: string;
  readonly clusterName: string;
  readonly user: UserSpec;
}): Promise<UserCredentials> {
  await mkdir(input.directory, { recursive: true, mode: 0o700 });
  const groups = input.user.groups ?? [];
  // Colons are common in Kubernetes user names (system:serviceaccount:ns:sa) but awkward in file names.
  const baseName = input.user.name.replaceAll(':', '_');
  const pair = await issueCertificate(input.ca, {
    directory: input.directory,
    baseName,
    commonName: input.user.name,
    organizations: groups,
    usage: 'client',
  });
  const kubeconfigPath = join(input.directory, `${baseName}.kubeconfig`);
  await writeKubeconfig(kubeconfigPath, {
    serverUrl: input.serverUrl,
    caCertPath: input.ca.certPath,
    clientCertPath: pair.certPath,
    clientKeyPath: pair.keyPath,
    userName: input.user.name,
    clusterName: input.clusterName,
  });
  return { ...pair, name: input.user.name, groups, kubeconfigPath };
}
