import { readFile } from 'node:fs/promises';

import { Agent, request } from 'undici';

export interface ClientTls {
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeHttpError';
  }
}

/**
 * The benchmark's own way to the API server for set-up and observation (bulk creates, LIST, the
 * annotation watch): undici with the admin certificate, cheaper per request than client-node, so the
 * harness takes as little CPU as it can from what it measures. The baselines use client-node instead.
 */
export interface KubeHttp {
  readonly serverUrl: string;
  json(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  /** A streaming GET (a watch); the caller reads and eventually destroys the body. */
  stream(path: string, signal: AbortSignal): Promise<AsyncIterable<Buffer>>;
  close(): Promise<void>;
}

export async function createKubeHttp(serverUrl: string, tls: ClientTls): Promise<KubeHttp> {
  const [ca, cert, key] = await Promise.all([
    readFile(tls.caPath),
    readFile(tls.certPath),
    readFile(tls.keyPath),
  ]);
  const agent = new Agent({ connect: { ca, cert, key }, connections: 64, keepAliveTimeout: 30_000 });
  return {
    serverUrl,
    async json(method, path, body) {
      const response = await request(`${serverUrl}${path}`, {
        method,
        dispatcher: agent,
        headers: {
          accept: 'application/json',
          ...(body === undefined
            ? {}
            : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) {
        throw new KubeHttpError(
          response.statusCode,
          `${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`,
        );
      }
      return JSON.parse(text) as unknown;
    },
    async stream(path, signal) {
      const response = await request(`${serverUrl}${path}`, { method: 'GET', dispatcher: agent, signal });
      if (response.statusCode !== 200) {
        const text = await response.body.text();
        throw new KubeHttpError(
          response.statusCode,
          `GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`,
        );
      }
      return response.body;
    },
    close: () => agent.close(),
  };
}
