/**
 * Host patterns as operators write them: `*.eventgrid.azure.net` matches any host below that domain
 * (not the domain itself), anything else matches one host exactly. Case-insensitive.
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.trim().toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return h.endsWith(suffix) && h.length > suffix.length;
  }
  return h === p;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Whether the listener may send a GET to this URL taken from a request body. Only allow-listed hosts,
 * only https — plain http only for an allow-listed loopback host, where local rehearsals run.
 */
export function isAllowedUrl(raw: string, patterns: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  const host = url.hostname;
  if (!patterns.some((pattern) => hostMatches(host, pattern))) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK.has(host);
}
