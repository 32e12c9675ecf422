import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createDebugClusterView, type ClusterView } from '../embedded/cluster-view.js';
import { createKubeCluster } from '../embedded/kube-cluster.js';
import { loadServeConfig, type ServeConfig } from '../serve/serve-config.js';
import { startServe } from '../serve/start-serve.js';
import { joinEndpoint, parseTarget } from './delivery-flags.js';
import { createScaledClock } from '../core/clock.js';
import { createOutput, type CommandIO } from './output.js';
import { progressPrinter } from './progress.js';
import { FlagReader, parseFlags, type FlagOptions } from './parse-flags.js';
import { UsageError } from './usage-error.js';

export const SERVE_HELP = `Usage: npm run simulate -- serve [--port P] [--config FILE] [flags]

Long-running Event Grid simulator with Key Vault emulation and a live dashboard.
  - subscriptions from --config (or one from --target/--subscription) get Azure's handshake at start
  - Key Vault emulation: vaults with secrets and versions; a new value emits SecretNewVersionCreated,
    an expiry emits SecretNearExpiry 30 days before and SecretExpired at it (on the --time-scale clock)
  - HTTP on --host:--port:
      GET  /                                   the dashboard (subscriptions, deliveries with attempts,
                                               status codes and latency, dead letters, annotations,
                                               a rotate form; live over server-sent events)
      GET  /api/state, GET /api/stream         the same as JSON / as server-sent events
      POST /api/rotate {"vault","secret"[,"value","expiresInDays"]}   rotate a secret
      PUT  /vaults/V/secrets/S {"value","attributes":{"exp","nbf"}}  Key Vault's set-secret shape
      POST /topics/T/api/events                publish Event Grid events or CloudEvents to topic T
      GET  /eventsubscriptions/S/validate      the validationUrls of the handshakes

Flags:
  --port P                 listen port (default 8091; 0 picks a free one)
  --host H                 listen address (default 127.0.0.1)
  --config FILE            YAML: vaults: [{name, secrets: [{name, value, expiresInDays}]}],
                           subscriptions: [{name, endpoint, topic, schema, validation, maxAttempts,
                           ttlMinutes, batch: {maxEvents, preferredSizeKb}, filters:
                           {includedEventTypes, subjectBeginsWith, subjectEndsWith}, deadLetterDir,
                           duplicates}]; a sample: fixtures/serve/dev-kit.yaml
  --target URL             add a subscription delivering to URL/NAME (with --subscription)
  --subscription NAME      its name
  --schema S, --validation M   its schema (eventgrid|cloudevents) and validation (sync|async)
  --time-scale F           real time per Azure time (default 1)
  --kubeconfig PATH        show reloader/* annotations of ExternalSecrets in that cluster
  --listener-admin URL     or read them from a listener's /debug/cluster (in-memory mode)
  -h, --help               this text

The simulator only ever sends to the endpoints of the configured subscriptions.
Stop with Ctrl-C.

Examples:
  npm run simulate -- serve --target http://127.0.0.1:8080 --subscription kv-rotation --time-scale 0.001
  npm run simulate -- serve --config fixtures/serve/dev-kit.yaml --time-scale 0.0001`;

export const SERVE_FLAGS: FlagOptions = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  target: { type: 'string' },
  subscription: { type: 'string' },
  schema: { type: 'string' },
  validation: { type: 'string' },
  'time-scale': { type: 'string' },
  kubeconfig: { type: 'string' },
  'listener-admin': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function serveCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseFlags('serve', argv, SERVE_FLAGS, false);
  const reader = new FlagReader('serve', flags);
  if (reader.boolean('help')) {
    io.stdout(`${SERVE_HELP}\n`);
    return 0;
  }
  const output = createOutput(io, false);
  const port = reader.integer('port', { min: 0, max: 65535 }) ?? 8091;
  const host = reader.string('host') ?? '127.0.0.1';
  const timeScale = reader.number('time-scale', { min: 0, max: 1000, exclusiveMin: true }) ?? 1;
  const configFile = reader.string('config');
  const config: ServeConfig =
    configFile === undefined ? { vaults: [], subscriptions: [] } : await loadServeConfig(resolve(configFile));
  const target = reader.string('target');
  const name = reader.string('subscription');
  if ((target === undefined) !== (name === undefined))
    throw new UsageError('--target and --subscription go together', 'serve');
  // Checked before the pairing, so a bad value is refused rather than ignored without --target.
  const schema = reader.choice('schema', ['eventgrid', 'cloudevents'] as const);
  const validation = reader.choice('validation', ['sync', 'async'] as const);
  if (target === undefined && (schema !== undefined || validation !== undefined))
    throw new UsageError('--schema and --validation describe the --target subscription; give it', 'serve');
  if (target !== undefined && name !== undefined) {
    config.subscriptions.push({
      name,
      endpoint: joinEndpoint(parseTarget('serve', target), name),
      schema: schema ?? 'eventgrid',
      validation: validation ?? 'sync',
      maxAttempts: 30,
      ttlMinutes: 1440,
      filters: { subjectCaseSensitive: false },
      duplicates: 0,
      headers: {},
    });
  }
  if (!config.vaults.some((vault) => vault.name === 'kv-prod'))
    config.vaults.push({ name: 'kv-prod', secrets: [] });
  const kubeconfig = reader.string('kubeconfig');
  const listenerAdmin = reader.string('listener-admin');
  if (kubeconfig !== undefined && listenerAdmin !== undefined) {
    throw new UsageError('--kubeconfig and --listener-admin exclude each other', 'serve');
  }
  const cluster: ClusterView | undefined =
    kubeconfig !== undefined
      ? createKubeCluster(resolve(kubeconfig))
      : listenerAdmin !== undefined
        ? createDebugClusterView(listenerAdmin)
        : undefined;

  const clock = createScaledClock({ scale: timeScale });
  const handle = await startServe({
    clock,
    host,
    port,
    config,
    timeScale,
    dashboardDir: await findDashboardDir(),
    responseTimeoutMs: Math.max(30_000 * timeScale, 1000),
    validationWindowMs: Math.max(600_000 * timeScale, 1000),
    ...(cluster === undefined ? {} : { cluster }),
    onProgress: (line) => {
      output.progress(line);
    },
    observe: progressPrinter(output, () => clock.now()),
  });
  await handle.subscribed;
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  output.progress('stopping…');
  await handle.close();
  return 0;
}

/** Next to this module when run from source; from dist, the source folder (tsc copies no HTML). */
export async function findDashboardDir(): Promise<string> {
  const candidates = [
    fileURLToPath(new URL('../serve/dashboard/', import.meta.url)),
    fileURLToPath(new URL('../../../simulator/serve/dashboard/', import.meta.url)),
  ];
  for (const candidate of candidates) {
    try {
      await access(resolve(candidate, 'index.html'));
      return candidate;
    } catch {
      // Not this one; try the next.
    }
  }
  throw new Error(`dashboard files not found in ${candidates.join(' or ')}`);
}
