// Fairness properties computed by the real switch (Wasm data plane, cross-checked against the
// TypeScript reference): every count comes from the switch's queue counters or rings.
import { describe, expect, it } from "vitest";
import { jain } from "../../src/steering/fairness.ts";
import { type Engine, runSteering } from "../../src/steering/run.ts";
import { type StrategyId, strategySetup } from "../../src/steering/strategies.ts";
import { closeSteeringThreads } from "../../src/steering/threaded.ts";
import {
  buildSteeringTraffic,
  type Popularity,
  type Regime,
  STEERING_ENCAPS,
  type SteeringEncap,
} from "../../src/steering/traffic.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { toeplitzHash } from "../../src/switch/reference/toeplitz.ts";
import { loadModule } from "../../src/switch/wasm.ts";

const N = 4;

async function steer(
  encap: SteeringEncap,
  regime: Regime,
  strategy: StrategyId,
  o: { flows?: number; frames?: number; popularity?: Popularity; engine?: Engine } = {},
) {
  const t = buildSteeringTraffic({
    encap,
    regime,
    flows: o.flows ?? 256,
    popularity: o.popularity ?? "uniform",
    zipfS: 1,
    frames: o.frames ?? 2048,
    instances: N,
    seed: 3,
  });
  const run = await runSteering(strategySetup(strategy, N, t.dstMacs), t.frames, o.engine ?? "wasm");
  expect(run.conservation.problems).toEqual([]);
  expect(run.conservation.onCores).toBe(t.frames.length);
  return { run, j: jain(run.perCore), total: t.frames.length };
}

describe("steering through the switch (anchors §4.3 / §8 fairness targets)", () => {
  it("single queue: J = 1/n for every encapsulation", async () => {
    for (const e of STEERING_ENCAPS) {
      const { run, j, total } = await steer(e, "one-tunnel", "single", { frames: 512 });
      expect(j).toBe(1 / N);
      expect(run.perCore).toEqual([total, 0, 0, 0]);
    }
  });

  it("outer RSS on one tunnel: J = 1/n (VXLAN, GTP-U, GRE, NVGRE, MPLS)", async () => {
    for (const e of ["vxlan", "gtpu", "gre", "nvgre", "mpls"] as const) {
      expect((await steer(e, "one-tunnel", "outer-rss")).j).toBe(1 / N);
    }
  });

  it("outer RSS with RFC 7348 outer source-port entropy: J ≈ 1 (VXLAN, GTP-U)", async () => {
    for (const e of ["vxlan", "gtpu"] as const) {
      expect((await steer(e, "entropy", "outer-rss")).j).toBeGreaterThan(0.95);
    }
  });

  it("entropy a plain NIC cannot see (GRE key, NVGRE FlowID, MPLS entropy label) does not help outer RSS", async () => {
    for (const e of ["gre", "nvgre", "mpls"] as const) {
      expect((await steer(e, "entropy", "outer-rss")).j).toBe(1 / N);
    }
  });

  it("inner RSS with >= 64 inner flows: J >= 0.95 for every encapsulation (uniform popularity)", async () => {
    for (const e of STEERING_ENCAPS) {
      expect((await steer(e, "one-tunnel", "inner-rss", { flows: 64 })).j).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("MAC-based VF steering: J = 1/n with one VTEP MAC, J = 1 with one MAC per generator instance", async () => {
    for (const e of ["vxlan", "gtpu", "mpls"] as const) {
      expect((await steer(e, "one-tunnel", "mac-vf")).j).toBe(1 / N);
      expect((await steer(e, "entropy", "mac-vf")).j).toBe(1 / N);
      expect((await steer(e, "instances", "mac-vf")).j).toBeCloseTo(1, 9);
    }
  });

  it("the one-MAC-per-instance fix does not help outer RSS on a tunnel (outer headers unchanged)", async () => {
    expect((await steer("gtpu", "instances", "outer-rss")).j).toBe(1 / N);
  });

  it("software dispatch balances on the inner tuple; every dispatched frame reaches one worker", async () => {
    const { run, j, total } = await steer("gtpu", "one-tunnel", "sw-dispatch");
    expect(j).toBeGreaterThanOrEqual(0.95);
    expect(run.dispatch?.dispatched).toBe(total);
    expect(run.dispatch?.ringFull).toBe(0);
    expect(run.hwQueueCounts).toEqual([total]); // one hardware queue took everything
  });

  it("threaded software dispatch (dispatcher + n worker threads) counts exactly what the inline one does", async () => {
    const t = buildSteeringTraffic({
      encap: "vxlan",
      regime: "one-tunnel",
      flows: 256,
      popularity: "zipf",
      zipfS: 1,
      frames: 3000,
      instances: N,
      seed: 5,
    });
    const setup = () => strategySetup("sw-dispatch", N, t.dstMacs);
    try {
      const threaded = await runSteering(setup(), t.frames, { dispatchThreads: true });
      const inline = await runSteering(setup(), t.frames, { dispatchThreads: false });
      expect(threaded.threads).toBe(N + 1);
      expect(threaded.conservation.problems).toEqual([]);
      expect(threaded.perCore).toEqual(inline.perCore);
      expect(threaded.dispatch?.dispatched).toBe(3000);
    } finally {
      await closeSteeringThreads();
    }
  }, 60_000);

  it("Zipf popularity skews inner RSS, but it still beats outer RSS on one tunnel", async () => {
    const inner = await steer("vxlan", "one-tunnel", "inner-rss", { popularity: "zipf" });
    const outer = await steer("vxlan", "one-tunnel", "outer-rss", { popularity: "zipf" });
    expect(inner.j).toBeLessThan(1);
    expect(inner.j).toBeGreaterThan(outer.j);
  });

  it("the Wasm switch and the TypeScript reference count the same frames per core", async () => {
    for (const s of ["outer-rss", "inner-rss", "mac-vf", "sw-dispatch"] as const) {
      for (const [e, r] of [
        ["vxlan", "entropy"],
        ["mpls", "instances"],
        ["qinq", "one-tunnel"],
      ] as const) {
        const w = await steer(e, r, s, { frames: 512 });
        const ref = await steer(e, r, s, { frames: 512, engine: "reference" });
        expect(w.run.perCore).toEqual(ref.run.perCore);
      }
    }
  });
});

describe("what the switch does with MPLS and QinQ (data-plane §4.7)", () => {
  it("MPLS on outer RSS: hash 0, type none, queue 0 for every frame; inner RSS skips the label stack", async () => {
    const t = buildSteeringTraffic({
      encap: "mpls",
      regime: "one-tunnel",
      flows: 64,
      popularity: "uniform",
      zipfS: 1,
      frames: 256,
      instances: N,
      seed: 1,
    });
    const outer = await steer("mpls", "one-tunnel", "outer-rss", { flows: 64, frames: 256 });
    expect(outer.run.perCore).toEqual([256, 0, 0, 0]);
    const sw = await WasmSwitch.create(strategySetup("outer-rss", N, t.dstMacs).config, {
      module: await loadModule(),
    });
    sw.injectWire(t.frames);
    sw.run();
    const got = sw.drainAll();
    expect(got).toHaveLength(256);
    for (const d of got) {
      expect(d.hash).toBe(0);
      expect(d.rssType).toBe("none");
      expect(d.queue).toBe(0);
    }
    expect((await steer("mpls", "one-tunnel", "inner-rss", { flows: 64 })).j).toBeGreaterThanOrEqual(0.95);
  });

  it("QinQ: the tags are skipped and the hash is the Toeplitz hash of the IPv4/UDP 4-tuple behind them", async () => {
    const t = buildSteeringTraffic({
      encap: "qinq",
      regime: "one-tunnel",
      flows: 32,
      popularity: "uniform",
      zipfS: 1,
      frames: 32,
      instances: N,
      seed: 1,
    });
    const sw = await WasmSwitch.create(strategySetup("outer-rss", N, t.dstMacs).config, {
      module: await loadModule(),
    });
    sw.injectWire(t.frames);
    sw.run();
    const got = sw.drainAll();
    expect(got).toHaveLength(32);
    for (const d of got) {
      const ip = 14 + 8; // Ethernet + S-tag + C-tag
      const tuple = [...d.bytes.subarray(ip + 12, ip + 20), ...d.bytes.subarray(ip + 20, ip + 24)];
      expect(d.rssType).toBe("udp-ipv4");
      expect(d.hash).toBe(toeplitzHash(tuple));
      expect(d.queue).toBe(d.hash & (N - 1));
    }
    expect((await steer("qinq", "one-tunnel", "outer-rss")).j).toBeGreaterThanOrEqual(0.95);
  });
});

describe("conservation", () => {
  it("every frame is counted on exactly one core or dropped with a reason", async () => {
    const t = buildSteeringTraffic({
      encap: "vxlan",
      regime: "instances",
      flows: 16,
      popularity: "uniform",
      zipfS: 1,
      frames: 64,
      instances: N,
      seed: 1,
    });
    const stranger = t.frames[0]!.slice();
    stranger.set([0x02, 0x99, 0, 0, 0, 1], 0); // nobody's MAC: the port L2 filter drops it
    const runt = new Uint8Array(10);
    const frames = [...t.frames, stranger, stranger, runt];
    for (const s of ["single", "mac-vf", "sw-dispatch"] as const) {
      for (const engine of ["wasm", "reference"] as const) {
        const run = await runSteering(strategySetup(s, N, t.dstMacs), frames, engine);
        const c = run.conservation;
        expect(c.ok).toBe(true);
        expect(c.offered).toBe(67);
        expect(c.onCores).toBe(64);
        expect(c.dropped).toEqual({ runt: 1, "l2-filter": 2 });
      }
    }
  });
});
