import type { ExternalSecret, ObjectRef } from './external-secret.js';

/** A Namespace as the matcher needs it: its labels. */
export interface Namespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A Config object as stored: the raw manifest (validated later, so that errors can be reported). */
export interface ConfigObject {
  readonly name: string;
  readonly manifest: unknown;
}

/**
 * Receives a watched collection. `upsert` and `remove` carry the full object; `synced` fires once the
 * initial list has been delivered (and again after every relist), so caches know they are complete.
 */
export interface WatchHandlers<T> {
  upsert(object: T): void;
  remove(object: T): void;
  synced(): void;
  /** A watch failure that the implementation is recovering from (it relists). */
  error(error: Error): void;
}

export interface WatchHandle {
  stop(): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

export interface ClusterEvent {
  readonly regarding: ObjectRef & {
    readonly uid: string;
    readonly kind: string;
    readonly apiVersion: string;
  };
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface ConfigStatus {
  readonly observedGeneration?: number;
  readonly conditions: readonly {
    readonly type: string;
    readonly status: 'True' | 'False' | 'Unknown';
    readonly reason: string;
    readonly message: string;
    readonly lastTransitionTime: string;
  }[];
}

/** A coordination.k8s.io Lease that one replica at a time holds. */
export interface LeaseClaim {
  readonly namespace: string;
  readonly name: string;
  /** Who claims it: the pod name in a cluster. */
  readonly holder: string;
  /** How long a claim lasts without renewal before another holder may take the Lease. */
  readonly durationSeconds: number;
}

/**
 * Everything the listener needs from Kubernetes, named for what it does with it. `KubeCluster` talks
 * to an API server; `MemoryCluster` keeps objects in memory for unit tests and the offline dev kit.
 * Both are held to one behaviour suite (cluster-contract.ts).
 */
export interface Cluster {
  watchExternalSecrets(handlers: WatchHandlers<ExternalSecret>): WatchHandle;
  watchNamespaces(handlers: WatchHandlers<Namespace>): WatchHandle;
  watchConfigs(handlers: WatchHandlers<ConfigObject>): WatchHandle;
  /**
   * Sets annotations with a JSON merge patch: no read-modify-write, so no conflicts with ESO's own
   * writes. Rejects with a ClusterError; NotFound means the object is gone.
   */
  annotateExternalSecret(ref: ObjectRef, annotations: Readonly<Record<string, string>>): Promise<void>;
  recordEvent(event: ClusterEvent): Promise<void>;
  updateConfigStatus(name: string, status: ConfigStatus): Promise<void>;
  /**
   * Takes the Lease for the claim's holder, or renews it when the holder already has it. Resolves
   * false while another holder's claim has not expired, or when another replica won the same race.
   */
  claimLease(claim: LeaseClaim): Promise<boolean>;
  /** One key of a Secret, decoded; undefined when the Secret or the key does not exist. */
  readSecretValue(ref: ObjectRef, key: string): Promise<string | undefined>;
}
