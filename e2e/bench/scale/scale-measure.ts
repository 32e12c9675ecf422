import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import {
  EXTERNAL_SECRET_GROUP,
  EXTERNAL_SECRET_PLURAL,
  EXTERNAL_SECRET_VERSION,
} from '../../../listener/cluster/external-secret.js';
import type { BenchContext } from '../bench-context.js';
import { createDeliverySender } from '../delivery/rotation-deliveries.js';
import { timeBaselineRotation, timeListenerRotation } from '../delivery/rotation-timing.js';
import type { LoadRequest } from '../ingest/load-protocol.js';
import { runAgainstServer } from '../ingest/server-run.js';
import { member, soloSecret } from '../kube/population.js';
import { webhookUrl } from '../listener/bench-config.js';
import { formatBytes, formatMs, formatNumber } from '../report/figures.js';
import { summariseLatencies } from '../report/stats.js';
import { noMatchSummary, type NoMatchPair, type NoMatchRun, type ScalePoint } from './scale-point.js';

const SETTLE_MS = 2_000;
/** No-match runs per side, alternating with the reference (ABBA…), each noMatchMs / NO_MATCH_PAIRS. */
const NO_MATCH_PAIRS = 8;
const WARM_UP_MS = 1_000;
// Request counts are the fan-out scenario's business; here they would only slow the rotations down.
const quiet = { countRequests: false } as const;
// The one-match reference is a bare patch over a kept-alive connection, as the listener sends its own:
// client-node's new TLS connection per request would add a handshake's noise to one side only.
const keptAlive = { countRequests: false, keepAlive: true } as const;

/**
 * Scale at one population size: a fresh listener's sync time and memory; its no-match cost in runs
 * alternating with the reference listener (no ExternalSecrets); then one-match rotations interleaved
 * with bare client-node patches.
 */
export async function measureScale(context: BenchContext, population: number): Promise<ScalePoint> {
  const { plan, progress } = context;
  const reference = await context.referenceListener();
  const listener = await context.startListener({ label: `scale-${population}` });
  const sender = createDeliverySender(webhookUrl(context.webhookPort));
  try {
    const readyMs = listener.readyAt - listener.spawnedAt;
    const cacheSyncMs = await listener.cacheSyncMs();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const memory = await listener.memory();
    const { listMs, listBytes } = await timeBareList(context.proxy.kubeconfigs.baseline);

    const request = (port: number): LoadRequest => ({
      url: webhookUrl(port),
      concurrency: 1,
      warmupMs: 200,
      measureMs: Math.round(plan.scale.noMatchMs / NO_MATCH_PAIRS),
    });
    // A fresh listener's handlers are not optimised yet and the reference's are: warm both alike first.
    const worker = await context.loadWorker();
    for (const port of [context.webhookPort, reference.port]) {
      await worker.run({ url: webhookUrl(port), concurrency: 8, warmupMs: 0, measureMs: WARM_UP_MS });
    }
    const noMatch: NoMatchPair[] = [];
    for (let pair = 0; pair < NO_MATCH_PAIRS; pair += 1) {
      const own = (): Promise<NoMatchRun> => noMatchRun(context, listener.pid, request(context.webhookPort));
      const other = (): Promise<NoMatchRun> =>
        noMatchRun(context, reference.listener.pid, request(reference.port));
      if (pair % 2 === 0) {
        const ownRun = await own();
        noMatch.push({ listener: ownRun, reference: await other() });
      } else {
        const otherRun = await other();
        noMatch.push({ listener: await own(), reference: otherRun });
      }
    }

    const listenerSamples: number[] = [];
    const baselineSamples: number[] = [];
    const rotations = population === 0 ? 0 : plan.scale.rotations;
    for (let index = 0; index < rotations; index += 1) {
      // Spread over the whole population, so old and new objects alike are patched.
      const target = Math.floor(((index + 0.5) * population) / rotations);
      const members = [member(target)];
      const secret = soloSecret(target);
      const viaListener = async (): Promise<void> => {
        const timing = await timeListenerRotation(context, sender, secret, members, quiet);
        listenerSamples.push(timing.toLastAnnotationMs);
      };
      const viaBaseline = async (): Promise<void> => {
        const timing = await timeBaselineRotation(context, secret, members, keptAlive);
        baselineSamples.push(timing.toLastAnnotationMs);
      };
      for (const side of index % 2 === 0 ? [viaListener, viaBaseline] : [viaBaseline, viaListener])
        await side();
    }
    const point: ScalePoint = {
      population,
      readyMs,
      cacheSyncMs,
      listMs,
      listBytes,
      memory,
      noMatch,
      oneMatchMs: summariseLatencies(listenerSamples),
      barePatchMs: summariseLatencies(baselineSamples),
    };
    const cost = noMatchSummary(point);
    progress.line(
      `scale ${formatNumber(population)} ES: ready ${formatMs(readyMs)}, cache sync ${formatMs(cacheSyncMs ?? Number.NaN)} ` +
        `(bare LIST ${formatMs(listMs)}), RSS ${formatBytes(memory.rssBytes)} (peak ${formatBytes(memory.peakRssBytes)}), ` +
        `no-match p50 ${formatMs(cost.listener.p50)}, ${Math.round(cost.listener.cpuUs)} µs CPU ` +
        `(0-ES reference ${formatMs(cost.reference.p50)}, ${Math.round(cost.reference.cpuUs)} µs)` +
        (rotations === 0
          ? ''
          : `, one-match p50 ${formatMs(point.oneMatchMs.p50)} / p99 ${formatMs(point.oneMatchMs.p99)} ` +
            `(bare patch p50 ${formatMs(point.barePatchMs.p50)})`),
    );
    return point;
  } finally {
    await sender.close();
    await listener.stop();
  }
}

async function noMatchRun(context: BenchContext, pid: number, request: LoadRequest): Promise<NoMatchRun> {
  const run = await runAgainstServer(await context.loadWorker(), pid, request);
  return { latencyMs: run.load.latencyMs, cpuUsPerDelivery: run.cpuUsPerDelivery };
}

async function timeBareList(kubeconfigPath: string): Promise<{ listMs: number; listBytes: number }> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const api = config.makeApiClient(CustomObjectsApi);
  const started = performance.now();
  const list: unknown = await api.listClusterCustomObject({
    group: EXTERNAL_SECRET_GROUP,
    version: EXTERNAL_SECRET_VERSION,
    plural: EXTERNAL_SECRET_PLURAL,
  });
  const listMs = performance.now() - started;
  return { listMs, listBytes: JSON.stringify(list).length };
}
