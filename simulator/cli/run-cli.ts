import { DEFAULT_FLAGS_HELP } from '../embedded/default-flags.js';
import type { CommandIO } from './output.js';
import { UsageError } from './usage-error.js';

export const MAIN_HELP = `Usage: npm run simulate [-- COMMAND] [flags]

Azure Event Grid simulator and dev kit for the reloader listener.

Commands:
  (none)    the embedded default: builds the listener if needed, starts it on a free port with the
            Config from fixtures/configs on an in-memory cluster seeded from fixtures/cluster (or on
            a real cluster with --kubeconfig), runs the handshake, replays the fixtures that have an
            .expect.yaml, prints each step and the ExternalSecrets annotated, and exits 0 only when
            every expectation holds
  replay    act as Event Grid toward any webhook: handshake, then deliver fixture events
  rotate    rotate a secret in an emulated Key Vault and deliver its SecretNewVersionCreated
  load      benchmark a webhook on loopback: steady or burst deliveries, latency percentiles
  serve     long-running simulator: topics and subscriptions from a file, a publish endpoint,
            Key Vault emulation and a live dashboard
  help      this text; "help COMMAND" is COMMAND --help, "help default" the default's in full

Flags of the embedded default (npm run simulate -- [flags]):
${DEFAULT_FLAGS_HELP}

Run "npm run simulate -- COMMAND --help" for a command's flags, and "npm run simulate -- help default"
for the embedded default's steps in full (npm itself takes a --help that is not after "--").

Exit codes: 0 success, 1 a delivery, handshake or expectation failed, 2 usage error.`;

type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

// Commands load on demand: replay need not pay for the Kubernetes client that the default run uses.
async function pickCommand(
  name: string | undefined,
): Promise<{ command: Command; rest: boolean } | undefined> {
  switch (name) {
    case 'replay':
      return { command: (await import('./replay-command.js')).replayCommand, rest: true };
    case 'rotate':
      return { command: (await import('./rotate-command.js')).rotateCommand, rest: true };
    case 'load':
      return { command: (await import('./load-command.js')).loadCommand, rest: true };
    case 'serve':
      return { command: (await import('./serve-command.js')).serveCommand, rest: true };
    case undefined:
      return { command: (await import('../embedded/default-command.js')).defaultCommand, rest: false };
    default:
      // Flags without a command belong to the embedded default (e.g. --kubeconfig).
      if (name.startsWith('-')) {
        return { command: (await import('../embedded/default-command.js')).defaultCommand, rest: false };
      }
      return undefined;
  }
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [first, second] = argv;
  if (first === 'help' && second !== undefined) {
    // `help COMMAND` is `COMMAND --help`; `help default` is the run without a command.
    if (second !== 'default') return runCli([second, '--help'], io);
    const { defaultCommand } = await import('../embedded/default-command.js');
    return defaultCommand(['--help'], io);
  }
  if (first === 'help' || first === '--help' || first === '-h') {
    io.stdout(`${MAIN_HELP}\n`);
    return 0;
  }
  const picked = await pickCommand(first);
  if (picked === undefined) {
    io.stderr(`simulate: unknown command ${JSON.stringify(first)}\n\n${MAIN_HELP}\n`);
    return 2;
  }
  const name = picked.rest ? (first ?? '') : '';
  try {
    return await picked.command(picked.rest ? argv.slice(1) : argv, io);
  } catch (error) {
    return reportError(error, name, io);
  }
}

// Failures with a stable code get one clear line (callers match on the code, as with undici's
// UND_ERR_*); anything else is a bug and keeps its stack.
const USAGE_CODES = new Set([
  'SIM_BAD_FIXTURE',
  'SIM_BAD_SUBSCRIPTION',
  'SIM_TARGET_NOT_ALLOWED',
  'SIM_DUPLICATE_SUBSCRIPTION',
  'SIM_KEY_VAULT',
  'SIM_BAD_EXPECTATION',
  'SIM_BAD_SERVE_CONFIG',
]);
const RUN_CODES = new Set([
  'SIM_PAYLOAD_TOO_LARGE',
  'SIM_INVALID_EVENT',
  'SIM_LOAD',
  'SIM_SELF_CHECK',
  'SIM_LISTENER_START',
  'SIM_BUILD_FAILED',
  'SIM_KUBE',
]);

function reportError(error: unknown, command: string, io: CommandIO): number {
  const prefix = command === '' ? 'simulate' : `simulate ${command}`;
  if (error instanceof UsageError) {
    const help = error.command === '' ? '--help' : `${error.command} --help`;
    io.stderr(`${prefix}: ${error.message}\n(see: npm run simulate -- ${help})\n`);
    return 2;
  }
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (error instanceof Error && code !== undefined && (USAGE_CODES.has(code) || RUN_CODES.has(code))) {
    io.stderr(`${prefix}: ${error.message}\n`);
    return USAGE_CODES.has(code) ? 2 : 1;
  }
  io.stderr(
    `${prefix}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}
