// Seeded randomness for the fuzz campaigns. Every case draws from its own generator, derived
// from (campaign seed, stream, case index), so one case reproduces alone from its seed and index.
import { mulberry32 } from "../prng.ts";

/** Draws of mulberry32 (src/prng.ts), the simulator's generator: good enough to drive mutations. */
export function rng(seed: number) {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    bool: (p = 0.5) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    bytes: (n: number) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
export type Rng = ReturnType<typeof rng>;

/** A 32-bit seed for case `index` of stream `stream` in campaign `seed` (murmur3 finaliser mix). */
export function caseSeed(seed: number, stream: number, index: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  for (const k of [index >>> 0, Math.floor(index / 2 ** 32) >>> 0]) {
    h ^= Math.imul(k, 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function caseRng(seed: number, stream: number, index: number): Rng {
  return rng(caseSeed(seed, stream, index));
}
