import { request } from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One raw request to the API server with the kubeconfig's credentials. For what client-node's typed
 * clients cannot send faithfully: they serialise built-in kinds through their models, which silently
 * drops any field the model lacks, so a misspelt field would never reach the server's validation.
 */
export async function kubeRequest(
  config: KubeConfig,
  method: 'GET' | 'PATCH',
  path: string,
  body?: { readonly text: string; readonly contentType: string },
): Promise<KubeResponse> {
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(path, server);
  const options: Parameters<typeof request>[1] = {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': body.contentType }),
    },
    timeout: 30_000,
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => {
      req.destroy(new Error(`${method} ${path} timed out`));
    });
    req.on('error', reject);
    req.end(body?.text);
  });
}

/** The `message` of a Kubernetes Status body, or the body itself. */
export function statusMessage(response: KubeResponse): string {
  try {
    const parsed: unknown = JSON.parse(response.body);
    const message = (parsed as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return response.body.slice(0, 500);
}
