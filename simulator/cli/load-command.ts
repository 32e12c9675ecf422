import { resolve } from 'node:path';
import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import { createScaledClock } from '../core/clock.js';
import { cryptoRandom, randomGuid, randomKeyVaultVersion } from '../core/random.js';
import { buildKeyVaultEvent, KeyVaultEventType, vaultLocation } from '../events/key-vault-event.js';
import { loadFixture } from '../events/load-fixture.js';
import { formatLoadSummary, LOAD_LIMITS, runLoad } from '../load/load-runner.js';
import { isLoopbackUrl } from '../load/loopback.js';
import { createSimulator } from '../simulator.js';
import { deliveryFlagOptions, readDeliveryFlags } from './delivery-flags.js';
import { createOutput, type CommandIO } from './output.js';
import { FlagReader, parseFlags, type FlagOptions } from './parse-flags.js';
import { progressPrinter } from './progress.js';
import { UsageError } from './usage-error.js';

export const LOAD_HELP = `Usage: npm run simulate -- load --target URL --subscription NAME --rate N --duration S [options] [FIXTURE...]
       npm run simulate -- replay --rate N --duration S ... (the same)

Load generator for benchmarks: runs the subscription handshake once, then sends Notification
deliveries at N per second for S seconds over keep-alive connections (an undici Pool), each delivery
sent once (no retries), and prints throughput and latency percentiles (p50/p90/p99).
Every delivery is a fresh event: new id, and for Key Vault events a new 32-hex version. Templates come
from the FIXTURE files (used round-robin) or, without any, a SecretNewVersionCreated for --vault/--secret.

Loopback only: --target must be 127.0.0.0/8, ::1 or localhost.
Bounded: --rate ${LOAD_LIMITS.rate.min}-${LOAD_LIMITS.rate.max}, --duration ${LOAD_LIMITS.durationSeconds.min}-${LOAD_LIMITS.durationSeconds.max} s, at most ${LOAD_LIMITS.maxRequests} deliveries and ${LOAD_LIMITS.maxInFlight} in flight (more are skipped and counted).

Exits 0 when every delivery was acknowledged, 1 otherwise, 2 on a usage error.

Load:
  --rate N                  deliveries per second (required)
  --duration S              seconds (required)
  --mode M                  steady (default, evenly spaced) or burst (each second's deliveries at once)
  --connections C           keep-alive connections, ${LOAD_LIMITS.connections.min}-${LOAD_LIMITS.connections.max} (default 8)
  --vault V, --secret S     the generated event's vault and secret (default kv-prod, db-password)

Subscription: --target URL, --subscription NAME (required); --schema eventgrid|cloudevents;
  --validation sync|async; --response-timeout MS (real ms per request, default 30000); --json;
  -h, --help. Refused, as they do not apply (each delivery is sent once, unfiltered): --batch,
  --batch-kb, --max-attempts, --ttl, --dead-letter, --duplicates, --time-scale and the filters
  (--include-event-type, --subject-begins-with, --subject-ends-with).

Example:
  npm run simulate -- load --target http://127.0.0.1:8080 --subscription kv-rotation --rate 200 --duration 10`;

const NOT_UNDER_LOAD = [
  'batch',
  'batch-kb',
  'max-attempts',
  'ttl',
  'dead-letter',
  'duplicates',
  'time-scale',
  'include-event-type',
  'subject-begins-with',
  'subject-ends-with',
];

export const LOAD_FLAGS: FlagOptions = {
  ...deliveryFlagOptions,
  rate: { type: 'string' },
  duration: { type: 'string' },
  mode: { type: 'string' },
  connections: { type: 'string' },
  vault: { type: 'string' },
  secret: { type: 'string' },
};

export async function loadCommand(argv: readonly string[], io: CommandIO, command = 'load'): Promise<number> {
  const flags = parseFlags(command, argv, LOAD_FLAGS, true);
  const reader = new FlagReader(command, flags);
  if (reader.boolean('help')) {
    io.stdout(`${LOAD_HELP}\n`);
    return 0;
  }
  for (const name of NOT_UNDER_LOAD) {
    if (flags.values[name] !== undefined)
      throw new UsageError(
        `--${name} does not apply to load (each delivery is sent once, unfiltered)`,
        command,
      );
  }
  const settings = readDeliveryFlags(command, reader);
  const rate = reader.integer('rate', LOAD_LIMITS.rate);
  const duration = reader.integer('duration', LOAD_LIMITS.durationSeconds);
  if (rate === undefined) throw new UsageError('--rate is required', command);
  if (duration === undefined) throw new UsageError('--duration is required', command);
  if (rate * duration > LOAD_LIMITS.maxRequests) {
    throw new UsageError(
      `--rate x --duration = ${rate * duration}; the limit is ${LOAD_LIMITS.maxRequests}`,
      command,
    );
  }
  const mode = reader.choice('mode', ['steady', 'burst'] as const) ?? 'steady';
  const connections = reader.integer('connections', LOAD_LIMITS.connections) ?? 8;
  if (!isLoopbackUrl(new URL(settings.target))) {
    throw new UsageError(
      `--target must be a loopback address for load, got ${new URL(settings.target).host}`,
      command,
    );
  }
  const output = createOutput(io, settings.json);
  const clock = createScaledClock();
  const templates = await loadTemplates(flags.positionals, reader, clock.now());
  const responseTimeoutMs =
    reader.string('response-timeout') === undefined ? 30_000 : settings.responseTimeoutMs;

  const simulator = await createSimulator({
    clock,
    random: cryptoRandom,
    responseTimeoutMs,
    validationWindowMs: settings.validationWindowMs,
    allowedTargets: [settings.target],
  });
  try {
    simulator.on(progressPrinter(output, () => clock.now()));
    const subscription = await simulator.subscribe(settings.subscription);
    if (subscription.state !== 'Succeeded') return 1;
    output.progress(`sending ${rate * duration} deliveries (${mode}, ${rate}/s for ${duration} s)…`);
    const summary = await runLoad({
      subscription: settings.subscription,
      rate,
      durationSeconds: duration,
      mode,
      connections,
      templates,
      clock,
      random: cryptoRandom,
      responseTimeoutMs,
    });
    output.result(settings.json ? JSON.stringify(summary, null, 2) : formatLoadSummary(summary));
    return summary.acknowledged === summary.planned ? 0 : 1;
  } finally {
    await simulator.close();
  }
}

async function loadTemplates(
  files: readonly string[],
  reader: FlagReader,
  now: number,
): Promise<EventGridEvent[]> {
  if (files.length > 0) {
    const events: EventGridEvent[] = [];
    for (const file of files) events.push(...(await loadFixture(resolve(file), now)));
    return events;
  }
  return [
    buildKeyVaultEvent({
      location: vaultLocation(reader.string('vault') ?? 'kv-prod'),
      type: KeyVaultEventType.SecretNewVersionCreated,
      objectType: 'Secret',
      name: reader.string('secret') ?? 'db-password',
      version: randomKeyVaultVersion(cryptoRandom),
      notBefore: null,
      expires: null,
      id: randomGuid(cryptoRandom),
      time: now,
    }),
  ];
}
