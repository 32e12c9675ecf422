import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { z } from 'zod';

import type { RunningCluster } from '../cluster/cluster-provider.js';

/** The RunningCluster capabilities the control server can offer to test files. */
export type ClusterCapability = 'stopApiServer' | 'startApiServer' | 'createUser';

/** What global setup provides to the test files: where to ask, and what may be asked. */
export interface ClusterControlAddress {
  readonly url: string;
  readonly token: string;
  readonly capabilities: readonly ClusterCapability[];
}

export interface ClusterControlServer {
  readonly address: ClusterControlAddress;
  close(): Promise<void>;
}

const stopBodySchema = z.object({ graceful: z.boolean().optional() }).strict();
const userBodySchema = z.object({ name: z.string().min(1), groups: z.array(z.string()).optional() }).strict();

/**
 * The running cluster's functions live in vitest's main process (global setup), but the suites run in
 * a worker, and `provide()` carries only data. This loopback server, guarded by a random token, lets
 * the fault and RBAC suites call them: stop and start kube-apiserver, mint a user.
 */
export async function startClusterControlServer(cluster: RunningCluster): Promise<ClusterControlServer> {
  const token = randomBytes(24).toString('hex');
  const routes: Partial<Record<string, (body: unknown) => Promise<unknown>>> = {};
  const { stopApiServer, startApiServer, createUser } = cluster;
  if (stopApiServer !== undefined) {
    routes['/api-server/stop'] = async (body) => {
      const { graceful } = stopBodySchema.parse(body);
      await stopApiServer(graceful === undefined ? {} : { graceful });
      return {};
    };
  }
  if (startApiServer !== undefined) {
    routes['/api-server/start'] = async () => {
      await startApiServer();
      return {};
    };
  }
  if (createUser !== undefined) {
    routes['/users'] = async (body) => {
      const { name, groups } = userBodySchema.parse(body);
      const user = await createUser(groups === undefined ? { name } : { name, groups });
      return { name: user.name, groups: user.groups, kubeconfigPath: user.kubeconfigPath };
    };
  }
  const capabilities: ClusterCapability[] = [
    ...(stopApiServer === undefined ? [] : (['stopApiServer'] as const)),
    ...(startApiServer === undefined ? [] : (['startApiServer'] as const)),
    ...(createUser === undefined ? [] : (['createUser'] as const)),
  ];

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      reply(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isAuthorized(request.headers.authorization, token)) {
      reply(response, 401, { error: 'missing or wrong token' });
      return;
    }
    const route = request.method === 'POST' ? routes[request.url ?? ''] : undefined;
    if (route === undefined) {
      reply(response, 404, {
        error: `${request.method ?? ''} ${request.url ?? ''}: not offered by this cluster`,
      });
      return;
    }
    reply(response, 200, await route(await readJson(request)));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('cluster control: no TCP address');
  return {
    address: { url: `http://127.0.0.1:${address.port}`, token, capabilities },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}

function isAuthorized(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
