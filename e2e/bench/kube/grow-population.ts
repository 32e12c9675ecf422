import pLimit from 'p-limit';

import type { Progress } from '../progress.js';
import { KubeHttpError, type KubeHttp } from './kube-http.js';
import {
  externalSecretManifest,
  member,
  NAMESPACE_COUNT,
  namespacedPath,
  namespaceName,
} from './population.js';

const CREATE_CONCURRENCY = 32;
// Generous: 50,000 creates take about a minute here; a stuck API server should fail the run, not hang it.
const CREATES_PER_SECOND_FLOOR = 50;

export async function createNamespaces(kube: KubeHttp): Promise<void> {
  for (let index = 0; index < NAMESPACE_COUNT; index += 1) {
    try {
      await kube.json('POST', '/api/v1/namespaces', { metadata: { name: namespaceName(index) } });
    } catch (error: unknown) {
      // Already there from an earlier size: creating is idempotent for the benchmark's purposes.
      if (!(error instanceof KubeHttpError && error.status === 409)) throw error;
    }
  }
}

/**
 * Creates ExternalSecrets `from` … `to - 1` with concurrent POSTs (bounded), printing progress. Plain
 * creates rather than server-side apply: apply costs the API server a managed-fields merge per object,
 * and every object here is new.
 */
export async function growPopulation(
  kube: KubeHttp,
  from: number,
  to: number,
  progress: Progress,
): Promise<{ readonly created: number; readonly seconds: number }> {
  if (to <= from) return { created: 0, seconds: 0 };
  const limit = pLimit(CREATE_CONCURRENCY);
  const started = performance.now();
  const deadline = started + Math.max(60_000, ((to - from) / CREATES_PER_SECOND_FLOOR) * 1000);
  let done = 0;
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    progress.line(
      `  created ${from + done}/${to} ExternalSecrets (${Math.round(done / Math.max(seconds, 0.001))}/s)`,
    );
  }, 5_000);
  try {
    await Promise.all(
      Array.from({ length: to - from }, (_, offset) =>
        limit(async () => {
          if (performance.now() > deadline) throw new Error(`creating ExternalSecrets took too long`);
          const index = from + offset;
          await kube.json('POST', namespacedPath(member(index).namespace), externalSecretManifest(index));
          done += 1;
        }),
      ),
    );
  } finally {
    clearInterval(ticker);
    limit.clearQueue();
  }
  return { created: to - from, seconds: (performance.now() - started) / 1000 };
}
