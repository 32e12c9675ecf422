import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_GRID_APP_ID, type EndpointAuth } from '../config/schema.js';
import { CONTENT_TYPE_JSON } from '../eventgrid/index.js';
import { jsonFixture } from '../test-support/fixtures.js';
import {
  createHarness,
  flush,
  SUBSCRIPTION,
  type Harness,
  type HarnessOptions,
} from '../test-support/harness.js';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const SECRET_REF = {
  namespace: 'eventgrid-reloader',
  name: 'webhook-key',
  key: 'current',
  previousKey: 'previous',
};
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function deliver(harness: Harness, query = '', headers: Record<string, string> = {}) {
  return harness.app.inject({
    method: 'POST',
    url: `/${SUBSCRIPTION}${query}`,
    headers: { 'content-type': CONTENT_TYPE_JSON, 'aeg-event-type': 'Notification', ...headers },
    payload: JSON.stringify(jsonFixture('events/eventgrid/secret-new-version.json')),
  });
}

async function withSecret(auth: EndpointAuth, options: HarnessOptions = {}): Promise<Harness> {
  const harness = await createHarness({ ...options, auth });
  harness.cluster.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: SECRET_REF,
    stringData: { current: 'new-value-1234', previous: 'old-value-5678' },
  });
  return harness;
}

describe('shared secret', () => {
  it('accepts the current and the previous value from the query string, and nothing else', async () => {
    h = await withSecret({ sharedSecret: { secretRef: SECRET_REF, queryParameter: 'code' } });
    expect((await deliver(h)).statusCode).toBe(401);
    const wrong = await deliver(h, '?code=guess');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('new-value-1234');
    expect((await deliver(h, '?code=new-value-1234')).statusCode).toBe(200);
    expect((await deliver(h, '?code=old-value-5678')).statusCode).toBe(200);
    const failures = await h.metrics.authFailures.get();
    expect(failures.values.reduce((sum, value) => sum + value.value, 0)).toBe(2);
  });

  it('reads it from a custom delivery header when configured', async () => {
    h = await withSecret({
      sharedSecret: { secretRef: SECRET_REF, queryParameter: 'code', header: 'x-reloader-key' },
    });
    expect((await deliver(h, '?code=new-value-1234')).statusCode).toBe(401);
    expect((await deliver(h, '', { 'x-reloader-key': 'new-value-1234' })).statusCode).toBe(200);
  });

  it('answers 503 (retry) while the Secret does not exist, rather than refusing for good', async () => {
    h = await createHarness({ auth: { sharedSecret: { secretRef: SECRET_REF, queryParameter: 'code' } } });
    expect((await deliver(h, '?code=anything')).statusCode).toBe(503);
  });

  it('guards the validation handshake too', async () => {
    h = await withSecret({ sharedSecret: { secretRef: SECRET_REF, queryParameter: 'code' } });
    const response = await h.app.inject({
      method: 'POST',
      url: `/${SUBSCRIPTION}`,
      headers: {
        'content-type': CONTENT_TYPE_JSON,
        'aeg-event-type': 'SubscriptionValidation',
        'aeg-subscription-name': 'KV-ROTATION',
      },
      payload: JSON.stringify(jsonFixture('events/eventgrid/handshake.json')),
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('512d38b6');
  });
});

describe('authentication comes first', () => {
  const auth: EndpointAuth = { sharedSecret: { secretRef: SECRET_REF, queryParameter: 'code' } };

  function send(harness: Harness, query: string, payload: string) {
    return harness.app.inject({
      method: 'POST',
      url: `/${SUBSCRIPTION}${query}`,
      headers: { 'content-type': CONTENT_TYPE_JSON, 'aeg-event-type': 'Notification' },
      payload,
    });
  }

  it('answers 401 before the body is read: bad JSON and an oversized body from a stranger', async () => {
    h = await withSecret(auth, { bodyLimit: 1024 });
    const badJson = '[{"id":';
    const oversized = JSON.stringify(['x'.repeat(2048)]);
    expect((await send(h, '?code=guess', badJson)).statusCode).toBe(401);
    expect((await send(h, '?code=guess', oversized)).statusCode).toBe(401);
    expect((await send(h, '', oversized)).statusCode).toBe(401);
    // The same bodies with the secret reach the parser.
    expect((await send(h, '?code=new-value-1234', badJson)).statusCode).toBe(400);
    expect((await send(h, '?code=new-value-1234', oversized)).statusCode).toBe(413);
  });

  it("does not let unauthenticated requests spend the path's rate-limit budget", async () => {
    h = await withSecret(auth, { rateLimitPerSecond: 2 });
    const strangers = [];
    for (let i = 0; i < 5; i += 1) strangers.push((await deliver(h, '?code=guess')).statusCode);
    expect(strangers).toEqual([401, 401, 401, 401, 401]);
    const eventGrid = [];
    for (let i = 0; i < 3; i += 1) eventGrid.push((await deliver(h, '?code=new-value-1234')).statusCode);
    expect(eventGrid).toEqual([200, 200, 429]);
  });

  it('guards the CloudEvents OPTIONS handshake, so a stranger cannot make it fetch the callback', async () => {
    const harness = await withSecret(auth);
    h = harness;
    const handshake = (query: string) =>
      harness.app.inject({
        method: 'OPTIONS',
        url: `/${SUBSCRIPTION}${query}`,
        headers: {
          'webhook-request-origin': 'eventgrid.azure.net',
          'webhook-request-callback':
            'https://rp-eastus2.eventgrid.azure.net/eventsubscriptions/kv/validate?id=1',
        },
      });
    const stranger = await handshake('?code=guess');
    await flush();
    expect(stranger.statusCode).toBe(401);
    expect(stranger.headers['webhook-allowed-origin']).toBeUndefined();
    expect(harness.fetched).toEqual([]);
    const granted = await handshake('?code=new-value-1234');
    await flush();
    expect(granted.statusCode).toBe(200);
    expect(harness.fetched).toHaveLength(1);
  });
});

describe('Microsoft Entra ID bearer tokens', () => {
  const TENANT = '11111111-2222-3333-4444-555555555555';
  const AUDIENCE = 'api://eventgrid-reloader';
  const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
  let jwksServer: Server;
  let jwksUri: string;
  let published: JWK[] = [];
  let jwksFetches = 0;
  const keys: { kid: string; privateKey: SigningKey }[] = [];

  async function addKey(kid: string): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    published = [...published, { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }];
    keys.push({ kid, privateKey });
    return privateKey;
  }

  function token(
    privateKey: SigningKey,
    kid: string,
    claims: Record<string, unknown> = {},
    expiresIn = '5m',
  ): Promise<string> {
    return new SignJWT({ appid: EVENT_GRID_APP_ID, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : ISSUER)
      .setAudience(typeof claims['aud'] === 'string' ? claims['aud'] : AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(privateKey);
  }

  beforeAll(async () => {
    jwksServer = createServer((_request, response) => {
      jwksFetches += 1;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const address = jwksServer.address();
    jwksUri = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/keys`;
    await addKey('key-1');
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  const entra = (): Promise<Harness> =>
    createHarness({
      auth: { entraId: { tenantId: TENANT, audience: AUDIENCE, eventGridAppId: EVENT_GRID_APP_ID, jwksUri } },
      // No cooldown, so a test can show the key set is fetched again for an unknown key id.
      jwks: (uri) => createRemoteJWKSet(uri, { cooldownDuration: 0 }),
    });

  it('accepts a token signed by the tenant for the audience, issued to Event Grid', async () => {
    h = await entra();
    const [key] = keys;
    if (key === undefined) throw new Error('no key');
    const response = await deliver(h, '', {
      authorization: `Bearer ${await token(key.privateKey, key.kid)}`,
    });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['no token', async () => undefined, 401],
    ['another audience', async (k: SigningKey) => token(k, 'key-1', { aud: 'api://someone-else' }), 401],
    [
      'another issuer',
      async (k: SigningKey) => token(k, 'key-1', { iss: 'https://login.microsoftonline.com/other/v2.0' }),
      401,
    ],
    ['an expired token', async (k: SigningKey) => token(k, 'key-1', {}, '-10m'), 401],
    [
      'another application',
      async (k: SigningKey) => token(k, 'key-1', { appid: '00000000-0000-0000-0000-000000000000' }),
      403,
    ],
  ])('refuses %s', async (_name, make, status) => {
    h = await entra();
    const [key] = keys;
    if (key === undefined) throw new Error('no key');
    const value = await make(key.privateKey);
    const response = await deliver(h, '', value === undefined ? {} : { authorization: `Bearer ${value}` });
    expect(response.statusCode).toBe(status);
  });

  it('refuses a token signed by a key the tenant never published', async () => {
    h = await entra();
    const { privateKey } = await generateKeyPair('RS256');
    const response = await deliver(h, '', { authorization: `Bearer ${await token(privateKey, 'key-1')}` });
    expect(response.statusCode).toBe(401);
  });

  it('fetches the key set again when a token names an unknown key id (key rotation)', async () => {
    h = await entra();
    const [first] = keys;
    if (first === undefined) throw new Error('no key');
    expect(
      (await deliver(h, '', { authorization: `Bearer ${await token(first.privateKey, first.kid)}` }))
        .statusCode,
    ).toBe(200);
    const before = jwksFetches;
    const rotated = await addKey('key-2');
    expect(
      (await deliver(h, '', { authorization: `Bearer ${await token(rotated, 'key-2')}` })).statusCode,
    ).toBe(200);
    expect(jwksFetches).toBeGreaterThan(before);
  });
});

describe('rate limit', () => {
  it('answers 429 past the per-path rate, which Event Grid retries', async () => {
    h = await createHarness({ rateLimitPerSecond: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await deliver(h)).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
