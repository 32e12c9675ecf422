import { RE2JS } from 're2js';
import type { ExternalSecretSpec } from '../cluster/external-secret.js';

/** What Key Vault secrets an ExternalSecret reads. */
export interface SecretReferences {
  /** Secret names read by exact key, lower-cased (Key Vault names are case-insensitive). */
  readonly names: ReadonlySet<string>;
  /** `dataFrom[].find.name.regexp` patterns, compiled as RE2 (Go's regexp, linear time). */
  readonly patterns: readonly RE2JS[];
  /** Patterns that failed to compile, with the reason: ESO would reject them as well. */
  readonly invalidPatterns: readonly { readonly pattern: string; readonly reason: string }[];
}

/**
 * The secret name an ESO Azure Key Vault key refers to: `name` or `secret/name`. `cert/` and `key/`
 * read certificates and keys, which are other objects, so they name no secret.
 */
export function secretNameFromKey(key: string): string | undefined {
  const trimmed = key.trim();
  if (trimmed === '') return undefined;
  const slash = trimmed.indexOf('/');
  if (slash < 0) return trimmed.toLowerCase();
  if (trimmed.slice(0, slash) !== 'secret') return undefined;
  const name = trimmed.slice(slash + 1);
  return name === '' || name.includes('/') ? undefined : name.toLowerCase();
}

// Patterns repeat across ExternalSecrets and every annotation change re-indexes an object, so compiled
// patterns are memoised. The cap keeps hostile input from growing it without bound.
const compiled = new Map<string, RE2JS | Error>();
const COMPILED_CAP = 10_000;

function compile(pattern: string): RE2JS | Error {
  const known = compiled.get(pattern);
  if (known !== undefined) return known;
  let result: RE2JS | Error;
  try {
    result = RE2JS.compile(pattern);
  } catch (error) {
    result = error instanceof Error ? error : new Error(String(error));
  }
  if (compiled.size >= COMPILED_CAP) compiled.clear();
  compiled.set(pattern, result);
  return result;
}

/**
 * A reference pinned to a version (`remoteRef.version`) keeps reading that version after a rotation,
 * so it is not a reason to re-sync.
 */
function isPinned(version: string | undefined): boolean {
  return version !== undefined && version.trim() !== '';
}

export function secretReferences(spec: ExternalSecretSpec): SecretReferences {
  const names = new Set<string>();
  const patterns: RE2JS[] = [];
  const invalidPatterns: { pattern: string; reason: string }[] = [];
  const addKey = (key: string | undefined, version: string | undefined): void => {
    if (key === undefined || isPinned(version)) return;
    const name = secretNameFromKey(key);
    if (name !== undefined) names.add(name);
  };
  for (const entry of spec.data ?? []) addKey(entry.remoteRef?.key, entry.remoteRef?.version);
  for (const entry of spec.dataFrom ?? []) {
    addKey(entry.extract?.key, entry.extract?.version);
    const pattern = entry.find?.name?.regexp;
    if (pattern === undefined) continue;
    const result = compile(pattern);
    if (result instanceof Error) invalidPatterns.push({ pattern, reason: result.message });
    else patterns.push(result);
  }
  return { names, patterns, invalidPatterns };
}

/** Go's regexp.MatchString: unanchored, so `db` matches `my-db-password`. */
export function patternMatches(pattern: RE2JS, secretName: string): boolean {
  return pattern.test(secretName);
}
