import { resolve } from 'node:path';
import type { EventGridEvent } from '../../listener/eventgrid/index.js';
import { createScaledClock } from '../core/clock.js';
import { cryptoRandom } from '../core/random.js';
import { loadFixture } from '../events/load-fixture.js';
import { createSimulator } from '../simulator.js';
import { DELIVERY_FLAGS_HELP, deliveryFlagOptions, readDeliveryFlags } from './delivery-flags.js';
import { buildRunReport, formatRunSummary } from './delivery-report.js';
import { createOutput, type CommandIO } from './output.js';
import { FlagReader, parseFlags } from './parse-flags.js';
import { progressPrinter } from './progress.js';
import { UsageError } from './usage-error.js';

export const REPLAY_HELP = `Usage: npm run simulate -- replay --target URL --subscription NAME [options] FIXTURE...

Acts as Azure Event Grid toward the webhook at URL/NAME: runs the subscription handshake first, then
delivers the events of each FIXTURE (a JSON file holding one event or an array, Event Grid schema or
CloudEvents; converted to the subscription's --schema) with Azure's headers, retry schedule and
dead-letter rules. Files are replayed one after another; the events of one file are published together
(so --batch can group them).

Exits 0 when the handshake succeeded and every event was acknowledged; 1 when the handshake failed or
any event was dead-lettered or dropped; 2 on a usage error.

With --rate N --duration S it runs the load generator instead (see: npm run simulate -- load --help).

${DELIVERY_FLAGS_HELP}

Examples:
  npm run simulate -- replay --target http://127.0.0.1:8080 --subscription kv-rotation \\
    fixtures/events/eventgrid/secret-new-version.json
  npm run simulate -- replay --target http://127.0.0.1:8080 --subscription kv-rotation \\
    --schema cloudevents --batch 10 --time-scale 0.001 --json fixtures/events/eventgrid/batch.json`;

export async function replayCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  // --rate/--duration turn replay into the load generator, which has flags of its own.
  const wantsHelp = argv.some((arg) => arg === '-h' || arg === '--help');
  if (!wantsHelp && argv.some((arg) => /^--(rate|duration)(=|$)/.test(arg))) {
    const { loadCommand } = await import('./load-command.js');
    return loadCommand(argv, io, 'replay');
  }
  const flags = parseFlags('replay', argv, deliveryFlagOptions, true);
  const reader = new FlagReader('replay', flags);
  if (reader.boolean('help')) {
    io.stdout(`${REPLAY_HELP}\n`);
    return 0;
  }
  const settings = readDeliveryFlags('replay', reader);
  if (flags.positionals.length === 0)
    throw new UsageError('name at least one FIXTURE file to replay', 'replay');
  const output = createOutput(io, settings.json);
  const clock = createScaledClock({ scale: settings.timeScale });

  // Read every fixture before contacting anyone: a typo should not leave a half-replayed run.
  const fixtures: { file: string; events: EventGridEvent[] }[] = [];
  for (const file of flags.positionals) {
    fixtures.push({ file, events: await loadFixture(resolve(file), clock.now()) });
  }

  const simulator = await createSimulator({
    clock,
    random: cryptoRandom,
    responseTimeoutMs: settings.responseTimeoutMs,
    validationWindowMs: settings.validationWindowMs,
    allowedTargets: [settings.target],
  });
  try {
    simulator.on(progressPrinter(output, () => clock.now()));
    const subscription = await simulator.subscribe(settings.subscription);
    const sources = new Map<string, string>();
    if (subscription.state === 'Succeeded') {
      for (const { file, events } of fixtures) {
        output.progress(`replaying ${file} (${events.length} event${events.length === 1 ? '' : 's'})`);
        for (const event of events) sources.set(event.id, file);
        await simulator.publish(events, { subscriptions: [subscription.name] }).settled;
      }
    }
    const run = buildRunReport(settings.target, subscription, simulator.report(), sources);
    output.result(settings.json ? JSON.stringify(run, null, 2) : formatRunSummary(run));
    return run.ok ? 0 : 1;
  } finally {
    await simulator.close();
  }
}
