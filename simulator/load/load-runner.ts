import { Pool } from 'undici';
import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { Clock } from '../core/clock.js';
import { randomGuid, randomKeyVaultVersion, type Random } from '../core/random.js';
import { buildDeliveryRequest } from '../delivery/delivery-request.js';
import { isSuccessStatus } from '../delivery/retry-policy.js';
import { formatAzureTime } from '../events/azure-time.js';
import {
  subscriptionOptionsSchema,
  type SubscriptionOptionsInput,
} from '../subscription/subscription-options.js';
import { isLoopbackUrl } from './loopback.js';
import { summariseLatencies, type LatencySummary } from './percentiles.js';

export const LOAD_LIMITS = {
  rate: { min: 1, max: 20_000 },
  durationSeconds: { min: 1, max: 600 },
  connections: { min: 1, max: 256 },
  maxRequests: 1_000_000,
  maxInFlight: 10_000,
} as const;

export interface LoadOptions {
  /** A validated subscription (the handshake is the caller's job). */
  readonly subscription: SubscriptionOptionsInput;
  /** Deliveries per second. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** steady: evenly spaced; burst: each second's deliveries all at the start of the second. */
  readonly mode: 'steady' | 'burst';
  /** Keep-alive connections in the pool. */
  readonly connections: number;
  /** Templates, used round-robin; each delivery gets a fresh id (and Key Vault version). */
  readonly templates: readonly EventGridEvent[];
  /** Real time (load measures the webhook, so it never runs scaled). */
  readonly clock: Clock;
  readonly random: Random;
  readonly responseTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface LoadSummary {
  readonly mode: 'steady' | 'burst';
  readonly rate: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly planned: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  /** Deliveries not sent because maxInFlight requests were already waiting. */
  readonly skipped: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly elapsedSeconds: number;
  /** Acknowledged deliveries per second of elapsed time. */
  readonly throughput: number;
  /** Real milliseconds, over every answered request. */
  readonly latencyMs: LatencySummary;
}

export class LoadError extends Error {
  readonly code = 'SIM_LOAD';
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}

/** Fires Notification deliveries at a fixed rate over keep-alive connections and measures the answers. */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const subscription = subscriptionOptionsSchema.parse(options.subscription);
  const endpoint = new URL(subscription.endpoint);
  if (!isLoopbackUrl(endpoint)) throw new LoadError(`load runs against loopback only, not ${endpoint.host}`);
  checkRange('rate', options.rate, LOAD_LIMITS.rate);
  checkRange('duration', options.durationSeconds, LOAD_LIMITS.durationSeconds);
  checkRange('connections', options.connections, LOAD_LIMITS.connections);
  const planned = Math.round(options.rate * options.durationSeconds);
  if (planned > LOAD_LIMITS.maxRequests) {
    throw new LoadError(`rate × duration = ${planned} deliveries; the limit is ${LOAD_LIMITS.maxRequests}`);
  }
  if (options.templates.length === 0) throw new LoadError('load needs at least one event template');

  const pool = new Pool(endpoint.origin, { connections: options.connections, keepAliveTimeout: 10_000 });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let acknowledged = 0;
  let skipped = 0;
  const count = (key: string): void => {
    statuses[key] = (statuses[key] ?? 0) + 1;
  };

  const fire = async (index: number): Promise<void> => {
    const template = options.templates[index % options.templates.length];
    if (template === undefined) return;
    const event = freshCopy(template, options);
    const request = buildDeliveryRequest(subscription, [event], 0, options.responseTimeoutMs);
    const started = performance.now();
    try {
      const response = await pool.request({
        path: `${endpoint.pathname}${endpoint.search}`,
        method: 'POST',
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: options.responseTimeoutMs,
        bodyTimeout: options.responseTimeoutMs,
      });
      await response.body.dump();
      latencies.push(performance.now() - started);
      count(String(response.statusCode));
      if (isSuccessStatus(response.statusCode)) acknowledged++;
    } catch (error) {
      // A failed request is a measurement, not a crash: it is counted under its error code.
      count(errorCode(error));
    }
  };

  const start = options.clock.now();
  try {
    for (let index = 0; index < planned; index++) {
      if (options.signal?.aborted === true) break;
      const due =
        options.mode === 'steady'
          ? start + (index * 1000) / options.rate
          : start + Math.floor(index / options.rate) * 1000;
      const wait = due - options.clock.now();
      if (wait > 0) await options.clock.sleep(wait, options.signal);
      if (inflight.size >= LOAD_LIMITS.maxInFlight) {
        skipped++;
        continue;
      }
      sent++;
      const promise = fire(index).finally(() => inflight.delete(promise));
      inflight.add(promise);
    }
    await Promise.all([...inflight]);
  } finally {
    await pool.close();
  }
  // Over the planned duration at least: a burst run can finish its last second early.
  const elapsedSeconds = Math.max((options.clock.now() - start) / 1000, options.durationSeconds);
  return {
    mode: options.mode,
    rate: options.rate,
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    planned,
    sent,
    acknowledged,
    failed: sent - acknowledged,
    skipped,
    statuses,
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    throughput: Math.round((acknowledged / elapsedSeconds) * 10) / 10,
    latencyMs: summariseLatencies(latencies),
  };
}

/** A new id and time; Key Vault templates also get a new version, so every delivery is a new rotation. */
function freshCopy(template: EventGridEvent, options: LoadOptions): EventGridEvent {
  const event: EventGridEvent = {
    ...template,
    id: randomGuid(options.random),
    eventTime: formatAzureTime(options.clock.now()),
  };
  const data = template.data;
  if (
    typeof data === 'object' &&
    data !== null &&
    'Version' in data &&
    'Id' in data &&
    typeof data.Id === 'string'
  ) {
    const version = randomKeyVaultVersion(options.random);
    const id = data.Id.replace(/\/[^/]*$/, `/${version}`);
    return { ...event, data: { ...data, Id: id, Version: version } };
  }
  return event;
}

function checkRange(name: string, value: number, range: { min: number; max: number }): void {
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    throw new LoadError(`${name} must be from ${range.min} to ${range.max}, got ${value}`);
  }
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'ERROR';
}

export function formatLoadSummary(summary: LoadSummary): string {
  const l = summary.latencyMs;
  const statuses = Object.entries(summary.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return [
    `load: ${summary.mode} ${summary.rate}/s for ${summary.durationSeconds} s over ${summary.connections} connection(s)`,
    `sent ${summary.sent}/${summary.planned}, acknowledged ${summary.acknowledged}, failed ${summary.failed}, skipped ${summary.skipped}`,
    `statuses: ${statuses === '' ? '(none)' : statuses}`,
    `throughput: ${summary.throughput} acknowledged/s over ${summary.elapsedSeconds} s`,
    `latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}  (mean ${l.mean}, n=${l.count})`,
  ].join('\n');
}
