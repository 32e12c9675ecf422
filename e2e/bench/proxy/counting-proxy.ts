import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Agent, createServer as createHttpsServer, request } from 'node:https';

import { classifyRequest } from './request-kind.js';
import { RequestTally } from './request-counts.js';

export interface CountingProxyOptions {
  /** https://127.0.0.1:<port> of the API server. */
  readonly upstream: string;
  /** The control plane's CA and the admin client certificate, which the proxy presents upstream. */
  readonly upstreamTls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  /** A certificate for IP:127.0.0.1 signed by the control plane's CA, so clients trust the proxy as is. */
  readonly servingTls: { readonly cert: Buffer; readonly key: Buffer };
  /** One port per lane, each with its own tally: the listener's requests never mix with the baseline's. */
  readonly lanes: readonly string[];
}

export interface CountingProxy {
  readonly lanePorts: Readonly<Record<string, number>>;
  /** Plain HTTP on 127.0.0.1: GET /counts answers every lane's tally. */
  readonly controlPort: number;
  close(): Promise<void>;
}

// Hop-by-hop headers belong to one connection, not to the request being forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * A TLS-terminating HTTP/1.1 proxy in front of the API server that counts requests by verb (LIST, GET,
 * WATCH, PATCH, POST…) and resource. It sees verbs because it terminates TLS, which kube-apiserver's
 * own metrics could not give per client (apiserver_request_total has no user label). Bodies stream
 * through untouched, so watches stay open and arrive as they happen.
 */
export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, ...options.upstreamTls });
  const tallies = new Map(options.lanes.map((lane) => [lane, new RequestTally()]));
  const servers: Server[] = [];
  const lanePorts: Record<string, number> = {};

  for (const [lane, tally] of tallies) {
    const server = createHttpsServer(options.servingTls, (incoming, outgoing) => {
      const url = incoming.url ?? '/';
      const method = incoming.method ?? 'GET';
      tally.add(classifyRequest(method, url));
      const forwarded = request(
        {
          protocol: 'https:',
          hostname: upstream.hostname,
          port: upstream.port,
          method,
          path: url,
          headers: { ...forwardable(incoming.headers), host: upstream.host },
          agent,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
          // A watch sends no body until something changes, and Node holds headers back until the
          // first body byte: clients (client-node's informer) wait for the headers, so send them now.
          outgoing.flushHeaders();
          answer.pipe(outgoing);
        },
      );
      forwarded.on('error', (error) => {
        // The client sees a 502 (or a cut stream), as it would from any proxy; the bench reports it.
        if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`counting proxy: ${error.message}`);
      });
      // A client that goes away (a watch stopped) takes its upstream request with it.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) forwarded.destroy();
      });
      incoming.pipe(forwarded);
    });
    servers.push(server);
    lanePorts[lane] = await listen(server);
  }

  const control = createHttpServer((incoming, outgoing) => {
    if (incoming.method === 'GET' && incoming.url === '/counts') {
      const body = Object.fromEntries([...tallies].map(([lane, tally]) => [lane, tally.snapshot()]));
      outgoing.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    outgoing.writeHead(404).end();
  });
  servers.push(control);
  const controlPort = await listen(control);

  return {
    lanePorts,
    controlPort,
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      agent.destroy();
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string')
        reject(new Error('counting proxy: no TCP address'));
      else resolve(address.port);
    });
  });
}
