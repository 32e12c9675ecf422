import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Bind, BoundServer, RequestHandler } from './bind.js';

export interface HttpTimeouts {
  /** Whole request, headers and body: a slow client cannot hold a connection longer. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveTimeoutMs: number;
  /**
   * How often connections are checked against the two timeouts above (default: 1 s, or the shorter
   * timeout if less). Node's default of 30 s would let a slow client overstay a short timeout by as much.
   */
  readonly checkIntervalMs?: number;
  /** Connections open at once; more are closed as they arrive (default: no limit). */
  readonly maxConnections?: number;
}

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Called after each reload attempt: undefined on success. */
  readonly onReload?: (error: Error | undefined) => void;
  /** How often the files are checked for changes (default 5 s). */
  readonly pollMs?: number;
}

function createTls(
  options: ServerOptions,
  tls: TlsFiles,
  handler: RequestHandler,
): { server: Server; dispose: () => void } {
  const read = () => ({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) });
  const server = createTlsServer({ ...options, ...read() }, handler);
  // Polling, not inotify: mounted Secrets change by an atomic symlink swap that fs.watch can miss.
  const reload = (): void => {
    try {
      server.setSecureContext(read());
      tls.onReload?.(undefined);
    } catch (error) {
      tls.onReload?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const interval = tls.pollMs ?? 5_000;
  watchFile(tls.certFile, { interval }, reload);
  watchFile(tls.keyFile, { interval }, reload);
  return {
    server,
    dispose: () => {
      unwatchFile(tls.certFile, reload);
      unwatchFile(tls.keyFile, reload);
    },
  };
}

/**
 * Real servers on real sockets — HTTPS when certificate files are given — with timeouts that keep slow
 * clients from holding the server.
 */
export function createHttpBind(timeouts: HttpTimeouts, tls?: TlsFiles): Bind {
  const options: ServerOptions = {
    requestTimeout: timeouts.requestTimeoutMs,
    headersTimeout: timeouts.headersTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionsCheckingInterval:
      timeouts.checkIntervalMs ?? Math.min(1_000, timeouts.requestTimeoutMs, timeouts.headersTimeoutMs),
  };
  return (host, port, handler) =>
    new Promise<BoundServer>((resolve, reject) => {
      const { server, dispose } =
        tls === undefined
          ? { server: createServer(options, handler), dispose: () => undefined }
          : createTls(options, tls, handler);
      // Past the cap Node drops new sockets at once: the client retries later (Event Grid does), and
      // a flood of idle or slow connections cannot exhaust file descriptors or memory.
      if (timeouts.maxConnections !== undefined) server.maxConnections = timeouts.maxConnections;
      server.once('error', (error) => {
        dispose();
        reject(error);
      });
      server.listen({ host, port }, () => {
        server.removeAllListeners('error');
        const address = server.address();
        const shown =
          typeof address === 'object' && address !== null
            ? `${address.address}:${address.port}`
            : `${host}:${port}`;
        resolve({
          address: shown,
          close: (graceMs) =>
            new Promise<void>((done) => {
              dispose();
              const force = setTimeout(() => server.closeAllConnections(), graceMs);
              force.unref();
              // A keep-alive connection goes idle only once its in-flight response is sent; sweep
              // until then so close() finishes when the last delivery does, not at the deadline.
              const sweep = setInterval(() => server.closeIdleConnections(), 100);
              sweep.unref();
              server.close(() => {
                clearTimeout(force);
                clearInterval(sweep);
                done();
              });
              server.closeIdleConnections();
            }),
        });
      });
    });
}
