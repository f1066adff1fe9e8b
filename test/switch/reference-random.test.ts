// Random frames on random variations of configuration T: the reference never throws, keeps
// conservation, and its counters agree with its decisions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SwitchConfig, SwitchDecision } from "../../src/switch/config.ts";
import { testConfigT } from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { BCAST, EXT, M } from "./ref-helpers.ts";

const MACS = [
  M.vf0,
  M.vf1,
  M.vf2,
  M.vf3,
  M.pf,
  EXT,
  BCAST,
  "01:00:5e:00:00:fb",
  "01:00:5e:12:00:fb",
  "33:33:00:00:00:01",
];
const macBytes = (m: string) => m.split(":").map((x) => Number.parseInt(x, 16));

const arbConfig = fc
  .record({
    flips: fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom("bam", "aupe", "rompe", "rope", "mpe", "upe", "vpe", "lle", "strvlan", "lpe", "flp"),
      ),
      { maxLength: 6 },
    ),
    rxOff: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
    txOff: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
    vepa: fc.boolean(),
    doubleVlan: fc.boolean(),
    upe: fc.boolean(),
    mpe: fc.boolean(),
    dis: fc.boolean(),
    qemu: fc.boolean(),
    vlanFilter: fc.boolean(),
    longPacket: fc.boolean(),
    onLoopback: fc.boolean(),
    level: fc.constantFrom("outer" as const, "inner" as const),
    ringSize: fc.constantFrom(4, 8, 512),
    antiSpoofOff: fc.boolean(),
  })
  .map((r) => {
    const c: SwitchConfig = testConfigT();
    for (const [p, f] of r.flips) c.pools[p]!.flags[f as "bam"] = !c.pools[p]!.flags[f as "bam"];
    for (const p of r.rxOff) c.pools[p]!.rxEnable = false;
    for (const p of r.txOff) c.pools[p]!.txEnable = false;
    if (r.vepa) c.port.mode = "vepa";
    Object.assign(c.port, {
      doubleVlan: r.doubleVlan,
      unicastPromisc: r.upe,
      multicastPromisc: r.mpe,
      disableDefaultPool: r.dis,
      qemuDefaultPool: r.qemu,
      vlanFilter: r.vlanFilter,
      longPacket: r.longPacket,
      ringSize: r.ringSize,
    });
    c.port.rss.onLoopback = r.onLoopback;
    c.port.rss.level = r.level;
    if (r.antiSpoofOff) c.pools[0]!.macAntiSpoof = false;
    return c;
  });

const arbFrame = fc
  .record({
    da: fc.constantFrom(...MACS),
    sa: fc.constantFrom(...MACS),
    tags: fc.array(
      fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100), vid: fc.constantFrom(0, 100, 200, 4095) }),
      { maxLength: 2 },
    ),
    type: fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8847, 0x88cc),
    body: fc.uint8Array({ maxLength: 120 }),
    cut: fc.integer({ min: 0, max: 200 }),
  })
  .map((f) => {
    const bytes = [...macBytes(f.da), ...macBytes(f.sa)];
    for (const t of f.tags) bytes.push(t.tpid >> 8, t.tpid & 0xff, t.vid >> 8, t.vid & 0xff);
    bytes.push(f.type >> 8, f.type & 0xff, ...f.body);
    return Uint8Array.from(bytes.slice(0, Math.max(0, bytes.length - (f.cut > 150 ? f.cut - 150 : 0))));
  });

const arbOp = fc.oneof(
  fc.record({ kind: fc.constant("rx" as const), frame: arbFrame }),
  fc.record({
    kind: fc.constant("tx" as const),
    pool: fc.integer({ min: 0, max: 4 }),
    frame: arbFrame,
    vlan: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("drain" as const), pool: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant("txon" as const), pool: fc.integer({ min: 0, max: 4 }) }),
);

function checkDecision(sw: ReferenceSwitch, d: SwitchDecision): void {
  const c = sw.config;
  for (const x of d.deliveries) {
    const p = c.pools[x.pool]!;
    expect(p.rxEnable).toBe(true);
    expect(x.queue).toBeGreaterThanOrEqual(0);
    expect(x.queue).toBeLessThan(p.numRxQueues);
    expect(x.descriptors).toBe(Math.max(1, Math.ceil(x.bytes.length / c.port.rxBufferSize)));
    if (x.hash === 0) expect(x.queue).toBe(p.reta[0]);
    if (d.source.kind === "pool") {
      expect(x.loopback).toBe(true);
      if (x.pool === d.source.pool) expect(p.flags.lle).toBe(true);
      expect(c.port.mode).toBe("veb");
    } else {
      expect(x.loopback).toBe(false);
    }
  }
  if (d.source.kind === "wire") expect(d.toWire).toBe(false);
  if (d.toWire) expect(d.wireBytes).not.toBeNull();
}

describe("reference switch on random frames and configurations", () => {
  it("never throws, conserves every frame and copy, and its counters match its decisions", () => {
    let frames = 0;
    fc.assert(
      fc.property(arbConfig, fc.array(arbOp, { minLength: 1, maxLength: 60, size: "max" }), (config, ops) => {
        const sw = new ReferenceSwitch(config);
        let delivered = 0;
        let copyDrops = 0;
        let wire = 0;
        for (const op of ops) {
          if (op.kind === "drain") {
            sw.drain(op.pool, 0);
            continue;
          }
          let ds: SwitchDecision[];
          if (op.kind === "txon") ds = sw.setTxEnable(op.pool, true);
          else {
            frames++;
            ds = [
              op.kind === "rx"
                ? sw.receiveFromWire(op.frame)
                : sw.transmitFromPool(op.pool, op.frame, { vlanTci: op.vlan }),
            ];
          }
          for (const d of ds) {
            checkDecision(sw, d);
            delivered += d.deliveries.length;
            copyDrops += d.copyDrops.length;
            if (d.toWire) wire++;
          }
        }
        expect(sw.conservation()).toEqual([]);
        const sum = (k: "rx_packets" | "rx_dropped" | "tx_packets" | "tx_dropped") =>
          sw.counters.pools.reduce((n, c) => n + c[k], 0);
        expect(sum("rx_packets")).toBe(delivered);
        expect(sum("rx_dropped")).toBe(copyDrops);
        expect(sw.counters.port.tx_packets).toBe(wire);
        const held = config.pools.reduce((n, _, p) => n + sw.heldTxCount(p), 0);
        expect(sum("tx_packets") + sum("tx_dropped") + held).toBe(sw.ledger.txIn);
      }),
      { numRuns: 300, seed: 20261125 },
    );
    expect(frames).toBeGreaterThan(3000);
  });
});
