import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ReloaderConfig } from '../config/parse-config.js';
import type { Metrics } from '../ops/metrics.js';
import type { RouteTarget, WebhookDeps } from '../webhook/deps.js';
import { buildWebhookApp } from '../webhook/webhook-app.js';
import { backoffDelay, DEFAULT_BACKOFF, realTimer, type Backoff } from './backoff.js';
import type { Bind, BoundServer } from './bind.js';
import { planRoutes, type RoutePlan, type RouteConflict } from './route-plan.js';

export interface ServerManagerOptions {
  readonly deps: WebhookDeps;
  readonly bind: Bind;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  readonly bodyLimit: number;
  /** How long a closing server waits for in-flight deliveries. */
  readonly graceMs: number;
  /** Failed binds are retried with this backoff until they succeed or the Configs change (default 1 s to 30 s). */
  readonly bindRetry?: Backoff;
  /** Called with the report of a retry that bound an endpoint, so the Config status can catch up. */
  readonly onRetried?: (report: ApplyReport) => void;
}

interface Running {
  readonly host: string;
  readonly port: number;
  readonly server: BoundServer;
  app: FastifyInstance | undefined;
  signature: string;
}

/** What one apply achieved, per Config, for logs and the Config status. */
export interface ApplyReport {
  readonly served: ReadonlyMap<
    string,
    readonly { readonly endpoint: string; readonly paths: readonly string[] }[]
  >;
  readonly conflicts: readonly RouteConflict[];
  /** Endpoints that could not be bound, with the Configs that wanted them. */
  readonly bindErrors: readonly {
    readonly endpoint: string;
    readonly configs: readonly string[];
    readonly error: string;
  }[];
}

/**
 * Keeps one HTTP server per host:port in step with the Configs: binds new endpoints, re-routes paths by
 * swapping in a freshly built app (in-flight requests finish on the app they started on), and closes
 * endpoints no Config wants. Applies are serialised so a burst of Config changes cannot interleave.
 * A port that cannot be bound (still held by a previous pod, say) is tried again with a backoff, so
 * readiness recovers without waiting for a Config change; a Config change starts afresh.
 */
export class ServerManager {
  readonly #running = new Map<string, Running>();
  #queue: Promise<unknown> = Promise.resolve();
  #wanted = 0;
  #closed = false;
  /** Counts applies, so a retry scheduled for an older one knows it is stale. */
  #applies = 0;
  #cancelRetry: (() => void) | undefined;

  constructor(private readonly options: ServerManagerOptions) {}

  /** True when every endpoint the Configs ask for is bound. */
  get ready(): boolean {
    return !this.#closed && this.#running.size === this.#wanted;
  }

  /** The addresses servers are bound to, for logs and tests. */
  get addresses(): string[] {
    return [...this.#running.values()].map((running) => running.server.address);
  }

  apply(configs: readonly ReloaderConfig[]): Promise<ApplyReport> {
    this.#applies += 1;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const next = this.#queue.then(() => this.#apply(configs));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    await this.#queue;
    await Promise.all([...this.#running.keys()].map((key) => this.#stop(key)));
  }

  async #apply(configs: readonly ReloaderConfig[]): Promise<ApplyReport> {
    const { logger, metrics } = this.options;
    const plan = planRoutes(this.#closed ? [] : configs);
    this.#wanted = plan.endpoints.size;
    metrics.routeConflicts.set(plan.conflicts.length);
    for (const conflict of plan.conflicts) {
      logger.error(
        conflict,
        `path ${conflict.path} on ${conflict.endpoint} is already served for Config ${conflict.owner}; Config ${conflict.claimant}'s claim is not served`,
      );
    }

    for (const key of [...this.#running.keys()]) {
      if (!plan.endpoints.has(key)) await this.#stop(key);
    }

    const report = await this.#bindAll(plan);
    this.#retryLater(plan, report, 0);
    return report;
  }

  /** Binds the endpoints of the plan not bound yet and routes them all. */
  async #bindAll(plan: RoutePlan): Promise<ApplyReport> {
    const served = new Map<string, { endpoint: string; paths: string[] }[]>();
    const bindErrors: { endpoint: string; configs: readonly string[]; error: string }[] = [];
    for (const [key, endpoint] of plan.endpoints) {
      let running = this.#running.get(key);
      if (running === undefined) {
        try {
          running = await this.#start(key, endpoint.host, endpoint.port);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          bindErrors.push({ endpoint: key, configs: endpoint.configs, error: message });
          continue;
        }
      }
      await this.#route(running, endpoint.routes);
      for (const route of endpoint.routes) {
        const list = served.get(route.configName) ?? [];
        const entry = list.find((item) => item.endpoint === key);
        if (entry === undefined) list.push({ endpoint: key, paths: [`/${route.subscription}`] });
        else entry.paths.push(`/${route.subscription}`);
        served.set(route.configName, list);
      }
    }
    return { served, conflicts: plan.conflicts, bindErrors };
  }

  /** Logs the failed binds of `report` and, unless a newer apply came meanwhile, tries them again later. */
  #retryLater(plan: RoutePlan, report: ApplyReport, attempt: number): void {
    if (report.bindErrors.length === 0 || this.#closed) return;
    const { logger } = this.options;
    const backoff = this.options.bindRetry ?? DEFAULT_BACKOFF;
    const delay = backoffDelay(backoff, attempt);
    for (const { endpoint, configs, error } of report.bindErrors) {
      // The first failure is an error an operator may have to fix; the retries only say it persists.
      logger[attempt === 0 ? 'error' : 'warn'](
        { endpoint, configs, err: error, attempt, retryInMs: delay },
        'could not bind the webhook server; retrying',
      );
    }
    const applies = this.#applies;
    this.#cancelRetry = (backoff.setTimer ?? realTimer)(() => {
      this.#cancelRetry = undefined;
      this.#queue = this.#queue
        .then(async () => {
          // A Config change since then has its own plan (and its own retries).
          if (applies !== this.#applies || this.#closed) return;
          const retried = await this.#bindAll(plan);
          if (retried.bindErrors.length < report.bindErrors.length) this.options.onRetried?.(retried);
          this.#retryLater(plan, retried, attempt + 1);
        })
        .catch((error: unknown) => logger.error({ err: error }, 'retrying the webhook server bind failed'));
    }, delay);
  }

  async #start(key: string, host: string, port: number): Promise<Running> {
    const entry: { current: FastifyInstance | undefined } = { current: undefined };
    const server = await this.options.bind(host, port, (request, response) => {
      if (entry.current === undefined) {
        response
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"code":"NOT_READY","message":"starting"}');
        return;
      }
      entry.current.routing(request, response);
    });
    const running: Running = {
      host,
      port,
      server,
      signature: '',
      get app() {
        return entry.current;
      },
      set app(app) {
        entry.current = app;
      },
    };
    this.#running.set(key, running);
    this.options.logger.info({ endpoint: key, address: server.address }, 'webhook server listening');
    return running;
  }

  async #route(running: Running, routes: readonly RouteTarget[]): Promise<void> {
    const signature = JSON.stringify(routes);
    if (signature === running.signature) return;
    const app = await buildWebhookApp(this.options.deps, routes, {
      logger: this.options.logger,
      bodyLimit: this.options.bodyLimit,
    });
    const previous = running.app;
    running.app = app;
    running.signature = signature;
    this.options.logger.info(
      { endpoint: `${running.host}:${running.port}`, paths: routes.map((route) => `/${route.subscription}`) },
      'webhook routes updated',
    );
    // Requests already routed to the previous app keep their handlers; close only releases its hooks.
    await previous?.close();
  }

  async #stop(key: string): Promise<void> {
    const running = this.#running.get(key);
    if (running === undefined) return;
    this.#running.delete(key);
    await running.server.close(this.options.graceMs);
    await running.app?.close();
    this.options.logger.info({ endpoint: key }, 'webhook server closed');
  }
}
