import { connect } from 'node:net';

import { request } from 'undici';

import {
  AEG_DELIVERY_COUNT,
  AEG_EVENT_TYPE,
  AEG_METADATA_VERSION,
  AEG_SUBSCRIPTION_NAME,
  AegEventType,
  CONTENT_TYPE_CLOUDEVENT,
  CONTENT_TYPE_CLOUDEVENT_BATCH,
  CONTENT_TYPE_JSON,
  EVENT_GRID_ORIGIN,
  WEBHOOK_REQUEST_ORIGIN,
  type CloudEvent,
  type EventGridEvent,
  type SubscriptionValidationEvent,
} from '../../listener/eventgrid/index.js';

/** One answer of the listener's webhook, as Event Grid would see it. */
export interface WebhookAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Single requests with exact control of method, headers and body, for asserting on one answer. Retries
 * and schedules are the simulator's job (simulator/index.ts); this is the equivalent of one curl.
 */
export async function sendWebhook(
  url: string,
  init: {
    readonly method: 'POST' | 'OPTIONS' | 'GET';
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
  },
): Promise<WebhookAnswer> {
  const response = await request(url, {
    method: init.method,
    headers: { ...init.headers },
    body: init.body ?? null,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const body = await response.body.text();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, body };
}

/** The path's subscription name as Event Grid sends it in aeg-subscription-name: upper-cased. */
function subscriptionOf(url: string): string {
  return new URL(url).pathname.slice(1).toUpperCase();
}

function aegHeaders(url: string, eventType: AegEventType): Record<string, string> {
  return {
    [AEG_EVENT_TYPE]: eventType,
    [AEG_SUBSCRIPTION_NAME]: subscriptionOf(url),
    [AEG_DELIVERY_COUNT]: '0',
    [AEG_METADATA_VERSION]: '1',
  };
}

/** An Event Grid schema delivery: always an array, even of one event. */
export function postEventGrid(url: string, events: readonly EventGridEvent[]): Promise<WebhookAnswer> {
  return sendWebhook(url, {
    method: 'POST',
    headers: { ...aegHeaders(url, AegEventType.Notification), 'content-type': CONTENT_TYPE_JSON },
    body: JSON.stringify(events),
  });
}

export function postValidation(url: string, event: SubscriptionValidationEvent): Promise<WebhookAnswer> {
  return sendWebhook(url, {
    method: 'POST',
    headers: {
      ...aegHeaders(url, AegEventType.SubscriptionValidation),
      'content-type': CONTENT_TYPE_JSON,
    },
    body: JSON.stringify([event]),
  });
}

/** CloudEvents structured mode: one event, as an object. */
export function postCloudEvent(url: string, event: CloudEvent): Promise<WebhookAnswer> {
  return sendWebhook(url, {
    method: 'POST',
    headers: { ...aegHeaders(url, AegEventType.Notification), 'content-type': CONTENT_TYPE_CLOUDEVENT },
    body: JSON.stringify(event),
  });
}

/** CloudEvents batch mode: an array. */
export function postCloudEventBatch(url: string, events: readonly CloudEvent[]): Promise<WebhookAnswer> {
  return sendWebhook(url, {
    method: 'POST',
    headers: {
      ...aegHeaders(url, AegEventType.Notification),
      'content-type': CONTENT_TYPE_CLOUDEVENT_BATCH,
    },
    body: JSON.stringify(events),
  });
}

/** The CloudEvents webhook abuse-protection handshake Event Grid sends before any CloudEvent. */
export function requestDeliveryPermission(url: string, origin = EVENT_GRID_ORIGIN): Promise<WebhookAnswer> {
  return sendWebhook(url, { method: 'OPTIONS', headers: { [WEBHOOK_REQUEST_ORIGIN]: origin } });
}

/** The summary body of an acknowledged delivery (listener/webhook/subscription-route.ts). */
export interface DeliverySummary {
  readonly events: number;
  readonly matched: number;
  readonly annotated: number;
  readonly gone: number;
}

export function deliverySummary(answer: WebhookAnswer): DeliverySummary {
  const parsed: unknown = JSON.parse(answer.body);
  const { events, matched, annotated, gone } = parsed as Record<string, unknown>;
  if (
    typeof events !== 'number' ||
    typeof matched !== 'number' ||
    typeof annotated !== 'number' ||
    typeof gone !== 'number'
  ) {
    throw new Error(`not a delivery summary: ${answer.body}`);
  }
  return { events, matched, annotated, gone };
}

/**
 * Whether nothing listens at the URL's host and port (a closed or moved endpoint). A fresh TCP
 * connection each time: a pooled keep-alive socket would report the old server's goodbye instead.
 * A connection reset while connecting is "not yet": the kernel accepted it into the backlog of a
 * listening socket that closed before the server took it, so the port was still open a moment ago.
 */
export function isRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error) => {
      const code = 'code' in error ? error.code : undefined;
      if (code === 'ECONNREFUSED') resolve(true);
      else if (code === 'ECONNRESET') resolve(false);
      else reject(error);
    });
  });
}
