import type { z } from 'zod';
import { formatIssues } from '../../listener/eventgrid/index.js';

/** Thrown when the simulator built a payload its own protocol schemas reject: a simulator bug. */
export class SelfCheckError extends Error {
  readonly code = 'SIM_SELF_CHECK';
  constructor(what: string, detail: string) {
    super(`simulator built an invalid ${what}: ${detail}`);
    this.name = 'SelfCheckError';
  }
}

/** Parses a payload the simulator built with the shared schema, so nothing off-protocol leaves it. */
export function selfCheck<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SelfCheckError(what, formatIssues(parsed.error, what));
  return parsed.data;
}
