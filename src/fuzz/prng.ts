// Seeded randomness for the fuzz campaigns. Every case draws from its own generator, derived
// from (campaign seed, stream, case index), so one case reproduces alone from its seed and index.

/** mulberry32: small, fast, deterministic; good enough to drive mutations (not cryptographic). */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
