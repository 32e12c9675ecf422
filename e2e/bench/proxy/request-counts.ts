import { REQUEST_KINDS, type ClassifiedRequest, type RequestKind } from './request-kind.js';

/** Requests by kind, and by `KIND resource` for the detail (`POST events`, `PATCH externalsecrets`). */
export interface RequestCounts {
  readonly byKind: Readonly<Record<RequestKind, number>>;
  readonly byResource: Readonly<Record<string, number>>;
}

export function emptyCounts(): RequestCounts {
  return { byKind: zeroKinds(), byResource: {} };
}

function zeroKinds(): Record<RequestKind, number> {
  return Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>;
}

/** A mutable tally, for the proxy. */
export class RequestTally {
  readonly #byKind = zeroKinds();
  readonly #byResource = new Map<string, number>();

  add(request: ClassifiedRequest): void {
    this.#byKind[request.kind] += 1;
    const key = `${request.kind} ${request.resource}`;
    this.#byResource.set(key, (this.#byResource.get(key) ?? 0) + 1);
  }

  snapshot(): RequestCounts {
    return { byKind: { ...this.#byKind }, byResource: Object.fromEntries(this.#byResource) };
  }
}

/** What happened between two snapshots of the same tally. */
export function countsBetween(before: RequestCounts, after: RequestCounts): RequestCounts {
  const byKind = zeroKinds();
  for (const kind of REQUEST_KINDS) byKind[kind] = after.byKind[kind] - before.byKind[kind];
  const byResource: Record<string, number> = {};
  for (const [key, value] of Object.entries(after.byResource)) {
    const delta = value - (before.byResource[key] ?? 0);
    if (delta !== 0) byResource[key] = delta;
  }
  return { byKind, byResource };
}

/** `PATCH 100, POST 100` (zero kinds left out; `none` when nothing was sent). */
export function formatCounts(counts: RequestCounts): string {
  const parts = REQUEST_KINDS.filter((kind) => counts.byKind[kind] !== 0).map(
    (kind) => `${kind} ${counts.byKind[kind]}`,
  );
  return parts.length === 0 ? 'none' : parts.join(', ');
}
