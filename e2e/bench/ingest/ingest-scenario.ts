import type { BenchContext } from '../bench-context.js';
import { SUBSCRIPTION, webhookUrl } from '../listener/bench-config.js';
import { countsBetween, formatCounts, type RequestCounts } from '../proxy/request-counts.js';
import { profileReference, summariseCpuProfile, type ProfileSummary } from '../report/cpu-profile-summary.js';
import { figure, formatMs, formatNumber, withNote, type Figure } from '../report/figures.js';
import { median, round } from '../report/stats.js';
import { startBaselineServer } from './baseline-process.js';
import type { LoadResult } from './load-protocol.js';
import type { LoadWorker } from './load-worker-client.js';
import { runAgainstServer } from './server-run.js';

type Side = 'listener' | 'baseline';

export interface IngestRound {
  readonly concurrency: number;
  readonly round: number;
  readonly side: Side;
  readonly load: LoadResult;
  /** CPU the server process used per acknowledged delivery, in µs (measured window and its warm-up). */
  readonly serverCpuUsPerDelivery: number;
  /** The listener's requests to the API server during the round (none are expected). */
  readonly apiRequests?: RequestCounts;
}

export interface IngestResult {
  readonly rounds: readonly IngestRound[];
  readonly figures: readonly Figure[];
  readonly profile?: ProfileSummary & { readonly concurrency: number };
}

/**
 * Ingest: deliveries that match no ExternalSecret, from a separate closed-loop load process, against
 * the listener and against a bare fastify server on the same port, alternating (listener first in odd
 * rounds, baseline first in even ones) so that drift in a shared machine's load falls on both alike.
 */
export async function runIngest(context: BenchContext): Promise<IngestResult> {
  const { plan, progress } = context;
  const settings = plan.ingest;
  const worker = await context.loadWorker();
  const rounds: IngestRound[] = [];
  for (const concurrency of settings.concurrencies) {
    for (let round = 1; round <= settings.rounds; round += 1) {
      const order: Side[] = round % 2 === 1 ? ['listener', 'baseline'] : ['baseline', 'listener'];
      for (const side of order) {
        const result = await measureRound(context, worker, side, concurrency, round);
        rounds.push(result);
        const l = result.load.latencyMs;
        progress.line(
          `ingest c=${concurrency} round ${round}/${settings.rounds} ${side.padEnd(8)}: ` +
            `${formatNumber(result.load.throughput)}/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ` +
            `${Math.round(result.serverCpuUsPerDelivery)} µs CPU/delivery` +
            (result.apiRequests === undefined ? '' : `, API requests: ${formatCounts(result.apiRequests)}`),
        );
      }
    }
  }
  let figures = ingestFigures(rounds, settings.concurrencies, settings.target);
  let profile: IngestResult['profile'];
  const missed = figures.filter((row) => row.verdict === 'MISSED' && row.name.endsWith('deliveries/s'));
  const worst = missed
    .map((row) => Number(/c=(\d+)/.exec(row.name)?.[1]))
    .filter((value) => Number.isFinite(value))
    .at(-1);
  if (plan.profileMisses && worst !== undefined) {
    progress.line(`ingest: throughput target missed; profiling the listener at c=${worst}`);
    const summary = await profileRound(context, worker, worst);
    profile = { ...summary, concurrency: worst };
    const note = profileReference('ingest');
    figures = figures.map((row) => (row.verdict === 'MISSED' ? withNote(row, note) : row));
  }
  return { rounds, figures, ...(profile === undefined ? {} : { profile }) };
}

async function measureRound(
  context: BenchContext,
  worker: LoadWorker,
  side: Side,
  concurrency: number,
  round: number,
): Promise<IngestRound> {
  const { warmupMs, measureMs } = context.plan.ingest;
  const request = { url: webhookUrl(context.webhookPort), concurrency, warmupMs, measureMs };
  if (side === 'baseline') {
    const server = await startBaselineServer(context.children, context.webhookPort, `/${SUBSCRIPTION}`);
    try {
      const run = await runAgainstServer(worker, server.pid, request);
      return { concurrency, round, side, load: run.load, serverCpuUsPerDelivery: run.cpuUsPerDelivery };
    } finally {
      await server.stop(5_000);
    }
  }
  const listener = await context.startListener({ label: `ingest-c${concurrency}-r${round}` });
  try {
    const countsBefore = await context.proxy.settledCounts('listener');
    const run = await runAgainstServer(worker, listener.pid, request);
    const apiRequests = countsBetween(countsBefore, await context.proxy.counts('listener'));
    return {
      concurrency,
      round,
      side,
      load: run.load,
      serverCpuUsPerDelivery: run.cpuUsPerDelivery,
      apiRequests,
    };
  } finally {
    await listener.stop();
  }
}

async function profileRound(
  context: BenchContext,
  worker: LoadWorker,
  concurrency: number,
): Promise<ProfileSummary> {
  const listener = await context.startListener({ label: `ingest-c${concurrency}-profile`, cpuProfile: true });
  let stopped: Awaited<ReturnType<typeof listener.stop>> | undefined;
  try {
    await worker.run({
      url: webhookUrl(context.webhookPort),
      concurrency,
      warmupMs: 0,
      measureMs: Math.max(context.plan.ingest.measureMs, 4_000),
    });
  } finally {
    stopped = await listener.stop();
  }
  if (stopped.cpuProfile === undefined) throw new Error('the profiled listener wrote no profile');
  return summariseCpuProfile(stopped.cpuProfile, listener.readyAt - listener.spawnedAt);
}

function ingestFigures(
  rounds: readonly IngestRound[],
  concurrencies: readonly number[],
  target: number,
): Figure[] {
  const figures: Figure[] = [];
  for (const concurrency of concurrencies) {
    const of = (side: Side): IngestRound[] =>
      rounds.filter((round) => round.concurrency === concurrency && round.side === side);
    const listener = of('listener');
    const baseline = of('baseline');
    // Paired by round: each ratio compares two measurements taken seconds apart.
    const pairedRatios = listener.flatMap((own) => {
      const other = baseline.find((round) => round.round === own.round);
      return other === undefined || other.load.throughput === 0
        ? []
        : [own.load.throughput / other.load.throughput];
    });
    const ratio = round(median(pairedRatios), 3);
    const throughput = (side: IngestRound[]): number => median(side.map((round) => round.load.throughput));
    const failures = listener.reduce(
      (sum, round) =>
        sum +
        Object.entries(round.load.statuses)
          .filter(([status]) => !status.startsWith('2'))
          .reduce((total, [, count]) => total + count, 0),
      0,
    );
    figures.push(
      figure({
        scenario: 'ingest',
        name: `c=${concurrency} deliveries/s`,
        listener: `${formatNumber(throughput(listener))}/s`,
        baseline: `${formatNumber(throughput(baseline))}/s`,
        ratio,
        check: { value: ratio, op: '>=', limit: target },
        ...(failures === 0 ? {} : { note: `${failures} listener answers were not 2xx` }),
      }),
    );
    const p = (side: IngestRound[], key: 'p50' | 'p99'): number =>
      median(side.map((round) => round.load.latencyMs[key]));
    figures.push(
      figure({
        scenario: 'ingest',
        name: `c=${concurrency} latency p50 / p99`,
        listener: `${formatMs(p(listener, 'p50'))} / ${formatMs(p(listener, 'p99'))}`,
        baseline: `${formatMs(p(baseline, 'p50'))} / ${formatMs(p(baseline, 'p99'))}`,
        ratio: round(p(baseline, 'p99') / p(listener, 'p99'), 3),
        note: 'ratio on p99 (baseline / listener)',
      }),
    );
    const cpu = (side: IngestRound[]): number => median(side.map((round) => round.serverCpuUsPerDelivery));
    figures.push(
      figure({
        scenario: 'ingest',
        name: `c=${concurrency} server CPU per delivery`,
        listener: `${Math.round(cpu(listener))} µs`,
        baseline: `${Math.round(cpu(baseline))} µs`,
        ratio: round(cpu(baseline) / cpu(listener), 3),
      }),
    );
  }
  const requests = rounds.flatMap((round) => (round.apiRequests === undefined ? [] : [round.apiRequests]));
  const total = requests.reduce(
    (sum, counts) => sum + Object.values(counts.byKind).reduce((a, b) => a + b, 0),
    0,
  );
  figures.push(
    figure({
      scenario: 'ingest',
      name: 'API requests during ingest rounds',
      listener: requests.length === 0 ? 'n/a' : String(total),
      baseline: '0',
      check: { value: total, op: '==', limit: 0 },
      note: 'deliveries that match nothing must not reach the API server',
    }),
  );
  return figures;
}
