import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ControlPlaneBinaries } from './build.js';
import { ControlPlaneError } from './control-plane-error.js';
import { etcdClientUrl, startEtcd } from './etcd.js';
import { runOnProcessExit } from './exit-cleanup.js';
import { reserveLoopbackPorts } from './free-port.js';
import { kubeApiServerUrl, startKubeApiServer, type KubeApiServerConfig } from './kube-apiserver.js';
import { writeKubeconfig } from './kubeconfig.js';
import type { ManagedProcess } from './managed-process.js';
import { createControlPlanePki } from './pki.js';
import { readProcessGroups, writeProcessGroups } from './process-groups-file.js';
import { signalProcessGroup } from './process-liveness.js';
import { fetchServerVersion, type KubernetesVersionInfo } from './server-version.js';
import { mintUserCredentials, type UserCredentials, type UserSpec } from './user-credentials.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

export type { KubernetesVersionInfo } from './server-version.js';
export type { UserCredentials, UserSpec } from './user-credentials.js';

export interface ControlPlaneOptions {
  readonly binaries: ControlPlaneBinaries;
  /**
   * Where certificates, etcd data, logs and kubeconfigs go. Default: a fresh temporary directory,
   * removed by stop(). A directory passed in is kept (its owner decides).
   */
  readonly directory?: string;
  /**
   * `this-process` (default): the processes die with the caller, however it ends.
   * `detached`: they outlive it (`cluster:up`); stop them with stopDetachedControlPlane.
   */
  readonly lifetime?: 'this-process' | 'detached';
  /** Per process (etcd, then kube-apiserver). */
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** Members are plain functions, not methods, so they can be passed around detached from the object. */
export interface ControlPlane {
  readonly directory: string;
  readonly serverUrl: string;
  readonly etcdUrl: string;
  /** Admin (system:masters) kubeconfig. */
  readonly kubeconfigPath: string;
  readonly version: KubernetesVersionInfo;
  readonly logPaths: { readonly etcd: string; readonly kubeApiServer: string };
  /** Mints a client certificate and kubeconfig for a user with no rights until RBAC grants some. */
  readonly createUser: (user: UserSpec) => Promise<UserCredentials>;
  /** Stops only kube-apiserver; etcd and its data stay. `graceful: false` kills it like a crash. */
  readonly stopApiServer: (options?: { graceful?: boolean }) => Promise<void>;
  /** Starts kube-apiserver again on the same port with the same etcd, and waits for /readyz. */
  readonly startApiServer: () => Promise<void>;
  readonly restartApiServer: (options?: { graceful?: boolean }) => Promise<void>;
  readonly isApiServerRunning: () => boolean;
  readonly stop: () => Promise<void>;
}

const CLUSTER_NAME = 'reloader-e2e';

/** A state file beside the data: `cluster:down` and `cluster:up` (a later process) read it. */
export const STATE_FILE = 'control-plane.json';

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => undefined);
  const lifetime = options.lifetime ?? 'this-process';
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'control-plane-')));
  await mkdir(directory, { recursive: true });
  const started = Date.now();

  let etcd: ManagedProcess | undefined;
  let apiServer: ManagedProcess | undefined;
  const recordGroups = (): void => {
    writeProcessGroups(
      directory,
      [etcd, apiServer].flatMap((process) =>
        process === undefined || process.hasExited() ? [] : [process.pid],
      ),
    );
  };
  const track = (process: ManagedProcess): void => {
    if (process.name === 'etcd') etcd = process;
    else apiServer = process;
    recordGroups();
  };

  // Registered before anything is spawned, so even an interrupted start leaves nothing behind.
  let unregisterExitCleanup = (): void => undefined;
  let watchdog: Watchdog | undefined;
  if (lifetime === 'this-process') {
    unregisterExitCleanup = runOnProcessExit(() => {
      killRecordedGroups(directory);
      if (ownsDirectory) rmSync(directory, { recursive: true, force: true });
    });
    watchdog = startWatchdog(directory, ownsDirectory);
  }

  const stopAll = async (): Promise<void> => {
    await apiServer?.stop();
    await etcd?.stop();
    recordGroups();
    watchdog?.dismiss();
    unregisterExitCleanup();
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
  };

  try {
    const [etcdClientPort = 0, etcdPeerPort = 0, securePort = 0] = await reserveLoopbackPorts(3);
    const pki = await createControlPlanePki(join(directory, 'pki'));
    const logPaths = {
      etcd: join(directory, 'etcd.log'),
      kubeApiServer: join(directory, 'kube-apiserver.log'),
    };

    await startEtcd(
      {
        binary: options.binaries.etcd,
        dataDir: join(directory, 'etcd-data'),
        clientPort: etcdClientPort,
        peerPort: etcdPeerPort,
        logPath: logPaths.etcd,
        startTimeoutMs,
      },
      track,
    );
    log(`control plane: etcd healthy after ${Date.now() - started} ms`);

    const etcdUrl = etcdClientUrl({ clientPort: etcdClientPort });
    const apiServerConfig: KubeApiServerConfig = {
      binary: options.binaries.kubeApiServer,
      etcdUrl,
      securePort,
      certDir: pki.directory,
      servingCertPath: pki.serving.certPath,
      servingKeyPath: pki.serving.keyPath,
      caCertPath: pki.ca.certPath,
      serviceAccountPublicKeyPath: pki.serviceAccount.publicKeyPath,
      serviceAccountPrivateKeyPath: pki.serviceAccount.privateKeyPath,
      logPath: logPaths.kubeApiServer,
      startTimeoutMs,
    };
    await startKubeApiServer(apiServerConfig, track);
    const serverUrl = kubeApiServerUrl(apiServerConfig);
    log(`control plane: kube-apiserver ready at ${serverUrl} after ${Date.now() - started} ms`);

    const kubeconfigPath = join(directory, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, {
      serverUrl,
      caCertPath: pki.ca.certPath,
      clientCertPath: pki.admin.certPath,
      clientKeyPath: pki.admin.keyPath,
      userName: 'admin',
      clusterName: CLUSTER_NAME,
    });
    const version = await fetchServerVersion(serverUrl, pki.ca.certPath, pki.admin);
    await writeFile(
      join(directory, STATE_FILE),
      `${JSON.stringify({ serverUrl, etcdUrl, kubeconfigPath, version: version.gitVersion, logPaths }, null, 2)}\n`,
    );

    const controlPlane: ControlPlane = {
      directory,
      serverUrl,
      etcdUrl,
      kubeconfigPath,
      version,
      logPaths,
      createUser: (user) =>
        mintUserCredentials({
          ca: pki.ca,
          directory: join(directory, 'users'),
          serverUrl,
          clusterName: CLUSTER_NAME,
          user,
        }),
      isApiServerRunning: () => apiServer !== undefined && !apiServer.hasExited(),
      async stopApiServer({ graceful = true } = {}) {
        await apiServer?.stop(graceful ? {} : { signal: 'SIGKILL' });
        apiServer = undefined;
        recordGroups();
      },
      async startApiServer() {
        if (controlPlane.isApiServerRunning()) {
          throw new ControlPlaneError('ALREADY_RUNNING', 'kube-apiserver is already running');
        }
        await startKubeApiServer(apiServerConfig, track);
      },
      async restartApiServer(restartOptions) {
        await controlPlane.stopApiServer(restartOptions);
        await controlPlane.startApiServer();
      },
      stop: stopAll,
    };
    return controlPlane;
  } catch (error: unknown) {
    await stopAll();
    throw error;
  }
}

/** Synchronous on purpose: it runs from the 'exit' event, where nothing can be awaited. */
function killRecordedGroups(directory: string): void {
  for (const group of readProcessGroups(directory)) signalProcessGroup(group, 'SIGKILL');
}
