import type { FlagOptions } from '../cli/parse-flags.js';

// Its own module so the top-level help can list these without loading the default run (and with it the
// Kubernetes client) just to print text.
export const DEFAULT_FLAGS: FlagOptions = {
  config: { type: 'string' },
  cluster: { type: 'string' },
  fixtures: { type: 'string' },
  kubeconfig: { type: 'string' },
  listener: { type: 'string' },
  'no-build': { type: 'boolean' },
  'time-scale': { type: 'string' },
  'response-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const DEFAULT_FLAGS_HELP = `  --config FILE           the Config (default: the only .yaml in fixtures/configs)
  --cluster PATH          Namespace/ExternalSecret manifests, file or folder (default fixtures/cluster)
  --fixtures DIR          where to look for *.expect.yaml (default fixtures/events)
  --kubeconfig PATH       use a real cluster instead of the in-memory one
  --listener FILE         the listener entry point (default dist/listener/main.js)
  --no-build              never run the build, even when dist is missing or stale
  --time-scale F          real time per Azure time for retries (default 0.001)
  --response-timeout MS   real ms to wait for each answer (default 10000)
  --log-level L           the listener's --log-level (default info)
  --json                  print a machine-readable report on stdout (progress goes to stderr)
  -h, --help              this text`;
