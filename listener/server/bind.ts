import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A listening socket. `close` stops accepting, lets in-flight requests finish, then resolves. */
export interface BoundServer {
  readonly address: string;
  close(graceMs: number): Promise<void>;
}

/** Binds host:port and hands every request to `handler`; rejects with the OS error (EADDRINUSE…). */
export type Bind = (host: string, port: number, handler: RequestHandler) => Promise<BoundServer>;
