import { RESPONSE_TIMEOUT_MS, VALIDATION_WINDOW_MS } from '../delivery/retry-policy.js';
import type { SubscriptionOptionsInput } from '../subscription/subscription-options.js';
import type { FlagOptions, FlagReader } from './parse-flags.js';
import { UsageError } from './usage-error.js';

/** Flags every command that plays Event Grid toward a webhook shares. */
export const deliveryFlagOptions: FlagOptions = {
  target: { type: 'string' },
  subscription: { type: 'string' },
  schema: { type: 'string' },
  validation: { type: 'string' },
  batch: { type: 'string' },
  'batch-kb': { type: 'string' },
  'max-attempts': { type: 'string' },
  ttl: { type: 'string' },
  'time-scale': { type: 'string' },
  'response-timeout': { type: 'string' },
  'dead-letter': { type: 'string' },
  duplicates: { type: 'string' },
  'include-event-type': { type: 'string', multiple: true },
  'subject-begins-with': { type: 'string' },
  'subject-ends-with': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const DELIVERY_FLAGS_HELP = `Event Grid subscription:
  --target URL              the webhook's base URL; the simulator sends only to URL/NAME (required)
  --subscription NAME       Event Grid subscription name, 3-64 letters, digits, hyphens (required)
  --schema S                eventgrid (default) or cloudevents
  --validation M            sync (default): the 200 must carry {"validationResponse": code};
                            async: a 200 without it waits for a GET on validationUrl (10 min, scaled)
  --batch N                 max events per batch, 1-5000 (default: batching off)
  --batch-kb N              preferred batch size in KB, 1-1024 (default 64; with --batch)
  --max-attempts N          delivery attempts, 1-30 (default 30)
  --ttl MIN                 event time-to-live in minutes, 1-1440 (default 1440)
  --include-event-type T    deliver only this event type (repeatable)
  --subject-begins-with S   deliver only subjects starting with S (case-insensitive)
  --subject-ends-with S     deliver only subjects ending with S (case-insensitive)
  --dead-letter DIR         write dead-letter records there (Azure's blob layout); without it
                            undeliverable events are dropped, as in Azure
  --duplicates RATE         0-1: share of acknowledged deliveries sent once more (at-least-once)

Time:
  --time-scale F            real time per Azure time, e.g. 0.001 runs the retry schedule 1000x
                            faster (default 1)
  --response-timeout MS     real ms to wait for an answer (default: 30 s x time-scale, at least 1 s)

Output:
  --json                    print a machine-readable report on stdout (progress goes to stderr)
  -h, --help                this text`;

export interface DeliverySettings {
  readonly target: string;
  readonly subscription: SubscriptionOptionsInput & { name: string; endpoint: string };
  readonly timeScale: number;
  readonly responseTimeoutMs: number;
  readonly validationWindowMs: number;
  readonly json: boolean;
}

// Below this a scaled timeout would fail healthy loopback answers; Azure never times out that fast.
const MIN_REAL_WAIT_MS = 1000;

export function readDeliveryFlags(command: string, flags: FlagReader): DeliverySettings {
  const target = parseTarget(command, flags.required('target'));
  const name = flags.required('subscription');
  if (!/^[A-Za-z0-9-]{3,64}$/.test(name)) {
    throw new UsageError(
      `--subscription must be 3-64 letters, digits or hyphens, got ${JSON.stringify(name)}`,
      command,
    );
  }
  const timeScale = flags.number('time-scale', { min: 0, max: 1000, exclusiveMin: true }) ?? 1;
  const batchEvents = flags.integer('batch', { min: 1, max: 5000 });
  const batchKb = flags.integer('batch-kb', { min: 1, max: 1024 });
  if (batchKb !== undefined && batchEvents === undefined) {
    throw new UsageError('--batch-kb needs --batch (batching is off without it)', command);
  }
  const maxAttempts = flags.integer('max-attempts', { min: 1, max: 30 });
  const ttlMinutes = flags.integer('ttl', { min: 1, max: 1440 });
  const duplicates = flags.number('duplicates', { min: 0, max: 1 });
  const includedEventTypes = flags.strings('include-event-type');
  const subjectBeginsWith = flags.string('subject-begins-with');
  const subjectEndsWith = flags.string('subject-ends-with');
  const deadLetterDir = flags.string('dead-letter');
  const responseTimeout = flags.integer('response-timeout', { min: 1, max: 3_600_000 });
  const schema = flags.choice('schema', ['eventgrid', 'cloudevents'] as const);
  const validation = flags.choice('validation', ['sync', 'async'] as const);

  return {
    target,
    subscription: {
      name,
      endpoint: joinEndpoint(target, name),
      ...(schema === undefined ? {} : { schema }),
      ...(validation === undefined ? {} : { validation }),
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      ...(ttlMinutes === undefined ? {} : { ttlMinutes }),
      ...(batchEvents === undefined
        ? {}
        : {
            batch: { maxEvents: batchEvents, ...(batchKb === undefined ? {} : { preferredSizeKb: batchKb }) },
          }),
      ...(duplicates === undefined ? {} : { duplicates }),
      ...(deadLetterDir === undefined ? {} : { deadLetterDir }),
      filters: {
        ...(includedEventTypes.length === 0 ? {} : { includedEventTypes }),
        ...(subjectBeginsWith === undefined ? {} : { subjectBeginsWith }),
        ...(subjectEndsWith === undefined ? {} : { subjectEndsWith }),
      },
    },
    timeScale,
    responseTimeoutMs: responseTimeout ?? Math.max(RESPONSE_TIMEOUT_MS * timeScale, MIN_REAL_WAIT_MS),
    validationWindowMs: Math.max(VALIDATION_WINDOW_MS * timeScale, MIN_REAL_WAIT_MS),
    json: flags.boolean('json'),
  };
}

export function parseTarget(command: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--target must be a URL such as http://127.0.0.1:8080, got ${JSON.stringify(raw)}`,
      command,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--target must be http or https, got ${url.protocol}`, command);
  }
  return url.toString();
}

/** `URL/NAME`, keeping a query string (a shared secret) on the endpoint, as Event Grid forwards it. */
export function joinEndpoint(target: string, name: string): string {
  const url = new URL(target);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
  return url.toString();
}
