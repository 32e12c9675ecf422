import type { UserCredentials, UserSpec } from '../control-plane/control-plane.js';

export type ClusterProviderName = 'local' | 'kind' | 'k3s' | 'existing';

/**
 * A Kubernetes API server the e2e suites can use, whatever runs it. The optional members are
 * capabilities: a suite that needs one checks for it and skips (with a reason) where it is absent.
 */
export interface RunningCluster {
  readonly provider: ClusterProviderName;
  readonly kubeconfigPath: string;
  /** The server's gitVersion from GET /version, e.g. `v1.37.2`. */
  readonly version: string;
  /** Whether controllers run: without them namespaces never finish deleting and Deployments make no Pods. */
  readonly runsControllers: boolean;
  /** The project's image (built from the Dockerfile) when it was loaded into the cluster's nodes. */
  readonly projectImage?: string;
  /** Fault tests: the API server goes away (etcd and data stay) and comes back on the same address. */
  readonly stopApiServer?: (options?: { graceful?: boolean }) => Promise<void>;
  readonly startApiServer?: () => Promise<void>;
  readonly restartApiServer?: (options?: { graceful?: boolean }) => Promise<void>;
  /** A client certificate and kubeconfig for a user that has no rights until RBAC grants them. */
  readonly createUser?: (user: UserSpec) => Promise<UserCredentials>;
  readonly stop: () => Promise<void>;
}

export interface ClusterProvider {
  readonly name: ClusterProviderName;
  /** Fails with a ClusterUnavailableError whose one-line message says why when this machine cannot. */
  start(): Promise<RunningCluster>;
}

export interface ProviderOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}
