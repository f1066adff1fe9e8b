// Spec §10.3 frame cases R1–R11 and T1–T6 on configuration T (§10.2), reference switch.
import { afterEach, describe, expect, it } from "vitest";
import { requestPromisc, testConfigT } from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { eth } from "../../src/traffic/frames.ts";
import {
  arp,
  BCAST,
  EXT,
  M,
  nonZeroPoolCounters,
  PF,
  pools,
  sized,
  switchT,
  tcp4,
  VF0,
  VF1,
  VF2,
  VF3,
  where,
} from "./ref-helpers.ts";

const pad60 = (f: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.max(60, f.length));
  out.set(f);
  return out;
};

let last: ReferenceSwitch | null = null;
function track(sw: ReferenceSwitch): ReferenceSwitch {
  last = sw;
  return sw;
}
afterEach(() => {
  // Every case must leave the books balanced (DESIGN principle 9).
  if (last) expect(last.conservation()).toEqual([]);
  last = null;
});

describe("configuration T (§10.2)", () => {
  it("has the pools, flags and tables the spec lists", () => {
    const c = testConfigT();
    expect(c.pools.map((p) => p.name)).toEqual(["VF-0", "VF-1", "VF-2", "VF-3", "PF"]);
    expect(c.port.mode).toBe("veb");
    expect(c.port.replication && c.port.txLoopback && c.port.vlanFilter).toBe(true);
    expect(c.port.vfta).toEqual([0, 100]);
    expect(c.port.defaultPool).toBe(PF);
    expect(c.port.disableDefaultPool || c.port.unicastPromisc || c.port.multicastPromisc).toBe(false);
    expect(c.port.longPacket).toBe(true);
    expect(c.port.maxFrame).toBe(9728);
    expect(c.pools.every((p) => !p.flags.lle && !p.flags.lpe && p.numRxQueues === 4)).toBe(true);
    expect(c.pools.every((p) => p.reta.every((q, i) => q === i % 4))).toBe(true);
    expect(c.pools.filter((p) => p.kind === "vf").every((p) => p.macAntiSpoof && p.vlanAntiSpoof)).toBe(true);
    const f = (i: number) => c.pools[i]!.flags;
    expect([f(0).bam, f(0).aupe, f(0).rompe]).toEqual([true, true, true]);
    expect([f(1).bam, f(1).aupe, f(1).rompe]).toEqual([true, true, false]);
    expect([f(2).bam, f(2).aupe, f(2).strvlan]).toEqual([true, false, true]);
    expect(c.pools[2]!.portVlan).toEqual({ action: "default", tci: 100, tpid: 0x8100 });
    expect([f(3).bam, f(3).aupe, f(3).upe, c.pools[3]!.trusted]).toEqual([true, true, false, true]);
    expect([f(4).bam, f(4).aupe]).toEqual([true, true]);
    expect(c.mta).toEqual([0xfb0]); // word 125, bit 16
    expect(c.vlvf).toEqual([
      { vid: 0, pools: [0, 1, 3, 4] },
      { vid: 100, pools: [2] },
    ]);
    expect(c.rar.map((r) => [r.mac, r.pools])).toEqual([
      [M.pf, [4]],
      [M.vf0, [0]],
      [M.vf1, [1]],
      [M.vf2, [2]],
      [M.vf3, [3]],
    ]);
    // Plain data: survives JSON.
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});

describe("frame cases from the wire (§10.3)", () => {
  it("R1: DA VF0, IPv4/TCP MS vector -> VF0 queue 0, hash 0x51ccc178", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(tcp4(M.vf0));
    expect(where(d)).toEqual([[VF0, 0]]);
    expect(d.deliveries[0]!.hash).toBe(0x51ccc178);
    expect(d.deliveries[0]!.rssType).toBe("tcp-ipv4");
    expect(sw.counters.pools[VF0]!.rx_packets).toBe(1);
    expect(sw.counters.queues[VF0]![0]!.rx_packets).toBe(1);
  });

  const udpR2 = () =>
    eth({ dst: M.vf1, src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build();

  it("R2: DA VF1, IPv4/UDP -> queue 2 (0xe7c0c84a); UDP hashing off -> queue 1 (0x02b7c9b1)", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(udpR2());
    expect(where(d)).toEqual([[VF1, 2]]);
    expect(d.deliveries[0]!.hash).toBe(0xe7c0c84a);
    expect(d.deliveries[0]!.rssType).toBe("udp-ipv4");
    const off = track(switchT((c) => (c.port.rss.hashTypes.udpIpv4 = false)));
    const d2 = off.receiveFromWire(udpR2());
    expect(where(d2)).toEqual([[VF1, 1]]);
    expect(d2.deliveries[0]!.hash).toBe(0x02b7c9b1);
    expect(d2.deliveries[0]!.rssType).toBe("ipv4");
  });

  it("R3: first fragment (MF=1, offset 0) -> 2-tuple hash 0x323e8fc2, queue 2", () => {
    const sw = track(switchT());
    const f = eth({ dst: M.vf1, src: EXT })
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80", mf: true })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    const d = sw.receiveFromWire(f);
    expect(where(d)).toEqual([[VF1, 2]]);
    expect(d.deliveries[0]!.hash).toBe(0x323e8fc2);
    expect(d.deliveries[0]!.rssType).toBe("ipv4");
  });

  it("R4: DA VF0, ARP -> VF0 queue 0, hash 0, RSS type none", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(arp(M.vf0));
    expect(where(d)).toEqual([[VF0, 0]]);
    expect(d.deliveries[0]!.hash).toBe(0);
    expect(d.deliveries[0]!.rssType).toBe("none");
  });

  it("R5: untagged broadcast ARP -> VF0, VF1, VF3, PF queue 0, not VF2; rx_broadcast +1 each", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(arp(BCAST));
    expect(where(d)).toEqual([
      [VF0, 0],
      [VF1, 0],
      [VF3, 0],
      [PF, 0],
    ]);
    for (const p of [VF0, VF1, VF3, PF]) expect(sw.counters.pools[p]!.rx_broadcast).toBe(1);
    expect(sw.counters.pools[VF2]!.rx_packets).toBe(0);
  });

  it("R6: broadcast tagged VID 100, ARP -> VF2 only, queue 0, tag stripped (hidden)", () => {
    const sw = track(switchT());
    const f = eth({ dst: BCAST, src: EXT }).vlan(100).arp({}).build();
    const d = sw.receiveFromWire(f);
    expect(where(d)).toEqual([[VF2, 0]]);
    const x = d.deliveries[0]!;
    expect(x.vlanStripped).toBe(true);
    expect(x.vlanTci).toBeNull(); // port VLAN: hide VLAN
    // The 46-byte tagged ARP is padded to 60 on admission, then loses its 4-byte tag.
    expect(x.bytes.length).toBe(56);
    expect(d.padded).toBe(true);
    expect(x.bytes[12]).toBe(0x08);
    expect(x.bytes[13]).toBe(0x06);
    // Reported when the pool does not hide it.
    const shown = track(switchT((c) => (c.pools[VF2]!.flags.hideVlan = false)));
    expect(shown.receiveFromWire(f).deliveries[0]!.vlanTci).toBe(100);
  });

  const mdns = () =>
    eth({ dst: "01:00:5e:00:00:fb", src: EXT })
      .ipv4({ src: "10.0.0.5", dst: "224.0.0.251" })
      .udp({ sport: 5353, dport: 5353 })
      .build();

  it("R7: 01:00:5e:00:00:fb mDNS -> VF0 only (ROMPE + MTA), queue 2 (0x5d0e850e); rx_multicast +1", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(mdns());
    expect(where(d)).toEqual([[VF0, 2]]);
    expect(d.deliveries[0]!.hash).toBe(0x5d0e850e);
    expect(sw.counters.pools[VF0]!.rx_multicast).toBe(1);
    expect(sw.counters.pools[VF0]!.rx_broadcast).toBe(0);
    // VF1 with ROMPE for another group receives it too (shared MTA).
    const sw2 = track(switchT((c) => (c.pools[VF1]!.flags.rompe = true)));
    expect(pools(sw2.receiveFromWire(mdns()))).toEqual([VF0, VF1]);
  });

  it("R8: unknown unicast dropped at the L2 filter; UPE port -> PF; QEMU mode -> PF", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(tcp4("02:00:00:00:00:99"));
    expect(d.dropped).toBe("l2-filter");
    expect(d.deliveries).toEqual([]);
    expect(nonZeroPoolCounters(sw)).toEqual({});
    expect(sw.counters.port.rx_l2_filtered).toBe(1);
    const promisc = track(switchT((c) => (c.port.unicastPromisc = true)));
    expect(pools(promisc.receiveFromWire(tcp4("02:00:00:00:00:99")))).toEqual([PF]);
    const qemu = track(switchT((c) => (c.port.qemuDefaultPool = true)));
    expect(pools(qemu.receiveFromWire(tcp4("02:00:00:00:00:99")))).toEqual([PF]);
  });

  it("R9: DA VF0 tagged VID 200 -> dropped by the VFTA", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(eth({ dst: M.vf0, src: EXT }).vlan(200).arp({}).build());
    expect(d.dropped).toBe("vlan-filter");
    expect(sw.counters.port.rx_vlan_filtered).toBe(1);
    expect(nonZeroPoolCounters(sw)).toEqual({});
  });

  it("R10: DA VF0 tagged VID 100 -> default pool PF; DIS_DEF_POOL -> dropped", () => {
    const f = eth({ dst: M.vf0, src: EXT }).vlan(100).arp({}).build();
    const sw = track(switchT());
    expect(where(sw.receiveFromWire(f))).toEqual([[PF, 0]]);
    const dis = track(switchT((c) => (c.port.disableDefaultPool = true)));
    const d = dis.receiveFromWire(f);
    expect(d.dropped).toBe("no-pool");
    expect(nonZeroPoolCounters(dis)).toEqual({});
  });

  it("R11: DA VF1 untagged 1515 bytes -> dropped, ROC +1 (1514 is delivered)", () => {
    const sw = track(switchT());
    const d = sw.receiveFromWire(sized(M.vf1, 1515));
    expect(d.dropped).toBe("oversize");
    expect(d.copyDrops).toEqual([{ pool: VF1, queue: null, reason: "oversize" }]);
    expect(sw.counters.port.roc).toBe(1);
    expect(sw.counters.pools[VF1]!.rx_packets).toBe(0);
    expect(pools(sw.receiveFromWire(sized(M.vf1, 1514)))).toEqual([VF1]);
  });
});

describe("frame cases from a VF (§10.3 T1–T6)", () => {
  it("T1: VF0 -> VF1 unicast: VF1 queue 0 with LB flag, not on the wire; tx/rx counters", () => {
    const sw = track(switchT());
    const d = sw.transmitFromPool(VF0, tcp4(M.vf1, M.vf0));
    expect(where(d)).toEqual([[VF1, 0]]);
    expect(d.deliveries[0]!.loopback).toBe(true);
    expect(d.deliveries[0]!.hash).toBe(0);
    expect(d.toWire).toBe(false);
    expect(sw.counters.pools[VF0]!.tx_packets).toBe(1);
    expect(sw.counters.pools[VF1]!.rx_packets).toBe(1);
    expect(sw.counters.port.tx_packets).toBe(0);
  });

  it("T2: VF0 sends with SA 02:00:00:00:00:99 -> dropped, tx_spoofed +1, nothing delivered or sent", () => {
    const sw = track(switchT());
    const d = sw.transmitFromPool(VF0, tcp4(M.vf1, "02:00:00:00:00:99"));
    expect(d.dropped).toBe("mac-spoof");
    expect(d.deliveries).toEqual([]);
    expect(d.toWire).toBe(false);
    expect(sw.counters.pools[VF0]!.tx_spoofed).toBe(1);
    expect(sw.counters.pools[VF0]!.tx_packets).toBe(0);
    expect(sw.counters.pools[VF1]!.rx_packets).toBe(0);
  });

  it("T3: VF0 broadcast ARP -> VF1, VF3, PF (queue 0) + wire; not VF0, not VF2", () => {
    const sw = track(switchT());
    const d = sw.transmitFromPool(VF0, arp(BCAST, M.vf0));
    expect(where(d)).toEqual([
      [VF1, 0],
      [VF3, 0],
      [PF, 0],
    ]);
    expect(d.toWire).toBe(true);
    expect(d.deliveries.every((x) => x.loopback)).toBe(true);
  });

  it("T4: as T3 with LLE on VF0 -> also delivered back to VF0", () => {
    const sw = track(switchT((c) => (c.pools[VF0]!.flags.lle = true)));
    const d = sw.transmitFromPool(VF0, arp(BCAST, M.vf0));
    expect(pools(d)).toEqual([VF0, VF1, VF3, PF]);
    expect(d.toWire).toBe(true);
  });

  it("T5: VF0 sends to its own MAC with LLE off -> nowhere, not on the wire; tx_packets +1", () => {
    const sw = track(switchT());
    const d = sw.transmitFromPool(VF0, tcp4(M.vf0, M.vf0));
    expect(d.deliveries).toEqual([]);
    expect(d.toWire).toBe(false);
    expect(d.dropped).toBe("no-destination");
    expect(sw.counters.pools[VF0]!.tx_packets).toBe(1);
    expect(sw.counters.pools[VF0]!.rx_packets).toBe(0);
  });

  it("T6: VF0 -> unknown unicast -> wire only; plus a VF3 copy once VF3 is promiscuous", () => {
    const sw = track(switchT());
    const d = sw.transmitFromPool(VF0, tcp4("02:00:00:00:00:99", M.vf0));
    expect(d.toWire).toBe(true);
    expect(d.deliveries).toEqual([]);
    // 54-byte TCP SYN, padded to 60 on transmit (TCTL.PSP).
    expect(d.wireBytes).toEqual(pad60(tcp4("02:00:00:00:00:99", M.vf0)));
    // Configuration T is on the ix (82599) profile, whose VFs cannot ask for unicast promiscuous
    // (no per-pool UPE before the X540): the case sets the pool's UPE bit itself (§10.2).
    const c = testConfigT();
    expect(requestPromisc(c, VF3, "promisc")).toMatchObject({ applied: "allmulti", honoured: false });
    c.pools[VF3]!.flags.upe = true;
    c.port.unicastPromisc = true;
    const sw2 = track(new ReferenceSwitch(c));
    const d2 = sw2.transmitFromPool(VF0, tcp4("02:00:00:00:00:99", M.vf0));
    expect(d2.toWire).toBe(true);
    expect(pools(d2)).toEqual([VF3]);
  });
});
