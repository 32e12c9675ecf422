import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

export interface AdminDeps {
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  /** Every configured webhook server bound and every cache synced. */
  readonly isReady: () => boolean;
  /** The in-memory cluster's objects, served at /debug/cluster in the offline dev kit only. */
  readonly debugCluster?: () => unknown;
}

/** The admin port: probes and metrics. Never listens by itself. */
export async function buildAdminApp(deps: AdminDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = deps.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
  const debugCluster = deps.debugCluster;
  if (debugCluster !== undefined) app.get('/debug/cluster', async () => debugCluster());
  await app.ready();
  return app;
}
