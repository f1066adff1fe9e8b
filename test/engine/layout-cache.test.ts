// A thread's kept layouts (src/engine/layout-cache.ts): which are written back and which laid
// out again, by key, as a pool worker serving every case of a run in turn uses them.
import { beforeEach, describe, expect, it } from "vitest";
import {
  clearPreparedLayouts,
  ENTRIES,
  preparedLayout,
  preparedStats,
} from "../../src/engine/layout-cache.ts";
import type { BuiltPath } from "../../src/paths/build.ts";

const memory = new WebAssembly.Memory({ initial: 1 });

/** A stand-in layout: 64 bytes at `base`, no frame buffers (all the cache reads of it). */
function fakeBuilt(base: number): BuiltPath {
  return { layout: { base, end: base + 64, hasRegion: () => false } } as unknown as BuiltPath;
}

/** Uses the layout of `key`; true when it was laid out (prepare ran), false when written back. */
function use(key: string): boolean {
  let made = false;
  preparedLayout(key, memory, () => {
    made = true;
    return { built: fakeBuilt(0), extra: null };
  });
  return made;
}

describe("kept layouts", () => {
  beforeEach(() => clearPreparedLayouts());

  it("serve a run's cases in turn, more of them than the old 24 entries, after one layout each", () => {
    const cases = Array.from({ length: 27 }, (_, i) => `case-${i}`);
    const laidOut = preparedStats.laidOut;
    for (let round = 0; round < 3; round++) for (const c of cases) use(c);
    expect(preparedStats.laidOut - laidOut).toBe(27);
  });

  it("drop the least recently used layout when full, not every one", () => {
    for (let i = 0; i < ENTRIES; i++) use(`k${i}`);
    expect(use("k0")).toBe(false); // k0 is now the most recently used
    expect(use("new")).toBe(true); // full: k1, the least recently used, gives its place
    expect(use("k0")).toBe(false);
    expect(use(`k${ENTRIES - 1}`)).toBe(false);
    expect(use("k1")).toBe(true);
  });

  it("write the kept bytes back over whatever the memory holds", () => {
    const u8 = new Uint8Array(memory.buffer);
    u8.fill(7, 0, 64);
    use("bytes");
    u8.fill(9, 0, 64);
    expect(use("bytes")).toBe(false);
    expect([...u8.subarray(0, 64)].every((b) => b === 7)).toBe(true);
  });
});
