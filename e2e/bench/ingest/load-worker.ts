/**
 * The ingest load generator, a process of its own (started by load-worker-client.ts with an IPC
 * channel) so that generating load never shares an event loop with what is measured. Closed loop:
 * `concurrency` keep-alive connections, each sending its next delivery as soon as the previous one is
 * answered, which is how "concurrency N" is meant. The simulator's load mode is open loop (a fixed
 * rate), which would measure queueing in its own pool instead.
 */
import { Pool } from 'undici';

import { deliveryRequest, rotationEvent } from '../delivery/rotation-deliveries.js';
import { summariseLatencies } from '../report/stats.js';
import type { LoadRequest, LoadResult, WorkerMessage } from './load-protocol.js';

// Distinct deliveries, built before the clock starts so the generator spends its time sending.
const DISTINCT_BODIES = 2048;
// A bound on the samples kept: far above what 64 connections answer in a round on loopback.
const MAX_SAMPLES = 2_000_000;

async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const requests = Array.from({ length: DISTINCT_BODIES }, (_, index) =>
    // Names no ExternalSecret reads: the listener parses, matches nothing, and answers.
    deliveryRequest(request.url, [rotationEvent(`unmatched-${index}`)]),
  );
  const pool = new Pool(new URL(request.url).origin, {
    connections: request.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let acknowledged = 0;
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const measureFrom = started + request.warmupMs;
  const measureTo = measureFrom + request.measureMs;
  const count = (key: string): void => {
    statuses[key] = (statuses[key] ?? 0) + 1;
  };

  const loop = async (): Promise<void> => {
    while (performance.now() < measureTo) {
      const delivery = requests[next++ % requests.length];
      if (delivery === undefined) continue;
      const sent = performance.now();
      let status: string;
      try {
        const response = await pool.request({
          path: delivery.path,
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        await response.body.dump();
        status = String(response.statusCode);
      } catch (error: unknown) {
        // A failed request is a measurement: it is counted under its code, and the loop goes on.
        status =
          typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'ERROR';
      }
      const answered = performance.now();
      if (answered < measureFrom || answered > measureTo) continue;
      count(status);
      if (status.startsWith('2')) {
        acknowledged += 1;
        if (latencies.length < MAX_SAMPLES) latencies.push(answered - sent);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: request.concurrency }, loop));
  } finally {
    await pool.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    acknowledged,
    throughput: acknowledged / (request.measureMs / 1000),
    statuses,
    latencyMs: summariseLatencies(latencies),
    generatorCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

process.on('message', (message: LoadRequest) => {
  runLoad(message).then(
    (result) => {
      process.send?.({ type: 'result', result } satisfies WorkerMessage);
    },
    (error: unknown) => {
      process.send?.({
        type: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies WorkerMessage);
    },
  );
});
// The orchestrator went away (however it ended): nothing left to do.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' } satisfies WorkerMessage);
