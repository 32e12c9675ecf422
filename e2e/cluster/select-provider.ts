import { hasErrorCode } from '../control-plane/error-code.js';
import { runCommand } from '../control-plane/run-command.js';
import type { ClusterProvider, ClusterProviderName, ProviderOptions } from './cluster-provider.js';
import { probeDockerEngine } from './docker-engine.js';
import { createExistingProvider } from './existing-provider.js';
import { createK3sProvider } from './k3s-provider.js';
import { createKindProvider } from './kind-provider.js';
import { createLocalProvider } from './local-provider.js';

const factories: Record<ClusterProviderName, (options: ProviderOptions) => ClusterProvider> = {
  local: createLocalProvider,
  kind: createKindProvider,
  k3s: createK3sProvider,
  existing: createExistingProvider,
};

function isProviderName(value: string): value is ClusterProviderName {
  return Object.hasOwn(factories, value);
}

/**
 * E2E_CLUSTER=local|kind|k3s|existing picks a provider; unset (or `auto`) means a real cluster (kind
 * when its CLI is installed, else k3s) where a Docker engine answers, and the local control plane
 * everywhere else (these machines and CI have no Docker).
 */
export async function selectClusterProvider(options: ProviderOptions): Promise<ClusterProvider> {
  const requested = options.env['E2E_CLUSTER'] ?? 'auto';
  if (isProviderName(requested)) return factories[requested](options);
  if (requested !== 'auto' && requested !== '') {
    throw new Error(`E2E_CLUSTER=${requested}: expected one of auto, ${Object.keys(factories).join(', ')}`);
  }
  const docker = await probeDockerEngine(options.env);
  if (!docker.answers) {
    options.log(`cluster: no Docker engine at ${docker.endpoint}; using the local control plane`);
    return createLocalProvider(options);
  }
  if (await hasKindCli(options)) return createKindProvider(options);
  return createK3sProvider(options);
}

async function hasKindCli({ env, log }: ProviderOptions): Promise<boolean> {
  try {
    await runCommand('kind', ['version'], { env, timeoutMs: 5_000 });
    return true;
  } catch (error: unknown) {
    // Absent is an answer, not an error: auto selection falls back to k3s. Anything else is worth a line.
    if (!(error instanceof Error && hasErrorCode(error.cause, 'ENOENT'))) {
      log(
        `cluster: \`kind version\` failed, using k3s: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return false;
  }
}
