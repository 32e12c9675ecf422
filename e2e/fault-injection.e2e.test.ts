/**
 * Fault injection, nothing lost. The real listener process against a real kube-apiserver, with the
 * simulator as Event Grid (Azure's retry schedule at 1/2000): kube-apiserver restarted mid-stream,
 * watches cut until their resourceVersion expires, latency on every byte to the API server, PATCH
 * forbidden by RBAC, SIGTERM while a batch is being annotated. The listener must refuse to acknowledge
 * what it could not store, and Event Grid's retries must leave every rotation on its ExternalSecret.
 * Each test prints rotations sent, acknowledged and observed (annotations read back from the API).
 *
 * Latency and cuts come from a TCP proxy between the listener and kube-apiserver
 * (support/faults/fault-proxy.ts); TLS stays end to end through it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { DeliverySnapshot } from '../simulator/index.js';
import { waitForCacheInStep } from './support/cache-barrier.js';
import { clusterControl } from './support/cluster-control.js';
import { deleteE2eConfigs } from './support/configs.js';
import { installCrds, waitForCustomResourcesServed } from './support/crds.js';
import { eventually } from './support/eventually.js';
import {
  createExternalSecrets,
  deleteExternalSecret,
  readExternalSecret,
  readsKey,
} from './support/external-secrets.js';
import { listRequests } from './support/faults/api-server-metrics.js';
import { cannotStopApiServer, whileApiServerDown } from './support/faults/api-server-outage.js';
import { createCleanupStack } from './support/faults/cleanup-stack.js';
import {
  countObserved,
  expectNothingLost,
  finalStates,
  formatResults,
  printRun,
} from './support/faults/delivery-report.js';
import { subscribeEventGrid, type EventGrid } from './support/faults/event-grid.js';
import { startFaultProxy, type FaultProxy } from './support/faults/fault-proxy.js';
import {
  isAcknowledgement,
  openFaultWindow,
  resultsOf,
  waitUntilEachMetFault,
  waitUntilMetFault,
} from './support/faults/fault-window.js';
import { bindListenerRole } from './support/faults/listener-role.js';
import { writeProxiedKubeconfig } from './support/faults/proxied-kubeconfig.js';
import { createRotationWorld } from './support/faults/rotation-world.js';
import { startRotationStream } from './support/faults/rotation-stream.js';
import { kubeClients, type Kube } from './support/kube.js';
import type { LogLine } from './support/listener-logs.js';
import {
  startListener,
  stopListeners,
  type ListenerOptions,
  type ListenerProcess,
} from './support/listener-process.js';
import { metricValue } from './support/metrics.js';
import { uniqueName } from './support/names.js';
import { rotation, type Rotation } from './support/rotations.js';
import { announceSuite } from './support/suite-banner.js';
import { deliverySummary, type DeliverySummary } from './support/webhook-client.js';

interface ProxiedListener {
  readonly proxy: FaultProxy;
  readonly listener: ListenerProcess;
  /** Reaches the API server through the proxy: start the listener with it again to restart it. */
  readonly kubeconfigPath: string;
}

describe('fault injection: nothing lost', () => {
  const control = clusterControl();
  const noApiServerControl = cannotStopApiServer(control);
  const noUsers =
    control.createUser === undefined ? `the ${control.provider} provider cannot mint users` : undefined;
  const cleanup = createCleanupStack();
  let kube: Kube;

  beforeAll(async () => {
    announceSuite('fault injection');
    kube = kubeClients();
    await installCrds(kube);
    // Established is not yet served: the first test's writes could meet "storage is (re)initializing".
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

  afterAll(() => {
    for (const reason of [noApiServerControl, noUsers]) {
      if (reason !== undefined) process.stderr.write(`[e2e] fault injection: skipped cases: ${reason}\n`);
    }
  });

  /** The listener with a fault proxy on its way to the API server; both stop after the test. */
  async function startProxiedListener(options: ListenerOptions = {}): Promise<ProxiedListener> {
    const server = kube.config.getCurrentCluster()?.server;
    if (server === undefined) throw new Error(`${kube.kubeconfigPath}: no current cluster`);
    const directory = await mkdtemp(join(tmpdir(), 'reloader-e2e-faults-'));
    cleanup.defer(() => rm(directory, { recursive: true, force: true }));
    const proxy = await startFaultProxy(server);
    cleanup.defer(() => proxy.close());
    // Before the proxy goes: a listener whose API vanished first would wait on it while shutting down.
    cleanup.defer(() => stopListeners());
    const kubeconfigPath = await writeProxiedKubeconfig(kube.kubeconfigPath, proxy.serverUrl, directory);
    const listener = await startListener({ ...options, kubeconfigPath });
    return { proxy, listener, kubeconfigPath };
  }

  async function subscribed(
    url: string,
    options?: Parameters<typeof subscribeEventGrid>[1],
  ): Promise<EventGrid> {
    const grid = await subscribeEventGrid(url, options);
    cleanup.defer(() => grid.close());
    return grid;
  }

  it.skipIf(noApiServerControl !== undefined)(
    'kube-apiserver restarted mid-stream: answers are 503 while it is away, and every rotation lands',
    async () => {
      const world = await createRotationWorld(kube, 'restart-stream', 60);
      await startListener();
      const grid = await subscribed(world.url);
      const stream = startRotationStream(grid.simulator, {
        secrets: world.secrets,
        perSecond: 10,
        count: 60,
      });
      cleanup.defer(() => {
        stream.stop();
      });

      // A quarter in: some rotations are stored before the restart, some meet it, some follow it.
      await eventually(
        () => Promise.resolve(stream.sent.length),
        (published) => published >= 15,
        { what: '15 rotations published' },
      );
      const window = await whileApiServerDown(
        control,
        kube,
        async () => {
          const opened = openFaultWindow(grid);
          await waitUntilMetFault(opened, 3);
          opened.close();
          return opened;
        },
        // Graceful, as restartApiServer does by default. kube-apiserver stops taking connections at once
        // but holds the listener's watches open until the harness kills it 10 s later: a half-dead API
        // where every PATCH is refused while the watches look healthy. (The faults suite covers a kill.)
        { graceful: true },
      );
      await stream.finished;
      const deliveries = await stream.settled();

      // Nothing could be stored, so nothing was acknowledged: every answer told Event Grid to retry.
      expect(window.met().filter(isAcknowledgement)).toEqual([]);
      expect(resultsOf(window.met())).toEqual(['503']);
      expect(finalStates(deliveries)).toEqual(['acknowledged']);
      await expectNothingLost(
        'kube-apiserver restarted mid-stream',
        grid,
        kube,
        world.namespace,
        stream.sent,
      );
    },
  );

  it.skipIf(noApiServerControl !== undefined)(
    'watches cut until their resourceVersion expired: the listener relists, matches what was created meanwhile and never patches what was deleted',
    async () => {
      const world = await createRotationWorld(kube, 'relist', 2);
      const [kept = '', doomed = ''] = world.secrets;
      const born = [uniqueName('relist-born'), uniqueName('relist-born')];
      const { proxy, listener } = await startProxiedListener();
      const grid = await subscribed(world.url);
      await waitForCacheInStep(listener, kube);
      const cachedBefore = await cachedExternalSecrets(listener);

      const mark = listener.logs.lines.length;
      proxy.cut();
      await waitForLog(listener, mark, 'ExternalSecret watch failed; retrying');
      // Changes the listener's watch cannot see; then a restart starts kube-apiserver's watch cache
      // after them, so the resourceVersion the listener resumes from is too old (410 Gone): only a
      // fresh LIST can tell it what happened.
      await deleteExternalSecret(kube, world.namespace, doomed);
      await createExternalSecrets(
        kube,
        born.map((secret) => ({ namespace: world.namespace, name: secret, spec: readsKey(secret) })),
      );
      await whileApiServerDown(control, kube, () => Promise.resolve(), { graceful: false });
      // From here on only the listener lists ExternalSecrets (the test reads single objects and metrics).
      const listsBefore = await listRequests(kube, 'externalsecrets');
      proxy.restore();

      // One deleted and two created: the cache grows by one only if it saw all three.
      await eventually(
        () => cachedExternalSecrets(listener),
        (cached) => cached === cachedBefore + 1,
        { what: `the listener's cache at ${cachedBefore + 1} ExternalSecrets`, timeoutMs: 60_000 },
      );
      expect(await listRequests(kube, 'externalsecrets'), 'the listener relisted').toBeGreaterThan(
        listsBefore,
      );

      const sent = [kept, doomed, ...born].map((secret) => rotation(secret));
      const deliveries = await grid.simulator.publish(sent.map((entry) => entry.event)).settled;
      expect(finalStates(deliveries)).toEqual(['acknowledged']);
      const summaries = new Map(sent.map((entry) => [entry.secret, acknowledgedSummary(deliveries, entry)]));
      expect(summaries.get(doomed), 'the deleted one: not matched, so not patched').toMatchObject({
        matched: 0,
        annotated: 0,
        gone: 0,
      });
      for (const secret of [kept, ...born]) {
        expect(summaries.get(secret), secret).toMatchObject({ matched: 1, annotated: 1 });
      }
      expect(await readExternalSecret(kube, world.namespace, doomed)).toBeUndefined();

      const living = sent.filter((entry) => entry.secret !== doomed);
      const counts = printRun(
        'watches expired, relisted',
        grid,
        await countObserved(kube, world.namespace, living),
        `(${sent.length - living.length} of them for an ExternalSecret deleted on purpose: not patched)`,
      );
      expect(counts).toEqual({ sent: sent.length, acknowledged: sent.length, observed: living.length });
    },
  );

  it('API latency: at 200 ms deliveries complete, slower; past what Event Grid waits, none is acknowledged until it passes, then all land', async () => {
    const world = await createRotationWorld(kube, 'latency', 30);
    const { proxy } = await startProxiedListener();
    // Short enough that the stalled API outlasts it; long enough for 200 ms round trips.
    const grid = await subscribed(world.url, { responseTimeoutMs: 4_000 });
    const slow = world.secrets.slice(0, 15).map((secret) => rotation(secret));
    const stalled = world.secrets.slice(15).map((secret) => rotation(secret));

    proxy.setLatency(LATENCY_MS);
    const slowDeliveries = await grid.simulator.publish(slow.map((entry) => entry.event)).settled;
    const firstAttempts = slowDeliveries.map((delivery) => delivery.attempts[0]);
    expect(firstAttempts.map((attempt) => attempt?.result)).toEqual(slow.map(() => '200'));
    // Proof the latency was on the path: each delivery's PATCH crossed the proxy both ways.
    const fastest = Math.min(...firstAttempts.map((attempt) => attempt?.latencyMs ?? 0));
    expect(fastest).toBeGreaterThanOrEqual(2 * LATENCY_MS);

    // A TLS handshake and a PATCH take at least four crossings: 10 s against Event Grid's 4 s here.
    proxy.setLatency(STALLED_LATENCY_MS);
    const window = openFaultWindow(grid);
    const receipt = grid.simulator.publish(stalled.map((entry) => entry.event));
    await waitUntilEachMetFault(window, receipt.deliveryIds);
    window.close();
    proxy.setLatency(0);
    const deliveries = await receipt.settled;

    process.stderr.write(
      `[e2e] API latency ${STALLED_LATENCY_MS} ms: attempts meanwhile: ${formatResults(window.met())}\n`,
    );
    expect(window.met().filter(isAcknowledgement)).toEqual([]);
    // The listener's deadline on a patch is longer than Event Grid waits here, so Event Grid times out
    // first; a 503 at the deadline would say the same ("retry"). Anything else would be a wrong answer.
    for (const result of resultsOf(window.met())) expect(result).toMatch(/^(timeout|5\d\d)$/);
    expect(finalStates(deliveries)).toEqual(['acknowledged']);
    await expectNothingLost('API latency', grid, kube, world.namespace, [...slow, ...stalled]);
  });

  it.skipIf(noUsers !== undefined)(
    'PATCH forbidden by RBAC: answers are 503 until the ClusterRole grants patch again, then the retries land',
    async () => {
      const { createUser } = control;
      if (createUser === undefined) throw new Error('skipped above');
      const world = await createRotationWorld(kube, 'rbac', 10);
      const user = await createUser({ name: uniqueName('reloader-listener') });
      const role = await bindListenerRole(kube, user.name, 'all but patch');
      cleanup.defer(() => role.remove());
      const listener = await startListener({ kubeconfigPath: user.kubeconfigPath });
      const grid = await subscribed(world.url);

      const sent = world.secrets.map((secret) => rotation(secret));
      const window = openFaultWindow(grid);
      const receipt = grid.simulator.publish(sent.map((entry) => entry.event));
      await waitUntilEachMetFault(window, receipt.deliveryIds);
      window.close();
      expect(resultsOf(window.met())).toEqual(['503']);
      await waitForLog(listener, 0, 'annotation failed', { code: 'FORBIDDEN' });

      await role.grant('all');
      const deliveries = await receipt.settled;
      expect(finalStates(deliveries)).toEqual(['acknowledged']);
      await expectNothingLost('PATCH forbidden by RBAC', grid, kube, world.namespace, sent);
    },
  );

  it('SIGTERM mid-batch with time to finish: the batch is stored and acknowledged before the exit; what arrives meanwhile is not lost', async () => {
    const { world, proxied, grid, batch, later } = await batchInFlight('sigterm-graceful', [
      '--shutdown-grace',
      String(ROOMY_GRACE_SECONDS),
    ]);
    const mark = proxied.listener.logs.lines.length;
    const exit = proxied.listener.kill('SIGTERM');
    await waitForLog(
      proxied.listener,
      mark,
      'shutting down: no new connections, finishing in-flight deliveries',
    );
    const meanwhile = grid.simulator.publish(later.map((entry) => entry.event));
    expect(await exit).toEqual({ code: 0, signal: null });

    const [delivery, ...others] = await batch.receipt.settled;
    expect(others).toEqual([]);
    const first = delivery?.attempts[0];
    expect(first?.result, 'the batch in flight finished before the exit').toBe('200');
    expect(deliverySummary({ status: 200, headers: {}, body: first?.responseBody ?? '' })).toMatchObject({
      matched: BATCH_SIZE,
      annotated: BATCH_SIZE,
    });

    proxied.proxy.setLatency(0);
    await startListener({ kubeconfigPath: proxied.kubeconfigPath, adminPort: proxied.listener.adminPort });
    expect(finalStates(await meanwhile.settled)).toEqual(['acknowledged']);
    await expectNothingLost('SIGTERM mid-batch, graceful', grid, kube, world.namespace, [
      ...batch.sent,
      ...later,
    ]);
  });

  it('SIGTERM mid-batch without time to finish: the cut batch is not acknowledged, and its retry lands after the restart', async () => {
    const { world, proxied, grid, batch } = await batchInFlight('sigterm-cut', ['--shutdown-grace', '1']);
    const exit = proxied.listener.kill('SIGTERM');
    // Once the batch is cut off, the listener's last Kubernetes Events need not crawl through the proxy.
    await eventually(
      () => Promise.resolve(grid.ledger.attemptsOf(batch.receipt.deliveryIds).length),
      (attempts) => attempts > 0,
      { what: "the batch's first attempt answered or cut" },
    );
    proxied.proxy.setLatency(0);
    expect(await exit).toEqual({ code: 0, signal: null });

    await startListener({ kubeconfigPath: proxied.kubeconfigPath, adminPort: proxied.listener.adminPort });
    const [delivery, ...others] = await batch.receipt.settled;
    expect(others).toEqual([]);
    const first = delivery?.attempts[0];
    expect(first?.status, `the batch was cut off (${first?.result ?? 'no attempt'})`).toBeUndefined();
    expect(delivery?.state).toBe('acknowledged');
    await expectNothingLost('SIGTERM mid-batch, grace too short', grid, kube, world.namespace, batch.sent);
  });

  /**
   * A listener annotating one batch of BATCH_SIZE rotations slowly, caught after its first annotation
   * is stored; and BATCH_SIZE more rotations to publish later. Each PATCH opens a TLS connection
   * through the proxy: at least four crossings of LATENCY_MS, so with two patches at a time the rest
   * of the batch takes at least 3 × 4 × 200 ms = 2.4 s after the first is stored, past a 1 s grace.
   */
  async function batchInFlight(prefix: string, extraArgs: readonly string[]) {
    const world = await createRotationWorld(kube, prefix, 2 * BATCH_SIZE);
    const proxied = await startProxiedListener({ extraArgs: ['--kube-concurrency', '2', ...extraArgs] });
    const grid = await subscribed(world.url, { batch: { maxEvents: BATCH_SIZE }, responseTimeoutMs: 30_000 });
    const sent = world.secrets.slice(0, BATCH_SIZE).map((secret) => rotation(secret));
    const later = world.secrets.slice(BATCH_SIZE).map((secret) => rotation(secret));

    proxied.proxy.setLatency(LATENCY_MS);
    const mark = proxied.listener.logs.lines.length;
    const receipt = grid.simulator.publish(sent.map((entry) => entry.event));
    expect(receipt.deliveryIds).toHaveLength(1);
    await waitForLog(proxied.listener, mark, 'annotated');
    return { world, proxied, grid, batch: { sent, receipt }, later };
  }
});

const LATENCY_MS = 200;
const STALLED_LATENCY_MS = 2_500;
const BATCH_SIZE = 8;
/**
 * Several times what the rest of the batch needs (about 2.4 s), so a slow machine still finishes it.
 * Also how long that exit takes: the listener keeps the simulator's keep-alive connection open after
 * the batch is answered, until the grace runs out.
 */
const ROOMY_GRACE_SECONDS = 10;

async function cachedExternalSecrets(listener: ListenerProcess): Promise<number> {
  const cached = metricValue(await listener.metrics(), 'reloader_cached_external_secrets');
  if (cached === undefined) throw new Error('the listener exports no reloader_cached_external_secrets');
  return cached;
}

/** Waits for a log line with this message (and fields) printed after line number `from`. */
async function waitForLog(
  listener: ListenerProcess,
  from: number,
  msg: string,
  fields: Readonly<Record<string, unknown>> = {},
): Promise<LogLine> {
  const lines = listener.logs.lines;
  return listener.logs.waitFor(
    (line) =>
      line.msg === msg &&
      Object.entries(fields).every(([key, value]) => line[key] === value) &&
      lines.indexOf(line) >= from,
    `"${msg}" ${JSON.stringify(fields)}`,
  );
}

/** The summary the listener answered to the delivery that carried this rotation. */
function acknowledgedSummary(deliveries: readonly DeliverySnapshot[], sent: Rotation): DeliverySummary {
  const delivery = deliveries.find((candidate) => candidate.eventIds.includes(sent.eventId));
  const answer = delivery?.attempts.find((attempt) => attempt.status === 200);
  if (answer?.responseBody === undefined) throw new Error(`no acknowledged answer for ${sent.secret}`);
  return deliverySummary({ status: 200, headers: {}, body: answer.responseBody });
}
