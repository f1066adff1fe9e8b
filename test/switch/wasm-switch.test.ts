// The Wasm switch on the spec's frame cases (data-plane.md §10.3 on configuration T, §9),
// checked against the expected results AND against the reference switch.
import { beforeAll, describe, expect, it } from "vitest";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { setPortVlan, T_MACS, testConfigT } from "../../src/switch/program.ts";
import { switchConfigProblems } from "../../src/switch/validate-config.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";
import { randomConfig, rng } from "./random-switch.ts";

const EXT = "00:11:22:33:44:55";
const VF0 = 0;
const VF1 = 1;
const VF2 = 2;
const VF3 = 3;
const PF = 4;

function sw(config: SwitchConfig = testConfigT()): WasmSwitch {
  return new WasmSwitch(config, { traceCapacity: 64, bufCount: 4096 });
}

function wire(w: WasmSwitch, frame: Uint8Array) {
  w.injectWire([frame]);
  w.run();
  return { trace: w.takeTrace()[0]!, deliveries: w.drainAll(), wire: w.wireOut() };
}

function tx(w: WasmSwitch, pool: number, frame: Uint8Array, vlanTci?: number) {
  w.injectTx(pool, [frame], vlanTci === undefined ? {} : { vlanTci });
  w.run();
  return { trace: w.takeTrace()[0]!, deliveries: w.drainAll(), wire: w.wireOut() };
}

const tcpMs = (dst: string) =>
  eth({ dst, src: EXT })
    .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
    .tcp({ sport: 2794, dport: 1766 });
const arp = (dst: string, src = EXT) => eth({ dst, src }).arp({});

beforeAll(async () => {
  await loadModule();
});

describe("Wasm switch: spec frame cases on configuration T (§10.3)", () => {
  it("an LPE pool allows 4 more bytes per VLAN tag, as the reference (RLPML counts tags in hardware)", () => {
    const cfg = testConfigT();
    cfg.pools[VF0]!.flags.lpe = true;
    cfg.pools[VF0]!.rlpml = 1518;
    const sized = (len: number, vid?: number) => {
      const b =
        vid === undefined ? eth({ dst: T_MACS.vf0, src: EXT }) : eth({ dst: T_MACS.vf0, src: EXT }).vlan(vid);
      return b.payload(len - (vid === undefined ? 14 : 18)).build();
    };
    const w = sw(cfg);
    const got = [sized(1514), sized(1515), sized(1518, 0), sized(1519, 0)].map(
      (f) => wire(w, f).deliveries.length,
    );
    expect(got).toEqual([1, 0, 1, 0]);
    const events: SwitchEvent[] = [1514, 1515, 1516, 1518, 1519].flatMap((n) => [
      { kind: "wire" as const, frame: sized(n, 0) },
      { kind: "wire" as const, frame: sized(n) },
    ]);
    expect(runBoth(cfg, events).problems).toEqual([]);
  });

  it("R1: DA VF0 TCP -> VF0 queue 0, MS hash 0x51ccc178", () => {
    const w = sw();
    const r = wire(w, tcpMs(T_MACS.vf0).build());
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({ pool: VF0, queue: 0, hash: 0x51ccc178, rssType: "tcp-ipv4" });
    expect(w.counters().pools[VF0]!.rx_packets).toBe(1);
  });

  it("R2: UDP to VF1 -> queue 2 (0xe7c0c84a); UDP hashing off -> queue 1 (0x02b7c9b1)", () => {
    const f = eth({ dst: T_MACS.vf1, src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build();
    const r = wire(sw(), f);
    expect(r.deliveries[0]).toMatchObject({ pool: VF1, queue: 2, hash: 0xe7c0c84a, rssType: "udp-ipv4" });
    const cfg = testConfigT();
    cfg.port.rss.hashTypes.udpIpv4 = false;
    const r2 = wire(sw(cfg), f);
    expect(r2.deliveries[0]).toMatchObject({ pool: VF1, queue: 1, hash: 0x02b7c9b1, rssType: "ipv4" });
  });

  it("R3: first fragment uses the 2-tuple (0x323e8fc2, queue 2)", () => {
    const f = eth({ dst: T_MACS.vf1, src: EXT })
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80", mf: true })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    expect(wire(sw(), f).deliveries[0]).toMatchObject({
      pool: VF1,
      queue: 2,
      hash: 0x323e8fc2,
      rssType: "ipv4",
    });
  });

  it("R4: ARP -> queue 0, hash 0, type none", () => {
    expect(wire(sw(), arp(T_MACS.vf0).build()).deliveries[0]).toMatchObject({
      pool: VF0,
      queue: 0,
      hash: 0,
      rssType: "none",
    });
  });

  it("R5: untagged broadcast -> VF0, VF1, VF3, PF (not VF2); rx_broadcast each", () => {
    const w = sw();
    const r = wire(w, arp("ff:ff:ff:ff:ff:ff").build());
    expect(r.deliveries.map((d) => d.pool)).toEqual([VF0, VF1, VF3, PF]);
    expect(r.deliveries.every((d) => d.queue === 0)).toBe(true);
    const c = w.counters();
    for (const p of [VF0, VF1, VF3, PF]) expect(c.pools[p]!.rx_broadcast).toBe(1);
    expect(c.pools[VF2]!.rx_packets).toBe(0);
  });

  it("R6: broadcast on VLAN 100 -> VF2 only, tag stripped and hidden", () => {
    const f = eth({ dst: "ff:ff:ff:ff:ff:ff", src: EXT }).vlan(100).arp({}).build();
    const r = wire(sw(), f);
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({ pool: VF2, queue: 0, vlanStripped: true, vlanTci: null });
    expect(r.deliveries[0]!.bytes.length).toBe(Math.max(f.length, 60) - 4); // padded, then stripped
    expect(Array.from(r.deliveries[0]!.bytes.subarray(12, 14))).toEqual([0x08, 0x06]);
  });

  it("R7: MTA hit -> VF0 only (ROMPE), queue 2, 0x5d0e850e, rx_multicast", () => {
    const w = sw();
    const f = eth({ dst: "01:00:5e:00:00:fb", src: EXT })
      .ipv4({ src: "10.0.0.5", dst: "224.0.0.251" })
      .udp({ sport: 5353, dport: 5353 })
      .build();
    const r = wire(w, f);
    expect(r.deliveries.map((d) => [d.pool, d.queue, d.hash])).toEqual([[VF0, 2, 0x5d0e850e]]);
    expect(w.counters().pools[VF0]!.rx_multicast).toBe(1);
  });

  it("R8: unknown unicast dropped at the L2 filter; with port UPE -> PF", () => {
    const f = tcpMs("02:00:00:00:00:99").build();
    const w = sw();
    const r = wire(w, f);
    expect(r.trace.dropped).toBe("l2-filter");
    expect(w.counters().pools.every((p) => p.rx_packets === 0)).toBe(true);
    const cfg = testConfigT();
    cfg.port.unicastPromisc = true;
    expect(wire(sw(cfg), f).deliveries.map((d) => d.pool)).toEqual([PF]);
  });

  it("R9: VID 200 not in the VFTA -> dropped", () => {
    const w = sw();
    expect(wire(w, eth({ dst: T_MACS.vf0, src: EXT }).vlan(200).arp({}).build()).trace.dropped).toBe(
      "vlan-filter",
    );
    expect(w.counters().port.rx_vlan_filtered).toBe(1);
  });

  it("R10: DA VF0 on VLAN 100 -> default pool PF; DIS_DEF_POOL -> dropped", () => {
    const f = eth({ dst: T_MACS.vf0, src: EXT }).vlan(100).arp({}).build();
    expect(wire(sw(), f).deliveries.map((d) => d.pool)).toEqual([PF]);
    const cfg = testConfigT();
    cfg.port.disableDefaultPool = true;
    expect(wire(sw(cfg), f).trace.dropped).toBe("no-pool");
  });

  it("R11: 1515 bytes to VF1 -> oversize, ROC +1", () => {
    const w = sw();
    const f = eth({ dst: T_MACS.vf1, src: EXT })
      .ipv4({})
      .udp({})
      .payload(1515 - 42)
      .build();
    expect(f.length).toBe(1515);
    const r = wire(w, f);
    expect(r.deliveries).toHaveLength(0);
    expect(r.trace.dropped).toBe("oversize");
    expect(w.counters().port.roc).toBe(1);
    expect(w.counters().pools[VF1]!.rx_oversize).toBe(1);
  });

  it("T1: VF0 -> VF1 loopback, queue 0, LB flag, not on the wire", () => {
    const w = sw();
    const f = eth({ dst: T_MACS.vf1, src: T_MACS.vf0 }).ipv4({}).tcp({}).build();
    const r = tx(w, VF0, f);
    expect(r.deliveries.map((d) => [d.pool, d.queue, d.loopback])).toEqual([[VF1, 0, true]]);
    expect(r.wire).toHaveLength(0);
    const c = w.counters();
    expect(c.pools[VF0]!.tx_packets).toBe(1);
    expect(c.pools[VF1]!.rx_packets).toBe(1);
  });

  it("T2: spoofed SA -> dropped, tx_spoofed", () => {
    const w = sw();
    const r = tx(w, VF0, eth({ dst: T_MACS.vf1, src: "02:00:00:00:00:99" }).ipv4({}).tcp({}).build());
    expect(r.trace.dropped).toBe("mac-spoof");
    expect(r.deliveries).toHaveLength(0);
    expect(r.wire).toHaveLength(0);
    expect(w.counters().pools[VF0]!.tx_spoofed).toBe(1);
  });

  it("T3/T4: VF0 broadcast -> VF1, VF3, PF + wire; with LLE also VF0", () => {
    const f = arp("ff:ff:ff:ff:ff:ff", T_MACS.vf0).build();
    const r = tx(sw(), VF0, f);
    expect(r.deliveries.map((d) => d.pool)).toEqual([VF1, VF3, PF]);
    expect(r.wire).toHaveLength(1);
    const cfg = testConfigT();
    cfg.pools[VF0]!.flags.lle = true;
    const r4 = tx(sw(cfg), VF0, f);
    expect(r4.deliveries.map((d) => d.pool)).toEqual([VF0, VF1, VF3, PF]);
  });

  it("T5: to its own MAC with LLE off -> nowhere, tx counted", () => {
    const w = sw();
    const r = tx(w, VF0, eth({ dst: T_MACS.vf0, src: T_MACS.vf0 }).ipv4({}).tcp({}).build());
    expect(r.trace.dropped).toBe("no-destination");
    expect(r.deliveries).toHaveLength(0);
    expect(r.wire).toHaveLength(0);
    expect(w.counters().pools[VF0]!.tx_packets).toBe(1);
  });

  it("T6: unknown DA -> wire only (+ VF3 copy with UPE)", () => {
    const f = eth({ dst: "02:00:00:00:00:99", src: T_MACS.vf0 }).ipv4({}).tcp({}).build();
    const r = tx(sw(), VF0, f);
    expect(r.deliveries).toHaveLength(0);
    expect(r.wire).toHaveLength(1);
    const cfg = testConfigT();
    cfg.pools[VF3]!.flags.upe = true;
    cfg.port.unicastPromisc = true;
    expect(tx(sw(cfg), VF0, f).deliveries.map((d) => d.pool)).toEqual([VF3]);
  });
});

describe("Wasm switch: §9 behaviours beyond the table", () => {
  it("port VLAN: VF2's untagged Tx leaves with a tag; pre-tagged Tx is an MDD drop", () => {
    const w = sw();
    const f = arp("ff:ff:ff:ff:ff:ff", T_MACS.vf2).build();
    const r = tx(w, VF2, f);
    expect(r.wire).toHaveLength(1);
    expect(Array.from(r.wire[0]!.subarray(12, 16))).toEqual([0x81, 0x00, 0x00, 100]);
    const pre = eth({ dst: "ff:ff:ff:ff:ff:ff", src: T_MACS.vf2 }).vlan(100).arp({}).build();
    expect(tx(w, VF2, pre).trace.dropped).toBe("mdd-vlan");
    expect(w.counters().pools[VF2]!.mdd_events).toBe(1);
  });

  it("VEPA: VF to VF unicast goes to the wire", () => {
    const cfg = testConfigT();
    cfg.port.mode = "vepa";
    const r = tx(sw(cfg), VF0, eth({ dst: T_MACS.vf1, src: T_MACS.vf0 }).ipv4({}).tcp({}).build());
    expect(r.deliveries).toHaveLength(0);
    expect(r.wire).toHaveLength(1);
  });

  it("runts: < 14 dropped, 14..59 padded to 60 (RUC)", () => {
    const w = sw();
    expect(wire(w, new Uint8Array(13)).trace.dropped).toBe("runt");
    const short = arp(T_MACS.vf0).build().subarray(0, 30);
    const r = wire(w, short);
    expect(r.trace.padded).toBe(true);
    expect(r.deliveries[0]!.bytes.length).toBe(60);
    const c = w.counters().port;
    expect(c.rx_runt_dropped).toBe(1);
    expect(c.ruc).toBe(1);
  });

  it("ring full: copies beyond N-1 descriptors are dropped per queue; others still receive", () => {
    const cfg = testConfigT();
    cfg.port.ringSize = 8;
    const w = sw(cfg);
    w.injectWire(Array.from({ length: 10 }, () => arp("ff:ff:ff:ff:ff:ff").build()));
    w.run();
    const c = w.counters();
    expect(c.queues[VF0]![0]).toMatchObject({ rx_packets: 7, rx_no_desc: 3 });
    expect(c.pools[VF0]!.rx_dropped).toBe(3);
    expect(w.drainRx(VF0, 0)).toHaveLength(7);
  });

  it("a jumbo frame takes ceil(len / rxBufferSize) descriptors", () => {
    const cfg = testConfigT();
    cfg.pools[VF1]!.flags.lpe = true;
    const w = sw(cfg);
    const f = eth({ dst: T_MACS.vf1, src: EXT }).ipv4({}).udp({}).payload(9000).build();
    const r = wire(w, f);
    expect(r.deliveries[0]!.descriptors).toBe(Math.ceil(f.length / 2048));
    expect(Buffer.from(r.deliveries[0]!.bytes).equals(Buffer.from(f))).toBe(true);
  });

  it("every case above agrees with the reference switch (events in one run)", () => {
    const cfg = testConfigT();
    setPortVlan(cfg, VF1, 300, 5);
    const events: SwitchEvent[] = [
      { kind: "wire", frame: tcpMs(T_MACS.vf0).build() },
      { kind: "wire", frame: arp("ff:ff:ff:ff:ff:ff").build() },
      { kind: "wire", frame: eth({ dst: "ff:ff:ff:ff:ff:ff", src: EXT }).vlan(100).arp({}).build() },
      { kind: "wire", frame: eth({ dst: T_MACS.vf1, src: EXT }).vlan(300).ipv4({}).udp({}).build() },
      { kind: "wire", frame: tcpMs("02:00:00:00:00:99").build() },
      { kind: "wire", frame: new Uint8Array(20) },
      { kind: "tx", pool: VF0, frame: eth({ dst: T_MACS.vf1, src: T_MACS.vf0 }).ipv4({}).tcp({}).build() },
      { kind: "tx", pool: VF0, frame: arp("ff:ff:ff:ff:ff:ff", T_MACS.vf0).build() },
      { kind: "tx", pool: VF1, frame: arp("ff:ff:ff:ff:ff:ff", T_MACS.vf1).build() },
      { kind: "tx", pool: VF0, frame: arp(T_MACS.vf3, T_MACS.vf0).build(), vlanTci: 7 },
      { kind: "drain" },
      { kind: "tx", pool: VF2, frame: eth({ dst: T_MACS.vf3, src: T_MACS.vf2 }).vlan(100).arp({}).build() },
      { kind: "tx", pool: VF0, frame: new Uint8Array(10) },
    ];
    const res = runBoth(cfg, events);
    expect(res.problems).toEqual([]);
  });

  it("re-programming: VFRE off removes the pool from every list, including broadcast", () => {
    const cfg = testConfigT();
    const w = sw(cfg);
    cfg.pools[VF1]!.rxEnable = false;
    w.program(cfg);
    expect(wire(w, arp("ff:ff:ff:ff:ff:ff").build()).deliveries.map((d) => d.pool)).toEqual([VF0, VF3, PF]);
  });

  it("a frame longer than a buffer is dropped as oversize without reading past the buffer", () => {
    const w = sw();
    const huge = new Uint8Array(40000);
    huge.set(tcpMs(T_MACS.vf0).build());
    const r = wire(w, huge);
    expect(r.trace.dropped).toBe("oversize");
    expect(w.counters().port.roc).toBe(1);
    expect(w.free.count()).toBe(4096);
  });

  it("rejects a re-programming that needs bigger buffers than allocated", () => {
    const cfg = testConfigT();
    cfg.port.txMaxFrame = 1522;
    const w = sw(cfg);
    cfg.port.txMaxFrame = 9728;
    expect(() => w.program(cfg)).toThrow(/larger buffers/);
  });

  it("a descriptor naming no buffer of the pool is skipped and counted, never dereferenced", () => {
    const w = sw();
    w.wireIn.enqueue([{ buf: 0xffffffff, off: 64, len: 60, hash: 0, tci: 0, flags: 0, info: 0 }]);
    w.tx[VF0]![0]!.enqueue([{ buf: 1 << 30, off: 64, len: 60, hash: 0, tci: 0, flags: 0, info: 0 }]);
    expect(w.run()).toBe(2);
    expect(w.resourceDrops().badDescriptor).toBe(2);
  });
});

describe("Wasm switch: 128 pools (pool sets of two 64-bit words)", () => {
  /** 127 VFs + the PF (pool 127); every pool accepts broadcast, no VLAN filter. */
  function widest(): SwitchConfig {
    const cfg = randomConfig(rng(128), { vfs: 127 });
    cfg.port.vlanFilter = false;
    cfg.port.broadcastAccept = true;
    cfg.port.mode = "veb";
    cfg.port.txLoopback = true;
    for (const p of cfg.pools) {
      p.rxEnable = true;
      p.txEnable = true;
      p.flags.bam = true;
      p.flags.lle = false;
      p.flags.flp = false;
    }
    return cfg;
  }
  const all = Array.from({ length: 128 }, (_, i) => i);

  it("validation accepts 128 pools and names the limit beyond", () => {
    const cfg = widest();
    expect(switchConfigProblems(cfg).filter((m) => m.startsWith("pools:"))).toEqual([]);
    cfg.pools.push({ ...cfg.pools[0]!, index: 128 });
    expect(switchConfigProblems(cfg)).toContain("pools: 129 pools, at most 128 supported");
  });

  it("a wire broadcast reaches all 128 pools; the PF's (pool 127) reaches the other 127 and the wire", () => {
    const w = new WasmSwitch(widest(), { traceCapacity: 8, bufCount: 4096 });
    const fromWire = wire(w, arp("ff:ff:ff:ff:ff:ff").build());
    expect(fromWire.trace.delivered).toEqual(all);
    expect(fromWire.deliveries.map((d) => d.pool)).toEqual(all);
    const fromPf = tx(w, 127, arp("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01").build());
    expect(fromPf.trace.delivered).toEqual(all.slice(0, 127));
    expect(fromPf.wire).toHaveLength(1);
    expect(w.counters().pools[127]!.tx_packets).toBe(1);
  });

  it("agrees with the reference on the same frames, unicast to and from pools 64..127", () => {
    const cfg = widest();
    const mac = (p: number) => cfg.rar.find((r) => r.pools.includes(p))!.mac;
    const events: SwitchEvent[] = [];
    for (const [src, dst] of [
      [0, 127],
      [127, 0],
      [64, 65],
      [100, 3],
      [5, 99],
    ] as const) {
      const f = eth({ dst: mac(dst), src: mac(src) })
        .ipv4({})
        .udp({ sport: src, dport: dst })
        .build({ padTo: 60 });
      events.push({ kind: "tx", pool: src, frame: f }, { kind: "wire", frame: f }, { kind: "drain" });
    }
    events.push({ kind: "tx", pool: 70, frame: arp("ff:ff:ff:ff:ff:ff", mac(70)).build() });
    const w = new WasmSwitch(cfg, { traceCapacity: 64, bufCount: 4096 });
    const res = runBoth(cfg, events, w);
    expect(res.problems).toEqual([]);
    expect(res.highPoolCopies).toBeGreaterThan(60);
  });
});
