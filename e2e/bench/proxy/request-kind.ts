/** What a request to the API server does, as the listener's budget counts it. */
export type RequestKind = 'LIST' | 'GET' | 'WATCH' | 'PATCH' | 'POST' | 'PUT' | 'DELETE' | 'DISCOVERY';

export const REQUEST_KINDS: readonly RequestKind[] = [
  'LIST',
  'GET',
  'WATCH',
  'PATCH',
  'POST',
  'PUT',
  'DELETE',
  'DISCOVERY',
];

export interface ClassifiedRequest {
  readonly kind: RequestKind;
  /** `externalsecrets`, `events`, `configs/status`; the path for discovery. */
  readonly resource: string;
}

/**
 * Reads the verb the way the API server's request-info resolver does: a GET of a collection is a LIST,
 * of a named object a GET, and either with `watch=true` (or under the legacy /watch/ prefix) a WATCH.
 * Paths: /api/v1/… or /apis/<group>/<version>/…, then optionally namespaces/<ns>/, then
 * <resource>[/<name>[/<subresource>]]. Anything else (/version, /openapi, /apis) is discovery.
 */
export function classifyRequest(method: string, url: string): ClassifiedRequest {
  const parsed = new URL(url, 'https://api-server.invalid');
  const segments = parsed.pathname.split('/').filter((segment) => segment !== '');
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) rest = segments.slice(2);
  else if (segments[0] === 'apis' && segments.length >= 4) rest = segments.slice(3);
  else return { kind: 'DISCOVERY', resource: parsed.pathname };

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  // namespaces/<ns>/<resource>… is namespaced; namespaces and namespaces/<name> are the Namespace kind.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = '', name, subresource] = rest;
  const watchParameter = parsed.searchParams.get('watch');
  const isWatch = legacyWatch || watchParameter === 'true' || watchParameter === '1';
  const named = name !== undefined;
  const target = subresource === undefined ? resource : `${resource}/${subresource}`;

  switch (method.toUpperCase()) {
    case 'GET':
      return { kind: isWatch ? 'WATCH' : named ? 'GET' : 'LIST', resource: target };
    case 'POST':
      return { kind: 'POST', resource: target };
    case 'PATCH':
      return { kind: 'PATCH', resource: target };
    case 'PUT':
      return { kind: 'PUT', resource: target };
    case 'DELETE':
      return { kind: 'DELETE', resource: target };
    default:
      return { kind: 'DISCOVERY', resource: `${method} ${parsed.pathname}` };
  }
}
