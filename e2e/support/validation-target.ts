import { createServer } from 'node:http';

/** A request the target received. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly host: string;
}

/**
 * A tiny HTTP server standing in for Event Grid's validationUrl endpoint. It counts TCP connections
 * as well as requests: a GET the listener must not send would show up as a connection even if it
 * never became a well-formed request (https to a plain http port, for instance).
 */
export interface ValidationTarget {
  /** `http://<host>:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly requests: readonly ReceivedRequest[];
  connections(): number;
  close(): Promise<void>;
}

export async function startValidationTarget(host: string): Promise<ValidationTarget> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      host: request.headers.host ?? '',
    });
    // Azure answers the validation GET with a short text body.
    response.writeHead(200, { 'content-type': 'text/plain' }).end('Webhook successfully validated');
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('validation target: no TCP address');
  return {
    origin: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}
