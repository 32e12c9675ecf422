// The simulator sends only where its user pointed it: these decide what counts as such a place.

/** Endpoints compare by origin and path; the query (a shared secret, perhaps) may vary. */
export function endpointKey(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Whether an endpoint lies under one of the targets (same origin, path at or below the target's). */
export function isUnderTargets(endpoint: string, targets: readonly string[]): boolean {
  const url = new URL(endpoint);
  return targets.some((target) => {
    const base = new URL(target);
    if (base.origin !== url.origin) return false;
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return url.pathname === base.pathname || url.pathname.startsWith(prefix);
  });
}
