import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createOutput, type CommandIO } from '../cli/output.js';
import { FlagReader, parseFlags } from '../cli/parse-flags.js';
import { UsageError } from '../cli/usage-error.js';
import { createScaledClock } from '../core/clock.js';
import { buildListener, listenerBuildState } from './build-listener.js';
import { EVENT_ID_ANNOTATION } from './check-expectations.js';
import { createDebugClusterView, type ClusterView, type ExternalSecretView } from './cluster-view.js';
import { findExpectations } from './expectation-file.js';
import { freePort } from './free-port.js';
import { createKubeCluster } from './kube-cluster.js';
import { prepareConfig, writeConfig } from './listener-config.js';
import { startListener, type ListenerProcess } from './listener-process.js';
import { readManifests } from './manifests.js';
import { DEFAULT_FLAGS, DEFAULT_FLAGS_HELP } from './default-flags.js';
import { replaySteps, type StepReport, type SubscriptionReport } from './replay-steps.js';

export const DEFAULT_HELP = `Usage: npm run simulate [-- flags]

The embedded default: rehearses the whole flow against the real listener process.
  1. builds the listener (tsc -p tsconfig.build.json) when dist/listener/main.js is missing or older
     than listener/ sources
  2. writes a temporary copy of the Config with its AzureEventGrid sources moved to 127.0.0.1 on a
     free port, and starts node dist/listener/main.js with it, --admin-port on another free port and
     --allow-validation-host 127.0.0.1; on an in-memory cluster seeded from the cluster manifests
     (--memory-cluster), or, with --kubeconfig, on that cluster after applying the manifests to it
     (server-side apply)
  3. waits for GET /readyz = 200, runs the Event Grid handshake against the Config's first subscription
  4. replays every fixture that has a NAME.expect.yaml next to it (in the files' "order"), one
     subscription per schema (eventgrid, cloudevents), and after each checks the expected HTTP outcome
     and which ExternalSecrets carry the step's reloader/event-id (annotated) or not (untouched)
  5. prints each step, the ExternalSecrets annotated, and stops the listener

Exits 0 only when every expectation holds; 1 otherwise (the listener log is kept and its tail printed);
2 on a usage error.

Flags:
${DEFAULT_FLAGS_HELP}

Examples:
  npm run simulate
  npm run simulate -- --kubeconfig ~/.kube/config --json`;

interface RunReport {
  ok: boolean;
  config: string;
  cluster: string;
  subscriptions: readonly SubscriptionReport[];
  steps: readonly StepReport[];
  externalSecrets: readonly ExternalSecretView[];
  listenerLog: string | undefined;
}

export async function defaultCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseFlags('', argv, DEFAULT_FLAGS, false);
  const reader = new FlagReader('', flags);
  if (reader.boolean('help')) {
    io.stdout(`${DEFAULT_HELP}\n`);
    return 0;
  }
  const root = process.cwd();
  const display = (path: string): string => (path.startsWith(root) ? relative(root, path) : path);
  const json = reader.boolean('json');
  const output = createOutput(io, json);
  const timeScale = reader.number('time-scale', { min: 0, max: 1000, exclusiveMin: true }) ?? 0.001;
  const responseTimeoutMs = reader.integer('response-timeout', { min: 1, max: 3_600_000 }) ?? 10_000;
  const logLevel =
    reader.choice('log-level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) ?? 'info';
  const kubeconfig = reader.string('kubeconfig');
  const clusterPath = resolve(reader.string('cluster') ?? join(root, 'fixtures', 'cluster'));
  const fixturesDir = resolve(reader.string('fixtures') ?? join(root, 'fixtures', 'events'));
  const script = resolve(reader.string('listener') ?? join(root, 'dist', 'listener', 'main.js'));
  const configFile = resolve(
    reader.string('config') ?? (await defaultConfigFile(join(root, 'fixtures', 'configs'))),
  );

  const expectations = await findExpectations(fixturesDir);
  if (expectations.length === 0) throw new UsageError(`no *.expect.yaml under ${fixturesDir}`, '');
  const manifests = await readManifests(clusterPath);

  const state = await listenerBuildState(root, script);
  if (state !== 'up-to-date') {
    if (reader.boolean('no-build')) {
      if (state === 'missing')
        throw new UsageError(`${display(script)} does not exist; run npm run build`, '');
      output.progress(`warning: ${display(script)} is older than listener/ sources (--no-build)`);
    } else {
      output.progress(
        `build      ${state === 'missing' ? 'dist is missing' : 'dist is stale'}: tsc -p tsconfig.build.json…`,
      );
      await buildListener(root);
    }
  }

  const workDir = await mkdtemp(join(tmpdir(), 'reloader-simulate-'));
  const report: RunReport = {
    ok: false,
    config: display(configFile),
    cluster: kubeconfig === undefined ? `memory:${display(clusterPath)}` : `kubeconfig:${kubeconfig}`,
    subscriptions: [],
    steps: [],
    externalSecrets: [],
    listenerLog: undefined,
  };
  let listener: ListenerProcess | undefined;
  try {
    const [port, adminPort] = [await freePort(), await freePort()];
    const config = await prepareConfig(configFile, port);
    const configCopy = join(workDir, 'config.yaml');
    await writeConfig(configCopy, config);
    output.progress(
      `config     ${display(configFile)}: subscription ${config.subscription} on 127.0.0.1:${port} (copy: ${configCopy})`,
    );

    let cluster: ClusterView;
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const clusterArgs: string[] = [];
    if (kubeconfig === undefined) {
      cluster = createDebugClusterView(adminUrl);
      clusterArgs.push('--memory-cluster', clusterPath);
      output.progress(
        `cluster    in-memory, seeded from ${display(clusterPath)} (${manifests.length} objects)`,
      );
    } else {
      const kube = createKubeCluster(resolve(kubeconfig));
      output.progress(
        `cluster    ${kubeconfig}: applying ${manifests.length} objects from ${display(clusterPath)}…`,
      );
      await kube.apply(manifests);
      cluster = kube;
      clusterArgs.push('--kubeconfig', resolve(kubeconfig));
    }

    const args = [
      '--config',
      configCopy,
      ...clusterArgs,
      '--admin-port',
      String(adminPort),
      '--allow-validation-host',
      '127.0.0.1',
      '--log-level',
      logLevel,
    ];
    const logFile = join(workDir, 'listener.log');
    report.listenerLog = logFile;
    output.progress(`listener   node ${display(script)} ${args.join(' ')}`);
    const started = performance.now();
    listener = await startListener({
      node: process.execPath,
      script,
      args,
      cwd: root,
      logFile,
      adminUrl,
      readyTimeoutMs: 30_000,
    });
    output.progress(
      `ready      pid ${listener.pid}, GET /readyz 200 after ${Math.round(performance.now() - started)} ms (log: ${logFile})`,
    );

    const result = await replaySteps({
      expectations,
      target: `http://127.0.0.1:${port}`,
      subscription: config.subscription,
      cluster,
      clock: createScaledClock({ scale: timeScale }),
      responseTimeoutMs,
      validationWindowMs: Math.max(600_000 * timeScale, 1000),
      output,
      display,
    });
    report.subscriptions = result.subscriptions;
    report.steps = result.steps;
    report.externalSecrets = await cluster.externalSecrets();
    output.progress(`\n${formatExternalSecrets(report.externalSecrets)}`);
    report.ok =
      report.subscriptions.every((subscription) => subscription.state === 'Succeeded') &&
      report.steps.every((step) => step.checks.every((check) => check.ok));
    if (!report.ok) {
      output.progress(`\nlistener log (last lines of ${listener.logFile}):\n${await listener.logTail(40)}`);
    }
  } finally {
    await listener?.stop();
  }

  const checks = report.steps.flatMap((step) => step.checks);
  const failed = checks.filter((check) => !check.ok);
  if (report.ok) await rm(workDir, { recursive: true, force: true });
  const summary =
    `\n${report.steps.length} steps, ${checks.length} checks, ${failed.length} failed: ${report.ok ? 'OK' : 'FAILED'}` +
    (report.ok ? '' : `\n(kept ${workDir} for inspection)`);
  output.result(json ? JSON.stringify(report, null, 2) : summary);
  return report.ok ? 0 : 1;
}

/** The reloader/* annotations of every ExternalSecret at the end of the run. */
function formatExternalSecrets(externalSecrets: readonly ExternalSecretView[]): string {
  const lines = ['ExternalSecrets after the run:'];
  for (const es of [...externalSecrets].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  )) {
    const version = es.annotations['reloader/secret-version'];
    const eventId = es.annotations[EVENT_ID_ANNOTATION];
    const state =
      eventId === undefined ? 'never annotated' : `secret-version ${version ?? '?'}, event ${eventId}`;
    lines.push(`  ${`${es.namespace}/${es.name}`.padEnd(28)} ${state}`);
  }
  return lines.join('\n');
}

async function defaultConfigFile(folder: string): Promise<string> {
  const files = (await readdir(folder)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const [only] = files;
  if (only === undefined || files.length > 1) {
    throw new UsageError(`${folder} holds ${files.length} Configs; pick one with --config`, '');
  }
  return join(folder, only);
}
