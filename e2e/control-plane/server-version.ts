import { readFile } from 'node:fs/promises';

import { z } from 'zod';

import type { KeyPair } from './certificates.js';
import { httpGet } from './http-probe.js';

const versionSchema = z.object({
  major: z.string(),
  minor: z.string(),
  gitVersion: z.string(),
  goVersion: z.string(),
  platform: z.string(),
});

/** GET /version: what suites print so a log says which Kubernetes it tested against. */
export type KubernetesVersionInfo = z.infer<typeof versionSchema>;

export async function fetchServerVersion(
  serverUrl: string,
  caCertPath: string,
  client: KeyPair,
): Promise<KubernetesVersionInfo> {
  const [ca, cert, key] = await Promise.all([
    readFile(caCertPath),
    readFile(client.certPath),
    readFile(client.keyPath),
  ]);
  const response = await httpGet(`${serverUrl}/version`, { ca, cert, key });
  if (response.status !== 200) {
    throw new Error(`GET ${serverUrl}/version answered ${response.status}: ${response.body.slice(0, 300)}`);
  }
  return versionSchema.parse(JSON.parse(response.body));
}
