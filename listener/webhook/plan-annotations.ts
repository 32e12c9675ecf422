import { refKey } from '../cluster/external-secret.js';
import type { ExternalSecretDestination } from '../config/schema.js';
import type { AnnotationTask } from '../rotation/annotator.js';
import type { ExternalSecretCache } from '../rotation/external-secret-cache.js';
import { matchExternalSecrets } from '../rotation/matcher.js';
import type { NamespaceCache } from '../rotation/namespace-cache.js';
import type { SecretRotation } from '../rotation/secret-rotation.js';

/**
 * One patch per matched ExternalSecret per delivery: when a batch rotates several secrets an
 * ExternalSecret reads, the newest event wins (ties go to the later event in the batch).
 */
export function planAnnotations(
  rotations: readonly SecretRotation[],
  destinations: readonly ExternalSecretDestination[],
  externalSecrets: ExternalSecretCache,
  namespaces: NamespaceCache,
): AnnotationTask[] {
  const tasks = new Map<string, AnnotationTask>();
  for (const rotation of rotations) {
    for (const secret of matchExternalSecrets(rotation.name, destinations, externalSecrets, namespaces)) {
      const key = refKey(secret);
      const planned = tasks.get(key);
      if (planned === undefined || Date.parse(planned.rotation.time) <= Date.parse(rotation.time)) {
        tasks.set(key, { secret, rotation });
      }
    }
  }
  return [...tasks.values()];
}
