import type { RE2JS } from 're2js';
import type { WatchHandlers } from '../cluster/cluster.js';
import { refKey, type ExternalSecret } from '../cluster/external-secret.js';
import { patternMatches, secretReferences, type SecretReferences } from './secret-references.js';

interface Entry {
  readonly secret: ExternalSecret;
  readonly references: SecretReferences;
}

export interface CacheObserver {
  /** An ExternalSecret has a find.name.regexp that does not compile; ESO rejects it as well. */
  invalidPattern(secret: ExternalSecret, pattern: string, reason: string): void;
}

/**
 * The watch-fed cache of ExternalSecrets with an index from referenced secret name to ExternalSecrets,
 * so that an event costs a map lookup (plus one test per regexp-bearing ExternalSecret), not a LIST.
 */
export class ExternalSecretCache implements WatchHandlers<ExternalSecret> {
  readonly #entries = new Map<string, Entry>();
  readonly #byName = new Map<string, Set<string>>();
  readonly #withPatterns = new Map<string, readonly RE2JS[]>();
  #synced = false;

  constructor(private readonly observer?: CacheObserver) {}

  get isSynced(): boolean {
    return this.#synced;
  }

  get size(): number {
    return this.#entries.size;
  }

  upsert(secret: ExternalSecret): void {
    const key = refKey(secret);
    const previous = this.#entries.get(key);
    const references = secretReferences(secret.spec);
    if (previous !== undefined) this.#unindex(key, previous);
    this.#entries.set(key, { secret, references });
    for (const name of references.names) {
      let keys = this.#byName.get(name);
      if (keys === undefined) this.#byName.set(name, (keys = new Set()));
      keys.add(key);
    }
    if (references.patterns.length > 0) this.#withPatterns.set(key, references.patterns);
    const wasInvalid = new Set(previous?.references.invalidPatterns.map((invalid) => invalid.pattern));
    for (const invalid of references.invalidPatterns) {
      if (!wasInvalid.has(invalid.pattern))
        this.observer?.invalidPattern(secret, invalid.pattern, invalid.reason);
    }
  }

  remove(secret: ExternalSecret): void {
    const key = refKey(secret);
    const previous = this.#entries.get(key);
    if (previous === undefined) return;
    this.#unindex(key, previous);
    this.#entries.delete(key);
  }

  synced(): void {
    this.#synced = true;
  }

  error(): void {
    // The watch relists on its own; the cache keeps serving what it has meanwhile.
  }

  get(key: string): ExternalSecret | undefined {
    return this.#entries.get(key)?.secret;
  }

  /** ExternalSecrets that read the named secret, by exact key or by find.name.regexp. */
  readersOf(secretName: string): ExternalSecret[] {
    const found = new Map<string, ExternalSecret>();
    for (const key of this.#byName.get(secretName.toLowerCase()) ?? []) {
      const entry = this.#entries.get(key);
      if (entry !== undefined) found.set(key, entry.secret);
    }
    for (const [key, patterns] of this.#withPatterns) {
      if (found.has(key)) continue;
      if (!patterns.some((pattern) => patternMatches(pattern, secretName))) continue;
      const entry = this.#entries.get(key);
      if (entry !== undefined) found.set(key, entry.secret);
    }
    return [...found.values()];
  }

  #unindex(key: string, entry: Entry): void {
    for (const name of entry.references.names) {
      const keys = this.#byName.get(name);
      keys?.delete(key);
      if (keys?.size === 0) this.#byName.delete(name);
    }
    this.#withPatterns.delete(key);
  }
}
