import { readFile, writeFile } from 'node:fs/promises';

import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly serverUrl: string;
  readonly caCertPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  readonly userName: string;
  readonly clusterName: string;
}

/**
 * Writes a kubeconfig with the certificates embedded, not referenced: the file stays valid when copied
 * (into a container, to another shell) and needs nothing else from the control plane's directory.
 */
export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<void> {
  const [ca, cert, key] = await Promise.all(
    [input.caCertPath, input.clientCertPath, input.clientKeyPath].map(async (file) =>
      (await readFile(file)).toString('base64'),
    ),
  );
  const context = `${input.userName}@${input.clusterName}`;
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: input.clusterName, cluster: { server: input.serverUrl, 'certificate-authority-data': ca } },
    ],
    users: [{ name: input.userName, user: { 'client-certificate-data': cert, 'client-key-data': key } }],
    contexts: [{ name: context, context: { cluster: input.clusterName, user: input.userName } }],
    'current-context': context,
  };
  // Holds a private key.
  await writeFile(path, stringify(document), { mode: 0o600 });
}
