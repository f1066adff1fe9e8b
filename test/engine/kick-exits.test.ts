// A vCPU's record of its kick exits (src/engine/kick-exits.ts): every booked kick's window is
// found, not only the last one's, and windows that ended are dropped.
import { describe, expect, it } from "vitest";
import { KickExits } from "../../src/engine/kick-exits.ts";

describe("KickExits", () => {
  it("finds the entry of an earlier kick's exit when a later one is already recorded", () => {
    const k = new KickExits();
    k.record(100, 200, 0);
    k.record(500, 650, 0); // booked ahead in the same event
    expect(k.entryAfter(150)).toBe(200); // in the first kick's exit
    expect(k.entryAfter(100)).toBe(200); // from its start
    expect(k.entryAfter(200)).toBe(-1); // at its entry: back in the guest
    expect(k.entryAfter(300)).toBe(-1); // between the kicks
    expect(k.entryAfter(600)).toBe(650);
    expect(k.entryAfter(50)).toBe(-1);
    expect(k.entryAfter(700)).toBe(-1);
  });

  it("drops the windows that ended by the time of a new record", () => {
    const k = new KickExits();
    for (let i = 0; i < 1000; i++) k.record(i * 10, i * 10 + 5, i * 10);
    expect(k.size).toBeLessThanOrEqual(2); // only the last kick's window can still be asked about
    expect(k.entryAfter(9992)).toBe(9995);
    k.record(20_000, 20_100, 10_000);
    expect(k.size).toBe(1);
    expect(k.entryAfter(20_050)).toBe(20_100);
  });
});
