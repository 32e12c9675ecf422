import type { ListenerOptions, ListenerProcess } from '../listener-process.js';
import { startListener } from '../listener-process.js';
import { readManifests } from '../manifests.js';

interface DeploymentManifest {
  spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
}

/** NODE_OPTIONS as k8s/deployment.yaml sets it for the listener container (its V8 heap limit). */
export async function deploymentNodeOptions(): Promise<string> {
  const deployment = (await readManifests('k8s/deployment.yaml')).find(
    (manifest) => manifest.kind === 'Deployment',
  );
  const containers = (deployment as DeploymentManifest | undefined)?.spec?.template?.spec?.containers ?? [];
  const value = containers
    .flatMap((container) => container.env ?? [])
    .find((env) => env.name === 'NODE_OPTIONS')?.value;
  if (value === undefined)
    throw new Error('k8s/deployment.yaml: the listener container sets no NODE_OPTIONS');
  return value;
}

/**
 * The listener with the Deployment's NODE_OPTIONS. A heap limit changes how V8 collects, and with it
 * the RSS a soak judges: without one, on a machine with many gigabytes, V8 lets garbage pile up for
 * a minute or more before its first full collection, which looks like a leak and is not what runs in
 * production. startListener() takes no environment, and its child inherits this process's, so the
 * variable is set only for the moment of the spawn.
 */
export async function startListenerAsDeployed(options: ListenerOptions = {}): Promise<ListenerProcess> {
  const nodeOptions = await deploymentNodeOptions();
  const saved = process.env['NODE_OPTIONS'];
  process.env['NODE_OPTIONS'] = nodeOptions;
  try {
    return await startListener(options);
  } finally {
    if (saved === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = saved;
  }
}
