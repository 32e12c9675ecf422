import { Pool } from 'undici';

import type { EventGridEvent } from '../../../listener/eventgrid/index.js';
import { buildDeliveryRequest } from '../../../simulator/delivery/delivery-request.js';
import { subscriptionOptionsSchema } from '../../../simulator/subscription/subscription-options.js';
import {
  buildKeyVaultEvent,
  cryptoRandom,
  KeyVaultEventType,
  randomGuid,
  randomKeyVaultVersion,
  vaultLocation,
} from '../../../simulator/index.js';
import { SUBSCRIPTION } from '../listener/bench-config.js';

export const BENCH_VAULT = 'kv-bench';

/** A SecretNewVersionCreated for `secret` with a fresh id and version, exactly as Azure shapes it. */
export function rotationEvent(secret: string): EventGridEvent {
  return buildKeyVaultEvent({
    location: vaultLocation(BENCH_VAULT),
    type: KeyVaultEventType.SecretNewVersionCreated,
    objectType: 'Secret',
    name: secret,
    version: randomKeyVaultVersion(cryptoRandom),
    notBefore: null,
    expires: null,
    id: randomGuid(cryptoRandom),
    time: Date.now(),
  });
}

/** The Notification POST Event Grid would send for `events`: body, content type and aeg-* headers. */
export function deliveryRequest(
  webhookUrl: string,
  events: readonly EventGridEvent[],
): { readonly path: string; readonly headers: Record<string, string>; readonly body: string } {
  const subscription = subscriptionOptionsSchema.parse({ name: SUBSCRIPTION, endpoint: webhookUrl });
  const request = buildDeliveryRequest(subscription, events, 0, 30_000);
  return { path: new URL(webhookUrl).pathname, headers: { ...request.headers }, body: request.body ?? '' };
}

export interface DeliveryAnswer {
  readonly status: number;
  readonly body: string;
  /** performance.now() when the request was handed to the socket pool and when the answer ended. */
  readonly sentAt: number;
  readonly answeredAt: number;
}

/** Sends single deliveries to the listener over keep-alive connections, timing each. */
export interface DeliverySender {
  send(events: readonly EventGridEvent[]): Promise<DeliveryAnswer>;
  close(): Promise<void>;
}

export function createDeliverySender(webhookUrl: string): DeliverySender {
  const pool = new Pool(new URL(webhookUrl).origin, { connections: 8, keepAliveTimeout: 30_000 });
  return {
    async send(events) {
      const request = deliveryRequest(webhookUrl, events);
      const sentAt = performance.now();
      const response = await pool.request({
        path: request.path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      });
      const body = await response.body.text();
      return { status: response.statusCode, body, sentAt, answeredAt: performance.now() };
    },
    close: () => pool.close(),
  };
}
