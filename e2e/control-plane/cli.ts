/**
 * By-hand commands (package.json scripts, run with tsx):
 *   build   build or reuse the cached etcd and kube-apiserver
 *   up      start a control plane that outlives this command, state in .cluster/; prints `export KUBECONFIG=…`
 *   down    stop it and remove .cluster/
 *   status  say whether it is up
 * Only the export line goes to stdout, so `eval "$(npm run -s cluster:up)"` works; progress goes to stderr.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import { ensureControlPlaneBinaries } from './build.js';
import { startControlPlane, STATE_FILE } from './control-plane.js';
import { stopDetachedControlPlane } from './detached.js';
import { hasErrorCode } from './error-code.js';
import { formatDuration } from './format-duration.js';
import { httpGet } from './http-probe.js';
import { readProcessGroups } from './process-groups-file.js';
import { isProcessGroupAlive } from './process-liveness.js';

const stateDir = fileURLToPath(new URL('../../.cluster/', import.meta.url));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface SavedState {
  readonly serverUrl: string;
  readonly kubeconfigPath: string;
  readonly version: string;
}

async function readSavedState(): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, STATE_FILE), 'utf8');
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'serverUrl' in parsed &&
    typeof parsed.serverUrl === 'string' &&
    'kubeconfigPath' in parsed &&
    typeof parsed.kubeconfigPath === 'string' &&
    'version' in parsed &&
    typeof parsed.version === 'string'
  ) {
    return { serverUrl: parsed.serverUrl, kubeconfigPath: parsed.kubeconfigPath, version: parsed.version };
  }
  throw new Error(`${join(stateDir, STATE_FILE)} is not a control-plane state file`);
}

/** Up means: every recorded process alive and /readyz answering. */
async function isUp(state: SavedState): Promise<boolean> {
  if (!readProcessGroups(stateDir).every(isProcessGroupAlive)) return false;
  try {
    const ca = await readFile(join(stateDir, 'pki', 'ca.crt'));
    const response = await httpGet(`${state.serverUrl}/readyz`, { ca }, 2_000);
    return response.status === 200;
  } catch (error: unknown) {
    log(
      `control plane: ${state.serverUrl}/readyz: ${error instanceof Error ? error.message : String(error)}`,
    );
    return false;
  }
}

async function up(): Promise<void> {
  const existing = await readSavedState();
  if (existing !== undefined && (await isUp(existing))) {
    log(`control plane: already up at ${existing.serverUrl} (${existing.version})`);
    process.stdout.write(`export KUBECONFIG=${existing.kubeconfigPath}\n`);
    return;
  }
  // A half-dead control plane (machine restarted, a process killed) is cleared, not repaired.
  await stopDetachedControlPlane(stateDir);
  const binaries = await ensureControlPlaneBinaries({ log });
  const started = Date.now();
  const controlPlane = await startControlPlane({ binaries, directory: stateDir, lifetime: 'detached', log });
  log(
    `control plane: ${controlPlane.version.gitVersion} up in ${formatDuration(Date.now() - started)}; logs in ${stateDir}`,
  );
  log(
    'control plane: no controllers run (namespaces never finish deleting); stop it with `npm run cluster:down`',
  );
  process.stdout.write(`export KUBECONFIG=${controlPlane.kubeconfigPath}\n`);
}

async function down(): Promise<void> {
  const stopped = await stopDetachedControlPlane(stateDir);
  log(`control plane: stopped ${stopped} process group(s), removed ${stateDir}`);
}

async function status(): Promise<void> {
  const state = await readSavedState();
  if (state === undefined) {
    log('control plane: down');
    process.exitCode = 1;
    return;
  }
  const running = await isUp(state);
  log(`control plane: ${running ? 'up' : 'not answering'} at ${state.serverUrl} (${state.version})`);
  if (running) process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\n`);
  else process.exitCode = 1;
}

async function main(command: string | undefined): Promise<void> {
  switch (command ?? '') {
    case 'build': {
      const binaries = await ensureControlPlaneBinaries({ log });
      log(`control plane: binaries in ${binaries.directory}`);
      return;
    }
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      return status();
    default:
      log('usage: tsx e2e/control-plane/cli.ts build|up|down|status');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
