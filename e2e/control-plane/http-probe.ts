import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * A bare GET with the control plane's own CA. node:https rather than fetch: Node 20's fetch (undici)
 * takes no per-request CA or client certificate without building a dispatcher for each probe.
 */
export function httpGet(url: string, tls: TlsMaterial = {}, timeoutMs = 2_000): Promise<HttpResponse> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'GET', ...tls, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => {
      req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface WaitOptions {
  readonly url: string;
  readonly tls?: TlsMaterial;
  readonly timeoutMs: number;
  readonly isReady: (response: HttpResponse) => boolean;
  /** Stop waiting early, e.g. because the process that should answer has exited. */
  readonly abandon?: () => string | undefined;
}

export type WaitResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Polls until `isReady`; refused connections and 5xx are expected while a server starts. */
export async function waitForHttp(options: WaitOptions): Promise<WaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const abandoned = options.abandon?.();
    if (abandoned !== undefined) return { ok: false, reason: abandoned };
    try {
      const response = await httpGet(options.url, options.tls);
      if (options.isReady(response)) return { ok: true };
      last = `HTTP ${response.status}: ${response.body.slice(0, 300).trim()}`;
    } catch (error: unknown) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ok: false, reason: `not ready after ${options.timeoutMs} ms (last: ${last})` };
}
