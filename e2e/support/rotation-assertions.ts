import { expect } from 'vitest';

import { mustReadExternalSecret, type StoredExternalSecret } from './external-secrets.js';
import type { Kube } from './kube.js';
import { expectedAnnotations, reloaderAnnotations, type Rotation } from './rotations.js';

export interface Ref {
  readonly namespace: string;
  readonly name: string;
}

function refOf(stored: Ref): string {
  return `${stored.namespace}/${stored.name}`;
}

/** ExternalSecrets as they are before a delivery, to prove later that some were not written at all. */
export async function snapshot(kube: Kube, refs: readonly Ref[]): Promise<StoredExternalSecret[]> {
  return Promise.all(refs.map((ref) => mustReadExternalSecret(kube, ref.namespace, ref.name)));
}

/** Reads each back from the API server: it carries exactly this rotation's annotations. */
export async function expectAnnotated(kube: Kube, sent: Rotation, refs: readonly Ref[]): Promise<void> {
  for (const ref of refs) {
    const stored = await mustReadExternalSecret(kube, ref.namespace, ref.name);
    expect(reloaderAnnotations(stored.annotations), `${refOf(ref)} annotated`).toEqual(
      expectedAnnotations(sent),
    );
  }
}

/** Reads each back from the API server: not written at all since the snapshot (same resourceVersion). */
export async function expectUntouched(kube: Kube, before: readonly StoredExternalSecret[]): Promise<void> {
  for (const earlier of before) {
    const stored = await mustReadExternalSecret(kube, earlier.namespace, earlier.name);
    expect(
      { resourceVersion: stored.resourceVersion, annotations: reloaderAnnotations(stored.annotations) },
      `${refOf(earlier)} untouched`,
    ).toEqual({
      resourceVersion: earlier.resourceVersion,
      annotations: reloaderAnnotations(earlier.annotations),
    });
  }
}

/** The annotated ones carry this rotation's annotations; the others were not written at all. */
export async function expectRotationOutcome(
  kube: Kube,
  sent: Rotation,
  outcome: { readonly annotated: readonly Ref[]; readonly untouched: readonly StoredExternalSecret[] },
): Promise<void> {
  await expectAnnotated(kube, sent, outcome.annotated);
  await expectUntouched(kube, outcome.untouched);
}
