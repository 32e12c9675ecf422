/**
 * Soak: the real listener, run as the Deployment runs it (its NODE_OPTIONS), under a steady stream of
 * rotations, its resident memory sampled from /proc. Nothing may be lost, and memory must level off
 * rather than grow with the work done (the criterion is explained in support/faults/memory-growth.ts).
 *
 * SOAK_SECONDS sets the length: 600 (ten minutes) by default; CI runs 300 (.ci/run, the workflow), as
 * the heap ramps up for the first minutes and a shorter run judges mostly that ramp:
 *
 *   npm run build && npx vitest run --project e2e e2e/soak.e2e.test.ts
 *   SOAK_SECONDS=300 npm test
 *
 * There are no timing assertions: a slow machine delivers later, not less.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { deleteE2eConfigs } from './support/configs.js';
import { installCrds, waitForCustomResourcesServed } from './support/crds.js';
import { mustReadExternalSecret } from './support/external-secrets.js';
import { observeAnnotations } from './support/faults/annotation-observer.js';
import { createCleanupStack } from './support/faults/cleanup-stack.js';
import { finalStates, printRun } from './support/faults/delivery-report.js';
import { startListenerAsDeployed } from './support/faults/deployed-listener.js';
import { subscribeEventGrid } from './support/faults/event-grid.js';
import {
  formatMb,
  formatRssSeries,
  judgeMemoryGrowth,
  MIN_JUDGED_SAMPLES,
} from './support/faults/memory-growth.js';
import { createRotationWorld } from './support/faults/rotation-world.js';
import { startRotationStream } from './support/faults/rotation-stream.js';
import { sampleRss, type RssSample } from './support/faults/rss-sampler.js';
import { kubeClients, type Kube } from './support/kube.js';
import { stopListeners } from './support/listener-process.js';
import { metricValue } from './support/metrics.js';
import { carriesRotation, type Rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';

const DELIVERIES_PER_SECOND = 20;
const SAMPLE_INTERVAL_MS = 2_000;
const SOAK_SECONDS = soakSeconds(process.env['SOAK_SECONDS']);
/** Each ExternalSecret is rotated every 2 s at 20/s, so a backlog shows as coalesced patches. */
const EXTERNAL_SECRETS = 40;
const MB = 1024 * 1024;

function soakSeconds(value: string | undefined): number {
  if (value === undefined || value === '') return 600;
  const seconds = Number(value);
  // Shorter than this leaves too few samples after warm-up to judge (see memory-growth.ts).
  const minimum = (2 * MIN_JUDGED_SAMPLES * SAMPLE_INTERVAL_MS) / 1000;
  if (!Number.isInteger(seconds) || seconds < minimum) {
    throw new Error(`SOAK_SECONDS must be a whole number of seconds, at least ${minimum}; got ${value}`);
  }
  return seconds;
}

describe('soak', () => {
  let kube: Kube;
  const cleanup = createCleanupStack();

  beforeAll(async () => {
    announceSuite(`soak (${SOAK_SECONDS} s at ${DELIVERIES_PER_SECOND} deliveries/s)`);
    kube = kubeClients();
    await installCrds(kube);
    // Established is not yet served: the first writes could meet "storage is (re)initializing".
    await waitForCustomResourcesServed(kube);
  });

  afterEach(async () => {
    try {
      await cleanup.run();
    } finally {
      await stopListeners();
      await deleteE2eConfigs(kube);
    }
  });

  it('the growth criterion passes a levelled sawtooth and fails a leak or a step', () => {
    const runMs = 60_000;
    const series = (rss: (second: number) => number): RssSample[] =>
      Array.from({ length: 30 }, (_, index) => ({ atMs: index * 2_000, rssBytes: rss(index * 2) * MB }));
    // Warm-up from 140 to 180 MB, then a collection every 10 s dropping the 12 MB made since the last.
    const levelled = series((second) => Math.min(180, 140 + 2 * second) + (second % 10) * 1.2);
    // 1 MB/s from the start: a minute's run ends a third above where it settled.
    const leak = series((second) => 150 + second);
    // Level, then half as much again from one moment on (a cache filled once and never emptied).
    const step = series((second) => (second < 44 ? 180 : 270));

    expect(judgeMemoryGrowth(levelled, runMs).reasons).toEqual([]);
    expect(judgeMemoryGrowth(leak, runMs).growing).toBe(true);
    expect(judgeMemoryGrowth(step, runMs).growing).toBe(true);
  });

  it(
    `${DELIVERIES_PER_SECOND} deliveries/s for ${SOAK_SECONDS} s: nothing lost, memory levels off`,
    { timeout: SOAK_SECONDS * 1000 + 120_000 },
    async () => {
      const world = await createRotationWorld(kube, 'soak', EXTERNAL_SECRETS);
      const listener = await startListenerAsDeployed();
      const grid = await subscribeEventGrid(world.url);
      cleanup.defer(() => grid.close());
      const observer = await observeAnnotations(kube, world.namespace);
      cleanup.defer(() => {
        observer.cancel();
      });
      const sampler = sampleRss(listener.pid, SAMPLE_INTERVAL_MS);
      cleanup.defer(() => {
        sampler.cancel();
      });

      const runStarted = performance.now();
      const stream = startRotationStream(grid.simulator, {
        secrets: world.secrets,
        perSecond: DELIVERIES_PER_SECOND,
        count: DELIVERIES_PER_SECOND * SOAK_SECONDS,
      });
      cleanup.defer(() => {
        stream.stop();
      });
      await stream.finished;
      const deliveries = await stream.settled();
      const samples = await sampler.stop();
      const runMs = performance.now() - runStarted;

      const verdict = judgeMemoryGrowth(samples, runMs);
      process.stderr.write(
        `[e2e] soak: listener RSS (MB, every ${SAMPLE_INTERVAL_MS / 1000} s): ${formatRssSeries(samples)}\n` +
          `[e2e] soak: judged half ${formatMb(verdict.startBytes)} → ${formatMb(verdict.endBytes)}, ` +
          `trend ${formatMb(verdict.slopeBytesPerSecond * 60)}/min (${formatMb(verdict.projectedGrowthBytes)} over the run)\n`,
      );

      // Acknowledged means stored; the watch shows each change a moment later.
      const sentIds = new Set(stream.sent.map((entry) => entry.eventId));
      const seen = (): number => [...sentIds].filter((id) => observer.eventIds.has(id)).length;
      const deadline = performance.now() + 30_000;
      while (seen() < sentIds.size && performance.now() < deadline) await delay(100);
      await observer.close();
      // A rotation that arrives while a patch of the same ExternalSecret still waits for a free slot
      // joins it and the newer annotations are written once: acknowledged, superseded, never on its
      // own on the watch. The listener counts each such join.
      const coalesced = metricValue(await listener.metrics(), 'reloader_annotations_coalesced_total') ?? 0;
      const observed = seen();
      const counts = printRun(
        `soak ${SOAK_SECONDS} s`,
        grid,
        observed,
        `on the watch, ${coalesced} superseded by a newer rotation while queued`,
      );

      expect(finalStates(deliveries)).toEqual(['acknowledged']);
      expect({ sent: counts.sent, acknowledged: counts.acknowledged }).toEqual({
        sent: sentIds.size,
        acknowledged: sentIds.size,
      });
      // Every rotation is on the watch or was folded into a newer one; exactly so without redeliveries.
      const { counts: simulated } = grid.simulator.report();
      if (simulated.retries + simulated.duplicates === 0) expect(observed + coalesced).toBe(sentIds.size);
      else expect(observed + coalesced).toBeGreaterThanOrEqual(sentIds.size);
      await expectLastRotationsStored(kube, world.namespace, stream.sent);
      expect(verdict.reasons).toEqual([]);
    },
  );
});

/** Each ExternalSecret ends with the last rotation sent to it: nothing older overwrote it. */
async function expectLastRotationsStored(
  kube: Kube,
  namespace: string,
  sent: readonly Rotation[],
): Promise<void> {
  const last = new Map(sent.map((entry) => [entry.secret, entry]));
  const stale: string[] = [];
  for (const [secret, entry] of last) {
    const stored = await mustReadExternalSecret(kube, namespace, secret);
    if (!carriesRotation(stored.annotations, entry)) stale.push(secret);
  }
  expect(stale).toEqual([]);
}
