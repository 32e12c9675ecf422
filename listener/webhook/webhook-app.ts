import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import { CLOUDEVENTS_BATCH_MEDIA_TYPE, CLOUDEVENTS_MEDIA_TYPE } from '../eventgrid/index.js';
import { boundLogger } from '../ops/bound-logger.js';
import type { RouteTarget, WebhookDeps } from './deps.js';
import { errorBody, HttpError } from './http-error.js';
import { subscriptionRoute } from './subscription-route.js';

export interface WebhookAppOptions {
  readonly logger: FastifyBaseLogger;
  /** Bytes; larger deliveries get 413, which Event Grid does not retry. */
  readonly bodyLimit: number;
}

/** Maps fastify's own errors to our codes; the status is what Event Grid acts on. */
function toHttpError(error: FastifyError): HttpError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError('BODY_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // 415 would be retried by Event Grid for a day; a body it cannot read never becomes readable.
      return new HttpError('UNSUPPORTED_MEDIA_TYPE', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError('INVALID_JSON', error.message);
    default:
      break;
  }
  if (error instanceof SyntaxError || error.statusCode === 400)
    return new HttpError('INVALID_JSON', error.message);
  return undefined;
}

/**
 * The webhook app for one host:port: one plugin per subscription path. It never listens; the server
 * manager routes requests of its bound server to the current app, and swaps apps when Configs change.
 */
export async function buildWebhookApp(
  deps: WebhookDeps,
  routes: readonly RouteTarget[],
  options: WebhookAppOptions,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Bindings per line instead of a pino child per request (ops/bound-logger.ts).
    childLoggerFactory: (logger, bindings) => boundLogger(logger, bindings),
    bodyLimit: options.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    exposeHeadRoutes: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    [CLOUDEVENTS_MEDIA_TYPE, CLOUDEVENTS_BATCH_MEDIA_TYPE],
    { parseAs: 'string' },
    jsonParser,
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const known = error instanceof HttpError ? error : toHttpError(error);
    if (known === undefined) {
      request.log.error({ err: error }, 'unexpected error handling a delivery');
      return reply.code(500).send(errorBody('INTERNAL', 500, error.message));
    }
    if (known.statusCode >= 500 || known.statusCode === 429)
      request.log.warn({ code: known.code, err: known.message }, 'delivery to retry');
    else request.log.info({ code: known.code, err: known.message }, 'delivery refused');
    return reply.code(known.statusCode).send(errorBody(known.code, known.statusCode, known.message));
  });

  const unknownPath = (url: string): HttpError =>
    new HttpError('UNKNOWN_PATH', `no subscription is served at ${url.split('?')[0] ?? ''}`);
  // Refused before its body is read: nothing is parsed for a path no subscription serves.
  app.addHook('onRequest', async (request) => {
    if (request.is404) throw unknownPath(request.url);
  });
  app.setNotFoundHandler(async (request) => {
    throw unknownPath(request.url);
  });

  for (const target of routes) {
    await app.register(subscriptionRoute, { deps, target });
  }
  await app.ready();
  return app;
}
