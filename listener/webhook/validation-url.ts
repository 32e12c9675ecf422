export interface ValidationUrlResult {
  readonly ok: boolean;
  readonly status: number | undefined;
  readonly error: string | undefined;
}

export type FetchValidationUrl = (url: string) => Promise<ValidationUrlResult>;

export interface ValidationUrlOptions {
  readonly timeoutMs: number;
  /** Bytes of the answer read at most; Azure answers with a short text. */
  readonly maxBodyBytes: number;
  readonly fetch?: typeof fetch;
}

/**
 * Completes Event Grid's asynchronous handshake with a GET on the validationUrl. Called only for hosts
 * on the allow-list; never follows a redirect (that could lead anywhere), gives up after the timeout,
 * and reads at most a few bytes of the answer.
 */
export function createValidationUrlFetcher(options: ValidationUrlOptions): FetchValidationUrl {
  const doFetch = options.fetch ?? fetch;
  return async (url) => {
    try {
      const response = await doFetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await readCapped(response, options.maxBodyBytes);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, status: response.status, error: ok ? undefined : `answered ${response.status}` };
    } catch (error) {
      return { ok: false, status: undefined, error: error instanceof Error ? error.message : String(error) };
    }
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  let read = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    read += (chunk.value as Uint8Array).byteLength;
    if (read > maxBytes) {
      await reader.cancel();
      return;
    }
  }
}
