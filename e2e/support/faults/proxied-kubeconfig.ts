import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parse, stringify } from 'yaml';

interface KubeconfigDocument {
  clusters?: { cluster?: { server?: string } }[];
  [field: string]: unknown;
}

/**
 * A copy of the kubeconfig at `path` whose clusters are reached at `serverUrl` (a fault proxy), with
 * the same user and CA: what the listener is started with to put the proxy on its way to the API.
 */
export async function writeProxiedKubeconfig(
  path: string,
  serverUrl: string,
  directory: string,
): Promise<string> {
  const document = parse(await readFile(path, 'utf8')) as KubeconfigDocument;
  const clusters = document.clusters ?? [];
  if (clusters.length === 0) throw new Error(`${path}: no clusters to point at ${serverUrl}`);
  for (const entry of clusters) entry.cluster = { ...entry.cluster, server: serverUrl };
  const proxied = join(directory, 'proxied.kubeconfig');
  // Holds the client key, as the original does.
  await writeFile(proxied, stringify(document), { mode: 0o600 });
  return proxied;
}
