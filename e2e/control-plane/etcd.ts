import { ControlPlaneError } from './control-plane-error.js';
import { waitForHttp } from './http-probe.js';
import { readLogTail } from './log-tail.js';
import { startManagedProcess, type ManagedProcess } from './managed-process.js';

export interface EtcdConfig {
  readonly binary: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly logPath: string;
  readonly startTimeoutMs: number;
}

export function etcdClientUrl(config: Pick<EtcdConfig, 'clientPort'>): string {
  return `http://127.0.0.1:${config.clientPort}`;
}

/** The flags envtest uses: a single member on loopback, fsync off because test data is disposable. */
export function etcdArgs(config: EtcdConfig): string[] {
  const clientUrl = etcdClientUrl(config);
  const peerUrl = `http://127.0.0.1:${config.peerPort}`;
  return [
    '--name=default',
    `--data-dir=${config.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync',
  ];
}

/** `track` sees the process before readiness is awaited, so an interrupted start can still stop it. */
export async function startEtcd(
  config: EtcdConfig,
  track: (process: ManagedProcess) => void,
): Promise<ManagedProcess> {
  const etcd = startManagedProcess({
    name: 'etcd',
    command: config.binary,
    args: etcdArgs(config),
    logPath: config.logPath,
  });
  track(etcd);
  const result = await waitForHttp({
    url: `${etcdClientUrl(config)}/health`,
    timeoutMs: config.startTimeoutMs,
    isReady: (response) => response.status === 200 && response.body.includes('"health":"true"'),
    abandon: () => (etcd.hasExited() ? 'etcd exited' : undefined),
  });
  if (!result.ok) {
    const code = etcd.hasExited() ? 'PROCESS_EXITED' : 'START_TIMEOUT';
    await etcd.stop();
    throw new ControlPlaneError(
      code,
      `etcd did not become healthy: ${result.reason}\n${await readLogTail(config.logPath)}`,
    );
  }
  return etcd;
}
