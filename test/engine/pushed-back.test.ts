// What held a sender on a CPU back, as the engine records it (SimResult.receive_first,
// SimResult.pushed_back; src/engine/elements/gen.ts): waiting for receive work run first on its
// CPU (receive first) is told apart from the path pushing it back, its queue full
// (back-pressure) or its CPU busy with work already placed there. Simulated, bhyve, 64 B.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const run = (path: string, direction: "tx" | "both", ratePps: number): SimResult =>
  simulate(baseSpec({ path, direction, ratePps, durationNs: 2e6 }));
const share = (r: SimResult, ns: number) => ns / (r.window.to_ns - r.window.from_ns);
const pushedOf = (r: SimResult) => r.pushed_back?.find((p) => p.sender === "gen-tx");
const waitedOf = (r: SimResult) => r.receive_first?.find((p) => p.sender === "gen-tx");

describe("a sender held back: receive first or pushed back", () => {
  it("native both above capacity: it waits for receive work, the path does not push it back", () => {
    const r = run("native", "both", 5e6);
    expect(share(r, waitedOf(r)!.waited_ns)).toBeGreaterThan(0.9);
    const p = pushedOf(r);
    expect(p === undefined ? 0 : share(r, p.queue_full_ns + p.cpu_busy_ns)).toBeLessThan(0.05);
  });

  it("native tx at line rate: no receive work, its CPU busy with its own sending all the window", () => {
    const r = run("native", "tx", 14.88e6);
    expect(r.receive_first).toBeUndefined();
    const p = pushedOf(r)!;
    expect(p.resource).toBe("host-core0");
    expect(share(r, p.cpu_busy_ns)).toBeGreaterThan(0.95);
    expect(p.queue_full_ns).toBe(0);
  });

  it("virtio tx at line rate: the guest's queue fills behind vhost (back-pressure)", () => {
    const r = run("virtio", "tx", 14.88e6);
    expect(r.receive_first).toBeUndefined();
    const p = pushedOf(r)!;
    expect(p.resource).toBe("guest-vcpu0");
    expect(share(r, p.queue_full_ns)).toBeGreaterThan(0.2);
    // Every moment of the window it is behind, for one reason or the other.
    expect(share(r, p.queue_full_ns + p.cpu_busy_ns)).toBeGreaterThan(0.95);
  });

  it("below capacity: neither is recorded beyond a sliver", () => {
    const r = run("native", "both", 8e5);
    const p = pushedOf(r);
    expect(p === undefined ? 0 : share(r, p.queue_full_ns + p.cpu_busy_ns)).toBeLessThan(0.01);
    const w = waitedOf(r);
    expect(w === undefined ? 0 : share(r, w.waited_ns)).toBeLessThan(0.05);
  });
});
