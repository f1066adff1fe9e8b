// The transmit direction through the real switch (vebTxBurst), both directions at once, VF->VF
// loopback inside the NIC, and determinism of count-bounded runs (principle 10).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerMac, nicFor, txPeerMac } from "../../src/paths/compare.ts";
import { PathEngine } from "../../src/paths/engine.ts";
import { type Direction, directionsOf, PATHS, pathByName } from "../../src/paths/graphs.ts";
import { runPath } from "../../src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

let engine: PathEngine;
const ph = setupHost(TALK_IOVCTL_CONF);
beforeAll(async () => {
  engine = await PathEngine.create(2);
});
afterAll(async () => {
  await engine?.close();
});

function run(name: string, direction: Direction, workers: number, count = 3000, over = {}) {
  const g = pathByName(name)!;
  return runPath(engine, g, {
    traffic: defaultProfile({ count, dstMac: consumerMac(g, ph), sizes: { kind: "imix" }, ...over }),
    txTraffic: defaultProfile({
      count,
      srcMac: consumerMac(g, ph),
      dstMac: txPeerMac(g, ph),
      sizes: { kind: "imix" },
      ...over,
    }),
    direction,
    workers,
    seconds: 20,
    itrUs: 50,
    nic: nicFor(g, ph),
  });
}

describe("transmit direction through the NIC switch", () => {
  for (const g of PATHS) {
    for (const dir of directionsOf(g)) {
      it(`${g.name} ${dir}: every frame delivered and conserved`, async () => {
        const r = await run(g.name, dir, 2);
        const gens = dir === "both" ? 2 : 1;
        expect(r.failures).toEqual([]);
        expect(r.conservation.ok).toBe(true);
        expect(r.conservation.sent).toBe(3000 * gens);
        expect(r.conservation.delivered).toBe(3000 * gens);
        expect(r.integrity).toEqual({ bad: 0, reordered: 0, gaps: 0 });
        if (dir !== "rx") {
          expect(r.txCounts.packets).toBe(3000);
          expect(r.txCounts.switchLookups).toBe(3000); // vebTxBurst saw every frame
          expect(r.txCounts.doorbells).toBeGreaterThan(0);
          expect(r.txCounts.doorbells).toBeLessThan(3000);
        }
        if (dir === "rx") expect(r.txCounts.packets).toBe(0);
      });
    }
  }

  it("counts the transmit side's events: completions under ITR, IOTLB, kicks and copies", async () => {
    const vm = await run("vm-vf", "tx", 1);
    expect(vm.txCounts.iotlbLookups).toBe(6000);
    expect(vm.txCounts.interrupts).toBeGreaterThan(0);
    expect(vm.txCounts.interrupts).toBeLessThan(3000);
    const v = await run("virtio", "tx", 1);
    expect(v.txCounts.copies).toBe(3000);
    expect(v.txCounts.kicks + v.txCounts.kicksSuppressed).toBeGreaterThan(0);
    expect(v.txCounts.bridgeLookups).toBe(3000);
    const e = await run("jail-epair", "tx", 1);
    expect(e.txCounts.epairHops).toBe(3000);
  });

  it("VF->VF loopback stays inside the NIC (never on the wire)", async () => {
    const r = await run("vf-loopback", "tx", 1);
    const sc = r.switchCounters as { port: { tx_packets: number }; pools: Array<{ tx_lb_packets: number }> };
    expect(sc.port.tx_packets).toBe(0); // nothing reached the wire
    expect(sc.pools[ph.jailVf!.index].tx_lb_packets).toBe(3000);
    expect(r.txCounts.packets).toBe(3000);
  });

  it("MAC anti-spoof drops a VF's frames with a forged source, counted with a reason", async () => {
    const r = await run("jail-vf", "tx", 1, 1000, { srcMac: "02:66:66:66:66:66" });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(0);
    expect(r.conservation.dropped["NIC switch: tx dropped (MDD, oversize or anti-spoof)"]).toBe(1000);
  });
});

describe("determinism: same seed, same counters, whatever the schedule", () => {
  for (const g of PATHS) {
    const dir: Direction = g.elements ? "both" : "tx";
    it(`${g.name} ${dir}: 1 worker (run-to-completion) = 2 workers (pipeline)`, async () => {
      const a = await run(g.name, dir, 1, 4000);
      const b = await run(g.name, dir, 2, 4000);
      const strip = (c: typeof a.counts) =>
        // Virtio notifications under event-index suppression depend on how far the other side
        // got (that is what suppression measures): docs/paths.md says so.
        g.name === "virtio"
          ? { ...c, kicks: 0, kicksSuppressed: 0, usedNotifications: 0, usedSuppressed: 0 }
          : c;
      expect(strip(b.counts)).toEqual(strip(a.counts));
      expect(strip(b.txCounts)).toEqual(strip(a.txCounts));
      expect(b.switchCounters).toEqual(a.switchCounters);
      expect(b.conservation).toEqual(a.conservation);
      expect(b.integrity).toEqual(a.integrity);
    });
  }
});

describe("num-queues from iovctl.conf", () => {
  const queuesOf = (r: Awaited<ReturnType<typeof runPath>>, pool: number) =>
    (r.switchCounters as { queues: Array<Array<{ rx_packets: number }>> }).queues[pool].map(
      (q) => q.rx_packets,
    );

  it("RSS spreads the consumer's frames over the VF's queues, one sink per queue", async () => {
    const r = await run("jail-vf", "rx", 2, 4000);
    const per = queuesOf(r, ph.jailVf!.index);
    expect(per).toHaveLength(ph.jailVf!.config.numQueues);
    expect(per.reduce((a, b) => a + b, 0)).toBe(4000);
    expect(per.filter((n) => n > 0).length).toBeGreaterThan(1); // 64 flows over 4 queues
    expect(r.conservation.delivered).toBe(4000);
    expect(r.integrity.bad).toBe(0);
  });

  it("a VF configured with num-queues 2 uses two", async () => {
    const conf = TALK_IOVCTL_CONF.replace(
      "VF-0 {\n\tpassthrough : false;",
      "VF-0 {\n\tpassthrough : false;\n\tnum-queues : 2;",
    );
    expect(conf).toMatch(/num-queues : 2/);
    const host2 = setupHost(conf);
    expect(host2.jailVf!.config.numQueues).toBe(2);
    const g = pathByName("jail-vf")!;
    const r = await runPath(engine, g, {
      traffic: defaultProfile({ count: 2000, dstMac: consumerMac(g, host2) }),
      workers: 1,
      seconds: 20,
      itrUs: 50,
      nic: nicFor(g, host2),
    });
    const per = queuesOf(r, host2.jailVf!.index);
    expect(per).toHaveLength(2);
    expect(per[0]).toBeGreaterThan(0);
    expect(per[1]).toBeGreaterThan(0);
    expect(r.conservation).toMatchObject({ sent: 2000, delivered: 2000, ok: true });
  });
});

describe("pipeline schedule", () => {
  it("puts the generators alone first and splits the rest in path order (the switch may be apart)", async () => {
    const { schedule } = await import("../../src/paths/run.ts");
    const kinds = ["gen", "gen", "veb-wasm", "sink", "txdrv", "sink"] as const;
    const steps = kinds.map((kind, i) => ({ name: `${kind}${i}`, kind, ctx: i }));
    const names = (w: number) => schedule(steps, w).map((ws) => ws.map((s) => s.name));
    expect(names(1)).toEqual([steps.map((s) => s.name)]);
    expect(names(3)).toEqual([
      ["gen0", "gen1"],
      ["veb-wasm2", "sink3"],
      ["txdrv4", "sink5"],
    ]);
    expect(names(8)).toEqual([["gen0", "gen1"], ["veb-wasm2"], ["sink3"], ["txdrv4"], ["sink5"]]);
  });
});
