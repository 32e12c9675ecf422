import { homedir } from 'node:os';
import { join } from 'node:path';

import { ControlPlaneError } from './control-plane-error.js';
import { runCommand } from './run-command.js';
import { ETCD_VERSION, KUBERNETES_VERSION } from './versions.js';

/**
 * The folder that holds one set of binaries. The Go version is part of the key because a toolchain
 * upgrade changes the binaries (and their security fixes) even when the pinned releases do not.
 */
export function resolveBinaryCacheDir(env: NodeJS.ProcessEnv, goVersion: string): string {
  const override = env['CONTROL_PLANE_CACHE'];
  if (override !== undefined && override !== '') return override;
  const xdg = env['XDG_CACHE_HOME'];
  const cacheRoot = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
  return join(
    cacheRoot,
    'reloader-listener',
    'control-plane',
    `k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_${goVersion}`,
  );
}

/** The toolchain's version as Go spells it, e.g. `go1.26.8`. */
export async function readGoVersion(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await runCommand('go', ['env', 'GOVERSION'], { env });
    return stdout.trim();
  } catch (error: unknown) {
    throw new ControlPlaneError(
      'GO_MISSING',
      'local control plane: `go env GOVERSION` failed; is Go on PATH?',
      {
        cause: error,
      },
    );
  }
}
