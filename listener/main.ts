#!/usr/bin/env node
// The process edge, the only impure file: flags, clients, sockets, signals. Everything else is built
// from what this file passes in.
import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { HELP, parseCli, type CliOptions } from './cli.js';
import type { Cluster, LeaseClaim } from './cluster/cluster.js';
import { KubeCluster } from './cluster/kube-cluster.js';
import { MemoryCluster } from './cluster/memory-cluster.js';
import { clusterConfigSource } from './config/cluster-config-source.js';
import { fileConfigSource } from './config/file-config-source.js';
import { loadManifests } from './config/load-manifests.js';
import { createListener } from './listener.js';
import { buildAdminApp } from './ops/admin-app.js';
import { createLogger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { createHttpBind } from './server/http-bind.js';
import { createValidationUrlFetcher } from './webhook/validation-url.js';

/** A start-up failure the operator can fix; printed as one line, without a stack. */
class StartupError extends Error {
  override readonly name = 'StartupError';
}

async function memoryCluster(
  paths: readonly string[],
  log: (message: string) => void,
): Promise<MemoryCluster> {
  const cluster = new MemoryCluster();
  const { manifests, problems } = await loadManifests(paths);
  for (const problem of problems) log(problem);
  for (const { file, manifest } of manifests) {
    try {
      cluster.apply(manifest);
    } catch (error) {
      log(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return cluster;
}

function kubeCluster(options: CliOptions): KubeCluster {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig !== undefined) {
    kubeConfig.loadFromFile(options.kubeconfig);
  } else {
    // loadFromDefault quietly falls back to http://localhost:8080; say so instead of retrying forever.
    const found =
      (process.env.KUBECONFIG ?? '') !== '' ||
      existsSync(join(homedir(), '.kube', 'config')) ||
      process.env.KUBERNETES_SERVICE_HOST !== undefined;
    if (!found) {
      throw new StartupError(
        'no Kubernetes configuration: give --kubeconfig, set KUBECONFIG, create ~/.kube/config, run in a cluster, or use --memory-cluster',
      );
    }
    kubeConfig.loadFromDefault();
  }
  return new KubeCluster(kubeConfig, {
    component: 'eventgrid-reloader',
    instance: instanceName(),
    // Every patch slot keeps its connection, with room for the Events (4 at a time) and Config status.
    maxConnections: options.kubeConcurrency + 8,
  });
}

/** The Lease that picks the one replica writing Config status, from the flag or the pod's namespace. */
function statusLease(options: CliOptions): LeaseClaim | undefined {
  const given =
    options.statusLease ??
    (process.env.POD_NAMESPACE ? `${process.env.POD_NAMESPACE}/eventgrid-reloader` : 'none');
  if (given === 'none') return undefined;
  const [namespace = '', name = ''] = given.split('/');
  return { namespace, name, holder: instanceName(), durationSeconds: options.statusLeaseDuration };
}

function instanceName(): string {
  return process.env.POD_NAME ?? hostname();
}

async function main(argv: readonly string[]): Promise<number> {
  const cli = parseCli(argv);
  if (cli.kind === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (cli.kind === 'error') {
    process.stderr.write(`error: ${cli.message}\nRun with --help for the flags.\n`);
    return 2;
  }
  const options = cli.options;
  const logger = createLogger({ level: options.logLevel, pretty: process.stdout.isTTY });
  const metrics = createMetrics({ defaultMetrics: true });

  let cluster: Cluster;
  let memory: MemoryCluster | undefined;
  let kube: KubeCluster | undefined;
  if (options.memoryCluster.length > 0) {
    memory = await memoryCluster(options.memoryCluster, (message) => logger.error(message));
    cluster = memory;
    logger.info({ seeds: options.memoryCluster }, 'running on an in-memory cluster');
  } else {
    kube = kubeCluster(options);
    cluster = kube;
  }
  const configSource =
    options.config.length > 0
      ? fileConfigSource(options.config, { watch: true })
      : clusterConfigSource(cluster);

  const listener = createListener({
    cluster,
    configSource,
    bind: createHttpBind(
      {
        requestTimeoutMs: options.requestTimeout * 1000,
        headersTimeoutMs: Math.min(options.requestTimeout * 1000, 10_000),
        // Longer than the 60 s idle timeout of common proxies (ingress-nginx, cloud load balancers), so
        // the proxy, not this server, closes an idle connection: no race with a request it just sent.
        keepAliveTimeoutMs: 65_000,
        maxConnections: options.maxConnections,
      },
      options.tlsCert === undefined || options.tlsKey === undefined
        ? undefined
        : {
            certFile: options.tlsCert,
            keyFile: options.tlsKey,
            onReload: (error) =>
              error === undefined
                ? logger.info('TLS certificate reloaded')
                : logger.error(
                    { err: error.message },
                    'TLS certificate reload failed; keeping the previous one',
                  ),
          },
    ),
    logger,
    metrics,
    fetchValidationUrl: createValidationUrlFetcher({ timeoutMs: 10_000, maxBodyBytes: 64 * 1024 }),
    allowedValidationHosts: options.allowValidationHost,
    allowedOrigins: options.allowOrigin,
    actOnEventTypes: new Set(options.eventType),
    bodyLimit: options.bodyLimit,
    maxEventsPerDelivery: options.maxEvents,
    kubeConcurrency: options.kubeConcurrency,
    maxQueuedPatches: options.maxQueuedPatches,
    coalesceWindowMs: options.coalesceWindow,
    rateLimitPerSecond: options.rateLimit,
    graceMs: options.shutdownGrace * 1000,
    now: () => new Date(),
    statusLease: kube === undefined ? undefined : statusLease(options),
  });

  const admin = await buildAdminApp({
    logger,
    metrics,
    isReady: () => listener.ready,
    ...(memory === undefined
      ? {}
      : {
          debugCluster: () => ({ externalSecrets: memory.list('ExternalSecret'), events: memory.events }),
        }),
  });
  await admin.listen({ host: options.adminHost, port: options.adminPort });
  listener.start();
  logger.info(
    { configs: options.config.length > 0 ? options.config : 'cluster', adminPort: options.adminPort },
    'listener started',
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: no new connections, finishing in-flight deliveries');
      void listener
        .close()
        .then(() => kube?.close())
        .then(() => admin.close())
        .then(() => {
          logger.info('shut down cleanly');
          resolve(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          resolve(1);
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Watches and keep-alive sockets of client libraries can hold the loop open after a clean close.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    const detail =
      error instanceof StartupError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`error: ${detail}\n`);
    process.exit(1);
  },
);
