import pino from 'pino';
import { describe, expect, it } from 'vitest';

import type { Cluster } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/cluster-error.js';
import { MemoryCluster } from '../cluster/memory-cluster.js';
import { leaderElection, type LeaderElection } from './leader-election.js';

const log = pino({ level: 'silent' });
const claimOf = (holder: string) => ({ namespace: 'ops', name: 'status', holder, durationSeconds: 15 });

/** Timers run by hand, and a clock moved by hand: the election's schedule without waiting for it. */
function manualTime() {
  let now = 0;
  const due: { at: number; run: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (run: () => void, ms: number) => {
      const timer = { at: now + ms, run };
      due.push(timer);
      return timer;
    },
    clearTimeout: (timer: unknown) => {
      const index = due.indexOf(timer as (typeof due)[number]);
      if (index >= 0) due.splice(index, 1);
    },
    /** Moves the clock, runs what fell due, and lets the claims they started settle. */
    async advance(ms: number) {
      now += ms;
      for (const timer of due.filter((item) => item.at <= now)) {
        due.splice(due.indexOf(timer), 1);
        timer.run();
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function elect(
  cluster: Cluster,
  holder: string,
  time: ReturnType<typeof manualTime>,
  changes: boolean[] = [],
) {
  const election: LeaderElection = leaderElection({
    cluster,
    claim: claimOf(holder),
    logger: log,
    onChange: (leading) => changes.push(leading),
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  return election;
}

describe('leader election on a Lease', () => {
  it('lets one replica lead, and another take over once the leader stops renewing', async () => {
    const time = manualTime();
    const cluster = new MemoryCluster(() => new Date(time.now()));
    const changesA: boolean[] = [];
    const changesB: boolean[] = [];
    const a = elect(cluster, 'pod-a', time, changesA);
    const b = elect(cluster, 'pod-b', time, changesB);
    a.start();
    await time.advance(0);
    b.start();
    await time.advance(0);
    expect([a.leading, b.leading]).toEqual([true, false]);

    // A renews every 5 s; B keeps trying and keeps losing.
    for (let step = 0; step < 6; step += 1) await time.advance(5_000);
    expect([a.leading, b.leading]).toEqual([true, false]);

    a.stop();
    expect(changesA).toEqual([true, false]);
    // The Lease outlives A's last renewal by its duration; B's next try after that wins.
    await time.advance(10_000);
    expect(b.leading).toBe(false);
    await time.advance(10_000);
    expect(b.leading).toBe(true);
    expect(changesB).toEqual([true]);
    b.stop();
  });

  it('stops leading when it cannot renew for two thirds of the duration, before anyone may take over', async () => {
    const time = manualTime();
    const memory = new MemoryCluster(() => new Date(time.now()));
    let failing = false;
    const cluster = {
      claimLease: (claim: Parameters<Cluster['claimLease']>[0]) =>
        failing
          ? Promise.reject(new ClusterError('UNAVAILABLE', 'API server down', undefined))
          : memory.claimLease(claim),
    } as unknown as Cluster;
    const election = elect(cluster, 'pod-a', time);
    election.start();
    await time.advance(0);
    expect(election.leading).toBe(true);
    failing = true;
    await time.advance(5_000);
    expect(election.leading).toBe(true);
    await time.advance(5_000);
    // 10 s without renewal of a 15 s Lease: step down while the Lease is still ours.
    expect(election.leading).toBe(false);
    failing = false;
    await time.advance(5_000);
    expect(election.leading).toBe(true);
    election.stop();
  });

  it('steps down when a claim hangs, and goes on claiming', async () => {
    const time = manualTime();
    const memory = new MemoryCluster(() => new Date(time.now()));
    let hanging = false;
    const cluster = {
      claimLease: (claim: Parameters<Cluster['claimLease']>[0]) =>
        hanging ? new Promise<boolean>(() => undefined) : memory.claimLease(claim),
    } as unknown as Cluster;
    const election = elect(cluster, 'pod-a', time);
    election.start();
    await time.advance(0);
    expect(election.leading).toBe(true);
    hanging = true;
    await time.advance(5_000);
    expect(election.leading).toBe(true);
    // The claim sent at 5 s never answers; at 10 s its deadline passes and the Lease is too old to trust.
    await time.advance(5_000);
    expect(election.leading).toBe(false);
    hanging = false;
    await time.advance(5_000);
    expect(election.leading).toBe(true);
    election.stop();
  });
});
