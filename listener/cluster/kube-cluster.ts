import {
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  makeInformer,
  ServerConfiguration,
  wrapHttpLibrary,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Namespace,
} from '@kubernetes/client-node';
import { CONFIG_GROUP, CONFIG_PLURAL, CONFIG_VERSION } from '../config/schema.js';
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
import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
  toExternalSecret,
  type ExternalSecret,
  type ObjectRef,
} from './external-secret.js';
import { ClusterError } from './cluster-error.js';
import { KeepAliveHttpLibrary } from './keep-alive-http.js';
import { claimKubeLease } from './kube-lease.js';
import { toClusterError } from './kube-errors.js';

export interface KubeClusterOptions {
  /** Name written as the Events' reporting component. */
  readonly component: string;
  /** Identity of this replica in Events (the pod name in a cluster). */
  readonly instance: string;
  /** Delay before a failed watch starts again; doubled per failure up to the maximum. */
  readonly watchRetry?: { readonly initialMs: number; readonly maxMs: number };
  /** Longest wait for an annotation patch (default 10 s). */
  readonly requestTimeoutMs?: number;
  /**
   * Most keep-alive connections to the API server for requests (watches have their own); default 32.
   * Give it room above the patch concurrency for Events and Config status.
   */
  readonly maxConnections?: number;
  readonly setTimeout?: (callback: () => void, ms: number) => { unref?: () => void };
  readonly clearTimeout?: (handle: unknown) => void;
  readonly now?: () => Date;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * The Cluster on a Kubernetes API server, through @kubernetes/client-node; with kube-lease.ts and
 * keep-alive-http.ts, the only code that calls it.
 */
export class KubeCluster implements Cluster {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #coordination: CoordinationV1Api;
  readonly #http: KeepAliveHttpLibrary;
  readonly #options: Required<Omit<KubeClusterOptions, 'setTimeout' | 'clearTimeout'>> &
    Pick<KubeClusterOptions, 'setTimeout' | 'clearTimeout'>;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubeClusterOptions,
  ) {
    this.#options = {
      watchRetry: { initialMs: 500, maxMs: 30_000 },
      requestTimeoutMs: 10_000,
      maxConnections: 32,
      now: () => new Date(),
      ...options,
    };
    // kubeConfig.makeApiClient, with connections kept alive across requests (keep-alive-http.ts).
    const server = kubeConfig.getCurrentCluster()?.server;
    if (server === undefined) throw new Error('the kubeconfig names no current cluster');
    this.#http = new KeepAliveHttpLibrary({ maxConnections: this.#options.maxConnections });
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: { default: kubeConfig },
      httpApi: wrapHttpLibrary(this.#http),
    });
    this.#custom = new CustomObjectsApi(configuration);
    this.#core = new CoreV1Api(configuration);
    this.#coordination = new CoordinationV1Api(configuration);
  }

  /** Closes the kept-alive connections (watches are stopped through their handles). */
  close(): Promise<void> {
    return this.#http.close();
  }

  watchExternalSecrets(handlers: WatchHandlers<ExternalSecret>): WatchHandle {
    const { group, version, plural } = {
      group: EXTERNAL_SECRET_GROUP,
      version: EXTERNAL_SECRET_VERSION,
      plural: EXTERNAL_SECRET_PLURAL,
    };
    return this.#watch(
      `/apis/${group}/${version}/${plural}`,
      () =>
        this.#custom.listClusterCustomObject({ group, version, plural }) as Promise<
          KubernetesListObject<KubernetesObject>
        >,
      toExternalSecret,
      handlers,
    );
  }

  watchNamespaces(handlers: WatchHandlers<Namespace>): WatchHandle {
    return this.#watch(
      '/api/v1/namespaces',
      () => this.#core.listNamespace() as Promise<KubernetesListObject<KubernetesObject>>,
      (object) => {
        const namespace = object as V1Namespace;
        const name = namespace.metadata?.name;
        return name === undefined ? undefined : { name, labels: namespace.metadata?.labels ?? {} };
      },
      handlers,
    );
  }

  watchConfigs(handlers: WatchHandlers<ConfigObject>): WatchHandle {
    const { group, version, plural } = {
      group: CONFIG_GROUP,
      version: CONFIG_VERSION,
      plural: CONFIG_PLURAL,
    };
    return this.#watch(
      `/apis/${group}/${version}/${plural}`,
      () =>
        this.#custom.listClusterCustomObject({ group, version, plural }) as Promise<
          KubernetesListObject<KubernetesObject>
        >,
      (object) => {
        const name = object.metadata?.name;
        return name === undefined ? undefined : { name, manifest: object };
      },
      handlers,
    );
  }

  async annotateExternalSecret(ref: ObjectRef, annotations: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.#deadline(
        `patch ExternalSecret ${ref.namespace}/${ref.name}`,
        this.#custom.patchNamespacedCustomObject(
          {
            group: EXTERNAL_SECRET_GROUP,
            version: EXTERNAL_SECRET_VERSION,
            plural: EXTERNAL_SECRET_PLURAL,
            namespace: ref.namespace,
            name: ref.name,
            body: { metadata: { annotations } },
          },
          MERGE_PATCH,
        ),
      );
    } catch (error) {
      throw toClusterError(`patch ExternalSecret ${ref.namespace}/${ref.name}`, error);
    }
  }

  /**
   * client-node sets no deadline, so a stalled API server would hold a delivery until Event Grid gives
   * up; past the deadline the call counts as UNAVAILABLE (503) and frees its slot.
   */
  async #deadline<T>(operation: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new ClusterError(
            'UNAVAILABLE',
            `${operation}: no answer within ${this.#options.requestTimeoutMs} ms`,
            undefined,
          ),
        );
      }, this.#options.requestTimeoutMs);
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async recordEvent(event: ClusterEvent): Promise<void> {
    const now = this.#options.now();
    const body: CoreV1Event = {
      metadata: { generateName: `${event.regarding.name}.`, namespace: event.regarding.namespace },
      involvedObject: {
        apiVersion: event.regarding.apiVersion,
        kind: event.regarding.kind,
        name: event.regarding.name,
        namespace: event.regarding.namespace,
        uid: event.regarding.uid,
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: this.#options.component },
      reportingComponent: this.#options.component,
      reportingInstance: this.#options.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.#core.createNamespacedEvent({ namespace: event.regarding.namespace, body });
    } catch (error) {
      throw toClusterError(`create Event for ${event.regarding.namespace}/${event.regarding.name}`, error);
    }
  }

  async updateConfigStatus(name: string, status: ConfigStatus): Promise<void> {
    try {
      await this.#custom.patchClusterCustomObjectStatus(
        { group: CONFIG_GROUP, version: CONFIG_VERSION, plural: CONFIG_PLURAL, name, body: { status } },
        MERGE_PATCH,
      );
    } catch (error) {
      throw toClusterError(`update status of Config ${name}`, error);
    }
  }

  claimLease(claim: LeaseClaim): Promise<boolean> {
    return claimKubeLease(this.#coordination, claim, this.#options.now());
  }

  async readSecretValue(ref: ObjectRef, key: string): Promise<string | undefined> {
    try {
      const secret = await this.#core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name });
      const value = secret.data?.[key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    } catch (error) {
      const failure = toClusterError(`read Secret ${ref.namespace}/${ref.name}`, error);
      if (failure.code === 'NOT_FOUND') return undefined;
      throw failure;
    }
  }

  /**
   * A list+watch that keeps going: client-node's informer relists by itself after 410 Gone, but stops
   * on any other failure, so it is started again with backoff. `synced` follows every (re)list.
   */
  #watch<T>(
    path: string,
    list: () => Promise<KubernetesListObject<KubernetesObject>>,
    convert: (object: KubernetesObject) => T | undefined,
    handlers: WatchHandlers<T>,
  ): WatchHandle {
    const informer = makeInformer(this.kubeConfig, path, list);
    const deliver = (apply: (value: T) => void) => (object: KubernetesObject) => {
      const value = convert(object);
      if (value !== undefined) apply(value);
    };
    informer.on(
      'add',
      deliver((value) => handlers.upsert(value)),
    );
    informer.on(
      'update',
      deliver((value) => handlers.upsert(value)),
    );
    informer.on(
      'delete',
      deliver((value) => handlers.remove(value)),
    );

    const { initialMs, maxMs } = this.#options.watchRetry;
    const schedule = this.#options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms));
    const cancel = this.#options.clearTimeout ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
    let delay = initialMs;
    let timer: unknown;
    const state = { failures: 0, stopped: false };

    const start = async (): Promise<void> => {
      if (state.stopped) return;
      // The informer reports a failed list through its error callback and still resolves start().
      const failuresBefore = state.failures;
      try {
        await informer.start();
      } catch (error) {
        onError(error);
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- onError and stop() change it while start() awaits
      if (state.stopped || state.failures !== failuresBefore) return;
      delay = initialMs;
      handlers.synced();
    };
    const onError = (error: unknown): void => {
      state.failures += 1;
      if (state.stopped) return;
      handlers.error(toClusterError(`watch ${path}`, error));
      const handle = schedule(() => void start(), delay);
      handle.unref?.();
      timer = handle;
      delay = Math.min(delay * 2, maxMs);
    };
    informer.on('error', onError);
    void start();
    return {
      stop: async () => {
        state.stopped = true;
        if (timer !== undefined) cancel(timer);
        await informer.stop();
      },
    };
  }
}
