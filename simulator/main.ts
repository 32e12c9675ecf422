// The simulator's process edge: the only place that reads argv and sets the exit code. Commands take
// their output streams as parameters (cli/run-cli.ts), so tests run them in-process.
import { processIO } from './cli/output.js';
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), processIO);
