import { METHODS } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import {
  AEG_EVENT_TYPE,
  AEG_SUBSCRIPTION_NAME,
  AegEventType,
  parseDelivery,
  parseKeyVaultEvent,
  toRfc3339,
  WEBHOOK_ALLOWED_ORIGIN,
  WEBHOOK_ALLOWED_RATE,
  WEBHOOK_REQUEST_CALLBACK,
  WEBHOOK_REQUEST_ORIGIN,
  type InboundEvent,
  type SubscriptionValidationEvent,
} from '../eventgrid/index.js';
import { SaturatedError } from '../rotation/annotator.js';
import type { SecretRotation } from '../rotation/secret-rotation.js';
import { isAllowedUrl } from './allowed-hosts.js';
import type { RouteTarget, WebhookDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { planAnnotations } from './plan-annotations.js';

export interface SubscriptionRouteOptions {
  readonly deps: WebhookDeps;
  readonly target: RouteTarget;
}

const ALLOW = 'POST, OPTIONS';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One Event Grid subscription's path. Registered once per subscription in a plain loop; everything it
 * needs arrives as plugin options, so each path is a self-contained unit that tests can build alone.
 */
export async function subscriptionRoute(
  app: FastifyInstance,
  { deps, target }: SubscriptionRouteOptions,
): Promise<void> {
  const path = `/${target.subscription}`;
  const labels = { subscription: target.subscription };

  // Every request on this path is counted once, however early it was answered (auth, body limit,
  // JSON), or as abandoned when the client hung up before the answer: Event Grid gives up after 30 s
  // and retries. (Registered first, so a request abandoned during authentication counts too.)
  const rateLimited = new WeakSet<FastifyRequest>();
  app.addHook('onRequest', async (_request, reply) => {
    reply.raw.once('close', () => {
      if (!reply.raw.headersSent) deps.metrics.deliveries.inc({ ...labels, outcome: 'abandoned' });
    });
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.deliveries.inc({
      ...labels,
      outcome: outcomeOf(reply.statusCode, rateLimited.has(request)),
    });
    deps.metrics.deliveryDuration.observe(labels, reply.elapsedTime / 1000);
  });

  // Authentication is the first check a request meets, before its body is read and before it counts
  // against the path's rate limit: a stranger can neither make us parse a megabyte nor spend the
  // budget Event Grid's own deliveries need. (Rate limiting adds its check per route, after this.)
  const authenticate = target.auth === undefined ? undefined : deps.authenticatorFor(target.auth);
  if (authenticate !== undefined) {
    app.addHook('onRequest', async (request) => {
      const result = await authenticate({
        headers: request.headers,
        query: request.query as Record<string, unknown>,
      });
      if (result.ok) return;
      deps.metrics.authFailures.inc({ ...labels, reason: result.reason });
      request.log.warn(
        { subscription: target.subscription, reason: result.reason },
        'delivery refused by endpoint authentication',
      );
      const code =
        result.status === 503
          ? 'AUTH_UNAVAILABLE'
          : result.status === 403
            ? 'CALLER_NOT_ALLOWED'
            : 'UNAUTHENTICATED';
      throw new HttpError(code, result.reason);
    });
  }

  if (deps.rateLimitPerSecond > 0) {
    // Per path, not per client address: Event Grid delivers from many addresses.
    await app.register(rateLimit, {
      max: deps.rateLimitPerSecond,
      timeWindow: 1000,
      keyGenerator: () => target.subscription,
      errorResponseBuilder: (request, context) => {
        rateLimited.add(request);
        return new HttpError('RATE_LIMITED', `more than ${context.max} deliveries per second on ${path}`);
      },
    });
  }

  app.post(path, async (request, reply) => {
    const log = request.log.child({ subscription: target.subscription, config: target.configName });
    const claimed = header(request, AEG_SUBSCRIPTION_NAME);
    if (claimed !== undefined && claimed.toLowerCase() !== target.subscription.toLowerCase()) {
      throw new HttpError(
        'SUBSCRIPTION_MISMATCH',
        `aeg-subscription-name ${claimed} is not this path's subscription`,
      );
    }
    // Checked before validating each element: a 1 MiB array of tiny items must not cost seconds.
    if (Array.isArray(request.body) && request.body.length > deps.maxEventsPerDelivery) {
      throw new HttpError(
        'TOO_MANY_EVENTS',
        `${request.body.length} events in one delivery; the limit is ${deps.maxEventsPerDelivery}`,
      );
    }
    const parsed = parseDelivery(request.body, header(request, 'content-type'));
    if (!parsed.ok) throw new HttpError('INVALID_DELIVERY', parsed.error);
    const delivery = parsed.value;
    if (delivery.kind === 'validation') {
      return await validate(request, reply, delivery.event, log);
    }
    if (header(request, AEG_EVENT_TYPE) === AegEventType.SubscriptionValidation) {
      throw new HttpError(
        'INVALID_DELIVERY',
        'aeg-event-type is SubscriptionValidation but the body holds no validation event',
      );
    }
    if (delivery.events.length > deps.maxEventsPerDelivery) {
      throw new HttpError(
        'TOO_MANY_EVENTS',
        `${delivery.events.length} events in one delivery; the limit is ${deps.maxEventsPerDelivery}`,
      );
    }
    const body = await notify(delivery.events, log);
    return await reply.code(200).send(body);
  });

  async function validate(
    request: FastifyRequest,
    reply: FastifyReply,
    event: SubscriptionValidationEvent,
    log: FastifyRequest['log'],
  ): Promise<FastifyReply> {
    if (header(request, AEG_SUBSCRIPTION_NAME) === undefined) {
      deps.metrics.handshakes.inc({ ...labels, kind: 'validation-event', outcome: 'refused' });
      throw new HttpError(
        'MISSING_SUBSCRIPTION_HEADER',
        'a validation request must carry aeg-subscription-name',
      );
    }
    deps.metrics.handshakes.inc({ ...labels, kind: 'validation-event', outcome: 'answered' });
    const url = event.data.validationUrl;
    if (url !== undefined) {
      if (isAllowedUrl(url, deps.allowedValidationHosts)) {
        // Answering with the code already validates; the GET covers proxies that mangle the answer.
        void confirmByUrl(url, 'validation-url', log);
      } else {
        deps.metrics.handshakes.inc({ ...labels, kind: 'validation-url', outcome: 'not-allowed' });
        log.warn({ host: hostOf(url) }, 'validationUrl host is not on the allow-list; not fetched');
      }
    }
    log.info({ eventId: event.id }, 'subscription validation answered');
    return reply.code(200).send({ validationResponse: event.data.validationCode });
  }

  async function confirmByUrl(url: string, kind: string, log: FastifyRequest['log']): Promise<void> {
    const result = await deps.fetchValidationUrl(url);
    deps.metrics.handshakes.inc({ ...labels, kind, outcome: result.ok ? 'confirmed' : 'failed' });
    if (result.ok) log.info({ host: hostOf(url) }, `${kind} confirmed`);
    else log.warn({ host: hostOf(url), status: result.status, err: result.error }, `${kind} failed`);
  }

  async function notify(
    events: readonly InboundEvent[],
    log: FastifyRequest['log'],
  ): Promise<Record<string, unknown>> {
    const rotations: SecretRotation[] = [];
    const arrived = deps.now().toISOString();
    events.forEach((event, index) => {
      if (!deps.actOnEventTypes.has(event.type)) return;
      const object = parseKeyVaultEvent(event, `events[${index}]`);
      if (!object.ok) throw new HttpError('INVALID_DELIVERY', object.error);
      rotations.push({
        vault: object.value.vault,
        name: object.value.name,
        version: object.value.version,
        eventId: event.id,
        eventType: event.type,
        time: event.time === undefined ? arrived : toRfc3339(event.time),
      });
    });
    if (rotations.length > 0 && !(deps.externalSecrets.isSynced && deps.namespaces.isSynced)) {
      throw new HttpError('NOT_READY', 'the ExternalSecret and Namespace caches have not synced yet');
    }
    const tasks = planAnnotations(rotations, target.destinations, deps.externalSecrets, deps.namespaces);
    let outcome;
    try {
      outcome = await deps.annotator.annotate(tasks);
    } catch (error) {
      if (error instanceof SaturatedError) throw new HttpError('SATURATED', error.message);
      throw error;
    }
    for (const event of events) {
      deps.metrics.events.inc({
        ...labels,
        type: event.type,
        action: deps.actOnEventTypes.has(event.type) ? 'acted' : 'ignored',
      });
    }
    const summary = {
      events: events.length,
      rotations: rotations.map((rotation) => ({
        eventId: rotation.eventId,
        secret: rotation.name,
        version: rotation.version,
      })),
      matched: tasks.length,
      annotated: outcome.stored,
      gone: outcome.gone,
    };
    if (outcome.failures.length > 0) {
      const throttled = outcome.failures.every((failure) => failure.code === 'THROTTLED');
      log.warn(
        {
          ...summary,
          failed: outcome.failures.length,
          codes: [...new Set(outcome.failures.map((f) => f.code))],
        },
        'delivery not acknowledged: annotations failed',
      );
      throw new HttpError(
        throttled ? 'SATURATED' : 'KUBERNETES_UNAVAILABLE',
        `${outcome.failures.length} of ${tasks.length} annotations failed (${outcome.failures[0]?.message ?? ''})`,
      );
    }
    log.info(summary, 'delivery acknowledged');
    return summary;
  }

  // CloudEvents HTTP webhook abuse protection: grant the origin so Event Grid may deliver here.
  app.options(path, async (request, reply) => {
    const origin = header(request, WEBHOOK_REQUEST_ORIGIN);
    if (origin === undefined || origin.trim() === '') {
      deps.metrics.handshakes.inc({ ...labels, kind: 'cloudevents-options', outcome: 'refused' });
      throw new HttpError('MISSING_WEBHOOK_ORIGIN', 'WebHook-Request-Origin is required');
    }
    const granted = deps.allowedOrigins.some(
      (allowed) => allowed === '*' || allowed.toLowerCase() === origin.trim().toLowerCase(),
    );
    if (!granted) {
      deps.metrics.handshakes.inc({ ...labels, kind: 'cloudevents-options', outcome: 'refused' });
      throw new HttpError('ORIGIN_NOT_ALLOWED', `origin ${origin} is not allowed to deliver here`);
    }
    const callback = header(request, WEBHOOK_REQUEST_CALLBACK);
    if (callback !== undefined && isAllowedUrl(callback, deps.allowedValidationHosts)) {
      void confirmByUrl(callback, 'cloudevents-callback', request.log);
    }
    deps.metrics.handshakes.inc({ ...labels, kind: 'cloudevents-options', outcome: 'granted' });
    return (
      reply
        .code(200)
        .header(WEBHOOK_ALLOWED_ORIGIN, origin.trim())
        // Requests per minute, as the CloudEvents webhook spec counts them.
        .header(
          WEBHOOK_ALLOWED_RATE,
          deps.rateLimitPerSecond > 0 ? String(deps.rateLimitPerSecond * 60) : '*',
        )
        .header('allow', ALLOW)
        .send()
    );
  });

  // Any other method Node can parse gets 405 with Allow, answered before a body is read, so an
  // unusual method or content type cannot reach a parser.
  const refuseMethod = async (_request: FastifyRequest, reply: FastifyReply): Promise<never> => {
    void reply.header('allow', ALLOW);
    throw new HttpError('METHOD_NOT_ALLOWED', `only ${ALLOW} are served on ${path}`);
  };
  // Fastify routes the common methods only; the others Node parses (QUERY, PURGE, M-SEARCH…) are
  // added, or they would get 404 on a path that exists. The set is per server, hence the check.
  for (const method of OTHER_METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method);
  }
  app.route({
    method: OTHER_METHODS as HTTPMethods[],
    url: path,
    onRequest: refuseMethod,
    handler: refuseMethod,
  });
}

/** Methods other than POST and OPTIONS; CONNECT names a proxy tunnel, never a path. */
export const OTHER_METHODS: readonly string[] = METHODS.filter(
  (method) => !['POST', 'OPTIONS', 'CONNECT'].includes(method),
);

/** A delivery's outcome by its answer, as Event Grid will act on it. */
function outcomeOf(status: number, rateLimited: boolean): string {
  if (status < 300) return 'acknowledged';
  if (rateLimited) return 'rate-limited';
  return status >= 500 || status === 429 ? 'retry' : 'rejected';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
