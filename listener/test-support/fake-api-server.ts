import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

import { KubeConfig } from '@kubernetes/client-node';

import { selfSignedCertificate } from './self-signed.js';

/** One request as the fake API server received it. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly search: URLSearchParams;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  /** Common name of the client certificate, when one was presented. */
  readonly clientCert: string | undefined;
  readonly body: string;
}

/**
 * What to answer: a JSON body with a status, JSON lines streamed then ended after `endAfterMs` (a
 * watch), an answer held back for `delayMs`, or the connection dropped.
 */
export type ApiAnswer =
  | { readonly status: number; readonly json?: unknown; readonly delayMs?: number }
  | { readonly lines: readonly unknown[]; readonly endAfterMs: number }
  | { readonly drop: true };

export type ApiHandler = (request: ApiRequest) => ApiAnswer | Promise<ApiAnswer>;

export interface FakeApiServer {
  readonly url: string;
  /** The server certificate's path, to trust as the cluster CA. */
  readonly caFile: string;
  /** Every request so far. */
  readonly requests: ApiRequest[];
  /** TLS connections accepted and closed so far. */
  readonly connections: { opened: number; closed: number };
  /** What answers the next requests; 404 until set. */
  handle: ApiHandler;
  /** A kubeconfig for this server with the given user (a bearer token by default). */
  kubeConfig(user?: { token?: string; certFile?: string; keyFile?: string }): KubeConfig;
  /** Drops open connections, then forgets requests and connection counts. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Kubernetes API server played over real HTTPS on 127.0.0.1: what crosses the wire (connections,
 * TLS, chunked bodies, headers) is what an API server would see, which msw cannot show for undici.
 * Answers are chunked, as kube-apiserver's are for bodies past a few KB.
 */
export async function startFakeApiServer(): Promise<FakeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-api-server-'));
  const certificate = selfSignedCertificate(dir, 'kube-apiserver');
  const server: Server = createServer({
    cert: readFileSync(certificate.cert),
    key: readFileSync(certificate.key),
    requestCert: true,
    rejectUnauthorized: false,
  });
  const fake: FakeApiServer = {
    url: '',
    caFile: certificate.cert,
    requests: [],
    connections: { opened: 0, closed: 0 },
    handle: () => ({ status: 404, json: { kind: 'Status', code: 404 } }),
    kubeConfig: (user = { token: 'test-token' }) => {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'fake', server: fake.url, caFile: certificate.cert }],
        users: [{ name: 'fake', ...user }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
        currentContext: 'fake',
      });
      return config;
    },
    reset: async () => {
      await Promise.all(
        [...sockets].map((socket) => new Promise((resolve) => socket.destroy().once('close', resolve))),
      );
      fake.requests.length = 0;
      fake.connections.opened = 0;
      fake.connections.closed = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    fake.connections.opened += 1;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      fake.connections.closed += 1;
    });
  });
  server.on('request', (incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'https://fake');
      // Without a client certificate getPeerCertificate() answers {}: no subject, whatever the types say.
      const peer = (incoming.socket instanceof TLSSocket ? incoming.socket.getPeerCertificate() : {}) as {
        subject?: { CN?: unknown };
      };
      const apiRequest: ApiRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        search: url.searchParams,
        contentType: incoming.headers['content-type'],
        authorization: incoming.headers.authorization,
        clientCert: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      fake.requests.push(apiRequest);
      void Promise.resolve(fake.handle(apiRequest)).then(async (answer) => {
        if ('drop' in answer) {
          incoming.socket.destroy();
          return;
        }
        response.writeHead('lines' in answer ? 200 : answer.status, { 'content-type': 'application/json' });
        if ('lines' in answer) {
          for (const line of answer.lines) response.write(`${JSON.stringify(line)}\n`);
          setTimeout(() => response.end(), answer.endAfterMs);
          return;
        }
        if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        // write + end: a chunked answer, not one with Content-Length.
        response.write(JSON.stringify(answer.json ?? {}));
        response.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (fake as { url: string }).url = `https://127.0.0.1:${port}`;
  return fake;
}
