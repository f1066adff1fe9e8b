// The hang rule npm run fuzz applies to the case index its campaign process publishes.
import { describe, expect, it } from "vitest";
import { HangWatch } from "../../src/fuzz/watchdog.ts";

describe("fuzz hang watchdog", () => {
  it("a case whose index stops moving for hangMs is a hang; moving cases never are", () => {
    const w = new HangWatch(1000, 300_000);
    expect(w.observe(0, 0)).toBe(false);
    expect(w.observe(1, 900)).toBe(false);
    expect(w.observe(2, 1800)).toBe(false);
    expect(w.observe(2, 2700)).toBe(false);
    expect(w.observe(2, 2801)).toBe(true);
  });

  it("loading before case 0 gets the longer startup limit", () => {
    const w = new HangWatch(1000, 5000);
    expect(w.observe(-1, 0)).toBe(false);
    expect(w.observe(-1, 4000)).toBe(false);
    expect(w.observe(-1, 5001)).toBe(true);
  });
});
