import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '../cluster/external-secret.js';
import { toExternalSecret } from '../cluster/external-secret.js';
import { MemoryCluster } from '../cluster/memory-cluster.js';
import { createMetrics } from '../ops/metrics.js';
import { EVENT_ID } from './annotations.js';
import { Annotator, SaturatedError } from './annotator.js';
import type { SecretRotation } from './secret-rotation.js';

function setup(concurrency: number, coalesceWindowMs = 0, maxQueued = 100, names = ['a', 'b']) {
  const cluster = new MemoryCluster();
  for (const name of names) {
    cluster.apply({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: 'ns' },
      spec: {},
    });
  }
  const patched: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const annotate = cluster.annotateExternalSecret.bind(cluster);
  cluster.annotateExternalSecret = async (ref: ObjectRef, annotations) => {
    patched.push(`${ref.name}:${annotations[EVENT_ID] ?? ''}`);
    await gate;
    return annotate(ref, annotations);
  };
  const metrics = createMetrics();
  const annotator = new Annotator({
    cluster,
    metrics,
    log: pino({ level: 'silent' }),
    concurrency,
    maxQueued,
    coalesceWindowMs,
  });
  const secret = (name: string) => {
    const value = toExternalSecret(cluster.get('ExternalSecret', `ns/${name}`));
    if (value === undefined) throw new Error('missing');
    return value;
  };
  return {
    cluster,
    metrics,
    annotator,
    patched,
    secret,
    hold: () => {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

const rotation = (eventId: string, time: string): SecretRotation => ({
  vault: 'kv',
  name: 's',
  version: eventId,
  eventId,
  eventType: 't',
  time,
});
const eventIdOf = (cluster: MemoryCluster, name: string) =>
  (cluster.get('ExternalSecret', `ns/${name}`)?.metadata as { annotations?: Record<string, string> })
    .annotations?.[EVENT_ID];

describe('Annotator coalescing', () => {
  it('joins rotations that arrive while a patch of the same ExternalSecret waits for a slot; the newest wins', async () => {
    const t = setup(1);
    t.hold();
    const first = t.annotator.annotate([
      { secret: t.secret('b'), rotation: rotation('e0', '2026-12-01T10:00:00Z') },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // b's patch occupies the only slot; three rotations of a now queue behind it and become one patch.
    const waiting = [
      t.annotator.annotate([{ secret: t.secret('a'), rotation: rotation('e1', '2026-12-01T10:00:01Z') }]),
      t.annotator.annotate([{ secret: t.secret('a'), rotation: rotation('e3', '2026-12-01T10:00:03Z') }]),
      t.annotator.annotate([{ secret: t.secret('a'), rotation: rotation('e2', '2026-12-01T10:00:02Z') }]),
    ];
    t.release();
    const outcomes = await Promise.all([first, ...waiting]);
    expect(outcomes.map((outcome) => outcome.stored)).toEqual([1, 1, 1, 1]);
    expect(t.patched).toEqual(['b:e0', 'a:e3']);
    expect(eventIdOf(t.cluster, 'a')).toBe('e3');
    expect((await t.metrics.coalesced.get()).values[0]?.value).toBe(2);
  });

  it('does not join a patch already in flight: a later rotation gets a patch of its own after it', async () => {
    const t = setup(4);
    t.hold();
    const inFlight = t.annotator.annotate([
      { secret: t.secret('a'), rotation: rotation('e1', '2026-12-01T10:00:01Z') },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const later = t.annotator.annotate([
      { secret: t.secret('a'), rotation: rotation('e2', '2026-12-01T10:00:02Z') },
    ]);
    t.release();
    await Promise.all([inFlight, later]);
    expect(t.patched).toEqual(['a:e1', 'a:e2']);
    expect(eventIdOf(t.cluster, 'a')).toBe('e2');
  });

  it('with a window, gathers a burst of rotations of one ExternalSecret into one patch', async () => {
    const t = setup(4, 30);
    const burst = ['e1', 'e2', 'e3'].map((id, index) =>
      t.annotator.annotate([
        { secret: t.secret('a'), rotation: rotation(id, `2026-12-01T10:00:0${index}Z`) },
      ]),
    );
    await Promise.all(burst);
    expect(t.patched).toEqual(['a:e3']);
  });
});

describe('Annotator backpressure', () => {
  const names = Array.from({ length: 12 }, (_, index) => `es-${String(index)}`);
  const tasksFor = (t: ReturnType<typeof setup>, chosen: readonly string[], id: string) =>
    chosen.map((name) => ({ secret: t.secret(name), rotation: rotation(id, '2026-12-01T10:00:00Z') }));

  it('takes a delivery matching more than the queue holds when nothing else waits', async () => {
    const t = setup(1, 0, 2, names);
    const outcome = await t.annotator.annotate(tasksFor(t, names, 'e1'));
    expect(outcome).toEqual({ stored: names.length, gone: 0, failures: [] });
  });

  it('refuses another delivery while the queue is full, and takes it once the queue drains', async () => {
    const t = setup(1, 0, 2, names);
    t.hold();
    const first = t.annotator.annotate(tasksFor(t, names.slice(0, 3), 'e1'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(t.annotator.annotate(tasksFor(t, names.slice(3, 5), 'e2'))).rejects.toBeInstanceOf(
      SaturatedError,
    );
    t.release();
    await first;
    await expect(t.annotator.annotate(tasksFor(t, names.slice(3, 5), 'e2'))).resolves.toMatchObject({
      stored: 2,
    });
  });
});
