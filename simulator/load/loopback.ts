import { isIP } from 'node:net';

/**
 * Load runs only against this machine: a load generator pointed elsewhere is a denial-of-service tool.
 * Names are not resolved (a DNS answer could change between the check and the requests).
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
