import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { ALL_SCENARIOS } from './bench-plan.js';
import type { ScenarioName } from './report/figures.js';

export const BENCH_HELP = `npm run bench -- [flags]: how well the listener does its job, and how its cost grows,
on a real kube-apiserver + etcd started on 127.0.0.1 for the run (e2e/control-plane; binaries cached).
Every figure is a ratio against a baseline measured in the same run, interleaved with the listener's
rounds, because the machines are shared and noisy. Builds the listener first (dist/listener/main.js).

Scenarios (in this order; the ExternalSecret population grows in place between sizes):
  ingest   deliveries matching no ExternalSecret from a separate closed-loop load process at
           concurrency 1, 16, 64: deliveries/s, p50/p99 and server CPU per delivery, against a bare
           fastify server on the same port, rounds alternating. Targets: listener/baseline >= 0.8 in
           throughput; no API requests at all.
  fanout   1,000 and 10,000 ExternalSecrets (--quick: 1,000); rotations matching 1, 100 and 1,000:
           delivery -> last annotation seen on a watch, and the listener's API requests by kind (through
           a counting proxy), against a bare @kubernetes/client-node loop of the same merge patches at
           the same concurrency (16); plus, for reference, the same patches over keep-alive (undici).
           Targets: >= 0.8; no LIST/GET/WATCH per event; one PATCH per matched ExternalSecret.
  scale    0, 1k, 10k, 50k ExternalSecrets (--quick: 0, 1k, 5k): cache sync (vs a bare LIST), RSS (vs
           0 ES), no-match CPU per delivery (vs the same listener on an empty in-memory cluster, runs
           alternating; target >= 0.8, i.e. flat), one-match p50/p99 (vs a bare patch over a kept-alive
           connection) and its slope (target: bare/listener at the largest size within 0.8 of that at
           the smallest).
  burst    1,000 distinct rotations within one second through the simulator (with its retries): all
           annotated, time to the last, p99 per delivery, 5xx answers; with the rate limit off
           (against the baseline loop, >= 0.8) and, except in --quick, with the default 200/s
           (429s retried).

Flags:
  --quick            CI smoke sizes and repetitions (1k and 5k ExternalSecrets, 2 short ingest rounds,
                     one burst): under 3 minutes on a shared 2-core machine (166 s measured at load
                     average 1.2).
  --only LIST        Comma-separated scenarios to run (default: all): ${ALL_SCENARIOS.join(',')}.
  --out DIR          Where results.json and results.md go (default e2e/bench, where a full run of
                     every scenario also rewrites the table in README.md; with --quick the default is
                     e2e/bench/quick, git-ignored, so a smoke run never replaces the full results).
                     Listener logs and CPU profiles go to DIR/results/.
  --no-profile       Do not re-run a missed figure's workload under node --cpu-prof (by default it is
                     re-run once and the profile's top self-time functions are added to the report).
  --fail-on-miss     Exit 3 when any figure misses its target (default: misses are reported, exit 0).
  --help             Show this help.

Output: progress on stderr, the markdown table on stdout, DIR/results.json with every figure, the raw
measurements, the versions (Node, kube-apiserver, etcd), the machine and the date.
Exit status: 0 when every scenario ran, 1 when one could not run, 2 for bad flags, 3 see --fail-on-miss.
Everything runs on 127.0.0.1, bounded in count and time; every process started is stopped on exit,
on SIGINT/SIGTERM/SIGHUP, and (by a watchdog) even if this process is killed.`;

export interface BenchOptions {
  readonly quick: boolean;
  readonly scenarios: readonly ScenarioName[];
  readonly outDirectory: string;
  readonly profileMisses: boolean;
  readonly failOnMiss: boolean;
}

export type BenchCliResult =
  | { readonly kind: 'run'; readonly options: BenchOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

function isScenario(name: string): name is ScenarioName {
  return (ALL_SCENARIOS as readonly string[]).includes(name);
}

export function parseBenchCli(argv: readonly string[], defaultOut: string): BenchCliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        out: { type: 'string' },
        'no-profile': { type: 'boolean' },
        'fail-on-miss': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error: unknown) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  const requested =
    values.only === undefined ? [...ALL_SCENARIOS] : values.only.split(',').map((name) => name.trim());
  const unknown = requested.filter((name) => !isScenario(name));
  if (unknown.length > 0 || requested.length === 0) {
    return {
      kind: 'error',
      message: `--only takes scenarios from ${ALL_SCENARIOS.join(', ')}; got ${unknown.join(', ') || 'nothing'}`,
    };
  }
  return {
    kind: 'run',
    options: {
      quick: values.quick === true,
      scenarios: ALL_SCENARIOS.filter((name) => requested.includes(name)),
      // A smoke run's figures are not the ones the repository keeps: they go beside them.
      outDirectory: values.out ?? (values.quick === true ? join(defaultOut, 'quick') : defaultOut),
      profileMisses: values['no-profile'] !== true,
      failOnMiss: values['fail-on-miss'] === true,
    },
  };
}
