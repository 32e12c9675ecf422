import { expect } from 'vitest';

import type { ConfigInput } from './configs.js';
import { createExternalSecrets, readsKey } from './external-secrets.js';
import type { Kube } from './kube.js';
import { uniqueName } from './names.js';
import { createNamespace } from './namespaces.js';
import { expectRotationOutcome, snapshot, type Ref } from './rotation-assertions.js';
import { rotation } from './rotations.js';
import { postEventGrid } from './webhook-client.js';

/**
 * A fresh namespace with two ExternalSecrets that read one secret and differ only in their `app`
 * label: the smallest world in which a Config change (a selector, a path, a port) shows in which of
 * the two a rotation annotates.
 */
export interface AppPair {
  readonly namespace: string;
  readonly secret: string;
  readonly a: Ref;
  readonly b: Ref;
  /** Selects the `app` ExternalSecret of this pair's namespace only. */
  destination(app: 'a' | 'b'): ConfigInput['destinations'][number];
}

export async function createAppPair(kube: Kube, prefix: string): Promise<AppPair> {
  const namespace = await createNamespace(kube, prefix);
  const secret = uniqueName(`${prefix}-secret`);
  await createExternalSecrets(kube, [
    { namespace, name: 'app-a', spec: readsKey(secret), labels: { app: 'a' } },
    { namespace, name: 'app-b', spec: readsKey(secret), labels: { app: 'b' } },
  ]);
  return {
    namespace,
    secret,
    a: { namespace, name: 'app-a' },
    b: { namespace, name: 'app-b' },
    destination: (app) => ({
      namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': namespace } }],
      labelSelectors: { matchLabels: { app } },
    }),
  };
}

/** Sends a rotation of the pair's secret to `url`: acknowledged, it annotates `app` and not the other. */
export async function rotateExpecting(kube: Kube, url: string, pair: AppPair, app: 'a' | 'b'): Promise<void> {
  const untouched = await snapshot(kube, [app === 'a' ? pair.b : pair.a]);
  const sent = rotation(pair.secret);
  const answer = await postEventGrid(url, [sent.event]);
  expect(answer.status, answer.body).toBe(200);
  await expectRotationOutcome(kube, sent, { annotated: [pair[app]], untouched });
}
