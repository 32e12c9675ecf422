import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Newest modification time of the TypeScript sources under `folder` (tests excluded). */
async function newestSource(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  let newest = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

async function mtime(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

export type BuildDecision = 'up-to-date' | 'missing' | 'stale';

export async function listenerBuildState(root: string, script: string): Promise<BuildDecision> {
  const built = await mtime(script);
  if (built === undefined) return 'missing';
  return built >= (await newestSource(join(root, 'listener'))) ? 'up-to-date' : 'stale';
}

export class BuildError extends Error {
  readonly code = 'SIM_BUILD_FAILED';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'BuildError';
  }
}

/** `npm run build` without npm: tsc -p tsconfig.build.json, the project's one build. */
export async function buildListener(root: string): Promise<void> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const output =
      typeof error === 'object' && error !== null && 'stdout' in error
        ? String(error.stdout).trim()
        : String(error);
    throw new Error(
      `npm run build (tsc -p tsconfig.build.json) failed:\n${output.split('\n').slice(0, 30).join('\n')}`,
      {
        cause: error,
      },
    );
  }
}
