import { connect, createServer, type Socket } from 'node:net';

import { delayedPipe } from './delayed-pipe.js';

/**
 * A TCP proxy on 127.0.0.1 in front of the API server, for the fault suites: it adds latency to every
 * chunk, or cuts every connection. TCP only, so TLS stays end to end between the listener and
 * kube-apiserver and the serving certificate (IP:127.0.0.1) still verifies.
 */
export interface FaultProxy {
  /** `https://127.0.0.1:<port>`: what a kubeconfig's server becomes to go through the proxy. */
  readonly serverUrl: string;
  /** Added to every chunk in each direction; a request's round trip costs at least twice this. */
  setLatency(ms: number): void;
  /** Resets every open connection and each new one until restore(): the API server unreachable. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let latencyMs = 0;
  let isCut = false;

  const reset = (socket: Socket): void => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  // Half-open both ways: a side that finishes sending may still be owed the other side's answer.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    if (isCut) {
      reset(client);
      return;
    }
    const api = connect({ host: target.hostname, port: Number(target.port), allowHalfOpen: true });
    track(api);
    delayedPipe(client, api, () => latencyMs);
    delayedPipe(api, client, () => latencyMs);
    // Either side failing (the API server gone, the listener exiting) takes the other down with it, as a
    // dropped connection would; the error itself is the client's to see, as ECONNRESET.
    const abandon = (): void => {
      reset(client);
      reset(api);
    };
    client.on('error', abandon);
    api.on('error', abandon);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address');

  return {
    serverUrl: `https://127.0.0.1:${address.port}`,
    setLatency(ms) {
      latencyMs = ms;
    },
    cut() {
      isCut = true;
      for (const socket of sockets) reset(socket);
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}
