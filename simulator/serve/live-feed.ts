import type { ServerResponse } from 'node:http';

/** Server-sent events to every open dashboard. */
export interface LiveFeed {
  /** Takes over a response; it stays open until the client leaves or the feed closes. */
  add(response: ServerResponse): void;
  broadcast(type: string, data: unknown): void;
  clients(): number;
  close(): void;
}

// Comment lines keep proxies and browsers from timing out an idle stream.
const HEARTBEAT_MS = 15_000;

export function createLiveFeed(): LiveFeed {
  const clients = new Set<ServerResponse>();
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    add(response) {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      response.write('retry: 1000\n\n');
      clients.add(response);
      response.on('close', () => clients.delete(response));
    },
    broadcast(type, data) {
      const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const client of clients) client.write(frame);
    },
    clients: () => clients.size,
    close() {
      clearInterval(heartbeat);
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}
