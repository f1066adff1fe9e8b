// The learning bridge with N ports: floods unknown destinations to every port but the ingress
// (copies from its own buffers), forwards learned ones to one port, filters the ingress port,
// forgets entries after the ageing time, and conservation counts every copy.
// (Ported from the old worker-thread runtime's tests: the engine's virtio and jail-epair paths
// use this bridge; frames are counted as the engine counts them, src/engine/result.ts.)
import { beforeAll, describe, expect, it } from "vitest";
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { countFrames as conservation } from "../../src/engine/result.ts";
import { type BuiltPath, buildPath, type PathGraph } from "../../src/paths/build.ts";
import { elementCall, instantiatePathKernels } from "../../src/paths/kernels.ts";
import type { PathMemory } from "../../src/paths/prepare.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile } from "../../src/traffic/profiles.ts";

const sink = (name: string, inp: string) =>
  ({ kind: "sink", name, in: inp, role: name, iotlbPerFrame: 0, interrupts: false }) as const;

/** gen -> 4-port bridge (port 0 = the generator's side) -> sinks on ports 1, 2, 3. */
const FOUR_PORTS: PathGraph = {
  name: "bridge4",
  summary: "test: a four-port learning bridge",
  consumer: "host",
  usesVf: false,
  elements: [
    { kind: "gen", name: "gen", out: "in" },
    { kind: "bridge", name: "bridge", in: "in", uplink: "back", port: "p1", more: ["p2", "p3"] },
    sink("s1", "p1"),
    sink("s2", "p2"),
    sink("s3", "p3"),
  ],
  tx: [],
};
const OWNED = "02:00:00:00:00:01"; // static entry on port 1 (the consumer's MAC)
const UNKNOWN = "02:00:00:00:0a:0a";

let engine: PathMemory;
beforeAll(async () => {
  const module = await loadModule();
  const memory = createMemory(512);
  engine = { memory, module, heapBase: instantiatePathKernels(module, memory).heapBase };
});

const packets = (b: BuiltPath, s: string) =>
  Number(b.layout.dv().getBigUint64(b.ctx.get(s)! + P.S_PACKETS, true));
const counter = (b: BuiltPath, off: number) =>
  Number(b.layout.dv().getBigUint64(b.ctx.get("bridge")! + off, true));

describe("N-port learning bridge", () => {
  /** Builds the four-port bridge and runs it on this thread; the consumer MAC sits on port 1. */
  function manual(dstMac: string, n: number, bridgeAgeNs = 0, only?: string[]) {
    const traffic = defaultProfile({ count: 0, dstMac });
    const built = buildPath(engine.memory, engine.heapBase, FOUR_PORTS, {
      templates: buildTemplates(traffic),
      psPerByte: 800,
      count: 0,
      seed: 1,
      itrNs: 50_000,
      consumerMac: OWNED,
      eventIdx: true,
      bridgeAgeNs,
    });
    const { k } = instantiatePathKernels(engine.module, engine.memory);
    const calls = built.steps.filter((s) => !only || only.includes(s.name)).map((s) => elementCall(k, s, 32));
    const dv = built.layout.dv();
    const gen = built.ctx.get("gen")!;
    const send = (m: number) => {
      dv.setBigUint64(gen + P.G_LIMIT, dv.getBigUint64(gen + P.G_SENT, true) + BigInt(m), true);
      for (let i = 0; i < 50; i++) for (const c of calls) c();
    };
    send(n);
    return { built, k, dv, gen, send };
  }

  it("floods an unknown destination to every port but the ingress, conserving every copy", () => {
    const { built } = manual(UNKNOWN, 300);
    expect([packets(built, "s1"), packets(built, "s2"), packets(built, "s3")]).toEqual([300, 300, 300]);
    expect(conservation(built)).toMatchObject({
      sent: 300,
      delivered: 900,
      copies: 600,
      inFlight: 0,
      ok: true,
    });
    expect(counter(built, P.B_COPIES)).toBe(600);
  });

  it("drops flood copies it has no buffer for, with a reason, and still conserves", () => {
    // Consumers on ports 2 and 3 stall (not run): their copies pile up, the bridge's 512
    // buffers run out, and the rest of the copies are dropped with a reason.
    const { built } = manual(UNKNOWN, 600, 0, ["gen", "bridge", "s1"]);
    const c = conservation(built);
    expect(c.ok).toBe(true);
    expect(c.dropped["bridge: no buffer for a flood copy"]).toBeGreaterThan(0);
    expect(c.sent + (c.copies ?? 0)).toBe(
      c.delivered + c.dropped["bridge: no buffer for a flood copy"] + c.inFlight,
    );
    expect(c.dropped["bridge: no buffer for a flood copy"]).toBe(2 * 600 - 512);
    expect(packets(built, "s1")).toBe(600); // the original always goes
  });

  it("forwards a known destination to its port only, and filters the ingress port", () => {
    const known = manual(OWNED, 200).built;
    expect([packets(known, "s1"), packets(known, "s2"), packets(known, "s3")]).toEqual([200, 0, 0]);
    expect(conservation(known)).toMatchObject({ sent: 200, delivered: 200, ok: true });
    const self = manual("02:00:00:00:ff:01", 100).built; // its own source MAC, learned on port 0
    expect(conservation(self).delivered).toBe(0);
    expect(conservation(self).dropped["bridge: destination on the ingress port"]).toBe(100);
    expect(conservation(self).ok).toBe(true);
  });

  it("learns a source seen on port 2, then forgets it after the ageing time", () => {
    const { built, k, dv, gen, send } = manual(UNKNOWN, 10, 100_000);
    expect([packets(built, "s1"), packets(built, "s2"), packets(built, "s3")]).toEqual([10, 10, 10]);

    // A frame from UNKNOWN arrives on port 2 (fed through the unused 'back' ring as port 2's input).
    const back = built.links.get("back")!;
    const free = dv.getUint32(gen + P.G_FREE, true);
    const count = dv.getUint32(free, true);
    const buf = dv.getUint32(free + 64 + 4 * (count - 1), true);
    dv.setUint32(free, count - 1, true);
    const hdr = built.layout.header;
    const base = dv.getUint32(hdr + 4 * A.H_BUF_BASE, true);
    const stride = dv.getUint32(hdr + 4 * A.H_BUF_STRIDE, true);
    const frame = new Uint8Array(engine.memory.buffer, base + buf * stride + 64, 60);
    frame.fill(0);
    frame.set([0x02, 0, 0, 0, 0, 0x77, 0x02, 0, 0, 0, 0x0a, 0x0a, 0x08, 0x00]); // dst unknown, src UNKNOWN
    const tail = dv.getUint32(back + 64, true);
    const d = dv.getUint32(back + 132, true) + (tail & dv.getUint32(back + 128, true)) * 16;
    dv.setUint32(d, buf, true);
    dv.setUint16(d + 4, 64, true);
    dv.setUint16(d + 6, 60, true);
    dv.setUint32(back + 64, tail + 1, true);
    k.bridgeBurst(built.ctx.get("bridge")!, back, 2, 32);
    expect(counter(built, P.B_LEARNED)).toBeGreaterThanOrEqual(2); // the generator's MAC and UNKNOWN

    const s2 = packets(built, "s2");
    send(10); // now known on port 2: forwarded there only
    expect(packets(built, "s2") - s2).toBe(10);
    expect(packets(built, "s1")).toBe(10 + 1); // + the port-2 frame flooded to port 1 (and 3)

    // Time passes (generator clock, simulator ns) beyond the ageing time: flooded again.
    dv.setBigUint64(gen + P.G_CLOCK_PS, dv.getBigUint64(gen + P.G_CLOCK_PS, true) + 1_000_000_000n, true);
    const s1 = packets(built, "s1");
    send(10);
    expect(counter(built, P.B_AGED)).toBe(1);
    expect(packets(built, "s1") - s1).toBe(10);
    // The frame injected on port 2 came from outside the generator: one more offered.
    const c = conservation(built);
    const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    expect(c.sent + 1 + (c.copies ?? 0)).toBe(c.delivered + dropped + c.inFlight);
  });
});
