import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { inject } from 'vitest';

/** The API clients a suite needs, all for one user. */
export interface Kube {
  readonly kubeconfigPath: string;
  readonly config: KubeConfig;
  readonly apps: AppsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly extensions: ApiextensionsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
}

/** Clients for the kubeconfig at `path`; by default the run's admin kubeconfig from global setup. */
export function kubeClients(path: string = inject('e2eKubeconfig')): Kube {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return {
    kubeconfigPath: path,
    config,
    apps: config.makeApiClient(AppsV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    core: config.makeApiClient(CoreV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    extensions: config.makeApiClient(ApiextensionsV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
  };
}

/** The HTTP status of a failed client call, or undefined for a failure that never got an answer. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** Runs a call whose 404 is an expected answer (an object already gone); any other failure throws. */
export async function unlessNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error: unknown) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}
