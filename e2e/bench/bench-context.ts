import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureControlPlaneBinaries } from '../control-plane/build.js';
import { runOnProcessExit } from '../control-plane/exit-cleanup.js';
import { startControlPlane, type ControlPlane } from '../control-plane/control-plane.js';
import { reserveLoopbackPorts } from '../control-plane/free-port.js';
import { runCommand } from '../control-plane/run-command.js';
import type { BenchPlan } from './bench-plan.js';
import { startAnnotationWatch, type AnnotationWatch } from './kube/annotation-watch.js';
import { createBaselinePatcher, type BaselinePatcher } from './kube/baseline-patcher.js';
import { createNamespaces, growPopulation } from './kube/grow-population.js';
import { installExternalSecretCrd } from './kube/install-crd.js';
import { createKeepAlivePatcher } from './kube/keep-alive-patcher.js';
import { startLoadWorker, type LoadWorker } from './ingest/load-worker-client.js';
import { createKubeHttp, type KubeHttp } from './kube/kube-http.js';
import { writeBenchConfig } from './listener/bench-config.js';
import { startBenchListener, type BenchListener } from './listener/bench-listener.js';
import { ChildProcesses } from './process/child-processes.js';
import type { Progress } from './progress.js';
import { startProxyProcess, type RunningProxy } from './proxy/proxy-process.js';

export interface ListenerStart {
  /** Names the log file and the profile: `ingest-c64-r1`. */
  readonly label: string;
  /** Default 0: the per-path limit off. */
  readonly rateLimit?: number;
  readonly cpuProfile?: boolean;
}

/** Everything the scenarios share: one control plane, proxy, watch and webhook port for the whole run. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly progress: Progress;
  readonly children: ChildProcesses;
  readonly controlPlane: ControlPlane;
  /** Admin access straight to the API server, for set-up and observation. */
  readonly kube: KubeHttp;
  readonly watch: AnnotationWatch;
  readonly proxy: RunningProxy;
  readonly baselinePatcher: BaselinePatcher;
  /** The same patches over keep-alive connections (a reference for what client-node's TLS costs). */
  readonly keepAlivePatcher: BaselinePatcher;
  /** The one port both the listener and the ingest baseline serve on. */
  readonly webhookPort: number;
  /** Listener logs and CPU profiles, kept after the run. */
  readonly artifactsDirectory: string;
  readonly etcdVersion: string;
  /** ExternalSecrets in the API server now. */
  population(): number;
  growTo(size: number): Promise<void>;
  startListener(options: ListenerStart): Promise<BenchListener>;
  /**
   * The same listener on an empty in-memory cluster, on a port of its own so it can stay up beside the
   * real one: the scale scenario's same-moment baseline for per-event cost. Started on first use.
   */
  referenceListener(): Promise<{ readonly listener: BenchListener; readonly port: number }>;
  /** The closed-loop load process, started on first use and kept for the run. */
  loadWorker(): Promise<LoadWorker>;
  close(): Promise<void>;
}

export async function createBenchContext(options: {
  readonly plan: BenchPlan;
  readonly progress: Progress;
  readonly artifactsDirectory: string;
}): Promise<BenchContext> {
  const { plan, progress } = options;
  const workDirectory = await mkdtemp(join(tmpdir(), 'reloader-bench-'));
  const profilesDirectory = join(options.artifactsDirectory, 'profiles');
  await mkdir(profilesDirectory, { recursive: true });
  // Holds the proxy's key and the kubeconfigs: removed however the run ends (a signal included).
  const forgetWorkDirectory = runOnProcessExit(() => {
    rmSync(workDirectory, { recursive: true, force: true });
  });
  const children = await ChildProcesses.create();
  let controlPlane: ControlPlane | undefined;
  let kube: KubeHttp | undefined;
  let keepAliveKube: KubeHttp | undefined;
  let watch: AnnotationWatch | undefined;
  let worker: LoadWorker | undefined;
  const close = async (): Promise<void> => {
    // Observers first, then what they observe; every step runs even when one before it fails.
    const steps: (() => Promise<void> | undefined)[] = [
      () => watch?.close(),
      () => worker?.stop(),
      () => kube?.close(),
      () => keepAliveKube?.close(),
      () => children.stopAll(),
      () => controlPlane?.stop(),
      () => rm(workDirectory, { recursive: true, force: true }),
      async () => {
        forgetWorkDirectory();
      },
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error: unknown) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'closing the benchmark environment failed');
  };

  try {
    progress.line('control plane: checking the cached kube-apiserver and etcd');
    const binaries = await ensureControlPlaneBinaries({ log: (line) => progress.line(line) });
    const plane = await startControlPlane({ binaries, log: (line) => progress.line(line) });
    controlPlane = plane;
    const etcdVersion = await binaryVersion(binaries.etcd);
    const pki = join(plane.directory, 'pki');
    const adminTls = {
      caPath: join(pki, 'ca.crt'),
      certPath: join(pki, 'admin.crt'),
      keyPath: join(pki, 'admin.key'),
    };
    const http = await createKubeHttp(plane.serverUrl, adminTls);
    kube = http;
    await installExternalSecretCrd(http);
    await createNamespaces(http);
    const proxy = await startProxyProcess({
      children,
      serverUrl: plane.serverUrl,
      pkiDirectory: pki,
      workDirectory,
    });
    const throughProxy = await createKubeHttp(proxy.urls.baseline, adminTls);
    keepAliveKube = throughProxy;
    const annotations = await startAnnotationWatch(http);
    watch = annotations;
    const [webhookPort = 0] = await reserveLoopbackPorts(1);
    const configFile = join(workDirectory, 'bench-config.json');
    await writeBenchConfig(configFile, webhookPort);
    progress.line(
      `control plane ready: kube-apiserver ${plane.version.gitVersion}, etcd ${etcdVersion}; webhook port ${webhookPort}`,
    );

    const [referencePort = 0] = await reserveLoopbackPorts(1);
    const referenceConfig = join(workDirectory, 'reference-config.json');
    await writeBenchConfig(referenceConfig, referencePort);
    const emptySeed = join(workDirectory, 'empty-cluster');
    await mkdir(emptySeed);
    let reference: BenchListener | undefined;

    let size = 0;
    return {
      plan,
      progress,
      children,
      controlPlane: plane,
      kube: http,
      watch: annotations,
      proxy,
      baselinePatcher: createBaselinePatcher(proxy.kubeconfigs.baseline, plan.kubeConcurrency),
      keepAlivePatcher: createKeepAlivePatcher(throughProxy, plan.kubeConcurrency),
      webhookPort,
      artifactsDirectory: options.artifactsDirectory,
      etcdVersion,
      population: () => size,
      async growTo(target) {
        if (target <= size) return;
        progress.line(`population: creating ExternalSecrets ${size} → ${target}`);
        const { created, seconds } = await growPopulation(http, size, target, progress);
        size = target;
        progress.line(
          `population: ${created} created in ${seconds.toFixed(1)} s (${Math.round(created / seconds)}/s)`,
        );
      },
      startListener(start) {
        return startBenchListener({
          children,
          cluster: { kubeconfig: proxy.kubeconfigs.listener },
          configFile,
          logFile: join(options.artifactsDirectory, `listener-${start.label}.log`),
          rateLimit: start.rateLimit ?? 0,
          kubeConcurrency: plan.kubeConcurrency,
          ...(start.cpuProfile === true
            ? { cpuProfile: { directory: profilesDirectory, name: `${start.label}.cpuprofile` } }
            : {}),
        });
      },
      async referenceListener() {
        reference ??= await startBenchListener({
          children,
          cluster: { memorySeed: emptySeed },
          configFile: referenceConfig,
          logFile: join(options.artifactsDirectory, 'listener-reference-0es.log'),
          rateLimit: 0,
          kubeConcurrency: plan.kubeConcurrency,
        });
        return { listener: reference, port: referencePort };
      },
      async loadWorker() {
        worker ??= await startLoadWorker(children);
        return worker;
      },
      close,
    };
  } catch (error: unknown) {
    await close();
    throw error;
  }
}

/** What the etcd binary says it is (`etcd --version`), not what we meant to build. */
async function binaryVersion(binary: string): Promise<string> {
  const { stdout } = await runCommand(binary, ['--version'], { timeoutMs: 10_000 });
  const match = /etcd Version:\s*(\S+)/.exec(stdout);
  return match?.[1] === undefined ? (stdout.split('\n')[0] ?? 'unknown') : `v${match[1].replace(/^v/, '')}`;
}
