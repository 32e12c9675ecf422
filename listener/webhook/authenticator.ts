import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ObjectRef } from '../cluster/external-secret.js';
import type { EndpointAuth } from '../config/schema.js';

export type AuthResult =
  { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403 | 503; readonly reason: string };

export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly query: Readonly<Record<string, unknown>>;
}

export type Authenticate = (request: AuthRequest) => Promise<AuthResult>;

export interface AuthenticatorDeps {
  readonly readSecret: (ref: ObjectRef, key: string) => Promise<string | undefined>;
  readonly now: () => number;
  /** How long a shared secret read from its Secret is used before it is read again. */
  readonly secretTtlMs: number;
  /** Where signing keys come from; defaults to the tenant's JWKS over HTTPS (cached, refetched on an unknown kid). */
  readonly jwks?: (uri: URL) => JWTVerifyGetKey;
}

const OK: AuthResult = { ok: true };

/** Compares in constant time: hashing first makes lengths equal and reveals nothing of the secret. */
function sameSecret(candidate: string, expected: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sharedSecretCheck(
  config: NonNullable<EndpointAuth['sharedSecret']>,
  deps: AuthenticatorDeps,
): Authenticate {
  let cache: { values: string[]; readAt: number } | undefined;
  const values = async (): Promise<string[]> => {
    if (cache !== undefined && deps.now() - cache.readAt < deps.secretTtlMs) return cache.values;
    const { secretRef } = config;
    const keys = [secretRef.key, ...(secretRef.previousKey === undefined ? [] : [secretRef.previousKey])];
    try {
      const read = await Promise.all(keys.map((key) => deps.readSecret(secretRef, key)));
      cache = {
        values: read.filter((value): value is string => value !== undefined && value !== ''),
        readAt: deps.now(),
      };
    } catch (error) {
      // An API hiccup must not lock Event Grid out: the last values read stay good meanwhile.
      if (cache === undefined) throw error;
    }
    return cache.values;
  };
  return async (request) => {
    const candidate =
      config.header === undefined
        ? request.query[config.queryParameter]
        : firstHeader(request.headers, config.header);
    if (typeof candidate !== 'string' || candidate === '')
      return { ok: false, status: 401, reason: 'shared secret missing' };
    let accepted: string[];
    try {
      accepted = await values();
    } catch {
      return { ok: false, status: 503, reason: 'shared secret unavailable' };
    }
    if (accepted.length === 0)
      return { ok: false, status: 503, reason: 'shared secret not set in its Secret' };
    // Every value is compared, so the time taken does not tell which one matched.
    const matches = accepted.map((value) => sameSecret(candidate, value));
    return matches.includes(true) ? OK : { ok: false, status: 401, reason: 'shared secret mismatch' };
  };
}

function entraIdCheck(config: NonNullable<EndpointAuth['entraId']>, deps: AuthenticatorDeps): Authenticate {
  const jwksUri = new URL(
    config.jwksUri ?? `https://login.microsoftonline.com/${config.tenantId}/discovery/v2.0/keys`,
  );
  const keys = (
    deps.jwks ?? ((uri: URL) => createRemoteJWKSet(uri, { timeoutDuration: 5000, cooldownDuration: 30_000 }))
  )(jwksUri);
  const issuers = config.issuers ?? [
    `https://login.microsoftonline.com/${config.tenantId}/v2.0`,
    `https://sts.windows.net/${config.tenantId}/`,
  ];
  return async (request) => {
    const authorization = firstHeader(request.headers, 'authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) return { ok: false, status: 401, reason: 'bearer token missing' };
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: issuers,
        audience: config.audience,
        algorithms: ['RS256'],
        clockTolerance: 60,
        currentDate: new Date(deps.now()),
      });
      // v1 tokens name the calling application in appid, v2 tokens in azp. Roles are not relied upon.
      const caller = payload['appid'] ?? payload['azp'];
      if (caller !== config.eventGridAppId)
        return { ok: false, status: 403, reason: 'token not issued to Event Grid' };
      return OK;
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSTimeout ||
        (error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID')
      ) {
        return { ok: false, status: 503, reason: 'signing keys unavailable' };
      }
      const code = error instanceof joseErrors.JOSEError ? error.code : 'ERR_INVALID_TOKEN';
      return { ok: false, status: 401, reason: `bearer token rejected (${code})` };
    }
  };
}

/**
 * The endpoint check of one source: every configured method must pass. Reasons name what failed,
 * never the secret or the token.
 */
export function createAuthenticator(auth: EndpointAuth, deps: AuthenticatorDeps): Authenticate {
  const checks: Authenticate[] = [];
  if (auth.sharedSecret !== undefined) checks.push(sharedSecretCheck(auth.sharedSecret, deps));
  if (auth.entraId !== undefined) checks.push(entraIdCheck(auth.entraId, deps));
  return async (request) => {
    for (const check of checks) {
      const result = await check(request);
      if (!result.ok) return result;
    }
    return OK;
  };
}
