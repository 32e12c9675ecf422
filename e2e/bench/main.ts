/**
 * `npm run bench`: the process edge of the benchmark (flags, the environment's lifetime, output files,
 * exit status). What is measured and how lives in the scenario folders; see README.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createBenchContext } from './bench-context.js';
import { BENCH_HELP, parseBenchCli } from './bench-cli.js';
import { ALL_SCENARIOS, benchPlan } from './bench-plan.js';
import { createProgress } from './progress.js';
import { listenerCommit, machineInfo } from './report/environment-info.js';
import { formatLikeTheRepository } from './report/format-output.js';
import { markdownReport } from './report/markdown-report.js';
import { latestSection, replaceLatestSection } from './report/readme-section.js';
import { runBench, type BenchOutcome } from './run-bench.js';

const BENCH_DIRECTORY = fileURLToPath(new URL('.', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const cli = parseBenchCli(argv, BENCH_DIRECTORY);
  if (cli.kind === 'help') {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  if (cli.kind === 'error') {
    process.stderr.write(`error: ${cli.message}\nRun with --help for the flags.\n`);
    return 2;
  }
  const options = cli.options;
  const outDirectory = resolve(options.outDirectory);
  const artifactsDirectory = join(outDirectory, 'results');
  await mkdir(artifactsDirectory, { recursive: true });
  const plan = benchPlan(options);
  const progress = createProgress();
  const date = new Date().toISOString();
  const machine = machineInfo();
  progress.line(
    `bench (${plan.mode}): ${[...plan.scenarios].join(', ')}; ${machine.cores} cores, load average ${machine.loadAverage.join(' / ')}`,
  );

  const context = await createBenchContext({ plan, progress, artifactsDirectory });
  let outcome: BenchOutcome;
  try {
    outcome = await runBench(context);
  } finally {
    progress.line('stopping the listener, proxy and control plane');
    await context.close();
  }

  const durationSeconds = progress.elapsed();
  const versions = {
    node: process.version,
    kubeApiServer: context.controlPlane.version.gitVersion,
    etcd: context.etcdVersion,
    listenerCommit: await listenerCommit(),
  };
  const header = { date, mode: plan.mode, durationSeconds, machine, versions };
  const table = markdownReport(header, outcome.figures, outcome.errors, outcome.profiles);
  const results = {
    benchmark: 'eventgrid-reloader-listener',
    schemaVersion: 1,
    ...header,
    machineAtEnd: machineInfo(),
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    plan: { ...plan, scenarios: [...plan.scenarios] },
    figures: outcome.figures,
    missed: outcome.figures
      .filter((row) => row.verdict === 'MISSED')
      .map((row) => `${row.scenario}: ${row.name}: ${row.verdictText}`),
    errors: outcome.errors,
    profiles: outcome.profiles,
    scenarios: {
      ingest: outcome.ingest,
      fanout: outcome.fanout,
      scale: outcome.scale,
      burst: outcome.burst,
    },
    artifacts: artifactsDirectory,
  };
  await mkdir(outDirectory, { recursive: true });
  const jsonPath = join(outDirectory, 'results.json');
  const markdownPath = join(outDirectory, 'results.md');
  await writeFile(jsonPath, await formatLikeTheRepository(jsonPath, JSON.stringify(results)));
  // Aligned columns: the same text in the file and on the terminal.
  const formattedTable = await formatLikeTheRepository(markdownPath, table);
  await writeFile(markdownPath, formattedTable);
  process.stdout.write(`\n${formattedTable}`);
  progress.line(
    `wrote ${join(outDirectory, 'results.json')} and results.md; logs and profiles in ${artifactsDirectory}`,
  );
  // The README shows the latest complete table of the results kept in the repository: not a run
  // written elsewhere, a quick one, one of some scenarios only, or one that failed.
  const complete = ALL_SCENARIOS.every((scenario) => plan.scenarios.has(scenario));
  const keptHere = outDirectory === resolve(BENCH_DIRECTORY);
  if (keptHere && plan.mode === 'full' && complete && outcome.errors.length === 0) {
    const summary = `Full table of the latest run (${plan.mode}, ${date.slice(0, 10)}, ${Math.round(durationSeconds)} s)`;
    const readme = replaceLatestSection(
      await readFile(README, 'utf8'),
      latestSection(summary, formattedTable),
    );
    await writeFile(README, await formatLikeTheRepository(README, readme));
    progress.line('updated the performance table in README.md');
  }

  if (outcome.errors.length > 0) return 1;
  if (options.failOnMiss && results.missed.length > 0) return 3;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
