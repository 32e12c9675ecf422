import { spawn } from 'node:child_process';
import { access, chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { readGoVersion, resolveBinaryCacheDir } from './cache-dir.js';
import { ControlPlaneError } from './control-plane-error.js';
import { hasErrorCode } from './error-code.js';
import { formatDuration } from './format-duration.js';
import { runOnProcessExit } from './exit-cleanup.js';
import { registryOnlyGoEnv } from './go-env.js';
import { samplePeakMemory } from './process-group-memory.js';
import { isProcessAlive, signalProcessGroup } from './process-liveness.js';
import { ETCD_VERSION, KUBERNETES_VERSION } from './versions.js';

export interface ControlPlaneBinaries {
  readonly directory: string;
  readonly etcd: string;
  readonly kubeApiServer: string;
}

export interface EnsureBinariesOptions {
  /** Environment for `go` and for the cache location; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives progress lines and go's own output. */
  readonly log?: (line: string) => void;
  readonly progressIntervalMs?: number;
}

interface BuildRecipe {
  readonly binary: 'etcd' | 'kube-apiserver';
  readonly version: string;
  readonly builderDir: string;
  readonly args: (output: string) => string[];
}

const buildersDir = fileURLToPath(new URL('./builders/', import.meta.url));

function kubeApiServerLdflags(): string {
  const [major = '', minor = ''] = KUBERNETES_VERSION.replace(/^v/, '').split('.');
  return [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
  ].join(' ');
}

// The same flags upstream's release build uses (hack/lib/golang.sh, etcd's scripts/build_lib.sh).
const recipes: readonly BuildRecipe[] = [
  {
    binary: 'etcd',
    version: ETCD_VERSION,
    builderDir: join(buildersDir, 'etcd'),
    args: (output) => ['build', '-trimpath', '-ldflags', '-s -w', '-o', output, 'go.etcd.io/etcd/server/v3'],
  },
  {
    binary: 'kube-apiserver',
    version: KUBERNETES_VERSION,
    builderDir: join(buildersDir, 'kube-apiserver'),
    args: (output) => [
      'build',
      '-trimpath',
      '-tags',
      'selinux,notest',
      '-ldflags',
      kubeApiServerLdflags(),
      '-o',
      output,
      'k8s.io/kubernetes/cmd/kube-apiserver',
    ],
  },
];

/**
 * Returns the cached etcd and kube-apiserver, building whichever is missing. A cold kube-apiserver
 * build takes many minutes, so this prints a heartbeat; a warm call only checks two files.
 */
export async function ensureControlPlaneBinaries(
  options: EnsureBinariesOptions = {},
): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const directory = resolveBinaryCacheDir(env, await readGoVersion(env));
  await mkdir(directory, { recursive: true });
  await removeAbandonedTempFiles(directory);

  for (const recipe of recipes) {
    const target = join(directory, recipe.binary);
    if (await isExecutable(target)) continue;
    await buildBinary(recipe, target, env, log, options.progressIntervalMs ?? 15_000);
  }
  return { directory, etcd: join(directory, 'etcd'), kubeApiServer: join(directory, 'kube-apiserver') };
}

async function buildBinary(
  recipe: BuildRecipe,
  target: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  progressIntervalMs: number,
): Promise<void> {
  // Go writes the output in place; building under a temporary name and renaming means an interrupted
  // build never leaves a file that looks like a finished binary.
  const temporary = `${target}.tmp-${process.pid}`;
  const started = Date.now();
  log(`control plane: building ${recipe.binary} ${recipe.version} (a cold build takes minutes)`);
  const heartbeat = setInterval(() => {
    log(`control plane: still building ${recipe.binary}, ${formatDuration(Date.now() - started)} elapsed`);
  }, progressIntervalMs);
  let peakBytes: number | undefined;
  try {
    peakBytes = await runGo(recipe.args(temporary), recipe.builderDir, registryOnlyGoEnv(env), log);
    await chmod(temporary, 0o755);
    await rename(temporary, target);
  } catch (error: unknown) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
  const peak = peakBytes === undefined ? '' : `, peak memory ${(peakBytes / 1024 ** 3).toFixed(2)} GB`;
  log(`control plane: built ${recipe.binary} in ${formatDuration(Date.now() - started)}${peak} -> ${target}`);
}

async function runGo(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<number | undefined> {
  // Its own process group, killed if this process ends first: otherwise an interrupted test run leaves a
  // go build (and its compile/link children) eating both cores for minutes.
  const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const goGroup = child.pid;
  const memory = goGroup === undefined ? undefined : samplePeakMemory(goGroup);
  const unregister =
    goGroup === undefined
      ? () => undefined
      : runOnProcessExit(() => {
          signalProcessGroup(goGroup, 'SIGKILL');
        });
  const recent: string[] = [];
  const forward = (line: string): void => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    log(`[go] ${line}`);
  };
  createInterface({ input: child.stdout }).on('line', forward);
  createInterface({ input: child.stderr }).on('line', forward);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve(code);
    });
  }).finally(() => {
    memory?.stop();
    unregister();
  });
  if (exitCode !== 0) {
    throw new ControlPlaneError(
      'BUILD_FAILED',
      `go ${args.join(' ')} (in ${cwd}) exited with ${String(exitCode)}:\n${recent.join('\n')}`,
    );
  }
  return memory?.peakBytes();
}

/** Temporary outputs left by builds whose process is gone (killed, machine restarted). */
async function removeAbandonedTempFiles(directory: string): Promise<void> {
  for (const name of await readdir(directory)) {
    const match = /\.tmp-(\d+)$/.exec(name);
    if (match?.[1] === undefined) continue;
    if (isProcessAlive(Number(match[1]))) continue;
    await rm(join(directory, name), { force: true });
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch (error: unknown) {
    // Missing or not executable both mean "build it"; anything else (EIO, ELOOP) is a real problem.
    if (hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'EACCES')) return false;
    throw error;
  }
}
