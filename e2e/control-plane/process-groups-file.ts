import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { hasErrorCode } from './error-code.js';

/**
 * The ids of the process groups a control plane runs, one per line, in its own directory. The file is
 * what lets the watchdog shell script, the exit handler and `cluster:down` (a different process) all
 * find the same processes, including a kube-apiserver restarted under a new id.
 */
const FILE_NAME = 'process-groups';

export function readProcessGroups(directory: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(directory, FILE_NAME), 'utf8');
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
  return text
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((id) => Number.isInteger(id) && id > 1);
}

// Synchronous on purpose: it is tiny, and the exit handler that reads it cannot await.
export function writeProcessGroups(directory: string, ids: readonly number[]): void {
  writeFileSync(join(directory, FILE_NAME), ids.map((id) => `${id}\n`).join(''));
}
