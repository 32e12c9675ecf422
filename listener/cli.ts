import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KeyVaultEventType } from './eventgrid/index.js';

export const HELP = `eventgrid-reloader: the Reloader's AzureEventGrid notification source.
Receives Azure Event Grid deliveries of Key Vault events and annotates every ExternalSecret that reads
a rotated secret, so the External Secrets Operator re-syncs it at once.

Usage: npm start -- [flags]        (or: node dist/listener/main.js [flags])

Configs (reloader.external-secrets.io/v1alpha1 Config):
  --config PATH                  Read Configs from a YAML/JSON file or a folder of them, instead of
                                 watching the cluster. Repeatable. Files are re-read when they change,
                                 including a mounted ConfigMap's updates (checked at least every 5 s).
Kubernetes:
  --kubeconfig PATH              Kubeconfig to use. Default: $KUBECONFIG, ~/.kube/config, or the
                                 in-cluster service account, as kubectl does.
  --memory-cluster PATH          Run on an in-memory cluster seeded from Namespace and ExternalSecret
                                 manifests (file or folder; repeatable) instead of a real one. For
                                 rehearsals: serves GET /debug/cluster on the admin port.
  --kube-concurrency N           Annotation patches in flight at once (default 16); the listener keeps
                                 up to N + 8 connections to the API server open for reuse.
  --max-queued-patches N         Patches allowed to wait; past it deliveries get 429 (default 2000).
  --coalesce-window MS           Hold each patch this long so further rotations of the same
                                 ExternalSecret join it (default 0: join only while waiting for a slot).
  --status-lease NS/NAME         With several replicas, only the holder of this coordination.k8s.io
                                 Lease writes Config status. Default: $POD_NAMESPACE/eventgrid-reloader
                                 when POD_NAMESPACE is set, else none (every replica writes status).
  --status-lease-duration S      How long the Lease outlives its holder's last renewal (default 15).
Webhook:
  --allow-validation-host PAT    Hosts whose validationUrl may be fetched, e.g. *.eventgrid.azure.net
                                 (the default). Repeatable; giving it replaces the default. No other
                                 URL from a request body is ever requested.
  --allow-origin ORIGIN          Origins granted in the CloudEvents OPTIONS handshake (default
                                 eventgrid.azure.net; * grants any). Repeatable.
  --event-type TYPE              Event types that trigger annotation (default
                                 Microsoft.KeyVault.SecretNewVersionCreated). Repeatable. Other types
                                 are acknowledged and ignored.
  --body-limit BYTES             Largest delivery accepted; larger ones get 413 (default 1048576).
  --max-events N                 Most events in one delivery; more get 413 (default 5000).
  --request-timeout SECONDS      Longest time a client may take to send a request, headers and body
                                 (default 30; the headers at most 10 of it). A slower client gets 408
                                 and its connection is closed within a second of the deadline.
  --max-connections N            Connections open at once on each webhook port, idle ones included;
                                 more are closed as they arrive (default 1024).
  --rate-limit N                 Deliveries per second accepted on each subscription path; more get
                                 429, which Event Grid retries (default 200; 0 turns it off).
  --tls-cert FILE, --tls-key FILE
                                 Serve the webhook over HTTPS with this PEM certificate and key,
                                 reloaded when the files change (for clusters without an Ingress).
Operations:
  --admin-port N                 Port of /healthz, /readyz and /metrics (default 8081).
  --admin-host HOST              Address of the admin port (default 0.0.0.0).
  --shutdown-grace SECONDS       On SIGTERM, time given to in-flight deliveries (default 25).
  --log-level LEVEL              fatal, error, warn, info, debug, trace or silent (default info).
                                 Logs are JSON, pretty when stdout is a terminal.
  --help                         Show this help.

Exit status: 0 after a clean shutdown, 2 for bad flags, 1 when start-up fails.`;

const positiveInt = (flag: string) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .positive(`${flag} must be positive`);
const nonNegativeInt = (flag: string) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .int(`${flag} must be a whole number`)
    .min(0, `${flag} must not be negative`);
const port = (flag: string) => positiveInt(flag).max(65535, `${flag} must be at most 65535`);

const optionsSchema = z.object({
  config: z.array(z.string().min(1)),
  kubeconfig: z.string().min(1).optional(),
  memoryCluster: z.array(z.string().min(1)),
  kubeConcurrency: positiveInt('--kube-concurrency').max(1000),
  maxQueuedPatches: positiveInt('--max-queued-patches'),
  coalesceWindow: nonNegativeInt('--coalesce-window').max(10_000),
  statusLease: z
    .string()
    .regex(
      /^(none|[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/,
      '--status-lease must be NAMESPACE/NAME (lower-case DNS names) or none',
    )
    .optional(),
  statusLeaseDuration: positiveInt('--status-lease-duration')
    .min(3, '--status-lease-duration must be at least 3 seconds')
    .max(300, '--status-lease-duration must be at most 300 seconds'),
  rateLimit: nonNegativeInt('--rate-limit'),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  allowValidationHost: z.array(z.string().min(1)).min(1),
  allowOrigin: z.array(z.string().min(1)).min(1),
  eventType: z.array(z.string().min(1)).min(1),
  bodyLimit: positiveInt('--body-limit'),
  maxEvents: positiveInt('--max-events'),
  requestTimeout: positiveInt('--request-timeout'),
  maxConnections: positiveInt('--max-connections'),
  adminPort: port('--admin-port'),
  adminHost: z.string().min(1),
  shutdownGrace: positiveInt('--shutdown-grace'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: '--log-level must be one of fatal, error, warn, info, debug, trace, silent',
  }),
});
export type CliOptions = z.infer<typeof optionsSchema>;

export type CliResult =
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** Parses the command line; never exits or prints, so it can be tested as a function. */
export function parseCli(argv: readonly string[]): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', multiple: true },
        kubeconfig: { type: 'string' },
        'memory-cluster': { type: 'string', multiple: true },
        'kube-concurrency': { type: 'string' },
        'max-queued-patches': { type: 'string' },
        'coalesce-window': { type: 'string' },
        'status-lease': { type: 'string' },
        'status-lease-duration': { type: 'string' },
        'rate-limit': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'allow-validation-host': { type: 'string', multiple: true },
        'allow-origin': { type: 'string', multiple: true },
        'event-type': { type: 'string', multiple: true },
        'body-limit': { type: 'string' },
        'max-events': { type: 'string' },
        'request-timeout': { type: 'string' },
        'max-connections': { type: 'string' },
        'admin-port': { type: 'string' },
        'admin-host': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help' };
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    return { kind: 'error', message: '--tls-cert and --tls-key go together' };
  }
  if (values.kubeconfig !== undefined && values['memory-cluster'] !== undefined) {
    return { kind: 'error', message: '--kubeconfig and --memory-cluster exclude each other' };
  }
  const parsed = optionsSchema.safeParse({
    config: values.config ?? [],
    kubeconfig: values.kubeconfig,
    memoryCluster: values['memory-cluster'] ?? [],
    kubeConcurrency: values['kube-concurrency'] ?? 16,
    maxQueuedPatches: values['max-queued-patches'] ?? 2000,
    coalesceWindow: values['coalesce-window'] ?? 0,
    statusLease: values['status-lease'],
    statusLeaseDuration: values['status-lease-duration'] ?? 15,
    rateLimit: values['rate-limit'] ?? 200,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    allowValidationHost: values['allow-validation-host'] ?? ['*.eventgrid.azure.net'],
    allowOrigin: values['allow-origin'] ?? ['eventgrid.azure.net'],
    eventType: values['event-type'] ?? [KeyVaultEventType.SecretNewVersionCreated],
    bodyLimit: values['body-limit'] ?? 1_048_576,
    maxEvents: values['max-events'] ?? 5000,
    requestTimeout: values['request-timeout'] ?? 30,
    maxConnections: values['max-connections'] ?? 1024,
    adminPort: values['admin-port'] ?? 8081,
    adminHost: values['admin-host'] ?? '0.0.0.0',
    shutdownGrace: values['shutdown-grace'] ?? 25,
    logLevel: values['log-level'] ?? 'info',
  });
  if (!parsed.success)
    return { kind: 'error', message: parsed.error.issues.map((issue) => issue.message).join('; ') };
  return { kind: 'run', options: parsed.data };
}
