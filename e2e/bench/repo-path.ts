import { fileURLToPath } from 'node:url';

/** The repository root, so files can be named as the README names them: `dist/listener/main.js`. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return `${REPO_ROOT}${relative}`;
}
