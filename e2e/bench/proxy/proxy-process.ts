import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { issueCertificate, type KeyPair } from '../../control-plane/certificates.js';
import { writeKubeconfig } from '../../control-plane/kubeconfig.js';
import { typeScriptCommand, type ChildProcesses } from '../process/child-processes.js';
import type { RequestCounts } from './request-counts.js';

export interface ProxyProcessConfig {
  readonly upstream: string;
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly servingCertPath: string;
  readonly servingKeyPath: string;
  readonly lanes: readonly string[];
}

export interface ProxyReadyLine {
  readonly lanePorts: Readonly<Record<string, number>>;
  readonly controlPort: number;
}

export type Lane = 'listener' | 'baseline';
const LANES: readonly Lane[] = ['listener', 'baseline'];

export interface RunningProxy {
  /** https://127.0.0.1:<port> of each lane, for clients that take a URL instead of a kubeconfig. */
  readonly urls: Readonly<Record<Lane, string>>;
  /** A kubeconfig that reaches the API server through the lane's port (admin rights, as the listener). */
  readonly kubeconfigs: Readonly<Record<Lane, string>>;
  counts(lane: Lane): Promise<RequestCounts>;
  /**
   * The lane's counts once they stop changing (two reads 100 ms apart agree, within 5 s): a listener
   * that just became ready may still be opening its watches, which are start-up, not work measured.
   */
  settledCounts(lane: Lane): Promise<RequestCounts>;
}

const SETTLE_INTERVAL_MS = 100;
const SETTLE_TIMEOUT_MS = 5_000;

const PROXY_MAIN = new URL('./proxy-main.ts', import.meta.url).pathname;
const START_TIMEOUT_MS = 20_000;

/**
 * Starts the counting proxy as a child process with a serving certificate from the control plane's CA
 * and writes one kubeconfig per lane, so the listener and the baseline reach the same API server
 * through counters of their own.
 */
export async function startProxyProcess(options: {
  readonly children: ChildProcesses;
  readonly serverUrl: string;
  readonly pkiDirectory: string;
  readonly workDirectory: string;
}): Promise<RunningProxy> {
  const ca: KeyPair = {
    certPath: join(options.pkiDirectory, 'ca.crt'),
    keyPath: join(options.pkiDirectory, 'ca.key'),
  };
  const admin: KeyPair = {
    certPath: join(options.pkiDirectory, 'admin.crt'),
    keyPath: join(options.pkiDirectory, 'admin.key'),
  };
  const serving = await issueCertificate(ca, {
    directory: options.workDirectory,
    baseName: 'counting-proxy',
    commonName: 'counting-proxy',
    usage: 'server',
    subjectAltNames: ['IP:127.0.0.1'],
  });
  const config: ProxyProcessConfig = {
    upstream: options.serverUrl,
    caPath: ca.certPath,
    certPath: admin.certPath,
    keyPath: admin.keyPath,
    servingCertPath: serving.certPath,
    servingKeyPath: serving.keyPath,
    lanes: LANES,
  };
  const child = options.children.spawn({
    name: 'counting-proxy',
    ...typeScriptCommand(PROXY_MAIN, [JSON.stringify(config)]),
  });
  const ready = await readReadyLine(child.stdout, child.exited, () => child.stderrTail());

  const laneUrl = (lane: Lane): string => {
    const port = ready.lanePorts[lane];
    if (port === undefined) throw new Error(`counting proxy: no port for lane ${lane}`);
    return `https://127.0.0.1:${port}`;
  };
  const writeLaneKubeconfig = async (lane: Lane): Promise<string> => {
    const path = join(options.workDirectory, `kubeconfig-${lane}`);
    await writeKubeconfig(path, {
      serverUrl: laneUrl(lane),
      caCertPath: ca.certPath,
      clientCertPath: admin.certPath,
      clientKeyPath: admin.keyPath,
      userName: `bench-${lane}`,
      clusterName: 'reloader-bench',
    });
    return path;
  };
  const kubeconfigs: Record<Lane, string> = {
    listener: await writeLaneKubeconfig('listener'),
    baseline: await writeLaneKubeconfig('baseline'),
  };
  const urls: Record<Lane, string> = { listener: laneUrl('listener'), baseline: laneUrl('baseline') };

  const counts = async (lane: Lane): Promise<RequestCounts> => {
    const response = await fetch(`http://127.0.0.1:${ready.controlPort}/counts`);
    if (!response.ok) throw new Error(`counting proxy: GET /counts answered ${response.status}`);
    const all = (await response.json()) as Record<string, RequestCounts>;
    const laneCounts = all[lane];
    if (laneCounts === undefined) throw new Error(`counting proxy: no counts for lane ${lane}`);
    return laneCounts;
  };
  return {
    urls,
    kubeconfigs,
    counts,
    async settledCounts(lane) {
      const deadline = performance.now() + SETTLE_TIMEOUT_MS;
      let previous = await counts(lane);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
        const current = await counts(lane);
        if (JSON.stringify(current) === JSON.stringify(previous) || performance.now() > deadline)
          return current;
        previous = current;
      }
    },
  };
}

async function readReadyLine(
  stdout: NodeJS.ReadableStream | null,
  exited: Promise<unknown>,
  stderr: () => string,
): Promise<ProxyReadyLine> {
  if (stdout === null) throw new Error('counting proxy: no stdout');
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<ProxyReadyLine>((resolve) => {
        lines.once('line', (line) => {
          resolve(JSON.parse(line) as ProxyReadyLine);
        });
      }),
      exited.then(() => {
        throw new Error(`counting proxy exited before it listened:\n${stderr()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`counting proxy did not listen within ${START_TIMEOUT_MS} ms:\n${stderr()}`));
        }, START_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}
