import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import type { DeliverySnapshot } from '../simulator-types.js';
import type { ExternalSecretView } from './cluster-view.js';
import type { ExpectationFile } from './expectation-file.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly message: string;
}

export const EVENT_ID_ANNOTATION = 'reloader/event-id';
const TIME_ANNOTATIONS = new Set(['reloader/last-rotated']);

/** The HTTP side: first status, final outcome, validationResponse echo. */
export function checkDelivery(
  spec: ExpectationFile['delivery'],
  deliveries: readonly DeliverySnapshot[],
): CheckResult[] {
  const results: CheckResult[] = [];
  for (const delivery of deliveries) {
    const label = `delivery of ${delivery.eventIds.join(', ')}`;
    const first = delivery.attempts[0];
    if (spec.firstStatus !== undefined) {
      results.push({
        ok: first?.status === spec.firstStatus,
        message: `${label}: first answer ${first?.result ?? 'none'} (expected ${spec.firstStatus})`,
      });
    }
    results.push({
      ok: delivery.state === spec.outcome,
      message: `${label}: ${delivery.state} after ${delivery.attempts.length} attempt(s) (expected ${spec.outcome})`,
    });
    if (spec.validationResponse !== undefined) {
      const echoed = readValidationResponse(first?.responseBody);
      results.push({
        ok: echoed === spec.validationResponse,
        message: `${label}: validationResponse ${JSON.stringify(echoed)} (expected ${JSON.stringify(spec.validationResponse)})`,
      });
    }
  }
  if (deliveries.length === 0) results.push({ ok: false, message: 'nothing was delivered' });
  return results;
}

function readValidationResponse(body: string | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'validationResponse' in parsed
      ? parsed.validationResponse
      : undefined;
  } catch {
    // Not JSON: there is no validationResponse to compare, which the check reports.
    return undefined;
  }
}

/**
 * The cluster side. An ExternalSecret counts as annotated by this step when its reloader/event-id is
 * one of the step's event ids; that keeps steps independent of what earlier steps (or earlier runs
 * on a real cluster) left behind.
 */
export function checkExternalSecrets(
  spec: NonNullable<ExpectationFile['externalSecrets']>,
  events: readonly EventGridEvent[],
  cluster: readonly ExternalSecretView[],
): CheckResult[] {
  const ids = new Set(events.map((event) => event.id));
  const byRef = new Map(cluster.map((es) => [`${es.namespace}/${es.name}`, es]));
  const results: CheckResult[] = [];

  for (const entry of spec.annotated) {
    const ref = typeof entry === 'string' ? entry : entry.ref;
    const wanted = typeof entry === 'string' ? spec.annotations : (entry.annotations ?? spec.annotations);
    const es = byRef.get(ref);
    if (es === undefined) {
      results.push({ ok: false, message: `${ref}: not found in the cluster` });
      continue;
    }
    const eventId = es.annotations[EVENT_ID_ANNOTATION];
    const mismatches = Object.entries(wanted)
      .filter(([key, value]) => !sameAnnotation(key, es.annotations[key], value))
      .map(
        ([key, value]) => `${key}=${JSON.stringify(es.annotations[key])} (expected ${JSON.stringify(value)})`,
      );
    if (!(EVENT_ID_ANNOTATION in wanted) && (eventId === undefined || !ids.has(eventId))) {
      mismatches.unshift(
        `${EVENT_ID_ANNOTATION}=${JSON.stringify(eventId)} (expected one of this step's events)`,
      );
    }
    results.push({
      ok: mismatches.length === 0,
      message: mismatches.length === 0 ? `${ref}: annotated` : `${ref}: ${mismatches.join('; ')}`,
    });
  }
  for (const ref of spec.untouched) {
    const es = byRef.get(ref);
    if (es === undefined) {
      results.push({ ok: false, message: `${ref}: not found in the cluster` });
      continue;
    }
    const eventId = es.annotations[EVENT_ID_ANNOTATION];
    const touched = eventId !== undefined && ids.has(eventId);
    results.push({
      ok: !touched,
      message: touched ? `${ref}: annotated by ${eventId}, expected untouched` : `${ref}: untouched`,
    });
  }
  return results;
}

function sameAnnotation(key: string, actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  if (TIME_ANNOTATIONS.has(key)) {
    const a = Date.parse(actual);
    const b = Date.parse(expected);
    // RFC 3339 at millisecond precision on both sides (Azure writes seven fractional digits).
    return !Number.isNaN(a) && !Number.isNaN(b) && Math.floor(a) === Math.floor(b);
  }
  return actual === expected;
}

/** ExternalSecrets whose reloader/event-id is one of these events: what the step annotated. */
export function annotatedBy(
  events: readonly EventGridEvent[],
  cluster: readonly ExternalSecretView[],
): string[] {
  const ids = new Set(events.map((event) => event.id));
  return cluster
    .filter((es) => {
      const eventId = es.annotations[EVENT_ID_ANNOTATION];
      return eventId !== undefined && ids.has(eventId);
    })
    .map((es) => `${es.namespace}/${es.name}`)
    .sort();
}
