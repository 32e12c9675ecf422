import {
  AegEventType,
  CONTENT_TYPE_JSON,
  EVENT_GRID_ORIGIN,
  WEBHOOK_ALLOWED_ORIGIN,
  WEBHOOK_REQUEST_ORIGIN,
} from '../../listener/eventgrid/index.js';
import { describeResult, type AttemptResult } from '../delivery/attempt-result.js';
import type { Sender } from '../delivery/http-sender.js';
import { aegHeaders } from '../delivery/wire-headers.js';
import { formatAzureTime } from '../events/azure-time.js';
import { buildValidationEvent } from '../events/validation-event.js';
import { randomGuid, randomHex, type Random } from '../core/random.js';
import type { Clock } from '../core/clock.js';
import type { SubscriptionOptions } from './subscription-options.js';
import type { ValidationRegistry } from './validation-registry.js';

/** Azure's provisioning states of an event subscription, as far as the handshake decides them. */
export type SubscriptionState = 'Creating' | 'AwaitingManualAction' | 'Succeeded' | 'Failed';

export interface HandshakeRecord {
  readonly method: 'POST' | 'OPTIONS';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly result: string;
  readonly status: number | undefined;
  readonly latencyMs: number;
}

export interface HandshakeOutcome {
  readonly state: 'Succeeded' | 'Failed';
  /** How it succeeded: the code in the answer, the validationUrl GET, or the CloudEvents OPTIONS grant. */
  readonly via: 'validationResponse' | 'validationUrl' | 'webhookOptions' | undefined;
  readonly reason: string | undefined;
  readonly request: HandshakeRecord;
  readonly validationUrlFetched: boolean;
}

export interface HandshakeDeps {
  readonly sender: Sender;
  readonly clock: Clock;
  readonly random: Random;
  readonly registry: ValidationRegistry;
  readonly topic: string;
  /** Real-time bound on the webhook's answer (Azure: 30 s). */
  readonly responseTimeoutMs: number;
  /** Real-time bound on AwaitingManualAction (Azure: 10 minutes). */
  readonly validationWindowMs: number;
  /** Told when the subscription goes AwaitingManualAction, so progress can say so. */
  readonly onAwaiting: () => void;
}

/** Runs the handshake Azure runs when a subscription is created; nothing is delivered before it succeeds. */
export function performHandshake(
  subscription: SubscriptionOptions,
  deps: HandshakeDeps,
): Promise<HandshakeOutcome> {
  return subscription.schema === 'cloudevents'
    ? cloudEventsHandshake(subscription, deps)
    : eventGridHandshake(subscription, deps);
}

async function eventGridHandshake(
  subscription: SubscriptionOptions,
  deps: HandshakeDeps,
): Promise<HandshakeOutcome> {
  const code = randomGuid(deps.random);
  const time = formatAzureTime(deps.clock.now());
  const pending = deps.registry.register(subscription.name, code, randomHex(deps.random, 32), time);
  const event = buildValidationEvent({
    id: randomGuid(deps.random),
    topic: deps.topic,
    validationCode: code,
    validationUrl: pending.url,
    time: deps.clock.now(),
  });
  const headers = {
    ...subscription.headers,
    ...aegHeaders({
      eventType: AegEventType.SubscriptionValidation,
      subscription: subscription.name,
      deliveryCount: 0,
      dataVersion: event.dataVersion,
      outputEventId: event.id,
    }),
    'content-type': CONTENT_TYPE_JSON,
  };
  const body = JSON.stringify([event]);
  const { result, latencyMs } = await deps.sender.send({
    url: subscription.endpoint,
    method: 'POST',
    headers,
    body,
    timeoutMs: deps.responseTimeoutMs,
  });
  const request: HandshakeRecord = {
    method: 'POST',
    headers,
    body,
    result: describeResult(result),
    status: result.kind === 'response' ? result.status : undefined,
    latencyMs,
  };
  const done = (
    state: 'Succeeded' | 'Failed',
    via: HandshakeOutcome['via'],
    reason?: string,
  ): HandshakeOutcome => {
    // A validated subscription's URL keeps answering 200 (webhooks often GET it after answering with
    // the code); a failed one's answers 400 from now on.
    if (state === 'Failed') pending.expire();
    return { state, via, reason, request, validationUrlFetched: pending.isFetched() };
  };

  const verdict = judgeValidationAnswer(result, code);
  if (verdict.kind === 'failed') return done('Failed', undefined, verdict.reason);
  if (verdict.kind === 'validated') return done('Succeeded', 'validationResponse');
  // A 200 without the code: only the validationUrl can complete the subscription now.
  if (pending.isFetched()) return done('Succeeded', 'validationUrl');
  if (subscription.validation === 'sync') {
    return done('Failed', undefined, 'answered 200 without {"validationResponse": <code>} (sync validation)');
  }
  deps.onAwaiting();
  const fetchedInTime = await raceRealTime(pending.fetched, deps.validationWindowMs);
  return fetchedInTime
    ? done('Succeeded', 'validationUrl')
    : done(
        'Failed',
        undefined,
        `validationUrl not fetched within ${formatDuration(deps.validationWindowMs)}`,
      );
}

type ValidationVerdict =
  | { readonly kind: 'validated' }
  | { readonly kind: 'awaiting' }
  | { readonly kind: 'failed'; readonly reason: string };

/** Azure's rules for the synchronous answer: exactly 200, and the code under a lower-case `validationResponse`. */
export function judgeValidationAnswer(result: AttemptResult, code: string): ValidationVerdict {
  if (result.kind === 'timeout') return { kind: 'failed', reason: 'no answer within the response timeout' };
  if (result.kind === 'network') return { kind: 'failed', reason: `could not connect (${result.code})` };
  if (result.status !== 200) {
    return { kind: 'failed', reason: `answered ${result.status}; the handshake needs 200` };
  }
  const answer = parseJsonObject(result.body);
  if (answer === undefined || !('validationResponse' in answer)) return { kind: 'awaiting' };
  if (answer.validationResponse !== code) {
    return {
      kind: 'failed',
      reason: `validationResponse ${JSON.stringify(answer.validationResponse)} is not the code sent`,
    };
  }
  return { kind: 'validated' };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON: the answer carries no code, which the caller treats like a 200 without one.
    return undefined;
  }
}

/**
 * The CloudEvents webhook abuse-protection handshake: OPTIONS with WebHook-Request-Origin; the
 * webhook grants by answering 200 with WebHook-Allowed-Origin set to that origin or `*`.
 */
async function cloudEventsHandshake(
  subscription: SubscriptionOptions,
  deps: HandshakeDeps,
): Promise<HandshakeOutcome> {
  const headers = {
    ...subscription.headers,
    ...aegHeaders({
      eventType: AegEventType.SubscriptionValidation,
      subscription: subscription.name,
      deliveryCount: 0,
      dataVersion: undefined,
      outputEventId: undefined,
    }),
    [WEBHOOK_REQUEST_ORIGIN]: EVENT_GRID_ORIGIN,
  };
  const { result, latencyMs } = await deps.sender.send({
    url: subscription.endpoint,
    method: 'OPTIONS',
    headers,
    timeoutMs: deps.responseTimeoutMs,
  });
  const request: HandshakeRecord = {
    method: 'OPTIONS',
    headers,
    body: undefined,
    result: describeResult(result),
    status: result.kind === 'response' ? result.status : undefined,
    latencyMs,
  };
  const reason = judgeOptionsAnswer(result);
  return {
    state: reason === undefined ? 'Succeeded' : 'Failed',
    via: reason === undefined ? 'webhookOptions' : undefined,
    reason,
    request,
    validationUrlFetched: false,
  };
}

/** Undefined when the OPTIONS answer grants delivery; otherwise why not. */
export function judgeOptionsAnswer(result: AttemptResult): string | undefined {
  if (result.kind === 'timeout') return 'no answer to OPTIONS within the response timeout';
  if (result.kind === 'network') return `could not connect (${result.code})`;
  if (result.status !== 200) return `answered OPTIONS with ${result.status}; the grant needs 200`;
  const allowed = result.headers[WEBHOOK_ALLOWED_ORIGIN];
  if (allowed === undefined) return 'no WebHook-Allowed-Origin in the OPTIONS answer';
  const origins = allowed.split(',').map((origin) => origin.trim().toLowerCase());
  if (!origins.includes('*') && !origins.includes(EVENT_GRID_ORIGIN)) {
    return `WebHook-Allowed-Origin ${JSON.stringify(allowed)} does not grant ${EVENT_GRID_ORIGIN}`;
  }
  return undefined;
}

async function raceRealTime(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 3_600_000).toFixed(1)} h`;
}
