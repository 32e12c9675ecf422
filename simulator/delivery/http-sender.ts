import { Agent, request, type Dispatcher } from 'undici';
import type { AttemptResult } from './attempt-result.js';

export interface OutboundRequest {
  readonly url: string;
  readonly method: 'POST' | 'OPTIONS';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * Real-time bound on the whole exchange. It is not a clock timer: a webhook answers in real time
   * however fast the simulated timeline runs.
   */
  readonly timeoutMs: number;
}

export interface SendOutcome {
  readonly result: AttemptResult;
  /** Real milliseconds from sending to the end of the answer. */
  readonly latencyMs: number;
}

/** The one seam for all outbound HTTP; tests swap the dispatcher, not the module. */
export interface Sender {
  send(request: OutboundRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** The simulator was asked to send somewhere the user did not name as a target. */
export class TargetNotAllowedError extends Error {
  readonly code = 'SIM_TARGET_NOT_ALLOWED';
  constructor(url: string) {
    super(`refusing to send to ${url}: not a subscription endpoint under a target you gave`);
    this.name = 'TargetNotAllowedError';
  }
}

export interface HttpSenderOptions {
  /** Decides whether a URL may be contacted at all; the simulator allows only subscription endpoints. */
  readonly isAllowed: (url: URL) => boolean;
  /** Defaults to a private keep-alive Agent, closed with the sender. */
  readonly dispatcher?: Dispatcher;
  /** Answers are kept up to this many bytes (for the report); the rest is discarded. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

export function createHttpSender(options: HttpSenderOptions): Sender {
  const owned = options.dispatcher === undefined ? new Agent({ keepAliveTimeout: 10_000 }) : undefined;
  const dispatcher = options.dispatcher ?? owned;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return {
    async send(outbound) {
      const url = new URL(outbound.url);
      if (!options.isAllowed(url)) throw new TargetNotAllowedError(outbound.url);
      const controller = new AbortController();
      const timer = setTimeout(() => {
        controller.abort(new Error('response timeout'));
      }, outbound.timeoutMs);
      const started = performance.now();
      try {
        const response = await request(url, {
          method: outbound.method,
          headers: { ...outbound.headers },
          body: outbound.body ?? null,
          signal: controller.signal,
          ...(dispatcher === undefined ? {} : { dispatcher }),
        });
        const body = await readBounded(response.body, maxBodyBytes);
        return {
          result: {
            kind: 'response',
            status: response.statusCode,
            headers: flattenHeaders(response.headers),
            body,
          },
          latencyMs: performance.now() - started,
        };
      } catch (error) {
        const latencyMs = performance.now() - started;
        if (controller.signal.aborted) return { result: { kind: 'timeout' }, latencyMs };
        return { result: { kind: 'network', ...networkError(error) }, latencyMs };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await owned?.close();
    },
  };
}

async function readBounded(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    if (size < maxBytes) chunks.push(buffer.subarray(0, maxBytes - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** ECONNREFUSED and friends hide in `cause`; undici's own failures carry UND_ERR_* codes. */
function networkError(error: unknown): { code: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = codeOf(cause) ?? codeOf(error) ?? 'ERR_NETWORK';
  return { code, message };
}

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value)) return undefined;
  return typeof value.code === 'string' ? value.code : undefined;
}
