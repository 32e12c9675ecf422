import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { basename } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BoundServer } from '../server/bind.js';
import { createHttpBind } from '../server/http-bind.js';
import { FIXTURES, jsonFixture } from '../test-support/fixtures.js';
import {
  annotationsOf,
  createHarness,
  expectedFromFixtures,
  flush,
  resourceVersionOf,
  SUBSCRIPTION,
  type Harness,
} from '../test-support/harness.js';

// ---- the corpus format (fixtures/bad/README.md) ---------------------------------------------------

const expectSchema = z.strictObject({
  status: z.number().int().min(100).max(599),
  code: z.string().min(1).optional(),
  changed: z
    .union([z.literal('annotated'), z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/))])
    .optional(),
  fetched: z.number().int().nonnegative().optional(),
  validationResponse: z.string().optional(),
});

const asciiChar = z.string().regex(/^[\x20-\x7e]$/, 'must be one printable ASCII character');

const generateSchema = z.union([
  z.strictObject({
    nest: z.strictObject({
      depth: z.number().int().positive(),
      open: z.string().min(1),
      close: z.string().min(1),
      prefix: z.string().optional(),
      middle: z.string().optional(),
      suffix: z.string().optional(),
      unclosed: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    hugeString: z
      .strictObject({
        prefix: z.string().optional(),
        suffix: z.string().optional(),
        char: asciiChar.optional(),
        length: z.number().int().nonnegative().optional(),
        totalBytes: z.number().int().positive().optional(),
      })
      .refine((spec) => (spec.length === undefined) !== (spec.totalBytes === undefined), {
        error: 'give exactly one of length and totalBytes',
      }),
  }),
]);

const caseSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    why: z.string().regex(/^[^\n]+$/, 'one line'),
    knownBug: z.strictObject({ status: z.number().int(), note: z.string().min(1) }).optional(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
    path: z.string().startsWith('/').optional(),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    body: z.string().optional(),
    json: z.unknown().optional(),
    generate: generateSchema.optional(),
    raw: z.string().optional(),
    rawBody: z.string().optional(),
    expect: expectSchema,
  })
  .refine((c) => [c.body, c.json, c.generate, c.raw].filter((form) => form !== undefined).length <= 1, {
    error: 'at most one of body, json, generate and raw',
  })
  .refine(
    (c) =>
      c.raw === undefined
        ? c.rawBody === undefined
        : c.method === undefined && c.path === undefined && c.headers === undefined,
    { error: 'raw stands alone (rawBody only with raw)' },
  );
type BadCase = z.infer<typeof caseSchema>;

const repeatSchema = z.strictObject({ item: z.unknown(), count: z.number().int().nonnegative() });
const hugeStringNodeSchema = z.strictObject({
  length: z.number().int().nonnegative(),
  char: asciiChar.optional(),
  prefix: z.string().optional(),
});

function withIndex(value: unknown, index: number): unknown {
  if (typeof value === 'string') return value.replaceAll('{{i}}', String(index));
  if (Array.isArray(value)) return value.map((item) => withIndex(item, index));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withIndex(item, index)]));
  }
  return value;
}

/** Expands `$repeat` and `$hugeString` nodes in a `json` body. */
function expand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined) {
    const [key, spec] = only;
    if (key === '$repeat') {
      const { item, count } = repeatSchema.parse(spec);
      const expanded = expand(item);
      return Array.from({ length: count }, (_, index) => withIndex(expanded, index));
    }
    if (key === '$hugeString') {
      const { length, char, prefix } = hugeStringNodeSchema.parse(spec);
      return (prefix ?? '') + (char ?? 'x').repeat(length);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, expand(item)]));
}

function generated(spec: z.infer<typeof generateSchema>): string {
  if ('nest' in spec) {
    const { depth, open, close, prefix = '', middle = '', suffix = '', unclosed = false } = spec.nest;
    return prefix + open.repeat(depth) + middle + (unclosed ? '' : close.repeat(depth)) + suffix;
  }
  const { prefix = '', suffix = '', char = 'x', length, totalBytes } = spec.hugeString;
  const fill = length ?? (totalBytes ?? 0) - Buffer.byteLength(prefix + suffix);
  if (fill < 0) throw new Error(`prefix and suffix alone exceed ${totalBytes ?? 0} bytes`);
  return prefix + char.repeat(fill) + suffix;
}

function payloadOf(c: BadCase): string | undefined {
  if (c.body !== undefined) return c.body;
  if (c.json !== undefined) return JSON.stringify(expand(c.json));
  if (c.generate !== undefined) return generated(c.generate);
  return undefined;
}

interface Entry {
  readonly group: string;
  readonly badCase: BadCase;
}

function loadCorpus(): Entry[] {
  const root = `${FIXTURES}bad/`;
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = caseSchema.safeParse(JSON.parse(readFileSync(`${root}${file}`, 'utf8')));
      if (!parsed.success) throw new Error(`fixtures/bad/${file}: ${z.prettifyError(parsed.error)}`);
      if (`${parsed.data.name}.json` !== basename(file)) {
        throw new Error(`fixtures/bad/${file}: name ${parsed.data.name} differs from the file name`);
      }
      return { group: file.split('/')[0] ?? '', badCase: parsed.data };
    });
}

const corpus = loadCorpus();
const injected = corpus.filter((entry) => entry.badCase.raw === undefined);
const rawCases = corpus.filter((entry) => entry.badCase.raw !== undefined);

const fixtures = expectedFromFixtures();
const EVERY_EXTERNAL_SECRET = [...fixtures.annotated, ...fixtures.untouched];
const ANNOTATED = new Set(fixtures.annotated);
// The API server refuses an object whose annotations add up to more than this (MemoryCluster does not).
const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;

function title({ group, badCase }: Entry): string {
  const known =
    badCase.knownBug === undefined
      ? ''
      : ` [KNOWN BUG: answers ${badCase.knownBug.status}, should ${badCase.expect.status}]`;
  return `${group}/${badCase.name}: ${badCase.why}${known}`;
}

// ---- checks shared by app.inject and raw-socket replays ----------------------------------------------

interface Observed {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

type Versions = ReadonlyMap<string, string | undefined>;

function versions(h: Harness): Versions {
  return new Map(EVERY_EXTERNAL_SECRET.map((key) => [key, resourceVersionOf(h.cluster, key)]));
}

function changedSince(h: Harness, before: Versions): string[] {
  return EVERY_EXTERNAL_SECRET.filter((key) => resourceVersionOf(h.cluster, key) !== before.get(key)).sort();
}

function prototypeKeys(): string {
  return JSON.stringify(
    [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) =>
      Reflect.ownKeys(proto).map(String).sort(),
    ),
  );
}

function jsonBody(observed: Observed): unknown {
  if (observed.body === '' || !(observed.contentType ?? '').includes('json')) return undefined;
  return JSON.parse(observed.body) as unknown;
}

function annotationBytes(h: Harness, key: string): number {
  return Object.entries(annotationsOf(h.cluster, key)).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
}

const VALIDATION_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'aeg-event-type': 'SubscriptionValidation',
  'aeg-subscription-name': SUBSCRIPTION.toUpperCase(),
};

/** The app still answers a plain handshake (without a validationUrl, so nothing is fetched). */
async function assertStillServing(h: Harness): Promise<void> {
  const [event] = jsonFixture('events/eventgrid/handshake.json') as [{ data: Record<string, unknown> }];
  delete event.data['validationUrl'];
  const response = await h.app.inject({
    method: 'POST',
    url: `/${SUBSCRIPTION}`,
    headers: VALIDATION_HEADERS,
    payload: JSON.stringify([event]),
  });
  expect(response.statusCode, 'the app still serves a handshake').toBe(200);
  expect(response.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
}

async function replayAndCheck(h: Harness, badCase: BadCase, send: () => Promise<Observed>): Promise<void> {
  const { expect: expected, knownBug } = badCase;
  const before = versions(h);
  const prototypesBefore = prototypeKeys();

  const observed = await send();
  await flush();

  const status = knownBug?.status ?? expected.status;
  expect(observed.status, 'never 500').not.toBe(500);
  expect(observed.status, observed.body.slice(0, 300)).toBe(status);

  const body = jsonBody(observed);
  const field = (name: string): unknown =>
    typeof body === 'object' && body !== null && name in body
      ? (body as Record<string, unknown>)[name]
      : undefined;
  if (observed.status >= 400 && body !== undefined) {
    expect(typeof field('code'), 'an error answer carries a stable code').toBe('string');
    if (expected.code !== undefined && knownBug === undefined) expect(field('code')).toBe(expected.code);
  }
  if (expected.code !== undefined && knownBug === undefined && badCase.raw === undefined) {
    expect(body, 'an error answer is JSON').toBeDefined();
  }
  if (knownBug === undefined) {
    expect(field('validationResponse'), 'validationResponse').toBe(expected.validationResponse);
  }

  const changed = changedSince(h, before);
  if (observed.status !== 200) {
    expect(changed, 'a refused delivery changes nothing').toEqual([]);
  } else {
    expect(
      changed.filter((key) => !ANNOTATED.has(key)),
      'only ExternalSecrets that read the rotated secret may change',
    ).toEqual([]);
    if (knownBug === undefined) {
      const wanted = expected.changed ?? [];
      expect(changed).toEqual(wanted === 'annotated' ? [...ANNOTATED].sort() : [...wanted].sort());
    }
  }
  if (knownBug === undefined) {
    for (const key of changed) {
      expect(annotationBytes(h, key), `annotations of ${key}`).toBeLessThanOrEqual(ANNOTATIONS_LIMIT_BYTES);
    }
  }

  expect(h.fetched, 'URLs requested by the listener').toHaveLength(expected.fetched ?? 0);
  expect(prototypeKeys(), 'no prototype gained or lost a key').toBe(prototypesBefore);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

  await assertStillServing(h);

  if (observed.status === 200) {
    // At-least-once delivery: the same request again is acknowledged and changes nothing.
    const settled = versions(h);
    const again = await send();
    await flush();
    expect(again.status, 'a redelivery is acknowledged as well').toBe(200);
    expect(changedSince(h, settled), 'a redelivery changes nothing').toEqual([]);
  }
}

// ---- replays ---------------------------------------------------------------------------------------------

describe('the corpus', () => {
  it('holds at least 60 cases with unique names, in and out of app.inject', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((entry) => entry.badCase.name)).size).toBe(corpus.length);
    expect(rawCases.length).toBeGreaterThan(0);
  });

  it('expands generators as documented', () => {
    expect(
      expand({
        $repeat: { item: { id: 'e-{{i}}', data: { $hugeString: { length: 3, prefix: 'p' } } }, count: 2 },
      }),
    ).toEqual([
      { id: 'e-0', data: 'pxxx' },
      { id: 'e-1', data: 'pxxx' },
    ]);
    expect(generated({ nest: { depth: 3, open: '[', close: ']', middle: '1' } })).toBe('[[[1]]]');
    expect(generated({ nest: { depth: 2, open: '{"a":', close: '}', unclosed: true } })).toBe('{"a":{"a":');
    expect(
      Buffer.byteLength(generated({ hugeString: { prefix: '["', suffix: '"]', totalBytes: 1000 } })),
    ).toBe(1000);
  });
});

describe('hostile deliveries through app.inject', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it.each(injected.map((entry) => [title(entry), entry] as const))('%s', async (_title, { badCase }) => {
    const payload = payloadOf(badCase);
    await replayAndCheck(h, badCase, async () => {
      const response = await h.app.inject({
        method: badCase.method ?? 'POST',
        url: badCase.path ?? `/${SUBSCRIPTION}`,
        headers: badCase.headers ?? {},
        ...(payload === undefined ? {} : { payload }),
      });
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: response.body,
      };
    });
  });
});

// ---- over real HTTP ------------------------------------------------------------------------------------------

const SOCKET_TIMEOUT_MS = 5_000;

/** Writes bytes to a fresh connection and reads until the server closes it. */
function sendRaw(port: number, bytes: string): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => {
      socket.destroy(new Error(`no answer within ${SOCKET_TIMEOUT_MS} ms`));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(text)?.[1];
      if (status === undefined) {
        reject(new Error(`no HTTP status line in ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      resolve({
        status: Number(status),
        contentType: /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim(),
        body: split < 0 ? '' : text.slice(split + 4),
      });
    });
    socket.end(bytes, 'utf8');
  });
}

function rawBytes(badCase: BadCase): string {
  const body = badCase.rawBody ?? '';
  return (badCase.raw ?? '').replaceAll('{{length}}', String(Buffer.byteLength(body))) + body;
}

describe('hostile bytes over a real socket', () => {
  let h: Harness;
  let server: BoundServer;
  let port: number;
  const open: Socket[] = [];

  beforeEach(async () => {
    h = await createHarness();
    // The production HTTP stack (createHttpBind, as main.ts uses it) in front of the harness app.
    const bind = createHttpBind({
      requestTimeoutMs: 5_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 1_000,
    });
    server = await bind('127.0.0.1', 0, (request, response) => {
      h.app.routing(request, response);
    });
    port = Number(server.address.split(':').pop());
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.destroy();
    await server.close(100);
    await h.close();
  });

  it.each(rawCases.map((entry) => [title(entry), entry] as const))('%s', async (_title, { badCase }) => {
    await replayAndCheck(h, badCase, () => sendRaw(port, rawBytes(badCase)));
  });

  it('a client that stalls mid-request does not hold up other deliveries', async () => {
    const stall = (bytes: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(bytes, (error) => (error === undefined || error === null ? resolve() : reject(error)));
        });
        socket.on('error', reject);
        open.push(socket);
      });
    const headerOnly = 'POST /kv-rotation HTTP/1.1\r\nHost: 127.0.0.1\r\naeg-subscription-name: KV-RO';
    const bodyPart =
      'POST /kv-rotation HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"id":';
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => stall(index % 2 === 0 ? headerOnly : bodyPart)),
    );

    const response = await fetch(`http://127.0.0.1:${port}/${SUBSCRIPTION}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': 'KV-ROTATION',
      },
      body: JSON.stringify(jsonFixture('events/eventgrid/secret-new-version.json')),
      signal: AbortSignal.timeout(SOCKET_TIMEOUT_MS),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ annotated: fixtures.annotated.length });
    expect(
      open.every((socket) => !socket.destroyed),
      'the stalled clients are still connected',
    ).toBe(true);
  });
});
