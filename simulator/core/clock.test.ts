import { describe, expect, it } from 'vitest';
import { createScaledClock, createVirtualClock } from './clock.js';
import { createSeededRandom, randomGuid, randomKeyVaultVersion } from './random.js';

describe('virtual clock', () => {
  it('jumps to each due timer, earliest first', async () => {
    const clock = createVirtualClock(0);
    const fired: [string, number][] = [];
    await Promise.all(
      [
        ['hour', 3_600_000],
        ['ten seconds', 10_000],
        ['minute', 60_000],
      ].map(async ([name, ms]) => {
        await clock.sleep(Number(ms));
        fired.push([String(name), clock.now()]);
      }),
    );
    expect(fired).toEqual([
      ['ten seconds', 10_000],
      ['minute', 60_000],
      ['hour', 3_600_000],
    ]);
  });

  it('cancels a sleep when its signal aborts', async () => {
    const clock = createVirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('closed'));
    await expect(sleeping).rejects.toThrow('closed');
    expect(clock.pending()).toBe(0);
    expect(clock.now()).toBe(0);
  });
});

describe('scaled clock', () => {
  it('refuses a scale that is not positive', () => {
    expect(() => createScaledClock({ scale: 0 })).toThrow(/scale must be > 0/);
  });

  it('starts its timeline where told', () => {
    const clock = createScaledClock({ scale: 0.001, start: 1_000_000 });
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000);
  });
});

describe('random source', () => {
  it('is repeatable with a seed and shapes ids like Azure', () => {
    const a = createSeededRandom(7);
    const b = createSeededRandom(7);
    const guid = randomGuid(a);
    expect(guid).toBe(randomGuid(b));
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomKeyVaultVersion(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});
