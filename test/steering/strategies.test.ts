// The failure modes and their fixes, emerging from simulations on the engine (no constants tuned
// to them): small runs at a fixed offered load below every strategy's capacity.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { deriveRules } from "../../src/steering/flow-rules.ts";
import { simulateSteering } from "../../src/steering/simulate.ts";
import {
  coreLimit,
  nicLimits,
  type StrategyId,
  type Symmetric,
  strategyGraph,
} from "../../src/steering/strategies.ts";
import { symmetricHash, symmetricInput } from "../../src/steering/symmetric.ts";
import { buildMix, type MixName } from "../../src/steering/traffic.ts";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { RSS_ALL_TYPES } from "../../src/switch/reference/rss.ts";

beforeAll(async () => {
  await ensureKernels();
});

function run(
  strategy: StrategyId,
  n: number,
  o: {
    mix?: MixName;
    tunnels?: number;
    zipfS?: number;
    flows?: number;
    rate?: number;
    symmetric?: Symmetric;
    frames?: number;
  } = {},
) {
  const traffic = buildMix({
    mix: o.mix ?? "gtpu",
    flows: o.flows ?? 256,
    tunnels: o.tunnels ?? 1,
    zipfS: o.zipfS ?? 0,
    seed: 1,
  });
  const rules =
    strategy === "flow-rules"
      ? deriveRules(traffic.flowFrames, traffic.pairOf, n, ["gtpu-teid", "vxlan-vni", "esp-spi"], parseFrame)
      : [];
  const graph = strategyGraph(strategy, n, { symmetric: o.symmetric ?? null, rules, nic: "ixl" });
  return simulateSteering({
    graph,
    traffic,
    ratePps: o.rate ?? 1e6,
    frames: o.frames ?? 3000,
    seed: 1,
    profile: "bhyve",
  });
}

const nonZero = (x: number[]) => x.filter((v) => v > 0).length;

describe("steering strategies on the engine (GTP-U, one gNB/UPF pair)", () => {
  it("outer RSS on one tunnel: each direction on one queue; symmetric hashing puts both on one", () => {
    const plain = run("outer-rss", 4);
    expect(nonZero(plain.perQueue)).toBeLessThanOrEqual(2);
    expect(plain.jain).toBeLessThanOrEqual(0.5 + 1e-9);
    const sym = run("outer-rss", 4, { symmetric: "toeplitz" });
    expect(nonZero(sym.perQueue)).toBe(1);
    expect(sym.conservation.ok).toBe(true);
  });

  it("MAC steering behind one tunnel-endpoint MAC: one VF takes everything; one MAC per instance balances", () => {
    const one = run("mac-vf", 4);
    expect(nonZero(one.perQueue)).toBe(1);
    const inst = run("mac-vf-instance", 4);
    expect(inst.jain).toBeGreaterThan(0.95);
  });

  it("VF limits come from the NIC profile: ixl 64 VFs (the PF has its own VSI), ix 63, igb 7", () => {
    // 82599 (ix): 64 pools in 64-VM mode, one of them the PF's, so ixgbe allows 63 VFs
    // (driverMaxVfs); X710 (ixl): 64 VFs per PF besides the PF's own VSI; 82576 (igb): 8 pools, 7 VFs.
    expect([nicLimits("ixl").vfs, nicLimits("ix").vfs, nicLimits("igb").vfs]).toEqual([64, 63, 7]);
    expect(coreLimit("mac-vf-instance", nicLimits("ixl")).max).toBe(64);
    expect(() => strategyGraph("mac-vf", 64, { symmetric: null, rules: [], nic: "ix" })).toThrow(/63 VFs/);
    // 64 VFs and the PF: 65 switch pools, the last VF beyond the first 64-bit lane of a pool set.
    const r = run("mac-vf-instance", 64, { flows: 1024, frames: 12_000, rate: 4e6 });
    expect(r.perQueue).toHaveLength(64);
    expect(nonZero(r.perQueue)).toBe(64);
    expect(r.conservation.ok).toBe(true);
  });

  it("one VF's queues stop at its queue interrupts (MSI-X vectors less iflib's admin one); one VF per core does not", () => {
    // X710: 16 queues per VF, 5 MSI-X vectors: 4 queues with an interrupt (FreeBSD iflib_msix_init).
    const ixl = nicLimits("ixl");
    expect(ixl.queuesPerVf).toBe(16);
    for (const s of ["outer-rss", "inner-rss", "flow-rules"] as const) {
      const c = coreLimit(s, ixl);
      expect(c.max, s).toBe(4);
      expect(c.why, s).toBe(
        "4 queue interrupts per VF: 5 MSI-X vectors (NIC profile ixl, vf.caps) less the admin queue's (FreeBSD iflib_msix_init)",
      );
      expect(() => strategyGraph(s, 5, { symmetric: null, rules: [], nic: "ixl" }), s).toThrow(
        /--queues 5: .* takes 1\.\.4 cores \(4 queue interrupts per VF/,
      );
    }
    for (const s of ["single", "mac-vf", "mac-vf-instance", "sw-dispatch", "sw-spray"] as const)
      expect(coreLimit(s, ixl).max, s).toBe(64);
    // 82599 (4 queues in pool mode, 3 vectors) and 82576 (2 queues, 3 vectors): 2; E810: its
    // 17 vectors cover the 16 queues, the queues per VF are the limit.
    expect(coreLimit("outer-rss", nicLimits("ix")).max).toBe(2);
    expect(coreLimit("outer-rss", nicLimits("igb"))).toEqual({ max: 2, why: "2 queues per VF" });
    expect(coreLimit("inner-rss", nicLimits("ice"))).toEqual({ max: 16, why: "16 queues per VF" });
  });

  it("inner RSS and flow rules on TEIDs balance the same tunnel", () => {
    for (const s of ["inner-rss", "flow-rules"] as const) {
      const r = run(s, 4);
      expect(r.jain, s).toBeGreaterThan(0.95);
      expect(r.lossRatio, s).toBe(0);
      expect(r.reordered, s).toBe(0);
    }
  });

  it("VXLAN-GPE (one VTEP pair, IP payload, no inner Ethernet) is steered as VXLAN: inner RSS and the dispatcher balance it, outer RSS cannot", () => {
    const t = buildMix({ mix: "vxlan-gpe", flows: 8, tunnels: 1, zipfS: 0, seed: 1 });
    expect(t.flowFrames.map((f) => parseFrame(f).tunnel?.type)).toEqual(new Array(8).fill("vxlan-gpe"));
    expect(parseFrame(t.flowFrames[0]!).inner?.eth).toBeUndefined();
    for (const s of ["inner-rss", "sw-dispatch"] as const) {
      const gpe = run(s, 4, { mix: "vxlan-gpe" });
      const vx = run(s, 4, { mix: "vxlan" });
      expect(gpe.jain, s).toBeGreaterThan(0.95);
      expect(gpe.perQueue, s).toEqual(vx.perQueue); // same inner tuples, same queues
    }
    expect(run("outer-rss", 4, { mix: "vxlan-gpe" }).jain).toBeLessThan(0.6);
  });

  it("elephant flows cap inner RSS's balance", () => {
    const uniform = run("inner-rss", 4, { flows: 64 });
    const zipf = run("inner-rss", 4, { flows: 64, zipfS: 1.3 });
    expect(uniform.jain).toBeGreaterThan(0.85);
    expect(zipf.jain).toBeLessThan(uniform.jain - 0.2);
  });

  it("a spraying dispatcher balances the elephants but reorders their frames; hashing strategies never reorder", () => {
    const spray = run("sw-spray", 8, { flows: 64, zipfS: 1.3 });
    const hashed = run("sw-dispatch", 8, { flows: 64, zipfS: 1.3 });
    expect(spray.jain).toBeGreaterThan(0.95);
    expect(spray.reordered).toBeGreaterThan(0);
    expect(hashed.reordered).toBe(0);
    expect(hashed.jain).toBeLessThan(0.8);
  });

  it("symmetric hashing keeps both directions of a conversation on one core", () => {
    const plain = run("inner-rss", 4);
    expect(plain.splitPairs).toBeGreaterThan(0);
    for (const m of ["toeplitz", "sorted"] as const)
      expect(run("inner-rss", 4, { symmetric: m }).splitPairs, m).toBe(0);
  });

  it("nothing exceeds line rate: offered twice the line rate, the wire carries at most 10 Gbit/s", () => {
    const r = run("inner-rss", 4, { rate: 30e6, frames: 4000 });
    expect(r.wireGbps).toBeLessThanOrEqual(r.linkGbps * 1.0001);
    expect(r.deliveredMpps).toBeLessThanOrEqual(r.offeredMpps * 1.0001);
    expect(r.utilization.wire).toBeGreaterThan(0.95);
  });

  it("a single core saturates and drops at its ring, counted where it happened; runs are deterministic", () => {
    const a = run("single", 1, { rate: 4e6 });
    expect(a.lossRatio).toBeGreaterThan(0);
    expect(Object.keys(a.drops)).toEqual(["nic: rx ring full (no descriptor)"]);
    expect(a.conservation.ok).toBe(true);
    const b = run("single", 1, { rate: 4e6 });
    expect(b.perQueue).toEqual(a.perQueue);
    expect(b.latencyUs).toEqual(a.latencyUs);
  });
});

describe("symmetric hashing", () => {
  it("the symmetric Toeplitz input is the same both ways; sorted orders the pair", () => {
    const a = Uint8Array.from([10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0x00, 0x01, 0xbb]);
    const b = Uint8Array.from([10, 0, 0, 2, 10, 0, 0, 1, 0x01, 0xbb, 0x04, 0x00]);
    for (const m of ["toeplitz", "sorted"] as const)
      expect(symmetricInput(a, m)).toEqual(symmetricInput(b, m));
    expect([...symmetricInput(b, "sorted").subarray(0, 8)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
    const t = buildMix({ mix: "gtpu", flows: 4, tunnels: 1, zipfS: 0, seed: 1 });
    const [up, down] = [t.flowFrames[0]!, t.flowFrames[1]!];
    expect(symmetricHash(up, "inner", "toeplitz", RSS_ALL_TYPES)).toBe(
      symmetricHash(down, "inner", "toeplitz", RSS_ALL_TYPES),
    );
    expect(symmetricHash(up, "outer", "sorted", RSS_ALL_TYPES)).toBe(
      symmetricHash(down, "outer", "sorted", RSS_ALL_TYPES),
    );
  });
});

describe("the offered window", () => {
  it("n frames at a rate below line rate offer exactly that rate (n gaps, not n - 1)", () => {
    for (const frames of [200, 3000]) {
      const r = run("outer-rss", 4, { rate: 2e6, frames });
      expect(r.offeredMpps).toBeCloseTo(2, 9);
    }
  });

  it("above line rate the wire spaces the frames: offered is line rate", () => {
    const r = run("outer-rss", 4, { rate: 50e6, frames: 2000 });
    const lineMpps = (r.linkGbps * 1e3) / ((r.meanFrameBytes + 20) * 8);
    expect(r.offeredMpps).toBeLessThanOrEqual(lineMpps * (1 + 1e-9));
    expect(r.offeredMpps).toBeGreaterThan(lineMpps * 0.99);
  });
});
