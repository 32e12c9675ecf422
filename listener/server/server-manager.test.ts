import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type ReloaderConfig } from '../config/parse-config.js';
import { createHarness, type Harness } from '../test-support/harness.js';
import type { SetTimer } from './backoff.js';
import type { Bind } from './bind.js';
import { ServerManager, type ApplyReport } from './server-manager.js';

function config(name: string, port: number): ReloaderConfig {
  const result = parseConfig({
    apiVersion: 'reloader.external-secrets.io/v1alpha1',
    kind: 'Config',
    metadata: { name },
    spec: {
      notificationSources: [
        { type: 'AzureEventGrid', azureEventGrid: { host: '127.0.0.1', port, subscriptions: ['sub'] } },
      ],
      destinationsToWatch: [{ type: 'ExternalSecret', externalSecret: { names: ['x'] } }],
    },
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.config;
}

/** Timers run by hand: `fire()` runs the pending one and lets the retry it queues finish. */
function manualTimer(): {
  setTimer: SetTimer;
  delays: number[];
  pending: () => number;
  fire: () => Promise<void>;
} {
  const timers = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  return {
    delays,
    pending: () => timers.size,
    setTimer: (callback, ms) => {
      const id = next++;
      timers.set(id, callback);
      delays.push(ms);
      return () => timers.delete(id);
    },
    async fire() {
      const [entry] = timers;
      if (entry === undefined) throw new Error('no timer pending');
      timers.delete(entry[0]);
      entry[1]();
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}

let h: Harness;
let manager: ServerManager | undefined;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  await h.close();
});

/** A bind that fails with EADDRINUSE while `busy()` says so. */
function flakyBind(busy: () => boolean): { bind: Bind; attempts: () => number } {
  let attempts = 0;
  return {
    attempts: () => attempts,
    bind: (host, port) => {
      attempts += 1;
      if (busy())
        return Promise.reject(new Error(`listen EADDRINUSE: address already in use ${host}:${port}`));
      return Promise.resolve({ address: `${host}:${port}`, close: () => Promise.resolve() });
    },
  };
}

function createManager(bind: Bind, setTimer: SetTimer, retried: ApplyReport[] = []): ServerManager {
  manager = new ServerManager({
    deps: h.deps,
    bind,
    logger: pino({ level: 'silent' }),
    metrics: h.metrics,
    bodyLimit: 1_048_576,
    graceMs: 100,
    bindRetry: { initialMs: 1_000, maxMs: 30_000, setTimer },
    onRetried: (report) => retried.push(report),
  });
  return manager;
}

describe('bind retries', () => {
  it('retries a failed bind with a doubling delay capped at 30 s, and reports when it binds', async () => {
    let busy = true;
    const timer = manualTimer();
    const retried: ApplyReport[] = [];
    const servers = createManager(flakyBind(() => busy).bind, timer.setTimer, retried);
    const report = await servers.apply([config('a', 9001)]);
    expect(report.bindErrors).toHaveLength(1);
    expect(servers.ready).toBe(false);
    for (let attempt = 0; attempt < 7; attempt++) await timer.fire();
    expect(timer.delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(retried).toEqual([]);

    busy = false;
    await timer.fire();
    expect(servers.ready).toBe(true);
    expect(timer.pending()).toBe(0);
    expect(retried).toHaveLength(1);
    expect(retried[0]?.bindErrors).toEqual([]);
    expect(retried[0]?.served.get('a')).toEqual([{ endpoint: '127.0.0.1:9001', paths: ['/sub'] }]);
  });

  it('stops retrying when the Config is removed, and starts afresh when it changes', async () => {
    const timer = manualTimer();
    const flaky = flakyBind(() => true);
    const servers = createManager(flaky.bind, timer.setTimer);
    await servers.apply([config('a', 9001)]);
    await timer.fire();
    expect(flaky.attempts()).toBe(2);

    await servers.apply([config('a', 9002)]);
    expect(timer.pending()).toBe(1);
    expect(timer.delays.at(-1)).toBe(1_000);

    await servers.apply([]);
    expect(timer.pending()).toBe(0);
    expect(servers.ready).toBe(true);
    expect(flaky.attempts()).toBe(3);
  });
});
