// A load point above what the path sustains, from its simulated figures: a resource busy for the
// whole trial, or one whose work for the frames offered takes longer than they were offered in.
import { describe, expect, it } from "vitest";
import type { ResourceUse, SimResult } from "../../src/engine/types.ts";
import { aboveCapacity } from "../../src/experiment/capacity.ts";

const GHZ = 2.93;

/** A trial with no warm-up: its window is the time its `sent` frames took at `offeredPps`. */
function result(offeredPps: number, resources: ResourceUse[], sent = 1000, delivered = 1000): SimResult {
  return {
    offered_pps: offeredPps,
    resources,
    window: { from_ns: 0, to_ns: (sent / offeredPps) * 1e9, offered: sent, delivered },
    conservation: { sent, delivered, dropped: {}, inFlight: 0, copies: 0, ok: true },
  } as unknown as SimResult;
}

const core = (cycles: number, utilization: number, byEvent: Record<string, number> = {}): ResourceUse => ({
  resource: "host-core0",
  kind: "core",
  utilization,
  work_utilization: utilization,
  cycles_per_packet: cycles,
  by_event: byEvent,
});

const wire = (ns: number): ResourceUse => ({
  resource: "wire-rx",
  kind: "wire",
  utilization: 0.9,
  work_utilization: 0.9,
  cycles_per_packet: ns,
  by_event: {},
});

describe("aboveCapacity", () => {
  it("work above the offered time: flagged with the capacity its cycles per frame allow", () => {
    // 3,020 cycles at 2.93 GHz = 1,031 ns a frame: 1 Mpps needs 103 % of the core.
    const a = aboveCapacity(result(1e6, [wire(67), core(3020, 0.954)]), GHZ, 0.01);
    expect(a).toMatchObject({ resource: "host-core0", basis: "work", cyclesPerPacket: 3020 });
    expect(a!.workShare).toBeCloseTo((3020 / GHZ) * 1e-3, 6);
    expect(a!.capacityPps).toBeCloseTo((GHZ * 1e9) / 3020, 3);
  });

  it("within it, or within half the resolution above it: not flagged", () => {
    expect(aboveCapacity(result(0.9e6, [core(3020, 0.93)]), GHZ, 0.01)).toBeNull();
    // 1.004 of the core: within 1 + 0.01 / 2.
    expect(aboveCapacity(result(1e6, [core(2930 * 1.004, 0.96)]), GHZ, 0.01)).toBeNull();
  });

  it("halt-polling is not work; the wire is never the one flagged", () => {
    expect(aboveCapacity(result(1e6, [core(3020, 0.95, { halt_poll: 500 })]), GHZ, 0.01)).toBeNull();
    expect(aboveCapacity(result(14e6, [wire(200)]), GHZ, 0.01)).toBeNull();
  });

  it("frames dropped before the resource cost it nothing: the share counts the frames it delivered", () => {
    // 1,512 cycles per delivered frame, 39 % of 5.9 Mpps delivered: 119 % of the core.
    const a = aboveCapacity(result(5.893e6, [core(1512, 0.96)], 1000, 392), GHZ, 0.01);
    expect(a!.workShare).toBeCloseTo(((1512 / GHZ) * 392 * 5.893e6) / (1000 * 1e9), 6);
    expect(a!.capacityPps).toBeCloseTo((GHZ * 1e9) / 1512, 3);
  });

  it("judged on the measured window, not on a length derived from whole-run counts", () => {
    // A warm-up of 500 frames at 1 Mpps that delivered none (a transient), then a 1 ms window
    // that delivered its 1,000 frames at 1,100 ns each: 110 % of the window. Read from the whole
    // run (1,500 sent, 1,000 delivered, so a 1.5 ms "window") it was 73 %, and not flagged.
    const r = {
      ...result(1e6, [core(1100 * GHZ, 0.96)]),
      window: { from_ns: 500_000, to_ns: 1_500_000, offered: 1000, delivered: 1000 },
      conservation: { sent: 1500, delivered: 1000, dropped: {}, inFlight: 0, copies: 0, ok: true },
    } as SimResult;
    const a = aboveCapacity(r, GHZ, 0.01);
    expect(a).toMatchObject({ resource: "host-core0", basis: "work" });
    expect(a!.workShare).toBeCloseTo(1.1, 9);
  });

  it("busy for the whole trial: flagged as such", () => {
    expect(aboveCapacity(result(1e6, [core(2000, 0.999)]), GHZ, 0.01)).toMatchObject({
      resource: "host-core0",
      basis: "busy",
    });
  });
});
