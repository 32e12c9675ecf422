import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import type { Kube } from './kube.js';
import { uniqueName } from './names.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** On every namespace the suites create, so a person can find them: `kubectl get ns -l e2e.reloader.test/suite`. */
const SUITE_LABEL = 'e2e.reloader.test/suite';

/**
 * A namespace of its own for one test. Never deleted: without a namespace controller it would stay
 * Terminating forever, and its objects with it, so isolation comes from fresh names instead.
 */
export async function createNamespace(
  kube: Kube,
  prefix: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await kube.core.createNamespace({
    body: { metadata: { name, labels: { [SUITE_LABEL]: prefix, ...labels } } },
  });
  return name;
}

/** Adds labels with a JSON merge patch, leaving the others. */
export async function labelNamespace(
  kube: Kube,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  await kube.core.patchNamespace({ name, body: { metadata: { labels } } }, MERGE_PATCH);
}
