// Properties of the cost model computed from the shipped profiles (anchors §2, §8): these fail
// when a profile constant moves the model outside the published results.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  backendCyclesPerPacket,
  ioBoundThroughputRatio,
  lineRateMpps,
  modelRun,
  pingRttUs,
} from "../../src/model/cost.ts";
import { zeroCounts } from "../../src/model/events.ts";
import { builtinProfileNames, CONSTANT_NAMES, loadProfile, withConstants } from "../../src/model/profile.ts";

/** Event counts of a typical run: bursts of 64, interrupts under a 50 µs ITR at line rate. */
const assigned = {
  ...zeroCounts(),
  packets: 1_000_000,
  bytes: 60_000_000,
  doorbells: 15_625,
  interrupts: 1_344,
  iotlbLookups: 2_000_000,
};
const host = { ...assigned, iotlbLookups: 0 };

describe("cost profiles", () => {
  it("ships bhyve, kvm-exits and kvm-posted, every constant citing performance-anchors.md", () => {
    expect(builtinProfileNames()).toEqual(["bhyve", "kvm-exits", "kvm-posted"]);
    for (const n of builtinProfileNames()) {
      const p = loadProfile(n);
      for (const k of CONSTANT_NAMES)
        expect(p.file.constants[k].source).toMatch(/performance-anchors\.md §\d/);
    }
  });

  it("rejects a user's profile with the JSON path of each problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "prof-"));
    const f = join(dir, "bad.json");
    const good = loadProfile("bhyve").file;
    const bad = structuredClone(good) as Record<string, any>;
    bad.constants.cpu_ghz.source = "my guess";
    bad.constants.eoi_exits.value = 2;
    delete bad.constants.tap_ns;
    writeFileSync(f, JSON.stringify(bad));
    expect(() => loadProfile(f)).toThrow(/\$\.constants\.cpu_ghz\.source/);
    expect(() => loadProfile(f)).toThrow(/\$\.constants\.eoi_exits\.value: a flag is 0 or 1/);
    expect(() => loadProfile(f)).toThrow(/\$\.constants\.tap_ns/);
    writeFileSync(f, "{ nope");
    expect(() => loadProfile(f)).toThrow(/not valid JSON/);
    expect(() => loadProfile(join(dir, "missing.json"))).toThrow(/no such file/);
    writeFileSync(f, JSON.stringify({ ...good, name: "mine" }));
    expect(loadProfile(f).name).toBe("mine");
  });
});

describe("the talk's ping (overview.md, anchors §2.2)", () => {
  const p = loadProfile("bhyve");
  const native = pingRttUs(p, "host", host, 10);
  it("VF in a bhyve VM is about 3x native (2-4x)", () => {
    const r = pingRttUs(p, "vm-assigned", assigned, 10) / native;
    expect(r).toBeGreaterThanOrEqual(2);
    expect(r).toBeLessThanOrEqual(4);
  });
  it("VF in a vnet jail is about native (<= 1.2x)", () => {
    const r = pingRttUs(p, "host", { ...host, switchLookups: 1 }, 10) / native;
    expect(r).toBeLessThanOrEqual(1.2);
  });
  it("the gap comes from the idle-vCPU wake-up: with halt-polling it shrinks below 2x", () => {
    const polled = withConstants(p, { halt_poll_us: 200 });
    expect(pingRttUs(polled, "vm-assigned", assigned, 10) / native).toBeLessThan(2);
  });
});

describe("device assignment throughput, ELI's I/O-bound workload (anchors §2.1)", () => {
  it("without exitless interrupts: 60-65 % of bare metal", () => {
    const r = ioBoundThroughputRatio(loadProfile("kvm-exits"));
    expect(r.ratio).toBeGreaterThanOrEqual(0.6);
    expect(r.ratio).toBeLessThanOrEqual(0.65);
    // ~10^5 exits/s, as ELI and ELVIS report
    expect(r.exitsPerSec).toBeGreaterThan(5e4);
    expect(r.exitsPerSec).toBeLessThan(2e5);
  });
  it("with posted/exitless interrupts: at least 97 %", () => {
    expect(ioBoundThroughputRatio(loadProfile("kvm-posted")).ratio).toBeGreaterThanOrEqual(0.97);
  });
  it("fails when a cost moves (the property is not a constant)", () => {
    const p = loadProfile("kvm-exits");
    expect(ioBoundThroughputRatio(withConstants(p, { exit_indirect_cycles: 20_000 })).ratio).toBeLessThan(
      0.6,
    );
    expect(
      ioBoundThroughputRatio(withConstants(p, { eoi_exits: 0, device_irq_exits: 0 })).ratio,
    ).toBeGreaterThan(0.65);
  });
});

describe("vhost-style paravirtual backend (anchors §3.3)", () => {
  it("one backend thread moves 1-1.5 Mpps of 64-byte frames", () => {
    for (const n of builtinProfileNames()) {
      const p = loadProfile(n);
      const counts = {
        ...zeroCounts(),
        packets: 1e6,
        copies: 1e6,
        bytesCopied: 60e6,
        usedNotifications: 1e6 / 64,
        kicks: 100,
      };
      const backend = modelRun(p, { context: "virtio", counts, frameBytes: 64, linkGbps: 10 }).cpus.find(
        (c) => c.cpu === "backend thread",
      );
      expect(backend!.mpps).toBeGreaterThanOrEqual(1.0);
      expect(backend!.mpps).toBeLessThanOrEqual(1.5);
      expect(
        (p.c.cpu_ghz * 1e3) / backendCyclesPerPacket(withConstants(p, { tap_ns: 1000 }), 60, 1),
      ).toBeLessThan(1);
    }
  });
});

describe("throughput model", () => {
  it("is capped by the line rate and names the bottleneck", () => {
    const p = loadProfile("bhyve");
    const r = modelRun(p, { context: "host", counts: host, frameBytes: 1518, linkGbps: 10 });
    expect(r.bottleneck).toBe("line rate");
    expect(r.mpps).toBeCloseTo(lineRateMpps(10, 1518), 6);
    expect(r.gbps).toBeCloseTo(10, 6);
    const small = modelRun(p, { context: "host", counts: host, frameBytes: 64, linkGbps: 10 });
    expect(small.bottleneck).toBe("host");
    expect(small.mpps).toBeLessThan(lineRateMpps(10, 64));
    expect(lineRateMpps(10, 64)).toBeCloseTo(14.88, 2);
  });
  it("orders the paths as anchors §2.3 does at 64 B: native >= VF in VM > virtio", () => {
    const p = loadProfile("kvm-posted");
    const nat = modelRun(p, { context: "host", counts: host, frameBytes: 64, linkGbps: 10 }).mpps;
    const vm = modelRun(p, { context: "vm-assigned", counts: assigned, frameBytes: 64, linkGbps: 10 }).mpps;
    const vio = modelRun(p, {
      context: "virtio",
      counts: { ...host, copies: 1e6, bytesCopied: 60e6, bridgeLookups: 1e6, usedNotifications: 1e4 },
      frameBytes: 64,
      linkGbps: 10,
    }).mpps;
    expect(vm / nat).toBeGreaterThanOrEqual(0.97);
    expect(vio).toBeLessThan(vm);
  });
  it("latency p99 includes the moderation interval", () => {
    const p = loadProfile("bhyve");
    const r = modelRun(p, { context: "host", counts: host, frameBytes: 64, linkGbps: 10 });
    expect(r.latencyUs.p99 - r.latencyUs.p50).toBeCloseTo(0.49 * p.c.itr_us, 6);
  });
});
