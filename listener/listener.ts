import type { FastifyBaseLogger } from 'fastify';
import type { Cluster, ConfigStatus, LeaseClaim, WatchHandle } from './cluster/cluster.js';
import { ClusterError } from './cluster/cluster-error.js';
import { refKey } from './cluster/external-secret.js';
import type { ConfigSource } from './config/config-source.js';
import { carryTransitionTimes, configStatus, observedStatus, sameStatus } from './config/config-status.js';
import { parseConfig, type ConfigResult } from './config/parse-config.js';
import { leaderElection } from './ops/leader-election.js';
import type { Metrics } from './ops/metrics.js';
import { Annotator } from './rotation/annotator.js';
import { ExternalSecretCache } from './rotation/external-secret-cache.js';
import { NamespaceCache } from './rotation/namespace-cache.js';
import { backoffDelay, DEFAULT_BACKOFF, realTimer, type Backoff } from './server/backoff.js';
import type { Bind } from './server/bind.js';
import { ServerManager, type ApplyReport } from './server/server-manager.js';
import type { EndpointAuth } from './config/schema.js';
import { createAuthenticator, type Authenticate } from './webhook/authenticator.js';
import type { FetchValidationUrl } from './webhook/validation-url.js';

export interface ListenerOptions {
  readonly cluster: Cluster;
  readonly configSource: ConfigSource;
  readonly bind: Bind;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  readonly fetchValidationUrl: FetchValidationUrl;
  readonly allowedValidationHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly actOnEventTypes: ReadonlySet<string>;
  readonly bodyLimit: number;
  readonly maxEventsPerDelivery: number;
  readonly kubeConcurrency: number;
  readonly maxQueuedPatches: number;
  readonly coalesceWindowMs: number;
  readonly rateLimitPerSecond: number;
  readonly graceMs: number;
  readonly now: () => Date;
  /**
   * With several replicas, the Lease whose holder alone writes Config status; without it every
   * replica writes (one replica, or Configs from files, which get no status).
   */
  readonly statusLease?: LeaseClaim | undefined;
  /** How failed binds and Config status writes are retried (default 1 s doubling to 30 s). */
  readonly retry?: Backoff | undefined;
}

/** A Config as the listener read it: parsed, with its generation and the status it carries. */
interface ParsedConfig {
  readonly result: ConfigResult;
  readonly generation: number | undefined;
  readonly observed: ConfigStatus | undefined;
}

export interface Listener {
  start(): void;
  /** Every configured endpoint bound and every cache synced. */
  readonly ready: boolean;
  readonly externalSecrets: ExternalSecretCache;
  /** Resolves after the latest Config change has been applied (tests and the dev kit wait on it). */
  settled(): Promise<ApplyReport | undefined>;
  close(): Promise<void>;
}

/**
 * Wires the parts: watches feed the caches, Configs feed the server manager, and the webhook routes
 * share one annotator. No I/O of its own: the cluster, config source and bind are given.
 */
export function createListener(options: ListenerOptions): Listener {
  const { cluster, logger, metrics } = options;
  const retry = options.retry ?? DEFAULT_BACKOFF;
  const externalSecrets = new ExternalSecretCache({
    invalidPattern(secret, pattern, reason) {
      logger.warn(
        { externalSecret: refKey(secret), pattern, err: reason },
        'find.name.regexp is not valid RE2; ignored',
      );
    },
  });
  const namespaces = new NamespaceCache();
  const annotator = new Annotator({
    cluster,
    metrics,
    log: logger,
    concurrency: options.kubeConcurrency,
    maxQueued: options.maxQueuedPatches,
    coalesceWindowMs: options.coalesceWindowMs,
  });
  // One authenticator per distinct auth block, so a re-route keeps its cached secrets and signing keys.
  const authenticators = new Map<string, Authenticate>();
  const authenticatorFor = (auth: EndpointAuth): Authenticate => {
    const key = JSON.stringify(auth);
    let authenticate = authenticators.get(key);
    if (authenticate === undefined) {
      authenticate = createAuthenticator(auth, {
        readSecret: (ref, secretKey) => cluster.readSecretValue(ref, secretKey),
        now: () => options.now().getTime(),
        secretTtlMs: 30_000,
      });
      authenticators.set(key, authenticate);
    }
    return authenticate;
  };
  const manager = new ServerManager({
    deps: {
      externalSecrets,
      namespaces,
      annotator,
      metrics,
      fetchValidationUrl: options.fetchValidationUrl,
      allowedValidationHosts: options.allowedValidationHosts,
      allowedOrigins: options.allowedOrigins,
      actOnEventTypes: options.actOnEventTypes,
      maxEventsPerDelivery: options.maxEventsPerDelivery,
      rateLimitPerSecond: options.rateLimitPerSecond,
      authenticatorFor,
      now: options.now,
    },
    bind: options.bind,
    logger,
    metrics,
    bodyLimit: options.bodyLimit,
    graceMs: options.graceMs,
    bindRetry: retry,
    onRetried: (report) => {
      latest = latest
        .catch(() => undefined)
        .then(async () => {
          if (writesStatus) await writeStatuses(lastResults, report);
          return report;
        });
    },
  });

  const handles: WatchHandle[] = [];
  const statuses = new Map<string, string>();
  const previousStatus = new Map<string, ConfigStatus>();
  let configsLoaded = false;
  let latest: Promise<ApplyReport | undefined> = Promise.resolve(undefined);
  let lastResults: readonly ParsedConfig[] = [];
  let closed = false;
  let statusAttempt = 0;
  let cancelStatusRetry: (() => void) | undefined;
  const writesStatus = options.configSource.kind === 'cluster';
  const election =
    options.statusLease === undefined || !writesStatus
      ? undefined
      : leaderElection({
          cluster,
          claim: options.statusLease,
          logger,
          onChange: (leading) => {
            metrics.statusWriter.set(leading ? 1 : 0);
            // The previous writer may have left any status behind: write them all afresh.
            if (leading) rewriteStatuses();
          },
        });

  const countCache = (): void => metrics.cachedExternalSecrets.set(externalSecrets.size);

  const onConfigs = (results: readonly ParsedConfig[]): Promise<ApplyReport> => {
    const valid = results.flatMap(({ result }) => (result.ok ? [result.config] : []));
    metrics.invalidConfigs.set(results.length - valid.length);
    for (const { result } of results) {
      if (!result.ok)
        logger.error(
          { config: result.name, errors: result.errors },
          `Config ${result.name} is invalid; its other settings are not applied`,
        );
      else for (const warning of result.config.warnings) logger.warn({ config: result.config.name }, warning);
    }
    lastResults = results;
    return manager.apply(valid).then(async (report) => {
      configsLoaded = true;
      if (writesStatus) await writeStatuses(results, report);
      return report;
    });
  };

  const rewriteStatuses = (): void => {
    statuses.clear();
    latest = latest
      .catch(() => undefined)
      .then(async (report) => {
        if (report !== undefined) await writeStatuses(lastResults, report);
        return report;
      });
  };

  // Status writes are idempotent, so a failed one is simply tried again later; a newer write (a Config
  // change, a bind retry, a new Lease holder) replaces the pending retry.
  const writeStatuses = async (results: readonly ParsedConfig[], report: ApplyReport): Promise<void> => {
    cancelStatusRetry?.();
    cancelStatusRetry = undefined;
    if (election !== undefined && !election.leading) return;
    const now = options.now().toISOString();
    const retryInMs = backoffDelay(retry, statusAttempt);
    // Each Config's write says whether it is to be tried again.
    const retries = await Promise.all(
      results.map(async ({ result, generation, observed }): Promise<boolean> => {
        const name = result.ok ? result.config.name : result.name;
        // Transition times carry over from what this replica wrote, else from what the Config shows
        // (written by the previous Lease holder, or before a restart).
        const status = carryTransitionTimes(
          configStatus(result, report, generation, now),
          previousStatus.get(name) ?? observed,
        );
        const key = JSON.stringify(status);
        if (statuses.get(name) === key) return false;
        if (observed !== undefined && sameStatus(observed, status)) {
          statuses.set(name, key);
          previousStatus.set(name, status);
          return false;
        }
        try {
          await cluster.updateConfigStatus(name, status);
          statuses.set(name, key);
          previousStatus.set(name, status);
          return false;
        } catch (error) {
          const code = error instanceof ClusterError ? error.code : 'UNAVAILABLE';
          metrics.kubernetesErrors.inc({ operation: 'config-status', code });
          // A deleted Config has no status to write; its removal reaches the listener by the watch.
          if (code === 'NOT_FOUND') {
            logger.warn({ config: name, code }, 'could not write the Config status: the Config is gone');
            return false;
          }
          logger.warn({ config: name, code, retryInMs }, 'could not write the Config status; retrying');
          return true;
        }
      }),
    );
    if (!retries.includes(true)) {
      statusAttempt = 0;
      return;
    }
    if (closed) return;
    statusAttempt += 1;
    cancelStatusRetry = (retry.setTimer ?? realTimer)(() => {
      cancelStatusRetry = undefined;
      if (closed) return;
      latest = latest
        .catch(() => undefined)
        .then(async (latestReport) => {
          await writeStatuses(lastResults, latestReport ?? report);
          return latestReport;
        });
    }, retryInMs);
  };

  return {
    get ready() {
      return configsLoaded && manager.ready && externalSecrets.isSynced && namespaces.isSynced;
    },
    externalSecrets,
    start() {
      if (election === undefined) metrics.statusWriter.set(writesStatus ? 1 : 0);
      else election.start();
      handles.push(
        cluster.watchExternalSecrets({
          upsert: (secret) => {
            externalSecrets.upsert(secret);
            countCache();
          },
          remove: (secret) => {
            externalSecrets.remove(secret);
            countCache();
          },
          synced: () => {
            externalSecrets.synced();
            logger.info({ externalSecrets: externalSecrets.size }, 'ExternalSecret cache synced');
          },
          error: (error) => {
            metrics.kubernetesErrors.inc({
              operation: 'watch-externalsecrets',
              code: error instanceof ClusterError ? error.code : 'UNAVAILABLE',
            });
            logger.warn({ err: error.message }, 'ExternalSecret watch failed; retrying');
          },
        }),
        cluster.watchNamespaces({
          upsert: (namespace) => namespaces.upsert(namespace),
          remove: (namespace) => namespaces.remove(namespace),
          synced: () => namespaces.synced(),
          error: (error) => {
            metrics.kubernetesErrors.inc({
              operation: 'watch-namespaces',
              code: error instanceof ClusterError ? error.code : 'UNAVAILABLE',
            });
            logger.warn({ err: error.message }, 'Namespace watch failed; retrying');
          },
        }),
        options.configSource.start((configs, problems) => {
          for (const problem of problems) logger.error(problem);
          const results = configs.map((config) => ({
            result: parseConfig(config.manifest),
            generation: (config.manifest as { metadata?: { generation?: number } }).metadata?.generation,
            observed: observedStatus(config.manifest),
          }));
          latest = onConfigs(results);
          latest.catch((error: unknown) => logger.error({ err: error }, 'applying Configs failed'));
        }),
      );
    },
    settled: () => latest.catch(() => undefined),
    async close() {
      closed = true;
      cancelStatusRetry?.();
      election?.stop();
      await manager.close();
      await Promise.all(handles.map((handle) => handle.stop()));
      await annotator.drainEvents();
    },
  };
}
