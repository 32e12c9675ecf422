import { createServer } from 'node:http';
import type { Bind, BoundServer } from './bind.js';

export interface HttpTimeouts {
  /** Whole request, headers and body: a slow client cannot hold a connection longer. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** Real HTTP servers on real sockets, with timeouts that keep slow clients from holding the server. */
export function createHttpBind(timeouts: HttpTimeouts): Bind {
  return (host, port, handler) =>
    new Promise<BoundServer>((resolve, reject) => {
      const server = createServer(
        {
          requestTimeout: timeouts.requestTimeoutMs,
          headersTimeout: timeouts.headersTimeoutMs,
          keepAliveTimeout: timeouts.keepAliveTimeoutMs,
        },
        handler,
      );
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        const address = server.address();
        const shown =
          typeof address === 'object' && address !== null
            ? `${address.address}:${address.port}`
            : `${host}:${port}`;
        resolve({
          address: shown,
          close: (graceMs) =>
            new Promise<void>((done) => {
              const force = setTimeout(() => server.closeAllConnections(), graceMs);
              force.unref();
              server.close(() => {
                clearTimeout(force);
                done();
              });
              server.closeIdleConnections();
            }),
        });
      });
    });
}
