import type { ExternalSecret } from '../cluster/external-secret.js';
import type { ExternalSecretDestination } from '../config/schema.js';
import type { ExternalSecretCache } from './external-secret-cache.js';
import { selectorMatches } from './label-selector-match.js';
import type { NamespaceCache } from './namespace-cache.js';

/** Whether one destination of a Config selects an ExternalSecret: every filter it gives must hold. */
export function destinationSelects(
  destination: ExternalSecretDestination,
  secret: ExternalSecret,
  namespaceLabels: (name: string) => Readonly<Record<string, string>>,
): boolean {
  if (destination.names !== undefined && !destination.names.includes(secret.name)) return false;
  if (
    destination.labelSelectors !== undefined &&
    !selectorMatches(destination.labelSelectors, secret.labels)
  ) {
    return false;
  }
  const selectors = destination.namespaceSelectors;
  if (selectors !== undefined && selectors.length > 0) {
    const labels = namespaceLabels(secret.namespace);
    if (!selectors.some((selector) => selectorMatches(selector, labels))) return false;
  }
  return true;
}

/** The ExternalSecrets that a rotation of `secretName` must annotate under a Config's destinations. */
export function matchExternalSecrets(
  secretName: string,
  destinations: readonly ExternalSecretDestination[],
  externalSecrets: ExternalSecretCache,
  namespaces: NamespaceCache,
): ExternalSecret[] {
  const labelsOf = (name: string): Readonly<Record<string, string>> => namespaces.labelsOf(name);
  return externalSecrets
    .readersOf(secretName)
    .filter((secret) =>
      destinations.some((destination) => destinationSelects(destination, secret, labelsOf)),
    );
}
