import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CLOUDEVENTS_BATCH_MEDIA_TYPE,
  CLOUDEVENTS_MEDIA_TYPE,
  cloudEventSchema,
  eventGridEventSchema,
  formatIssues,
  type EventGridEvent,
} from '../../listener/eventgrid/index.js';
import { randomGuid, type Random } from '../core/random.js';
import { fromCloudEvent } from '../events/cloud-event-conversion.js';
import { DEFAULT_AZURE_SUBSCRIPTION_ID, OBJECT_NAME, VAULT_NAME } from '../events/key-vault-event.js';
import { KeyVaultError } from '../keyvault/key-vault-emulator.js';
import { PublishError, type Simulator } from '../simulator.js';
import { validationRoutes } from '../subscription/validation-routes.js';
import type { AnnotationView } from './annotation-watcher.js';
import type { LiveFeed } from './live-feed.js';

export interface ServeAppDeps {
  readonly simulator: Simulator;
  readonly feed: LiveFeed;
  readonly random: Random;
  /** reloader/* annotations seen in the attached cluster; undefined when not attached. */
  readonly annotations: () => readonly AnnotationView[] | undefined;
  /** Folder holding index.html, dashboard.js and dashboard.css. */
  readonly dashboardDir: string;
  readonly timeScale: number;
}

/** What the dashboard renders; also GET /api/state. */
export function dashboardState(deps: ServeAppDeps): unknown {
  const report = deps.simulator.report();
  return {
    now: deps.simulator.clock.now(),
    timeScale: deps.timeScale,
    subscriptions: report.subscriptions,
    deliveries: report.deliveries.slice(-500),
    deadLetters: report.deadLetters.slice(-200),
    counts: report.counts,
    vaults: deps.simulator.keyVault.vaults(),
    annotations: deps.annotations() ?? null,
  };
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const rotateBodySchema = z.strictObject({
  vault: z.string().regex(VAULT_NAME, 'must be 3–24 letters, digits or dashes'),
  secret: z.string().regex(OBJECT_NAME, 'must be 1–127 letters, digits or dashes'),
  value: z.string().optional(),
  expiresInDays: z.number().positive().optional(),
});

// Key Vault's REST shape: PUT {vault}/secrets/{name} {"value", "attributes": {"exp", "nbf"}} (Unix s).
const setSecretBodySchema = z.looseObject({
  value: z.string(),
  attributes: z.looseObject({ exp: z.number().optional(), nbf: z.number().optional() }).optional(),
});

const DASHBOARD_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/dashboard.js': 'dashboard.js',
  '/dashboard.css': 'dashboard.css',
};
const MEDIA: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The `serve` HTTP app: dashboard, live feed, publish endpoint, Key Vault emulation and the
 * validationUrls. Builds routes only; the caller listens.
 */
export async function buildServeApp(deps: ServeAppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const { simulator, feed } = deps;

  app.addContentTypeParser(
    [CLOUDEVENTS_MEDIA_TYPE, CLOUDEVENTS_BATCH_MEDIA_TYPE],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch (error) {
        done(
          new HttpError(
            400,
            'SIM_INVALID_JSON',
            `body is not JSON: ${error instanceof Error ? error.message : ''}`,
          ),
          undefined,
        );
      }
    },
  );

  app.setErrorHandler((error: FastifyError | Error, _request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message } });
    }
    if (error instanceof PublishError) {
      const status = error.code === 'SIM_PAYLOAD_TOO_LARGE' ? 413 : 400;
      return reply.code(status).send({ error: { code: error.code, message: error.message } });
    }
    if (error instanceof KeyVaultError)
      return reply.code(400).send({ error: { code: error.code, message: error.message } });
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    // Only client errors are explained to the client; a 500 is ours to read in the terminal.
    return reply.code(status).send({
      error: {
        code: 'code' in error ? error.code : 'SIM_ERROR',
        message: status < 500 ? error.message : 'internal error',
      },
    });
  });

  await app.register(validationRoutes, { registry: simulator.validationRegistry });

  for (const [path, file] of Object.entries(DASHBOARD_FILES)) {
    app.get(path, async (_request, reply) => {
      const text = await readFile(join(deps.dashboardDir, file), 'utf8');
      return reply.type(MEDIA[file.split('.').pop() ?? ''] ?? 'text/plain').send(text);
    });
  }

  app.get('/api/state', () => dashboardState(deps));

  app.get('/api/stream', (request, reply) => {
    void reply.hijack();
    feed.add(reply.raw);
    reply.raw.write(`event: state\ndata: ${JSON.stringify(dashboardState(deps))}\n\n`);
    request.raw.on('close', () => reply.raw.end());
  });

  app.post('/api/rotate', (request) => {
    const parsed = rotateBodySchema.safeParse(request.body);
    if (!parsed.success) throw new HttpError(400, 'SIM_BAD_ROTATE', formatIssues(parsed.error, 'body'));
    const { vault, secret, value, expiresInDays } = parsed.data;
    const expires =
      expiresInDays === undefined ? undefined : simulator.clock.now() + expiresInDays * 86_400_000;
    const result = simulator.keyVault.setSecret(vault, secret, value ?? randomGuid(deps.random), {
      ...(expires === undefined ? {} : { expires }),
    });
    feed.broadcast('vaults', simulator.keyVault.vaults());
    return { vault: result.vault, secret: result.name, version: result.version, eventId: result.event.id };
  });

  app.put<{ Params: { vault: string; name: string } }>('/vaults/:vault/secrets/:name', (request) => {
    const parsed = setSecretBodySchema.safeParse(request.body);
    if (!parsed.success) throw new HttpError(400, 'SIM_BAD_SECRET', formatIssues(parsed.error, 'body'));
    const { exp, nbf } = parsed.data.attributes ?? {};
    const result = simulator.keyVault.setSecret(
      request.params.vault,
      request.params.name,
      parsed.data.value,
      {
        ...(exp === undefined ? {} : { expires: exp * 1000 }),
        ...(nbf === undefined ? {} : { notBefore: nbf * 1000 }),
      },
    );
    feed.broadcast('vaults', simulator.keyVault.vaults());
    const created = Math.floor(simulator.clock.now() / 1000);
    // Key Vault's SecretBundle, minus what a rehearsal does not need.
    return {
      value: parsed.data.value,
      id: (result.event.data as { Id: string }).Id,
      attributes: {
        enabled: true,
        created,
        updated: created,
        ...(exp === undefined ? {} : { exp }),
        ...(nbf === undefined ? {} : { nbf }),
      },
    };
  });

  app.post<{ Params: { topic: string } }>('/topics/:topic/api/events', (request, reply) => {
    const topic = request.params.topic;
    if (!/^[A-Za-z0-9-]{3,50}$/.test(topic))
      throw new HttpError(400, 'SIM_BAD_TOPIC', 'topic must be 3–50 letters, digits or dashes');
    const events = readPublishedEvents(request.body, request.headers['content-type'], simulator.clock.now());
    // Event Grid stamps the topic on publish; a custom topic is a Microsoft.EventGrid/topics resource.
    const topicId = `/subscriptions/${DEFAULT_AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-simulator/providers/Microsoft.EventGrid/topics/${topic}`;
    simulator.publish(events.map((event) => ({ ...event, topic: topicId })));
    return reply.code(200).send();
  });

  app.addHook('onClose', () => {
    feed.close();
  });
  return app;
}

function readPublishedEvents(body: unknown, contentType: string | undefined, now: number): EventGridEvent[] {
  const list: unknown[] = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new HttpError(400, 'SIM_INVALID_EVENT', 'no events');
  const cloud =
    (contentType ?? '').includes('cloudevents') ||
    (typeof list[0] === 'object' && list[0] !== null && 'specversion' in list[0]);
  return list.map((item, index) => {
    if (cloud) {
      const parsed = cloudEventSchema.safeParse(item);
      if (!parsed.success)
        throw new HttpError(400, 'SIM_INVALID_EVENT', formatIssues(parsed.error, `events[${index}]`));
      return fromCloudEvent(parsed.data, now);
    }
    const parsed = eventGridEventSchema.safeParse(item);
    if (!parsed.success)
      throw new HttpError(400, 'SIM_INVALID_EVENT', formatIssues(parsed.error, `events[${index}]`));
    return parsed.data;
  });
}
