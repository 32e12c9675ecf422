import { request, type RequestOptions } from 'node:https';

import type { Kube } from '../kube.js';
import { metricValue } from '../metrics.js';

/** GET /metrics of kube-apiserver, as the kube's user (admin: system:masters may read it). */
async function apiServerMetrics(kube: Kube): Promise<string> {
  const cluster = kube.config.getCurrentCluster();
  if (cluster === null) throw new Error(`${kube.kubeconfigPath}: no current cluster`);
  const options: RequestOptions = {};
  await kube.config.applyToHTTPSOptions(options);
  const url = new URL('/metrics', cluster.server);
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: 'GET', timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === 200) resolve(body);
        else
          reject(new Error(`GET ${url.href} answered ${response.statusCode ?? '?'}: ${body.slice(0, 200)}`));
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * LISTs of a resource the API server has answered since it started (apiserver_request_total, all
 * codes). It has no per-client label, so a test reads it where only the listener can be listing.
 */
export async function listRequests(kube: Kube, resource: string): Promise<number> {
  return (
    metricValue(await apiServerMetrics(kube), 'apiserver_request_total', { verb: 'LIST', resource }) ?? 0
  );
}
