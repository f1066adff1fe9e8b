// Spec §9 behaviours 1–47 (switch, RSS-in-the-switch, rings, counters), reference switch.
import { afterEach, describe, expect, it } from "vitest";
import { addWrapped, counterWidth } from "../../src/switch/config.ts";
import { programSwitch, requestPromisc, setPortVlan, testConfigT } from "../../src/switch/program.ts";
import { moderateInterrupts } from "../../src/switch/reference/itr.ts";
import { writeBackFlags } from "../../src/switch/reference/rings.ts";
import { toeplitzHash } from "../../src/switch/reference/toeplitz.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { concat, eth, ipv4Addr, ipv6Addr } from "../../src/traffic/frames.ts";
import {
  arp,
  BCAST,
  EXT,
  M,
  nonZeroPoolCounters,
  PF,
  pfRecord,
  pools,
  sized,
  switchT,
  tcp4,
  VF0,
  VF1,
  VF2,
  VF3,
  vfRecord,
  where,
} from "./ref-helpers.ts";

const live: ReferenceSwitch[] = [];
function keep(sw: ReferenceSwitch): ReferenceSwitch {
  live.push(sw);
  return sw;
}
const T = (edit?: Parameters<typeof switchT>[0]) => keep(switchT(edit));
afterEach(() => {
  for (const sw of live.splice(0)) expect(sw.conservation()).toEqual([]);
});

const port2 = (a: number, b: number) => Uint8Array.from([a >> 8, a & 0xff, b >> 8, b & 0xff]);

describe("§9 receive-side L2 filtering and pool selection", () => {
  it("1: DA = VF k's MAC, untagged -> only VF k", () => {
    const sw = T();
    for (const [mac, p] of [
      [M.vf0, VF0],
      [M.vf1, VF1],
      [M.vf3, VF3],
      [M.pf, PF],
    ] as const) {
      expect(pools(sw.receiveFromWire(arp(mac)))).toEqual([p]);
    }
  });

  it("2: unknown unicast, port not promiscuous -> dropped before switching, no VF counter changes", () => {
    const sw = T();
    expect(sw.receiveFromWire(arp("02:11:22:33:44:55")).dropped).toBe("l2-filter");
    expect(nonZeroPoolCounters(sw)).toEqual({});
  });

  it("3: port unicast-promiscuous -> default pool (PF); with DIS_DEF_POOL dropped", () => {
    expect(pools(T((c) => (c.port.unicastPromisc = true)).receiveFromWire(arp("02:11:22:33:44:55")))).toEqual(
      [PF],
    );
    const sw = T((c) => {
      c.port.unicastPromisc = true;
      c.port.disableDefaultPool = true;
    });
    expect(sw.receiveFromWire(arp("02:11:22:33:44:55")).dropped).toBe("no-pool");
  });

  it("4: broadcast -> every BAM pool passing VLAN membership", () => {
    const sw = T((c) => (c.pools[VF1]!.flags.bam = false));
    expect(pools(sw.receiveFromWire(arp(BCAST)))).toEqual([VF0, VF3, PF]);
    // VLAN filtering off: no membership step, so VF2 (AUPE off) gets untagged broadcasts too.
    expect(pools(T((c) => (c.port.vlanFilter = false)).receiveFromWire(arp(BCAST)))).toEqual([
      VF0,
      VF1,
      VF2,
      VF3,
      PF,
    ]);
  });

  it("5: port-VLAN VF (AUPE cleared) never receives untagged broadcasts", () => {
    const sw = T();
    for (let i = 0; i < 3; i++) expect(pools(sw.receiveFromWire(arp(BCAST)))).not.toContain(VF2);
    expect(sw.counters.pools[VF2]!.rx_packets).toBe(0);
  });

  it("6: tagged frame with VID not in the VFTA is dropped before pool selection", () => {
    const sw = T((c) => (c.pools[VF0]!.flags.vpe = true)); // even a VLAN-promiscuous pool gets nothing
    expect(sw.receiveFromWire(eth({ dst: BCAST, src: EXT }).vlan(7).arp({}).build()).dropped).toBe(
      "vlan-filter",
    );
    expect(nonZeroPoolCounters(sw)).toEqual({});
  });

  it("7: tagged frame -> only members of its VID (VLVF) or VPE pools", () => {
    const f = eth({ dst: BCAST, src: EXT }).vlan(100).arp({}).build();
    expect(pools(T().receiveFromWire(f))).toEqual([VF2]);
    expect(pools(T((c) => (c.pools[VF3]!.flags.vpe = true)).receiveFromWire(f))).toEqual([VF2, VF3]);
    // VID 0 (priority tag) -> members of VLAN 0.
    expect(pools(T().receiveFromWire(eth({ dst: BCAST, src: EXT }).vlan(0).arp({}).build()))).toEqual([
      VF0,
      VF1,
      VF3,
      PF,
    ]);
  });

  it("8: VLAN membership before the default pool: unicast to VF k in a foreign VLAN -> PF, or dropped", () => {
    const f = eth({ dst: M.vf1, src: EXT }).vlan(100).arp({}).build();
    expect(pools(T().receiveFromWire(f))).toEqual([PF]);
    expect(T((c) => (c.port.disableDefaultPool = true)).receiveFromWire(f).dropped).toBe("no-pool");
  });

  it("9: multicast exact-matching a RAR goes to that RAR's pools; otherwise MTA hit -> ROMPE pools", () => {
    const group = "01:00:5e:01:02:03";
    const sw = T((c) => c.rar.push({ mac: group, pools: [VF1, VF3] }));
    expect(pools(sw.receiveFromWire(arp(group)))).toEqual([VF1, VF3]); // VF0 (ROMPE) not: P was not empty
    expect(pools(T().receiveFromWire(arp("01:00:5e:00:00:fb")))).toEqual([VF0]);
  });

  it("10: the MTA is shared and imperfect: a ROMPE pool gets a colliding group it never joined", () => {
    // 01:00:5e:12:00:fb has the same 12-bit index (0xfb0) as 01:00:5e:00:00:fb.
    const sw = T((c) => (c.pools[VF1]!.flags.rompe = true));
    expect(pools(sw.receiveFromWire(arp("01:00:5e:12:00:fb")))).toEqual([VF0, VF1]);
    // A group whose hash bit is clear fails the port filter.
    expect(sw.receiveFromWire(arp("01:00:5e:00:00:fc")).dropped).toBe("l2-filter");
  });

  it("11: MPE pools get every multicast; UPE pools get every unicast, in addition to the owner", () => {
    const sw = T((c) => {
      c.pools[VF3]!.flags.mpe = true;
      c.pools[VF3]!.flags.upe = true;
      c.port.multicastPromisc = true;
      c.port.unicastPromisc = true;
    });
    expect(pools(sw.receiveFromWire(arp("01:00:5e:44:55:66")))).toEqual([VF3]);
    expect(pools(sw.receiveFromWire(arp(M.vf0)))).toEqual([VF0, VF3]);
    expect(pools(sw.receiveFromWire(arp("02:11:22:33:44:55")))).toEqual([VF3]);
  });

  it("12: untrusted promiscuous requests: ixgbe caps to MULTI, i40e/ice ignore but report success", () => {
    const ix = programSwitch(pfRecord("ix", [vfRecord(0, "02:00:00:00:01:00")]));
    const r = requestPromisc(ix, 0, "promisc");
    expect(r).toMatchObject({ applied: "multi", reported: "multi", honoured: false });
    expect(ix.pools[0]!.flags).toMatchObject({ rompe: true, mpe: false, upe: false });
    expect(ix.port.unicastPromisc).toBe(false);

    const ixl = programSwitch(pfRecord("ixl", [vfRecord(0, "02:00:00:00:01:00")]));
    const r2 = requestPromisc(ixl, 0, "allmulti");
    expect(r2).toMatchObject({ applied: "none", reported: "allmulti", honoured: false });
    expect(r2.log).toContain("attempted to configure promiscuous mode");
    expect(ixl.pools[0]!.flags).toMatchObject({ mpe: false, upe: false });

    // Trusted (allow-promisc) gets it on both.
    const trusted = programSwitch(
      pfRecord("ixl", [vfRecord(0, "02:00:00:00:01:00", { allowPromisc: true })]),
    );
    expect(requestPromisc(trusted, 0, "promisc")).toMatchObject({ applied: "promisc", honoured: true });
    expect(trusted.pools[0]!.flags).toMatchObject({ upe: true, mpe: true, rompe: true, bam: true });
    expect(trusted.port.unicastPromisc).toBe(true);
    // ... and the switch then really delivers unknown unicast to it.
    const sw = keep(new ReferenceSwitch(trusted));
    expect(pools(sw.receiveFromWire(arp("02:11:22:33:44:55")))).toEqual([0]);
    // Back to NONE turns the port bits off again.
    requestPromisc(trusted, 0, "none");
    expect(trusted.port.unicastPromisc || trusted.port.multicastPromisc).toBe(false);
  });
});

describe("§9 counters", () => {
  it("13/14/15: replicated frames counted in every pool; bytes + 4 FCS; rx_multicast excludes broadcast", () => {
    const sw = T();
    const b = sized(BCAST, 100);
    sw.receiveFromWire(b);
    for (const p of [VF0, VF1, VF3, PF]) {
      expect(sw.counters.pools[p]).toMatchObject({
        rx_packets: 1,
        rx_bytes: 104,
        rx_broadcast: 1,
        rx_multicast: 0,
      });
    }
    sw.receiveFromWire(sized("01:00:5e:00:00:fb", 200));
    expect(sw.counters.pools[VF0]).toMatchObject({
      rx_packets: 2,
      rx_bytes: 308,
      rx_multicast: 1,
      rx_broadcast: 1,
    });
    sw.transmitFromPool(VF1, sized(M.vf0, 300, undefined, M.vf1));
    expect(sw.counters.pools[VF1]).toMatchObject({ tx_packets: 1, tx_bytes: 304, tx_unicast: 1 });
    expect(sw.counters.pools[VF0]).toMatchObject({ rx_lb_packets: 1, rx_lb_bytes: 304, rx_unicast: 1 });
    expect(sw.counters.port).toMatchObject({ rx_packets: 2, rx_bytes: 104 + 204 });
    expect(sw.counters.port.rx_size).toMatchObject({ "65_127": 1, "128_255": 1 });
  });

  it("47: counters wrap at their width instead of saturating", () => {
    expect(counterWidth("rx_packets")).toBe(32);
    expect(counterWidth("rx_bytes")).toBe(36);
    const sw = T();
    sw.counters.pools[VF0]!.rx_packets = 2 ** 32 - 1;
    sw.counters.pools[VF0]!.rx_bytes = 2 ** 36 - 10;
    sw.receiveFromWire(arp(M.vf0)); // 60 bytes + 4
    expect(sw.counters.pools[VF0]!.rx_packets).toBe(0);
    expect(sw.counters.pools[VF0]!.rx_bytes).toBe(54);
    expect(addWrapped("tx_packets", 2 ** 32 - 2, 5)).toBe(3);
  });
});

describe("§9 size checks", () => {
  it("16: > 1514 + 4 x tags dropped (LPE off); ROC only when too long for every selected pool", () => {
    const sw = T();
    expect(pools(sw.receiveFromWire(sized(M.vf0, 1518, 0)))).toEqual([VF0]); // one tag: 1518 ok
    expect(sw.receiveFromWire(sized(M.vf0, 1519, 0)).dropped).toBe("oversize");
    expect(sw.counters.port.roc).toBe(1);
    // Port-level long packet off: the port check drops it first, ROC too.
    const strict = T((c) => (c.port.longPacket = false));
    expect(strict.receiveFromWire(sized(M.vf0, 1515)).dropped).toBe("oversize");
    expect(strict.counters.port.roc).toBe(1);
    expect(nonZeroPoolCounters(strict)).toEqual({});
  });

  it("17: an LPE pool (RLPML 9728) accepts a 9000-MTU frame, non-LPE pools drop their copies; no ROC", () => {
    const sw = T((c) => (c.pools[VF1]!.flags.lpe = true));
    const d = sw.receiveFromWire(sized(BCAST, 9014));
    expect(pools(d)).toEqual([VF1]);
    expect(d.copyDrops.map((x) => [x.pool, x.reason])).toEqual([
      [VF0, "oversize"],
      [VF3, "oversize"],
      [PF, "oversize"],
    ]);
    expect(sw.counters.port.roc).toBe(0);
    expect(sw.counters.pools[VF0]).toMatchObject({ rx_dropped: 1, rx_oversize: 1, rx_packets: 0 });
    // 9728 bytes with FCS is the ceiling: 9724 ok, 9725 not.
    expect(pools(sw.receiveFromWire(sized(M.vf1, 9724)))).toEqual([VF1]);
    expect(sw.receiveFromWire(sized(M.vf1, 9725)).dropped).toBe("oversize");
  });

  it("17b: in long-packet mode a recognised VLAN tag still adds 4 bytes (the hardware counts tags in RLPML)", () => {
    // RLPML 1518 = a 1500 MTU + 14 + FCS, as igbvf programs it (Linux d3836f8e: the 82576/i350
    // RLPML already allows for VLAN headers; QEMU's igb_rx_is_oversized does not).
    const sw = T((c) => {
      c.pools[VF0]!.flags.lpe = true;
      c.pools[VF0]!.rlpml = 1518;
    });
    expect(pools(sw.receiveFromWire(sized(M.vf0, 1514)))).toEqual([VF0]);
    expect(sw.receiveFromWire(sized(M.vf0, 1515)).dropped).toBe("oversize");
    expect(pools(sw.receiveFromWire(sized(M.vf0, 1518, 0)))).toEqual([VF0]); // was dropped before
    expect(sw.receiveFromWire(sized(M.vf0, 1519, 0)).dropped).toBe("oversize");
  });

  it("44: < 14 bytes dropped and counted; 14..59 padded to 60 with RUC", () => {
    const sw = T();
    const d = sw.receiveFromWire(new Uint8Array(13));
    expect(d.dropped).toBe("runt");
    expect(sw.counters.port.rx_runt_dropped).toBe(1);
    const short = arp(M.vf0).subarray(0, 20);
    const d2 = sw.receiveFromWire(short);
    expect(d2.padded).toBe(true);
    expect(sw.counters.port.ruc).toBe(1);
    expect(d2.deliveries[0]!.bytes.length).toBe(60);
    expect(Array.from(d2.deliveries[0]!.bytes.subarray(20))).toEqual(new Array(40).fill(0));
    // Tx: < 14 is an MDD drop counted in tx_errors.
    const t = sw.transmitFromPool(VF0, new Uint8Array(10));
    expect(t.dropped).toBe("mdd-short");
    expect(sw.counters.pools[VF0]).toMatchObject({ tx_errors: 1, tx_dropped: 1, tx_packets: 0 });
  });
});

describe("§9 RSS inside the switch", () => {
  it("18: queue = RETA[hash & (size-1)]; with RETA[i] = i mod n, queue = hash & (n-1)", () => {
    const sw = T((c) => {
      c.pools[VF0]!.reta = c.pools[VF0]!.reta.map((_, i) => 3 - (i % 4)); // reversed fill
    });
    const d = sw.receiveFromWire(tcp4(M.vf0)); // hash 0x51ccc178: & 127 = 120 -> 3 - 0
    expect(where(d)).toEqual([[VF0, 3]]);
    for (let sport = 1000; sport < 1040; sport++) {
      const x = T().receiveFromWire(tcp4(M.vf1, EXT, { sport })).deliveries[0]!;
      expect(x.queue).toBe(x.hash & 3);
    }
  });

  it("19: MS IPv4/TCP vector hashes to 0x51ccc178 (R1)", () => {
    expect(T().receiveFromWire(tcp4(M.vf0)).deliveries[0]!.hash).toBe(0x51ccc178);
  });

  it("20: IPv4 fragments (MF or offset != 0) use the 2-tuple", () => {
    for (const o of [{ mf: true }, { fragOffset: 100 }, { mf: true, fragOffset: 3 }]) {
      const f = eth({ dst: M.vf1, src: EXT })
        .ipv4({ src: "66.9.149.187", dst: "161.142.100.80", ...o })
        .tcp({ sport: 2794, dport: 1766 })
        .build();
      const x = T().receiveFromWire(f).deliveries[0]!;
      expect([x.hash, x.rssType]).toEqual([0x323e8fc2, "ipv4"]);
    }
  });

  it("21: non-IP frames (ARP, LLDP, MPLS) -> hash 0, type none, queue 0 of every destination pool", () => {
    const frames = [
      eth({ dst: BCAST, src: EXT }).arp({}).build(),
      eth({ dst: BCAST, src: EXT, type: 0x88cc }).payload(46).build(),
      eth({ dst: BCAST, src: EXT }).mpls([100]).ipv4({}).udp({}).build(),
    ];
    for (const f of frames) {
      const d = T().receiveFromWire(f);
      expect(d.deliveries.length).toBe(4);
      for (const x of d.deliveries) expect([x.queue, x.hash, x.rssType]).toEqual([0, 0, "none"]);
    }
  });

  it("22: IPv4 with IHL < 5, version != 4 or truncated header -> hash 0 / queue 0, still delivered", () => {
    const base = () => eth({ dst: M.vf1, src: EXT });
    const frames = [
      base().ipv4({ ihl: 4, src: "66.9.149.187", dst: "161.142.100.80" }).tcp({}).build(),
      base().ipv4({ version: 6, src: "66.9.149.187", dst: "161.142.100.80" }).tcp({}).build(),
      // IHL 15 claims a 60-byte header; the (padded) 60-byte frame holds only 46 bytes of it.
      base().ipv4({ ihl: 15, src: "66.9.149.187", dst: "161.142.100.80" }).tcp({}).build(),
    ];
    for (const f of frames) {
      const d = T().receiveFromWire(f);
      expect(where(d)).toEqual([[VF1, 0]]);
      expect([d.deliveries[0]!.hash, d.deliveries[0]!.rssType]).toEqual([0, "none"]);
    }
  });

  it("23: UDP 4-tuple only with UDP hashing enabled, else the 2-tuple (R2)", () => {
    const f = eth({ dst: M.vf1, src: EXT })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build();
    expect(T().receiveFromWire(f).deliveries[0]!.rssType).toBe("udp-ipv4");
    const x = T((c) => (c.port.rss.hashTypes.udpIpv4 = false)).receiveFromWire(f).deliveries[0]!;
    expect([x.rssType, x.hash]).toEqual(["ipv4", 0x02b7c9b1]);
  });

  it("24: IPv6 extension headers skipped to TCP; ESP or a Fragment header -> 2-tuple", () => {
    const src = "3ffe:2501:200:1fff::7";
    const dst = "3ffe:2501:200:3::1";
    const v6 = (o: Parameters<ReturnType<typeof eth>["ipv6"]>[0]) =>
      eth({ dst: M.vf1, src: EXT }).ipv6({ src, dst, ...o });
    const cases: Array<[Uint8Array, number, string]> = [
      [v6({}).tcp({ sport: 2794, dport: 1766 }).build(), 0x40207d3d, "tcp-ipv6"],
      [
        v6({ ext: [{ type: "hbh" }, { type: "dstopts" }] })
          .tcp({ sport: 2794, dport: 1766 })
          .build(),
        0x40207d3d,
        "tcp-ipv6",
      ],
      [
        v6({ ext: [{ type: "ah" }] })
          .tcp({ sport: 2794, dport: 1766 })
          .build(),
        0x40207d3d,
        "tcp-ipv6",
      ],
      [
        v6({ ext: [{ type: "fragment" }] })
          .tcp({ sport: 2794, dport: 1766 })
          .build(),
        0x2cc18cd5,
        "ipv6",
      ],
      [v6({ nextHeader: 50 }).payload(24).build(), 0x2cc18cd5, "ipv6"],
    ];
    for (const [f, hash, type] of cases) {
      const x = T().receiveFromWire(f).deliveries[0]!;
      expect([x.hash >>> 0, x.rssType]).toEqual([hash, type]);
      expect(x.queue).toBe(hash & 3);
    }
  });

  it("25: VXLAN hashes outer IP + outer UDP ports, GRE the outer 2-tuple; inner level hashes the inner tuple", () => {
    const outer = { src: "192.0.2.1", dst: "192.0.2.2" };
    const inner = { src: "10.1.1.1", dst: "10.2.2.2" };
    const vx = eth({ dst: M.vf1, src: EXT })
      .ipv4(outer)
      .udp({ sport: 49152 })
      .vxlan(42)
      .eth({ dst: "02:00:00:00:aa:01", src: "02:00:00:00:aa:02" })
      .ipv4(inner)
      .tcp({ sport: 1111, dport: 2222 })
      .build();
    const gre = eth({ dst: M.vf1, src: EXT })
      .ipv4(outer)
      .gre({})
      .ipv4(inner)
      .tcp({ sport: 1111, dport: 2222 })
      .build();
    const o4 = concat(ipv4Addr(outer.src), ipv4Addr(outer.dst));
    const i4 = concat(ipv4Addr(inner.src), ipv4Addr(inner.dst), port2(1111, 2222));
    const outerSw = T();
    expect(outerSw.receiveFromWire(vx).deliveries[0]!.hash).toBe(
      toeplitzHash(concat(o4, port2(49152, 4789))),
    );
    expect(outerSw.receiveFromWire(gre).deliveries[0]!.hash).toBe(toeplitzHash(o4));
    const innerSw = T((c) => (c.port.rss.level = "inner"));
    const want = toeplitzHash(i4);
    for (const f of [vx, gre]) {
      const x = innerSw.receiveFromWire(f).deliveries[0]!;
      expect([x.hash, x.rssType, x.queue]).toEqual([want, "tcp-ipv4", want & 3]);
    }
    // Per-pool override of the level.
    const mixed = T((c) => (c.pools[VF1]!.rssLevel = "inner"));
    expect(mixed.receiveFromWire(vx).deliveries[0]!.hash).toBe(want);
    void ipv6Addr;
  });

  it("per-pool RSS key: a pool with its own key hashes with it", () => {
    const key = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);
    const sw = T((c) => (c.pools[VF0]!.rssKey = key));
    const input = concat(ipv4Addr("66.9.149.187"), ipv4Addr("161.142.100.80"), port2(2794, 1766));
    expect(sw.receiveFromWire(tcp4(M.vf0)).deliveries[0]!.hash).toBe(
      toeplitzHash(input, Uint8Array.from(key)),
    );
  });
});

describe("§9 transmit switching", () => {
  it("26: VF -> VF unicast delivered to that VF, not on the wire", () => {
    const d = T().transmitFromPool(VF1, arp(M.vf3, M.vf1));
    expect(pools(d)).toEqual([VF3]);
    expect(d.toWire).toBe(false);
  });

  it("27: VF -> external unicast: wire only (plus UPE / ROPE copies)", () => {
    const ext = "02:99:00:00:00:01";
    const d = T().transmitFromPool(VF1, arp(ext, M.vf1));
    expect([pools(d), d.toWire]).toEqual([[], true]);
    const sw = T((c) => {
      c.pools[VF3]!.flags.upe = true;
      c.pools[VF0]!.flags.rope = true;
      c.uta.push(0x0010); // hash index of 02:99:00:00:00:01 (bytes 4,5 = 00 01 -> 0x0100 >> 4)
    });
    const d2 = sw.transmitFromPool(VF1, arp(ext, M.vf1));
    expect([pools(d2), d2.toWire]).toEqual([[VF0, VF3], true]);
  });

  it("28/29: a VF's broadcast reaches all other eligible pools + wire, not the sender unless LLE", () => {
    const d = T().transmitFromPool(VF1, arp(BCAST, M.vf1));
    expect([pools(d), d.toWire]).toEqual([[VF0, VF3, PF], true]);
    const d2 = T((c) => (c.pools[VF1]!.flags.lle = true)).transmitFromPool(VF1, arp(BCAST, M.vf1));
    expect(pools(d2)).toEqual([VF0, VF1, VF3, PF]);
  });

  it("30: unicast to the sender's own MAC with LLE off: nowhere, not on the wire, tx counted", () => {
    const sw = T();
    const d = sw.transmitFromPool(VF3, arp(M.vf3, M.vf3));
    expect([pools(d), d.toWire, d.dropped]).toEqual([[], false, "no-destination"]);
    expect(sw.counters.pools[VF3]!.tx_packets).toBe(1);
    expect(sw.counters.port.tx_no_destination).toBe(1);
    // With LLE on it comes back.
    expect(
      pools(T((c) => (c.pools[VF3]!.flags.lle = true)).transmitFromPool(VF3, arp(M.vf3, M.vf3))),
    ).toEqual([VF3]);
  });

  it("31: VEPA: nothing looped back; VF -> VF unicast goes to the wire; a hairpinned copy skips its sender", () => {
    const pf = pfRecord("ix", [vfRecord(0, M.vf0), vfRecord(1, M.vf1)]);
    const sw = keep(new ReferenceSwitch(programSwitch(pf, { mode: "vepa" })));
    const d = sw.transmitFromPool(0, arp(M.vf1, M.vf0));
    expect([pools(d), d.toWire]).toEqual([[], true]);
    const b = sw.transmitFromPool(0, arp(BCAST, M.vf0));
    expect([pools(b), b.toWire]).toEqual([[], true]);
    // The adjacent bridge reflects the broadcast: source-address pruning keeps it from VF0.
    expect(pools(sw.receiveFromWire(b.wireBytes!))).toEqual([1, 2]);
    expect(pools(sw.receiveFromWire(d.wireBytes!))).toEqual([1]);
  });

  it("32: MAC anti-spoof drops a foreign SA; tx_spoofed counts; nothing delivered", () => {
    const sw = T();
    const d = sw.transmitFromPool(VF1, arp(BCAST, M.vf0));
    expect([d.dropped, pools(d), d.toWire]).toEqual(["mac-spoof", [], false]);
    expect(sw.counters.pools[VF1]).toMatchObject({ tx_spoofed: 1, tx_dropped: 1, tx_packets: 0 });
    expect(sw.counters.port.tx_spoofed).toBe(1);
    // Anti-spoof off (mac-anti-spoof=false): the same frame goes out.
    const off = T((c) => (c.pools[VF1]!.macAntiSpoof = false));
    expect(off.transmitFromPool(VF1, arp(BCAST, M.vf0)).toWire).toBe(true);
  });

  it("33: VLAN anti-spoof drops a tagged frame outside the pool's VLANs; untagged is not VLAN-checked", () => {
    const sw = T();
    const tagged = eth({ dst: BCAST, src: M.vf0 }).vlan(100).arp({}).build();
    expect(sw.transmitFromPool(VF0, tagged).dropped).toBe("vlan-spoof");
    expect(sw.counters.pools[VF0]!.tx_spoofed).toBe(1);
    expect(sw.transmitFromPool(VF0, eth({ dst: BCAST, src: M.vf0 }).vlan(0).arp({}).build()).toWire).toBe(
      true,
    );
    expect(sw.transmitFromPool(VF0, arp(BCAST, M.vf0)).toWire).toBe(true);
    // A Tx descriptor VLAN request is checked as well (the VID after insertion).
    expect(sw.transmitFromPool(VF0, arp(BCAST, M.vf0), { vlanTci: 100 }).dropped).toBe("vlan-spoof");
  });

  it("34: port VLAN: untagged Tx leaves tagged (VID, PCP = qos); Rx of that VID reaches the VF stripped", () => {
    const c = testConfigT();
    setPortVlan(c, VF2, 100, 5);
    const sw = keep(new ReferenceSwitch(c));
    const d = sw.transmitFromPool(VF2, arp("02:99:00:00:00:01", M.vf2));
    expect(d.toWire).toBe(true);
    const w = d.wireBytes!;
    expect(Array.from(w.subarray(12, 16))).toEqual([0x81, 0x00, (5 << 5) | 0, 100]);
    expect(w.length).toBe(64);
    const rx = sw.receiveFromWire(eth({ dst: M.vf2, src: EXT }).vlan(100, { pcp: 5 }).arp({}).build());
    expect(rx.deliveries.map((x) => [x.pool, x.vlanStripped, x.bytes[12], x.bytes[13]])).toEqual([
      [VF2, true, 0x08, 0x06],
    ]);
    // The VF's descriptor VLAN request is ignored under "insert default".
    const d2 = sw.transmitFromPool(VF2, arp("02:99:00:00:00:01", M.vf2), { vlanTci: 7 });
    expect(((d2.wireBytes![14]! << 8) | d2.wireBytes![15]!) & 0xfff).toBe(100);
  });

  it("35: port VLAN: a frame the VF already tagged is dropped (tx_errors + mdd_events)", () => {
    const sw = T();
    const d = sw.transmitFromPool(VF2, eth({ dst: BCAST, src: M.vf2 }).vlan(100).arp({}).build());
    expect([d.dropped, d.toWire, pools(d)]).toEqual(["mdd-vlan", false, []]);
    expect(sw.counters.pools[VF2]).toMatchObject({
      tx_errors: 1,
      mdd_events: 1,
      tx_dropped: 1,
      tx_packets: 0,
    });
  });

  it("36: VFRE off removes the pool from every list, broadcast and default pool included", () => {
    const sw = T();
    sw.setRxEnable(VF1, false);
    expect(pools(sw.receiveFromWire(arp(BCAST)))).toEqual([VF0, VF3, PF]);
    expect(pools(sw.receiveFromWire(arp(M.vf1)))).toEqual([PF]); // empty after step 2 -> default pool
    // Tx: an exact match to a disabled pool does not count -> wire.
    const t = sw.transmitFromPool(VF0, arp(M.vf1, M.vf0));
    expect([pools(t), t.toWire]).toEqual([[], true]);
    const def = T((c) => {
      c.port.defaultPool = VF1;
      c.port.unicastPromisc = true;
    });
    def.setRxEnable(VF1, false);
    expect(def.receiveFromWire(arp("02:11:22:33:44:55")).dropped).toBe("no-pool");
  });

  it("37: VFTE off stops the pool's Tx ring; frames wait and go once re-enabled", () => {
    const sw = T();
    sw.setTxEnable(VF0, false);
    const d = sw.transmitFromPool(VF0, arp(M.vf1, M.vf0));
    expect(d.dropped).toBe("tx-disabled");
    expect(sw.heldTxCount(VF0)).toBe(1);
    expect(sw.counters.pools[VF0]!.tx_packets).toBe(0);
    expect(sw.counters.pools[VF1]!.rx_packets).toBe(0);
    expect(sw.conservation()).toEqual([]);
    const later = sw.setTxEnable(VF0, true);
    expect(later.map(pools)).toEqual([[VF1]]);
    expect(sw.counters.pools[VF0]!.tx_packets).toBe(1);
  });

  it("38/39: loopback-only frames count as Tx; copies carry the LB flag and land in queue 0 unless RSS on loopback", () => {
    const sw = T();
    const f = tcp4(M.vf1, M.vf0, { sport: 1, dport: 7 });
    const d = sw.transmitFromPool(VF0, f);
    expect(sw.counters.pools[VF0]).toMatchObject({ tx_packets: 1, tx_lb_packets: 1 });
    expect(d.deliveries[0]).toMatchObject({ loopback: true, queue: 0, hash: 0, rssType: "none" });
    const rss = T((c) => (c.port.rss.onLoopback = true));
    const x = rss.transmitFromPool(VF0, f).deliveries[0]!;
    const want = toeplitzHash(concat(ipv4Addr("66.9.149.187"), ipv4Addr("161.142.100.80"), port2(1, 7)));
    expect([x.loopback, x.hash, x.queue]).toEqual([true, want, want & 3]);
  });
});

describe("§9 rings and interrupts", () => {
  it("40: free = (tail - head) mod N; head == tail means no buffers", () => {
    const sw = T((c) => (c.port.ringSize = 512));
    expect(sw.freeDescriptors(VF0, 0)).toBe(511); // every buffer posted, one slot empty
    sw.setRxRing(VF0, 0, { head: 500, tail: 10 });
    expect(sw.freeDescriptors(VF0, 0)).toBe(22);
    sw.setRxRing(VF0, 0, { head: 7, tail: 7 });
    expect(sw.freeDescriptors(VF0, 0)).toBe(0);
    const d = sw.receiveFromWire(arp(M.vf0));
    expect(d.copyDrops).toEqual([{ pool: VF0, queue: 0, reason: "no-desc" }]);
    expect(d.dropped).toBe("all-copies-dropped");
  });

  it("41: a queue without descriptors drops its copy (per queue + per VF); other pools still get theirs", () => {
    const sw = T();
    sw.setRxRing(VF1, 0, { head: 3, tail: 3 });
    const d = sw.receiveFromWire(arp(BCAST));
    expect(pools(d)).toEqual([VF0, VF3, PF]);
    expect(d.copyDrops).toEqual([{ pool: VF1, queue: 0, reason: "no-desc" }]);
    expect(sw.counters.queues[VF1]![0]!.rx_no_desc).toBe(1);
    expect(sw.counters.pools[VF1]).toMatchObject({ rx_dropped: 1, rx_packets: 0 });
    // A small ring fills up and recovers once the driver drains it.
    const small = T((c) => (c.port.ringSize = 4));
    const got = [1, 2, 3, 4].map(() => small.receiveFromWire(arp(M.vf0)).deliveries.length);
    expect(got).toEqual([1, 1, 1, 0]);
    expect(small.drain(VF0, 0).length).toBe(3);
    expect(small.receiveFromWire(arp(M.vf0)).deliveries.length).toBe(1);
  });

  it("42: a frame larger than one buffer takes ceil(len / bufsize) descriptors; DD each, EOP last", () => {
    const sw = T((c) => {
      c.pools[VF0]!.flags.lpe = true;
      c.port.rxBufferSize = 2048;
    });
    const d = sw.receiveFromWire(sized(M.vf0, 5000));
    expect(d.deliveries[0]!.descriptors).toBe(3);
    expect(sw.freeDescriptors(VF0, 0)).toBe(511 - 3);
    expect(sw.counters.queues[VF0]![0]!.rx_descriptors).toBe(3);
    expect(writeBackFlags(3)).toEqual([
      { dd: true, eop: false },
      { dd: true, eop: false },
      { dd: true, eop: true },
    ]);
    // Not enough descriptors for the whole frame: the copy is dropped.
    sw.setRxRing(VF0, 0, { head: 0, tail: 2 });
    expect(sw.receiveFromWire(sized(M.vf0, 5000)).copyDrops[0]!.reason).toBe("no-desc");
  });

  it("43: interrupt moderation: first event at once, later ones coalesce into one at interval end", () => {
    expect(moderateInterrupts([0, 10, 20, 30], 50)).toEqual({ fireTimes: [0, 50], coalesced: 2 });
    expect(moderateInterrupts([0, 60, 70], 50).fireTimes).toEqual([0, 60, 110]);
    expect(moderateInterrupts([0, 50], 50).fireTimes).toEqual([0, 50]);
    expect(moderateInterrupts([5, 6, 7], 0)).toEqual({ fireTimes: [5, 6, 7], coalesced: 0 });
    expect(moderateInterrupts([], 10).fireTimes).toEqual([]);
  });
});

describe("§9 parsing robustness and QinQ", () => {
  it("45: truncated headers never trap; L2 delivery as usual with hash 0 / queue 0", () => {
    const full = eth({ dst: M.vf1, src: EXT })
      .ipv6({ src: "2001:db8::1", dst: "2001:db8::2", ext: [{ type: "hbh" }, { type: "routing" }] })
      .udp({ sport: 1, dport: 4789 })
      .vxlan(1)
      .eth({})
      .ipv4({})
      .tcp({})
      .build();
    const sw = T();
    for (let len = 14; len <= full.length; len++) {
      const d = sw.receiveFromWire(full.subarray(0, len));
      expect(pools(d)).toEqual([VF1]);
    }
    const ihl15 = eth({ dst: M.vf1, src: EXT }).ipv4({ ihl: 15 }).build().subarray(0, 40);
    expect(where(sw.receiveFromWire(ihl15))).toEqual([[VF1, 0]]);
    // Tag announced with padding disabled on Tx and too few bytes: counted, not a trap.
    const noPad = T((c) => (c.port.txPadShort = false));
    const cut = Uint8Array.from([...arp(BCAST, M.vf0).subarray(0, 12), 0x81, 0x00, 0x00]);
    expect(noPad.transmitFromPool(VF0, cut).dropped).toBe("vlan-tag-truncated");
  });

  it("§10.3 parser robustness cases through the switch: no trap, L2 delivery, RSS hash 0 / queue 0 / type none", () => {
    const sw = T();
    const b = () => eth({ dst: M.vf1, src: EXT });
    const ah = b()
      .ipv6({ src: "2001:db8::1", dst: "2001:db8::2", ext: [{ type: "ah" }] })
      .tcp({})
      .build();
    ah[14 + 40 + 1] = 0xff; // AH payload length 0xff: (0xff + 2) * 4 bytes, far past the end
    const cases: Array<[string, Uint8Array]> = [
      ["ends inside the VLAN tag", b().vlan(5).arp({}).build().subarray(0, 15)],
      ["0x0800 with 10 bytes of IP", b().ipv4({}).tcp({}).build().subarray(0, 24)],
      ["IHL 15, 40 bytes of IP", b().ipv4({ ihl: 15 }).tcp({}).build().subarray(0, 54)],
      [
        "IPv6 extension chain longer than the frame",
        b()
          .ipv6({
            src: "2001:db8::1",
            dst: "2001:db8::2",
            ext: [{ type: "hbh", options: new Array(30).fill(1) }],
          })
          .tcp({})
          .build()
          .subarray(0, 70),
      ],
      [
        "GRE with C+K+S flags, header cut",
        b()
          .ipv4({ src: "1.1.1.1", dst: "2.2.2.2" })
          .gre({ checksum: true, key: 5, seq: 9 })
          .ipv4({})
          .build()
          .subarray(0, 40),
      ],
      ["AH with payload-len 0xff", ah],
    ];
    for (const [name, f] of cases) {
      const d = sw.receiveFromWire(f);
      expect(pools(d), name).toEqual([VF1]);
      const x = d.deliveries[0]!;
      // Spec §7.5 rule 4 / §10.3: a truncated IP packet is not hashed (QEMU would use the 2-tuple).
      expect(x.hash, name).toBe(0);
      expect(x.queue, name).toBe(0);
      // The 24-byte frame is padded to 60 on receive (§2.1): the zero fill completes a 20-byte
      // IPv4 header with all-zero addresses, whose 2-tuple hash is 0 as well.
      if (name !== "0x0800 with 10 bytes of IP") expect(x.rssType, name).toBe("none");
    }
  });

  it("46: double-VLAN mode switches on the inner VID of 0x88A8 + 0x8100", () => {
    const sw = T((c) => (c.port.doubleVlan = true));
    const f = eth({ dst: BCAST, src: EXT }).qinq(200, 100).arp({}).build();
    expect(pools(sw.receiveFromWire(f))).toEqual([VF2]); // S-VID 200 is not in the VFTA, C-VID 100 is
    const wrongInner = eth({ dst: BCAST, src: EXT }).qinq(100, 300).arp({}).build();
    expect(sw.receiveFromWire(wrongInner).dropped).toBe("vlan-filter");
    // Single-VLAN mode does not recognise the S-tag: the frame counts as untagged.
    expect(pools(T().receiveFromWire(f))).toEqual([VF0, VF1, VF3, PF]);
  });
});
