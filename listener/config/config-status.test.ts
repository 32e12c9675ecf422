import { describe, expect, it } from 'vitest';

import type { ConfigStatus } from '../cluster/cluster.js';
import { carryTransitionTimes, observedStatus, sameStatus } from './config-status.js';

const ready = (status: 'True' | 'False', at: string): ConfigStatus['conditions'][number] => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'Serving' : 'BindFailed',
  message: 'm',
  lastTransitionTime: at,
});

describe('Config status bookkeeping', () => {
  it('reads the status a Config carries, and nothing from one of another shape', () => {
    const status = { observedGeneration: 3, conditions: [ready('True', '2026-12-01T10:00:00Z')] };
    expect(observedStatus({ metadata: { name: 'c' }, status })).toEqual(status);
    expect(observedStatus({ status: { conditions: [ready('True', 't')] } })).toEqual({
      conditions: [ready('True', 't')],
    });
    expect(observedStatus({ metadata: { name: 'c' } })).toBeUndefined();
    expect(observedStatus({ status: { conditions: [{ type: 'Ready', status: 'maybe' }] } })).toBeUndefined();
    expect(observedStatus(null)).toBeUndefined();
  });

  it('compares statuses whatever order the API server stored keys and conditions in', () => {
    const written: ConfigStatus = {
      observedGeneration: 2,
      conditions: [ready('True', 't1'), { ...ready('False', 't1'), type: 'Conflict' }],
    };
    // As read back: keys sorted (Go's maps), conditions in another order.
    const stored = JSON.parse(
      '{"conditions":[{"lastTransitionTime":"t1","message":"m","reason":"BindFailed","status":"False","type":"Conflict"},' +
        '{"lastTransitionTime":"t1","message":"m","reason":"Serving","status":"True","type":"Ready"}],"observedGeneration":2}',
    ) as ConfigStatus;
    expect(sameStatus(written, stored)).toBe(true);
    expect(sameStatus(written, { ...stored, observedGeneration: 3 })).toBe(false);
    expect(sameStatus(written, { ...written, conditions: [ready('True', 't2')] })).toBe(false);
  });

  it('keeps a transition time while the condition holds, and moves it when the condition flips', () => {
    const before: ConfigStatus = { conditions: [ready('True', 'then')] };
    expect(
      carryTransitionTimes({ conditions: [ready('True', 'now')] }, before).conditions[0]?.lastTransitionTime,
    ).toBe('then');
    expect(
      carryTransitionTimes({ conditions: [ready('False', 'now')] }, before).conditions[0]?.lastTransitionTime,
    ).toBe('now');
  });
});
