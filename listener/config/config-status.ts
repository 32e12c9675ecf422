import { z } from 'zod';

import type { ConfigStatus } from '../cluster/cluster.js';
import type { ConfigResult } from './parse-config.js';
import type { ApplyReport } from '../server/server-manager.js';

type Condition = ConfigStatus['conditions'][number];

/**
 * The status conditions of one Config after an apply: Ready (all its paths served), ListenersBound
 * (with host:port and paths), Conflict (paths another Config owns), Invalid (fields in error).
 */
export function configStatus(
  result: ConfigResult,
  report: ApplyReport,
  generation: number | undefined,
  now: string,
): ConfigStatus {
  const condition = (type: string, ok: boolean, reason: string, message: string): Condition => ({
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: now,
  });
  const base = generation === undefined ? {} : { observedGeneration: generation };
  if (!result.ok) {
    return {
      ...base,
      conditions: [
        condition('Ready', false, 'Invalid', result.errors.join('; ')),
        condition('Invalid', true, 'InvalidFields', result.errors.join('; ')),
      ],
    };
  }
  const name = result.config.name;
  const served = report.served.get(name) ?? [];
  const conflicts = report.conflicts.filter((conflict) => conflict.claimant === name);
  const bindErrors = report.bindErrors.filter((error) => error.configs.includes(name));
  const listening = served.map((entry) => `${entry.endpoint} ${entry.paths.join(',')}`).join('; ');
  const bound = bindErrors.length === 0;
  const ready = bound && conflicts.length === 0;
  return {
    ...base,
    conditions: [
      condition(
        'Ready',
        ready,
        ready ? 'Serving' : bound ? 'Conflict' : 'BindFailed',
        ready
          ? `serving ${listening || 'no paths'}`
          : [
              ...conflicts.map((c) => `${c.path} on ${c.endpoint} is served for Config ${c.owner}`),
              ...bindErrors.map((e) => `${e.endpoint}: ${e.error}`),
            ].join('; '),
      ),
      condition(
        'ListenersBound',
        bound,
        bound ? 'Bound' : 'BindFailed',
        bound ? listening || 'no endpoints' : bindErrors.map((e) => `${e.endpoint}: ${e.error}`).join('; '),
      ),
      condition(
        'Conflict',
        conflicts.length > 0,
        conflicts.length > 0 ? 'PathClaimed' : 'NoConflict',
        conflicts.map((c) => `${c.path} on ${c.endpoint} is served for Config ${c.owner}`).join('; ') ||
          'no conflicting paths',
      ),
      condition('Invalid', false, 'Valid', result.config.warnings.join('; ') || 'valid'),
    ],
  };
}

/** Keeps lastTransitionTime from the previous status when a condition's status did not change. */
export function carryTransitionTimes(next: ConfigStatus, previous: ConfigStatus | undefined): ConfigStatus {
  if (previous === undefined) return next;
  return {
    ...next,
    conditions: next.conditions.map((condition) => {
      const before = previous.conditions.find((item) => item.type === condition.type);
      return before !== undefined && before.status === condition.status
        ? { ...condition, lastTransitionTime: before.lastTransitionTime }
        : condition;
    }),
  };
}

const observedStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(
    z.object({
      type: z.string(),
      status: z.enum(['True', 'False', 'Unknown']),
      reason: z.string(),
      message: z.string(),
      lastTransitionTime: z.string(),
    }),
  ),
});

/** The status a Config carries in the cluster, when it has the shape this listener writes. */
export function observedStatus(manifest: unknown): ConfigStatus | undefined {
  const parsed = observedStatusSchema.safeParse((manifest as { status?: unknown } | null)?.status);
  if (!parsed.success) return undefined;
  const { observedGeneration, conditions } = parsed.data;
  return observedGeneration === undefined ? { conditions } : { observedGeneration, conditions };
}

/** Equal conditions and generation, whatever the key order the API server stored them in. */
export function sameStatus(a: ConfigStatus, b: ConfigStatus): boolean {
  const canonical = (status: ConfigStatus): string =>
    JSON.stringify([
      status.observedGeneration ?? null,
      [...status.conditions]
        .sort((x, y) => x.type.localeCompare(y.type))
        .map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
    ]);
  return canonical(a) === canonical(b);
}
