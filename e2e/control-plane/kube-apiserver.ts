import { readFile } from 'node:fs/promises';

import { ControlPlaneError } from './control-plane-error.js';
import { waitForHttp } from './http-probe.js';
import { readLogTail } from './log-tail.js';
import { startManagedProcess, type ManagedProcess } from './managed-process.js';

export interface KubeApiServerConfig {
  readonly binary: string;
  readonly etcdUrl: string;
  readonly securePort: number;
  readonly certDir: string;
  readonly servingCertPath: string;
  readonly servingKeyPath: string;
  /** Signs the serving certificate and every client certificate. */
  readonly caCertPath: string;
  readonly serviceAccountPublicKeyPath: string;
  readonly serviceAccountPrivateKeyPath: string;
  readonly logPath: string;
  readonly startTimeoutMs: number;
}

export function kubeApiServerUrl(config: Pick<KubeApiServerConfig, 'securePort'>): string {
  return `https://127.0.0.1:${config.securePort}`;
}

/**
 * envtest's flags (controller-runtime pkg/internal/testing/controlplane/apiserver.go). No
 * --advertise-address: a loopback one is refused, and left unset it follows the default route.
 * The ServiceAccount admission plugin is off because no controller creates the token it waits for.
 */
export function kubeApiServerArgs(config: KubeApiServerConfig): string[] {
  return [
    `--etcd-servers=${config.etcdUrl}`,
    `--cert-dir=${config.certDir}`,
    `--tls-cert-file=${config.servingCertPath}`,
    `--tls-private-key-file=${config.servingKeyPath}`,
    `--secure-port=${config.securePort}`,
    '--bind-address=127.0.0.1',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    `--client-ca-file=${config.caCertPath}`,
    `--service-account-issuer=${kubeApiServerUrl(config)}/`,
    `--service-account-key-file=${config.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${config.serviceAccountPrivateKeyPath}`,
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
  ];
}

/** Starts kube-apiserver and waits for /readyz (readable anonymously) to say `ok`. */
/** `track` sees the process before readiness is awaited, so an interrupted start can still stop it. */
export async function startKubeApiServer(
  config: KubeApiServerConfig,
  track: (process: ManagedProcess) => void,
): Promise<ManagedProcess> {
  const server = startManagedProcess({
    name: 'kube-apiserver',
    command: config.binary,
    args: kubeApiServerArgs(config),
    logPath: config.logPath,
  });
  track(server);
  const result = await waitForHttp({
    url: `${kubeApiServerUrl(config)}/readyz`,
    tls: { ca: await readFile(config.caCertPath) },
    timeoutMs: config.startTimeoutMs,
    isReady: (response) => response.status === 200 && response.body.trim() === 'ok',
    abandon: () => (server.hasExited() ? 'kube-apiserver exited' : undefined),
  });
  if (!result.ok) {
    const code = server.hasExited() ? 'PROCESS_EXITED' : 'START_TIMEOUT';
    await server.stop();
    throw new ControlPlaneError(
      code,
      `kube-apiserver did not become ready: ${result.reason}\n${await readLogTail(config.logPath)}`,
    );
  }
  return server;
}
