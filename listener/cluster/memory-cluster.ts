import { CONFIG_API_VERSION, CONFIG_KIND } from '../config/schema.js';
import type {
  Cluster,
  ClusterEvent,
  ConfigObject,
  ConfigStatus,
  LeaseClaim,
  Namespace,
  WatchHandle,
  WatchHandlers,
} from './cluster.js';
import { ClusterError } from './cluster-error.js';
import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_KIND,
  refKey,
  toExternalSecret,
  type ExternalSecret,
  type ObjectRef,
} from './external-secret.js';

type Json = Record<string, unknown>;
const MAX_EVENTS = 1000;
type Kind = 'ExternalSecret' | 'Namespace' | 'Config';
export type MemoryOperation = 'annotate' | 'recordEvent' | 'updateConfigStatus';

interface Collection<T> {
  readonly objects: Map<string, Json>;
  readonly watchers: Set<WatchHandlers<T>>;
  readonly convert: (object: Json) => T | undefined;
}

/**
 * An in-memory Cluster with the API server's observable behaviour: merge patches, resourceVersion that
 * moves only on real changes, NotFound for missing objects, watches that list then stream. It backs the
 * unit tests and the offline dev kit, and passes the same contract suite as KubeCluster.
 */
export class MemoryCluster implements Cluster {
  readonly #collections: {
    [K in Kind]: Collection<
      K extends 'ExternalSecret' ? ExternalSecret : K extends 'Namespace' ? Namespace : ConfigObject
    >;
  } = {
    ExternalSecret: { objects: new Map(), watchers: new Set(), convert: toExternalSecret },
    Namespace: {
      objects: new Map(),
      watchers: new Set(),
      convert: (object) => {
        const metadata = metadataOf(object);
        return typeof metadata.name === 'string'
          ? { name: metadata.name, labels: stringRecord(metadata.labels) }
          : undefined;
      },
    },
    Config: {
      objects: new Map(),
      watchers: new Set(),
      convert: (object) => {
        const name = metadataOf(object).name;
        return typeof name === 'string' ? { name, manifest: structuredClone(object) } : undefined;
      },
    },
  };
  readonly #secrets = new Map<string, Record<string, string>>();
  readonly #events: (ClusterEvent & { readonly time: string })[] = [];
  readonly #faults = new Map<MemoryOperation, (detail: string) => ClusterError | undefined>();
  #resourceVersion = 0;
  #uid = 0;

  readonly #leases = new Map<string, { holder: string; renewedAt: number; durationSeconds: number }>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  claimLease(claim: LeaseClaim): Promise<boolean> {
    const key = `${claim.namespace}/${claim.name}`;
    const now = this.now().getTime();
    const lease = this.#leases.get(key);
    const expired = lease === undefined || lease.renewedAt + lease.durationSeconds * 1000 <= now;
    if (lease !== undefined && lease.holder !== claim.holder && !expired) return Promise.resolve(false);
    this.#leases.set(key, { holder: claim.holder, renewedAt: now, durationSeconds: claim.durationSeconds });
    return Promise.resolve(true);
  }

  // ---- Cluster ---------------------------------------------------------------------------------

  watchExternalSecrets(handlers: WatchHandlers<ExternalSecret>): WatchHandle {
    return this.#watch(this.#collections.ExternalSecret, handlers);
  }

  watchNamespaces(handlers: WatchHandlers<Namespace>): WatchHandle {
    return this.#watch(this.#collections.Namespace, handlers);
  }

  watchConfigs(handlers: WatchHandlers<ConfigObject>): WatchHandle {
    return this.#watch(this.#collections.Config, handlers);
  }

  async annotateExternalSecret(ref: ObjectRef, annotations: Readonly<Record<string, string>>): Promise<void> {
    await Promise.resolve();
    this.#fault('annotate', refKey(ref));
    const key = refKey(ref);
    const object = this.#collections.ExternalSecret.objects.get(key);
    if (object === undefined) {
      throw new ClusterError('NOT_FOUND', `patch ExternalSecret ${key}: not found`, 404);
    }
    const metadata = metadataOf(object);
    const current = stringRecord(metadata.annotations);
    const next = { ...current, ...annotations };
    if (JSON.stringify(Object.entries(next).sort()) === JSON.stringify(Object.entries(current).sort()))
      return;
    const updated = structuredClone(object);
    metadataOf(updated).annotations = next;
    this.#store('ExternalSecret', key, updated);
  }

  async recordEvent(event: ClusterEvent): Promise<void> {
    await Promise.resolve();
    this.#fault('recordEvent', refKey(event.regarding));
    this.#events.push({ ...event, time: this.now().toISOString() });
    // Like the API server's Event TTL: a long rehearsal must not grow without bound.
    if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
  }

  async updateConfigStatus(name: string, status: ConfigStatus): Promise<void> {
    await Promise.resolve();
    this.#fault('updateConfigStatus', name);
    const object = this.#collections.Config.objects.get(name);
    if (object === undefined)
      throw new ClusterError('NOT_FOUND', `update status of Config ${name}: not found`, 404);
    const updated = structuredClone(object);
    updated.status = structuredClone(status);
    this.#store('Config', name, updated);
  }

  async readSecretValue(ref: ObjectRef, key: string): Promise<string | undefined> {
    await Promise.resolve();
    return this.#secrets.get(refKey(ref))?.[key];
  }

  // ---- test and dev-kit surface ------------------------------------------------------------------

  /** Creates or replaces an ExternalSecret, Namespace, Config or Secret from its manifest; other kinds are refused. */
  apply(manifest: unknown): void {
    if (typeof manifest !== 'object' || manifest === null) throw new TypeError('manifest must be an object');
    const object = structuredClone(manifest) as Json;
    if (object.kind === 'Secret' && object.apiVersion === 'v1') {
      this.#applySecret(object);
      return;
    }
    const kind = kindOf(object);
    const metadata = metadataOf(object);
    if (typeof metadata.name !== 'string' || metadata.name === '')
      throw new TypeError(`${kind}: metadata.name is required`);
    if (kind === 'ExternalSecret')
      metadata.namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
    const key = kind === 'ExternalSecret' ? `${String(metadata.namespace)}/${metadata.name}` : metadata.name;
    const previous = this.#collections[kind].objects.get(key);
    metadata.uid = previous === undefined ? `memory-${++this.#uid}` : metadataOf(previous).uid;
    metadata.creationTimestamp =
      previous === undefined
        ? new Date(this.now().getTime() + this.#uid).toISOString()
        : metadataOf(previous).creationTimestamp;
    this.#store(kind, key, object);
  }

  /** Deletes an object; `key` is `namespace/name` for ExternalSecrets, the name otherwise. */
  delete(kind: Kind, key: string): boolean {
    const collection = this.#collections[kind];
    const object = collection.objects.get(key);
    if (object === undefined) return false;
    collection.objects.delete(key);
    const value = collection.convert(object);
    if (value !== undefined)
      for (const watcher of collection.watchers) (watcher as WatchHandlers<typeof value>).remove(value);
    return true;
  }

  /** The stored object, as the API server would return it. */
  get(kind: Kind, key: string): Json | undefined {
    const object = this.#collections[kind].objects.get(key);
    return object === undefined ? undefined : structuredClone(object);
  }

  list(kind: Kind): Json[] {
    return [...this.#collections[kind].objects.values()].map((object) => structuredClone(object));
  }

  get events(): readonly (ClusterEvent & { readonly time: string })[] {
    return this.#events;
  }

  /** Makes an operation fail while `fault` returns an error for it; `undefined` lets it through. */
  injectFault(
    operation: MemoryOperation,
    fault: ((detail: string) => ClusterError | undefined) | undefined,
  ): void {
    if (fault === undefined) this.#faults.delete(operation);
    else this.#faults.set(operation, fault);
  }

  // ---- internals ---------------------------------------------------------------------------------

  #applySecret(object: Json): void {
    const metadata = metadataOf(object);
    if (typeof metadata.name !== 'string') throw new TypeError('Secret: metadata.name is required');
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
    const decoded = Object.fromEntries(
      Object.entries(stringRecord(object.data)).map(([key, value]) => [
        key,
        Buffer.from(value, 'base64').toString('utf8'),
      ]),
    );
    this.#secrets.set(`${namespace}/${metadata.name}`, { ...decoded, ...stringRecord(object.stringData) });
  }

  #fault(operation: MemoryOperation, detail: string): void {
    const error = this.#faults.get(operation)?.(detail);
    if (error !== undefined) throw error;
  }

  #store(kind: Kind, key: string, object: Json): void {
    metadataOf(object).resourceVersion = String(++this.#resourceVersion);
    const collection = this.#collections[kind];
    collection.objects.set(key, object);
    const value = collection.convert(structuredClone(object));
    if (value !== undefined)
      for (const watcher of collection.watchers) (watcher as WatchHandlers<typeof value>).upsert(value);
  }

  #watch<T>(collection: Collection<T>, handlers: WatchHandlers<T>): WatchHandle {
    let stopped = false;
    // Like a real watch, the initial list arrives asynchronously, then `synced`.
    queueMicrotask(() => {
      if (stopped) return;
      for (const object of collection.objects.values()) {
        const value = collection.convert(structuredClone(object));
        if (value !== undefined) handlers.upsert(value);
      }
      collection.watchers.add(handlers);
      handlers.synced();
    });
    return {
      stop: () => {
        stopped = true;
        collection.watchers.delete(handlers);
        return Promise.resolve();
      },
    };
  }
}

function kindOf(object: Json): Kind {
  const { kind, apiVersion } = object;
  if (
    kind === EXTERNAL_SECRET_KIND &&
    typeof apiVersion === 'string' &&
    apiVersion.startsWith(`${EXTERNAL_SECRET_GROUP}/`)
  ) {
    return 'ExternalSecret';
  }
  if (kind === 'Namespace' && apiVersion === 'v1') return 'Namespace';
  if (kind === CONFIG_KIND && apiVersion === CONFIG_API_VERSION) return 'Config';
  throw new TypeError(
    `unsupported kind ${String(apiVersion)}/${String(kind)}: expected ExternalSecret, Namespace or Config`,
  );
}

function metadataOf(object: Json): Json {
  const metadata = object.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) return metadata as Json;
  const created: Json = {};
  object.metadata = created;
  return created;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
