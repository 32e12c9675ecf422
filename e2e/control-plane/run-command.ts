import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a short-lived tool (openssl, go env, kind, docker) and returns its output. A failure keeps the
 * tool's stderr in the message: that text is what tells a person what went wrong.
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandOutput> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs ?? 0,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return { stdout, stderr };
  } catch (error: unknown) {
    const stderr = isExecError(error) ? error.stderr.trim() : '';
    const reason = stderr === '' ? describe(error) : stderr;
    throw new Error(`${file} ${args.join(' ')} failed: ${reason}`, { cause: error });
  }
}

function isExecError(error: unknown): error is Error & { stderr: string } {
  return error instanceof Error && 'stderr' in error && typeof error.stderr === 'string';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
