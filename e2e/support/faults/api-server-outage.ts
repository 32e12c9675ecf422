import type { ClusterControl } from '../cluster-control.js';
import { waitForCustomResourcesServed } from '../crds.js';
import type { Kube } from '../kube.js';

/** Why this provider cannot take its API server away, or undefined when it can. */
export function cannotStopApiServer(control: ClusterControl): string | undefined {
  return control.stopApiServer === undefined || control.startApiServer === undefined
    ? `the ${control.provider} provider cannot stop and start its kube-apiserver`
    : undefined;
}

/**
 * Stops kube-apiserver (etcd and its data stay), runs `during`, and starts it again on the same
 * address, whatever `during` did: later suites need it. Returns once custom resources are served
 * again, which is a moment after /readyz says ok.
 */
export async function whileApiServerDown<T>(
  control: ClusterControl,
  kube: Kube,
  during: () => Promise<T>,
  options: { readonly graceful: boolean },
): Promise<T> {
  const { stopApiServer, startApiServer } = control;
  if (stopApiServer === undefined || startApiServer === undefined) {
    throw new Error(cannotStopApiServer(control));
  }
  await stopApiServer({ graceful: options.graceful });
  let result: T;
  try {
    result = await during();
  } finally {
    await startApiServer();
  }
  await waitForCustomResourcesServed(kube);
  return result;
}
