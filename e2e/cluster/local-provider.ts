import { ensureControlPlaneBinaries } from '../control-plane/build.js';
import { ControlPlaneError } from '../control-plane/control-plane-error.js';
import { startControlPlane } from '../control-plane/control-plane.js';
import type { ClusterProvider, ProviderOptions, RunningCluster } from './cluster-provider.js';
import { ClusterUnavailableError } from './cluster-unavailable-error.js';

/** kube-apiserver and etcd as local processes, built from Go modules (envtest's approach). */
export function createLocalProvider(options: ProviderOptions): ClusterProvider {
  return {
    name: 'local',
    async start(): Promise<RunningCluster> {
      let binaries;
      try {
        binaries = await ensureControlPlaneBinaries({ env: options.env, log: options.log });
      } catch (error: unknown) {
        // No Go toolchain is an environment fact; a failing build is a real error with its own output.
        if (error instanceof ControlPlaneError && error.code === 'GO_MISSING') {
          throw new ClusterUnavailableError('local', error.message.replace(/^local control plane: /, ''), {
            cause: error,
          });
        }
        throw error;
      }
      const controlPlane = await startControlPlane({ binaries, log: options.log });
      return {
        provider: 'local',
        kubeconfigPath: controlPlane.kubeconfigPath,
        version: controlPlane.version.gitVersion,
        runsControllers: false,
        stopApiServer: controlPlane.stopApiServer,
        startApiServer: controlPlane.startApiServer,
        restartApiServer: controlPlane.restartApiServer,
        createUser: controlPlane.createUser,
        stop: controlPlane.stop,
      };
    },
  };
}
