import type { z } from 'zod';

/** `events[0].data.validationCode: Required` — the field path first, so an operator sees what to fix. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${formatPath(prefix, issue.path)}: ${issue.message}`)
    .join('; ');
}

export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(body)' : out;
}
