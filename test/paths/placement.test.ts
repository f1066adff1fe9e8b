// The switch and the consumers of its rings on different threads (principle 5: which worker runs
// which element is a run-time choice). Regression for frames that "vanished" when a sink read the
// switch's receive rings from another thread: the consumer's receive queues beyond queue 0 were
// left out of the in-flight count, so frames waiting there were counted nowhere (and a
// count-bounded run could stop while they waited).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerMac, nicFor, txPeerMac } from "../../src/paths/compare.ts";
import { PathEngine } from "../../src/paths/engine.ts";
import { type Direction, directionsOf, elementsFor, PATHS, pathByName } from "../../src/paths/graphs.ts";
import { elementCall, instantiatePathKernels } from "../../src/paths/kernels.ts";
import { conservation, place, preparePath, runPath } from "../../src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

let engine: PathEngine;
const ph = setupHost(TALK_IOVCTL_CONF);
beforeAll(async () => {
  engine = await PathEngine.create(3);
});
afterAll(async () => {
  await engine?.close();
});

function options(name: string, direction: Direction, count: number) {
  const g = pathByName(name)!;
  return {
    traffic: defaultProfile({ count, dstMac: consumerMac(g, ph), sizes: { kind: "imix" } }),
    txTraffic: defaultProfile({
      count,
      srcMac: consumerMac(g, ph),
      dstMac: txPeerMac(g, ph),
      sizes: { kind: "imix" },
    }),
    direction,
    itrUs: 50,
    nic: nicFor(g, ph),
  };
}

/** Generators | the NIC switch alone | every other element: each consumer of a switch ring
 *  (sink, driver hop, peer on the wire) runs on another thread than the switch. */
function switchApart(name: string, direction: Direction): string[][] {
  const els = elementsFor(pathByName(name)!, direction).map((e) => e.el);
  const isSwitch = (k: string) => k === "veb" || k === "veb-tx";
  return [
    els.filter((e) => e.kind === "gen").map((e) => e.name),
    [els.find((e) => isSwitch(e.kind))!.name],
    els.filter((e) => e.kind !== "gen" && !isSwitch(e.kind)).map((e) => e.name),
  ];
}

describe("conservation counts frames on every receive queue", () => {
  it("native: frames the switch spread over the PF's queues are in flight until a sink takes them", () => {
    const g = pathByName("native")!;
    const { built } = preparePath(engine, g, options("native", "rx", 400));
    expect(built.nic?.rxQueues).toBeGreaterThan(1);
    expect(built.queueRings).toHaveLength(built.nic!.rxQueues! - 1);
    const { k } = instantiatePathKernels(engine.module, engine.memory);
    const step = (kind: string) => elementCall(k, built.steps.find((s) => s.kind === kind)!, 64);
    const gen = step("gen");
    const sw = step("veb-wasm");
    // The generator and the switch run; the sink (as if on a thread that has not run yet) not.
    for (let moved = 1; moved > 0; ) moved = gen() + sw();
    const waiting = conservation(built);
    expect(waiting).toMatchObject({ sent: 400, delivered: 0, inFlight: 400, ok: true });
    expect(waiting.dropped).toEqual({});
    const u32 = new Uint32Array(engine.memory.buffer);
    const onQueue = (r: number) => (u32[(r + 64) >>> 2] - u32[r >>> 2]) >>> 0;
    expect(built.queueRings.some((r) => onQueue(r) > 0)).toBe(true); // RSS used queues beyond 0
    const sink = step("sink");
    while (sink() > 0);
    expect(conservation(built)).toMatchObject({ sent: 400, delivered: 400, inFlight: 0, ok: true });
  });
});

describe("the switch on a thread of its own, its consumers on another", () => {
  it("placement is validated: every step exactly once", () => {
    const steps = ["gen", "veb-rx", "host-stack"].map((name, ctx) => ({ name, kind: "hop" as const, ctx }));
    expect(place(steps, [["gen"], ["veb-rx"], ["host-stack"]], 3).map((w) => w.map((s) => s.name))).toEqual([
      ["gen"],
      ["veb-rx"],
      ["host-stack"],
    ]);
    expect(() => place(steps, [["gen"], ["veb-rx"]], 3)).toThrow(/not placed: host-stack/);
    expect(() =>
      place(
        steps,
        [
          ["gen", "gen"],
          ["veb-rx", "host-stack"],
        ],
        3,
      ),
    ).toThrow(/placed twice/);
    expect(() => place(steps, [["gen"], ["nope"]], 3)).toThrow(/no step named nope/);
    expect(() => place(steps, [["gen"], ["veb-rx"], ["host-stack"]], 2)).toThrow(/3 workers/);
  });

  for (const g of PATHS) {
    for (const dir of directionsOf(g)) {
      it(`${g.name} ${dir}: exact conservation, same counters as run-to-completion`, async () => {
        const gens = dir === "both" ? 2 : 1;
        // 400 frames per direction fit in every ring the switch fills (511 usable descriptors):
        // a consumer that falls behind cannot make the switch drop, so the run is deterministic.
        const count = 400;
        const placement = switchApart(g.name, dir);
        const apart = await runPath(engine, g, {
          ...options(g.name, dir, count),
          workers: 3,
          placement,
          seconds: 30,
        });
        expect(apart.failures).toEqual([]);
        expect(apart.schedule).toEqual(placement);
        expect(apart.conservation.ok).toBe(true);
        expect(apart.conservation.sent).toBe(count * gens);
        expect(apart.conservation.inFlight).toBe(0);
        const one = await runPath(engine, g, { ...options(g.name, dir, count), workers: 1, seconds: 30 });
        expect(one.conservation.ok).toBe(true);
        expect(apart.conservation).toEqual(one.conservation);
        expect(apart.integrity).toEqual(one.integrity);
        expect(apart.switchCounters).toEqual(one.switchCounters);
        expect(apart.counts.packets).toBe(one.counts.packets);
        expect(apart.txCounts.packets).toBe(one.txCounts.packets);
      });
    }
  }

  it("native, time-bounded: frames still waiting on any receive queue at the stop are in flight", async () => {
    const g = pathByName("native")!;
    for (let i = 0; i < 3; i++) {
      const r = await runPath(engine, g, {
        ...options("native", "rx", 0),
        workers: 3,
        placement: switchApart("native", "rx"),
        seconds: 0.2,
      });
      expect(r.failures).toEqual([]);
      expect(r.conservation.ok).toBe(true);
      expect(r.conservation.sent).toBeGreaterThan(0);
    }
  });

  it("native, more frames than a ring holds: every frame delivered or dropped with a reason", async () => {
    const g = pathByName("native")!;
    for (let i = 0; i < 3; i++) {
      const r = await runPath(engine, g, {
        ...options("native", "rx", 20000),
        workers: 3,
        placement: switchApart("native", "rx"),
        seconds: 30,
      });
      const c = r.conservation;
      const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
      expect(r.failures).toEqual([]);
      expect(c.ok).toBe(true);
      expect(c.inFlight).toBe(0);
      expect(c.delivered + dropped).toBe(20000);
      // A sink that falls behind makes the NIC drop for lack of descriptors, the only reason here.
      expect(Object.keys(c.dropped).filter((why) => why !== "NIC switch: no descriptor")).toEqual([]);
    }
  });
});
