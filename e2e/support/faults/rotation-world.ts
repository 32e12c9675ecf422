import { reserveLoopbackPorts } from '../../control-plane/free-port.js';
import { applyConfig } from '../configs.js';
import { createExternalSecrets, readsKey } from '../external-secrets.js';
import type { Kube } from '../kube.js';
import { uniqueName } from '../names.js';
import { createNamespace } from '../namespaces.js';

export const SUBSCRIPTION = 'kv-rotation';

/**
 * A namespace where ExternalSecret i is named after, and reads, Key Vault secret i, served by a
 * Config of its own on a free port. One rotation per secret makes every rotation visible on exactly
 * one ExternalSecret, so "observed" can be counted without guessing which of two rotations won.
 */
export interface RotationWorld {
  readonly namespace: string;
  readonly secrets: readonly string[];
  /** The subscription URL Event Grid delivers to. */
  readonly url: string;
}

export async function createRotationWorld(kube: Kube, prefix: string, count: number): Promise<RotationWorld> {
  const namespace = await createNamespace(kube, prefix);
  const secrets = Array.from({ length: count }, (_, index) => uniqueName(`${prefix}-${index}`));
  await createExternalSecrets(
    kube,
    secrets.map((secret) => ({ namespace, name: secret, spec: readsKey(secret) })),
  );
  const [port = 0] = await reserveLoopbackPorts(1);
  await applyConfig(kube, {
    name: uniqueName(prefix),
    port,
    subscriptions: [SUBSCRIPTION],
    destinations: [{ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }] }],
  });
  return { namespace, secrets, url: `http://127.0.0.1:${port}/${SUBSCRIPTION}` };
}
