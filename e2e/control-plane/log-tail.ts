import { readFile } from 'node:fs/promises';

import { hasErrorCode } from './error-code.js';

/** The last lines of a process log, indented, for an error message a person will read. */
export async function readLogTail(path: string, lines = 40): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    if (hasErrorCode(error, 'ENOENT')) return `  (no log at ${path})`;
    throw error;
  }
  const tail = text.trimEnd().split('\n').slice(-lines);
  return [`  --- last ${tail.length} lines of ${path}`, ...tail.map((line) => `  ${line}`)].join('\n');
}
