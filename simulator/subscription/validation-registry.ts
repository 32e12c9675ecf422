/** A validation waiting for its validationUrl to be fetched. */
export interface PendingValidation {
  readonly url: string;
  /** Resolves when the validationUrl has been fetched. */
  readonly fetched: Promise<void>;
  isFetched(): boolean;
  /** Stops accepting the URL (the window closed or the handshake failed otherwise). */
  expire(): void;
}

export type ValidationGetResult = 'validated' | 'unknown' | 'expired';

/**
 * The validationUrls the simulator hands out, and what happens when one is fetched. The HTTP route
 * that serves them is separate (validation-routes.ts) so that `serve` can mount it in its own app.
 */
export interface ValidationRegistry {
  register(subscription: string, code: string, token: string, time: string): PendingValidation;
  /** Called for `GET /eventsubscriptions/{subscription}/validate?id=…&token=…`. */
  fetch(subscription: string, id: string | undefined, token: string | undefined): ValidationGetResult;
}

export const VALIDATION_API_VERSION = '2025-02-15';

interface Entry {
  readonly code: string;
  readonly token: string;
  expired: boolean;
  fetched: boolean;
  readonly resolve: () => void;
}

/** `baseUrl` is where validation-routes.ts is mounted, e.g. `http://127.0.0.1:40123`. */
export function createValidationRegistry(baseUrl: () => string): ValidationRegistry {
  const entries = new Map<string, Entry>();
  const key = (subscription: string, code: string): string => `${subscription.toLowerCase()}\n${code}`;

  return {
    register(subscription, code, token, time) {
      let resolve = (): void => undefined;
      const fetched = new Promise<void>((done) => {
        resolve = done;
      });
      const entry: Entry = { code, token, expired: false, fetched: false, resolve };
      entries.set(key(subscription, code), entry);
      // The shape of Azure's URL (rp-{region}.eventgrid.azure.net:553/eventsubscriptions/…), on our host.
      const url = new URL(`/eventsubscriptions/${encodeURIComponent(subscription)}/validate`, baseUrl());
      url.searchParams.set('id', code);
      url.searchParams.set('t', time);
      url.searchParams.set('apiVersion', VALIDATION_API_VERSION);
      url.searchParams.set('token', token);
      return {
        url: url.toString(),
        fetched,
        isFetched: () => entry.fetched,
        expire: () => {
          entry.expired = true;
        },
      };
    },
    fetch(subscription, id, token) {
      if (id === undefined || token === undefined) return 'unknown';
      const entry = entries.get(key(subscription, id));
      if (entry?.token !== token) return 'unknown';
      if (entry.expired && !entry.fetched) return 'expired';
      entry.fetched = true;
      entry.resolve();
      return 'validated';
    },
  };
}
