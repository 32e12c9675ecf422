import { randomBytes } from 'node:crypto';

/** A source of uniform numbers in [0, 1). Injected so tests are repeatable (jitter, codes, ids). */
export type Random = () => number;

/** Cryptographic randomness: validation codes and tokens must not be guessable outside tests. */
export const cryptoRandom: Random = () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

/** mulberry32: tiny, fast and good enough for repeatable test runs; never for secrets. */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `length` lower-case hex digits. */
export function randomHex(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A version-4-shaped GUID, the form Azure uses for event ids and validation codes. */
export function randomGuid(random: Random): string {
  const hex = randomHex(random, 32).split('');
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)] ?? '8';
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Key Vault object versions: 32 lower-case hex digits. */
export function randomKeyVaultVersion(random: Random): string {
  return randomHex(random, 32);
}
