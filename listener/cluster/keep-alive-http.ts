import { Agent as HttpsAgent } from 'node:https';

import {
  IsomorphicFetchHttpLibrary,
  ResponseContext,
  SelfDecodingBody,
  type PromiseHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import { Agent, request } from 'undici';

/** The options of client-node's agent that decide which TLS connections may be shared. */
const TLS_MATERIAL = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsMaterial = Partial<Pick<HttpsAgent['options'], (typeof TLS_MATERIAL)[number]>>;

/**
 * A backstop for the calls without a deadline of their own (Events, Config status, the Lease, Secret
 * reads): none of them should take seconds, and a stalled one must not hold a pooled connection for
 * undici's default five minutes. Watches do not come through here.
 */
const STALL_TIMEOUT_MS = 30_000;

export interface KeepAliveHttpOptions {
  /** Most connections to the API server at once; requests beyond it wait for a free one. */
  readonly maxConnections: number;
}

/**
 * The HTTP library under client-node's API clients, with connections kept alive.
 *
 * client-node builds a fresh `https.Agent` from the kubeconfig for every request, so every request
 * pays a TCP connection and a TLS handshake (kubernetes-client/javascript#2893); under a fan-out of a
 * thousand patches that handshake, not the API server, is the cost. Its node-fetch 2 also reports
 * "Premature close" for chunked answers on reused sockets, so sharing that agent is no cure. Here the
 * kubeconfig still authenticates each request (tokens, exec plugins, client certificates, CA, server
 * name), and the request goes out through undici over one pool of kept-alive connections, made anew
 * when the TLS material changes (a rotated client certificate). Proxied and plain-HTTP clusters keep
 * client-node's own path.
 */
export class KeepAliveHttpLibrary implements PromiseHttpLibrary {
  readonly #fallback = new IsomorphicFetchHttpLibrary();
  #pool: { readonly agent: Agent; readonly material: TlsMaterial } | undefined;

  constructor(private readonly options: KeepAliveHttpOptions) {}

  async send(context: RequestContext): Promise<ResponseContext> {
    const built = context.getAgent();
    const body = context.getBody();
    // Exactly https.Agent: the proxy agents client-node makes for proxyUrl are subclasses of it.
    if (built?.constructor !== HttpsAgent || (body !== undefined && typeof body !== 'string')) {
      return this.#fallback.send(context).toPromise();
    }
    const signal = context.getSignal();
    const response = await request(context.getUrl(), {
      method: context.getHttpMethod(),
      headers: context.getHeaders(),
      body: body ?? null,
      dispatcher: this.#agentFor(built.options),
      headersTimeout: STALL_TIMEOUT_MS,
      bodyTimeout: STALL_TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    // Read the whole answer now: the connection goes back to the pool only once its body is consumed.
    const data = Buffer.from(await response.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return new ResponseContext(response.statusCode, headers, new SelfDecodingBody(Promise.resolve(data)));
  }

  /** Closes the pooled connections once their requests finish. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.agent.close();
  }

  #agentFor(options: HttpsAgent['options']): Agent {
    const material = pickMaterial(options);
    if (this.#pool !== undefined && sameMaterial(material, this.#pool.material)) return this.#pool.agent;
    // close() lets requests in flight on the old material finish, then drops its connections.
    if (this.#pool !== undefined) void this.#pool.agent.close();
    const agent = new Agent({ connect: material, connections: this.options.maxConnections });
    this.#pool = { agent, material };
    return agent;
  }
}

function pickMaterial(options: HttpsAgent['options']): TlsMaterial {
  const material: Record<string, unknown> = {};
  for (const name of TLS_MATERIAL) {
    if (options[name] !== undefined) material[name] = options[name];
  }
  return material;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_MATERIAL.every((name) => sameValue(a[name], b[name]));
}

/** Strings and booleans by value, Buffers by content, lists (several CAs) element by element. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  return a === b;
}
