// A kept layout holds the WebAssembly.Memory it was laid out in: once a layout is kept in a new
// memory, the entries of the old one (never reusable) are dropped rather than pin it.
import { afterEach, describe, expect, it } from "vitest";
import { clearPreparedLayouts, keptLayouts, preparedLayout } from "../../src/engine/layout-cache.ts";
import type { BuiltPath } from "../../src/paths/build.ts";

const built = { layout: { base: 0, end: 64, hasRegion: () => false } } as unknown as BuiltPath;
const keep = (key: string, memory: WebAssembly.Memory) =>
  preparedLayout(key, memory, () => ({ built, extra: key }));

describe("layout cache and its memories", () => {
  afterEach(() => clearPreparedLayouts());

  it("drops the entries of an older memory when it keeps one in a new memory", () => {
    clearPreparedLayouts();
    const a = new WebAssembly.Memory({ initial: 1 });
    const b = new WebAssembly.Memory({ initial: 1 });
    for (const k of ["x", "y", "z"]) keep(k, a);
    expect(keptLayouts()).toBe(3);
    keep("w", b);
    expect(keptLayouts()).toBe(1);
    // Still reused in its own memory.
    expect(keep("w", b).extra).toBe("w");
    expect(keptLayouts()).toBe(1);
  });
});
