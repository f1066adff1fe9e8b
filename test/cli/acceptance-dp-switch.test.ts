// Data-plane acceptance sweep, part 1: the embedded switch through `iovsim switch`, cases a
// tester would try with VLAN tags, anti-spoofing, trust, replication, VF-to-VF loopback, unknown
// unicast, sizes and runts. Each expectation is the spec's (docs/spec/data-plane.md, section
// named per case); both engines run every case and must agree (dp-sweep-harness.ts).
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { eth } from "../../src/traffic/frames.ts";
import { capture, conf, receivedCounts, runSwitch } from "./dp-sweep-harness.ts";

const VF0 = "02:00:00:00:00:10";
const VF1 = "02:00:00:00:00:11";
const VF2 = "02:00:00:00:00:12"; // access (port) VLAN 100
const VF3 = "02:00:00:00:00:13"; // trusted: allow-promisc, allow-set-mac, no anti-spoof
const PF = "90:e2:ba:4c:12:30"; // ix0's MAC in the embedded default host
const EXT = "02:99:00:00:00:01";
const BCAST = "ff:ff:ff:ff:ff:ff";

const ix = conf(`PF { device: "ix0"; num_vfs: 4; }
VF-0 { mac-addr: "${VF0}"; }
VF-1 { mac-addr: "${VF1}"; }
VF-2 { mac-addr: "${VF2}"; vlan: 100; }
VF-3 { mac-addr: "${VF3}"; allow-promisc: true; allow-set-mac: true; mac-anti-spoof: false; }
`);
// The X710 has unicast promiscuous per VF (spec §2.7): VF-3 is trusted, VF-1 is not. (ixl's
// schema has no `vlan`.)
const ixl = conf(`PF { device: "ixl0"; num_vfs: 4; }
VF-0 { mac-addr: "${VF0}"; }
VF-1 { mac-addr: "${VF1}"; }
VF-2 { mac-addr: "${VF2}"; }
VF-3 { mac-addr: "${VF3}"; allow-promisc: true; }
`);

const none = { "VF-0": 0, "VF-1": 0, "VF-2": 0, "VF-3": 0, PF: 0 };
const only = (got: Record<string, number>) => ({ ...none, ...got });
const arp = (dst: string, src = EXT) => eth({ dst, src }).arp().build({ padTo: 60 });
const wireRun = (frames: Uint8Array[], c = ix, ...extra: string[]) =>
  runSwitch(c, { wire: capture(frames) }, ...extra);
const txRun = (port: string, frames: Uint8Array[], c = ix) => runSwitch(c, { [port]: capture(frames) });

describe("VLAN tags from the wire against the VFs' VLAN settings (spec §2.3 steps 8-9, §2.8)", () => {
  it("802.1Q VID 100 with PCP 5 to the access-VLAN VF: delivered untagged, rx_bytes counts the stripped frame", async () => {
    const f = eth({ dst: VF2, src: EXT }).vlan(100, { pcp: 5 }).ipv4().udp().payload(60).build();
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-2": 1 }));
    const got = r.got("VF-2")[0];
    expect(parseFrame(got).vlans).toEqual([]);
    expect(got.length).toBe(f.length - 4);
    expect(r.c.counters.pools["VF-2"].rx_bytes).toBe(f.length - 4 + 4);
  });

  it("a VID 100 broadcast reaches only the VF of VLAN 100 (R6)", async () => {
    const r = await wireRun([eth({ dst: BCAST, src: EXT }).vlan(100).arp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(only({ "VF-2": 1 }));
    expect(r.c.counters.pools["VF-2"].rx_broadcast).toBe(1);
  });

  it("priority-tagged (VID 0) unicast to a trunk VF: accepted (VLAN 0 membership), tag kept", async () => {
    const f = eth({ dst: VF0, src: EXT }).vlan(0, { pcp: 6 }).ipv4().tcp().build({ padTo: 64 });
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1 }));
    expect(parseFrame(r.got("VF-0")[0]).vlans).toEqual([{ tpid: 0x8100, vid: 0, pcp: 6, dei: 0 }]);
  });

  it("priority-tagged unicast to the access-VLAN VF: not a member of VLAN 0, so the default pool (PF) gets it", async () => {
    const r = await wireRun([eth({ dst: VF2, src: EXT }).vlan(0).ipv4().tcp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
  });

  it("a VID missing from the VFTA is dropped before pool selection (R9), counted in rx_vlan_filtered", async () => {
    const r = await wireRun([eth({ dst: VF0, src: EXT }).vlan(200).ipv4().tcp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.c.frameDrops).toEqual({ "vlan-filter": 1 });
    expect(r.c.counters.port.rx_vlan_filtered).toBe(1);
  });

  it("VID 100 to a trunk VF that is not in VLAN 100: default pool (R10), the VF counts nothing", async () => {
    const r = await wireRun([eth({ dst: VF0, src: EXT }).vlan(100).ipv4().tcp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
    expect(r.c.counters.pools["VF-0"].rx_packets).toBe(0);
  });

  it("QinQ 0x88a8/0x8100 in single-VLAN mode is untagged for the switch: a trunk VF gets it whole", async () => {
    const f = eth({ dst: VF1, src: EXT }).qinq(100, 100).ipv4().udp().build({ padTo: 68 });
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-1": 1 }));
    expect(r.got("VF-1")[0]).toEqual(f);
  });

  it("QinQ to the access-VLAN VF: the S-tag is no tag, the VF does not accept untagged, PF gets it", async () => {
    const r = await wireRun([eth({ dst: VF2, src: EXT }).qinq(100, 100).ipv4().udp().build({ padTo: 68 })]);
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
  });

  it("two 802.1Q tags: the outer one is the switch's tag (VID 0 here), the frame arrives with both", async () => {
    const f = eth({ dst: VF0, src: EXT }).vlan(0).vlan(100).ipv4().udp().build({ padTo: 68 });
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1 }));
    expect(parseFrame(r.got("VF-0")[0]).vlans.map((v) => v.vid)).toEqual([0, 100]);
  });
});

describe("frame sizes against the pools' limits (spec §2.1, §9 item 16)", () => {
  it("untagged 1514 B is delivered, 1515 B is an oversize drop counted once in roc and the pool's rx_oversize", async () => {
    const at = (n: number) =>
      eth({ dst: VF0, src: EXT })
        .ipv4()
        .udp()
        .payload(n - 42)
        .build();
    const r = await wireRun([at(1514), at(1515)]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1 }));
    expect(r.got("VF-0")[0].length).toBe(1514);
    expect(r.c.counters.port.roc).toBe(1);
    expect(r.c.counters.pools["VF-0"].rx_oversize).toBe(1);
    expect(r.c.copyDrops).toEqual({ oversize: 1 });
  });

  it("one recognised tag adds 4 bytes: VID 0 at 1518 B is delivered, 1519 B is dropped", async () => {
    const at = (n: number) =>
      eth({ dst: VF1, src: EXT })
        .vlan(0)
        .ipv4()
        .udp()
        .payload(n - 46)
        .build();
    const r = await wireRun([at(1518), at(1519)]);
    expect(receivedCounts(r)).toEqual(only({ "VF-1": 1 }));
    expect(r.c.counters.port.roc).toBe(1);
  });

  it("an S-tag is not recognised in single-VLAN mode, so a 1518 B QinQ frame is too long", async () => {
    const f = eth({ dst: VF1, src: EXT })
      .qinq(10, 20)
      .ipv4()
      .udp()
      .payload(1518 - 50)
      .build();
    const r = await wireRun([f]);
    expect(f.length).toBe(1518);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.c.counters.port.roc).toBe(1);
  });

  it("a 1600 B broadcast is too long for every pool: one roc, one copy drop per pool", async () => {
    const r = await wireRun([eth({ dst: BCAST, src: EXT }).ipv4().udp().payload(1558).build()]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.c.counters.port.roc).toBe(1);
    expect(r.c.copyDrops).toEqual({ oversize: 4 }); // VF-0, VF-1, VF-3, PF (VF-2: untagged, AUPE off)
  });

  it("a 9000-MTU jumbo frame (9014 B) passes the port (9728 with FCS) but no pool has LPE", async () => {
    const r = await wireRun([eth({ dst: VF0, src: EXT }).ipv4().udp().payload(8972).build()]);
    // Too long for its only pool: the copy is dropped there, and with it the frame.
    expect(r.c.copyDrops).toEqual({ oversize: 1 });
    expect(r.c.frameDrops).toEqual({ oversize: 1 });
    expect(r.c.counters.pools["VF-0"].rx_oversize).toBe(1);
  });

  it("9725 B (9729 with FCS) is over the port's limit: dropped before pool selection", async () => {
    const r = await wireRun([
      eth({ dst: VF0, src: EXT })
        .ipv4()
        .udp()
        .payload(9725 - 42)
        .build(),
    ]);
    expect(r.c.frameDrops).toEqual({ oversize: 1 });
    expect(r.c.copyDrops).toEqual({});
    expect(r.c.counters.port.roc).toBe(1);
    expect(r.c.counters.pools["VF-0"].rx_oversize).toBe(0);
  });

  it("a VF may send a jumbo frame to the wire (MTU is not enforced on Tx, §3.8), but not over 9728 with FCS", async () => {
    const big = (n: number) =>
      eth({ dst: EXT, src: VF0 })
        .ipv4()
        .udp()
        .payload(n - 42)
        .build();
    const r = await txRun("VF-0", [big(9014), big(9725)]);
    expect(r.got("wire").map((f) => f.length)).toEqual([9014]);
    expect(r.c.frameDrops).toEqual({ "tx-oversize": 1 });
    expect(r.c.counters.pools["VF-0"].tx_errors).toBe(1);
  });

  it("a jumbo loopback copy is checked against the receiving pool: dropped there, and not sent to the wire", async () => {
    const r = await txRun("VF-0", [eth({ dst: VF1, src: VF0 }).ipv4().udp().payload(2000).build()]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.got("wire")).toEqual([]);
    expect(r.c.copyDrops).toEqual({ oversize: 1 });
    expect(r.c.counters.pools["VF-0"].tx_packets).toBe(1);
    expect(r.c.counters.port.roc).toBe(0); // loopback copies never count in roc
  });
});

describe("--mtu PORT=N: a function's driver at a jumbo MTU (spec §2.1 per-pool LPE, §9 item 17)", () => {
  const sized = (dst: string, len: number, vid?: number, src = EXT) =>
    (vid === undefined ? eth({ dst, src }) : eth({ dst, src }).vlan(vid))
      .payload(len - (vid === undefined ? 14 : 18))
      .build();

  it("VF-0 at MTU 9000 receives 9014 B (9018 B with a tag), not 9015 B; counters.json records the MTU", async () => {
    const r = await wireRun(
      [sized(VF0, 9014), sized(VF0, 9015), sized(VF0, 9018, 0), sized(VF0, 9019, 0)],
      ix,
      "--mtu",
      "VF-0=9000",
    );
    expect(r.got("VF-0").map((f) => f.length)).toEqual([9014, 9018]);
    expect(r.c.counters.pools["VF-0"].rx_oversize).toBe(2);
    expect(r.c.mtu).toEqual({ "VF-0": 9000 });
    // §5.4: a frame longer than one 2048-byte Rx buffer takes ceil(len / 2048) descriptors.
    const descriptors = r.c.counters.queues["VF-0"].reduce(
      (n: number, q: { rx_descriptors: number }) => n + q.rx_descriptors,
      0,
    );
    expect(descriptors).toBe(Math.ceil(9014 / 2048) + Math.ceil(9018 / 2048));
  });

  it("a 9014 B broadcast: the 9000-MTU VF takes it, the 1500-MTU pools drop their copies, no roc", async () => {
    const r = await wireRun([sized(BCAST, 9014)], ix, "--mtu", "VF-0=9000");
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1 }));
    expect(r.c.copyDrops).toEqual({ oversize: 3 });
    expect(r.c.counters.port.roc).toBe(0);
  });

  it("VF to VF: the loopback copy is held to the receiver's MTU, not the sender's", async () => {
    const f = sized(VF1, 9014, undefined, VF0);
    const small = await runSwitch(ix, { "VF-0": capture([f]) }, "--mtu", "VF-0=9000");
    expect(small.c.copyDrops).toEqual({ oversize: 1 });
    const big = await runSwitch(ix, { "VF-0": capture([f]) }, "--mtu", "VF-1=9000");
    expect(big.got("VF-1").map((x) => x.length)).toEqual([9014]);
  });

  it("an MTU at or below 1500 keeps the standard 1514 B limit: VF-0 at MTU 1000 still gets 1400 B", async () => {
    const r = await wireRun([sized(VF0, 1400), sized(VF0, 1514), sized(VF0, 1515)], ix, "--mtu", "VF-0=1000");
    expect(r.got("VF-0").map((f) => f.length)).toEqual([1400, 1514]);
    expect(r.c.counters.pools["VF-0"].rx_oversize).toBe(1);
    expect(r.c.mtu).toEqual({ "VF-0": 1000 });
  });

  it("the PF at MTU 9000 gets a jumbo frame for its MAC", async () => {
    const r = await wireRun([sized(PF, 9014)], ix, "--mtu", "PF=9000");
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
  });

  it("bad --mtu values are usage errors naming the option", async () => {
    const { cli } = await import("./dp-sweep-harness.ts");
    const w = capture([arp(VF0)]);
    const err = async (...extra: string[]) => {
      const r = await cli("switch", "-f", ix, "--in", `wire=${w}`, "--json", ...extra);
      expect(r.rc).toBe(1);
      return r.err;
    };
    expect(await err("--mtu", "VF-0=9711")).toContain(
      "option '--mtu VF-0=9711': 9711 is not an MTU the drivers accept (68..9710",
    );
    expect(await err("--mtu", "VF-0")).toContain("option '--mtu': expected PORT=N");
    expect(await err("--mtu", "VF-0=9000", "--mtu", "VF-0=1500")).toContain("VF-0 already has an MTU");
    expect(await err("--mtu", "VF-7=9000")).toContain("option '--mtu': no port 'VF-7' on ix0");
    expect(await err("--mtu", "wire=9000")).toContain("'wire' is not a function");
  });
});

describe("runts (spec §2.1, §3.4, §9 item 44)", () => {
  it("from the wire: 13 B is dropped (rx_runt_dropped), 14 B is padded to 60 and counted in ruc", async () => {
    const hdr = eth({ dst: VF0, src: EXT, type: 0x88b5 }).build();
    const r = await wireRun([hdr.subarray(0, 13), hdr]);
    expect(hdr.length).toBe(14);
    expect(r.c.frameDrops).toEqual({ runt: 1 });
    expect(r.c.counters.port.rx_runt_dropped).toBe(1);
    expect(r.c.counters.port.ruc).toBe(1);
    expect(r.got("VF-0").map((f) => f.length)).toEqual([60]);
    expect(r.c.counters.pools["VF-0"].rx_bytes).toBe(64);
  });

  it("from a VF: under 14 B is an MDD drop (tx_errors), a 20 B frame is padded to 60 for its receiver", async () => {
    const short = eth({ dst: VF1, src: VF0, type: 0x88b5 }).payload(6).build();
    const r = await txRun("VF-0", [short.subarray(0, 12), short]);
    expect(r.c.frameDrops).toEqual({ "mdd-short": 1 });
    expect(r.c.counters.pools["VF-0"].tx_errors).toBe(1);
    expect(r.got("VF-1").map((f) => f.length)).toEqual([60]);
    expect(r.c.counters.pools["VF-0"].tx_bytes).toBe(64);
  });

  it("a frame that ends inside its VLAN tag is padded first and then switched, never read past its end", async () => {
    const f = eth({ dst: VF0, src: EXT }).vlan(0).build().subarray(0, 16);
    const r = await wireRun([f]);
    expect(r.c.counters.port.ruc).toBe(1);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1 }));
  });
});

describe("anti-spoofing and trust (spec §3.3, §9 items 32-35)", () => {
  it("an untrusted VF sending with another VF's MAC: dropped, tx_spoofed, the other VF gets nothing", async () => {
    const r = await txRun("VF-0", [arp(VF1, VF1)]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.got("wire")).toEqual([]);
    expect(r.c.frameDrops).toEqual({ "mac-spoof": 1 });
    expect(r.c.counters.pools["VF-0"].tx_spoofed).toBe(1);
    expect(r.c.counters.pools["VF-0"].tx_packets).toBe(0);
    expect(r.c.counters.port.tx_spoofed).toBe(1);
  });

  it("a trunk VF tagging a VLAN it is not a member of: VLAN spoof drop", async () => {
    const r = await txRun("VF-0", [eth({ dst: EXT, src: VF0 }).vlan(300).ipv4().udp().build({ padTo: 64 })]);
    expect(r.c.frameDrops).toEqual({ "vlan-spoof": 1 });
    expect(r.c.counters.pools["VF-0"].tx_spoofed).toBe(1);
  });

  it("a priority-tagged (VID 0) frame from a trunk VF passes VLAN anti-spoof and leaves tagged", async () => {
    const f = eth({ dst: EXT, src: VF0 }).vlan(0, { pcp: 3 }).ipv4().udp().build({ padTo: 64 });
    const r = await txRun("VF-0", [f]);
    expect(r.c.frameDrops).toEqual({});
    expect(r.got("wire")).toEqual([f]);
  });

  it("a VF with mac-anti-spoof: false may send with any source MAC and any VLAN", async () => {
    const spoofed = eth({ dst: EXT, src: "02:66:66:66:66:66" }).ipv4().udp().build({ padTo: 60 });
    const tagged = eth({ dst: EXT, src: VF3 }).vlan(300).ipv4().udp().build({ padTo: 64 });
    const r = await txRun("VF-3", [spoofed, tagged]);
    expect(r.c.frameDrops).toEqual({});
    expect(r.got("wire")).toEqual([spoofed, tagged]);
    expect(r.c.counters.pools["VF-3"].tx_spoofed).toBe(0);
  });

  it("allow-set-mac alone does not turn anti-spoof off: VF-0's twin config sending another MAC is dropped", async () => {
    const c = conf(`PF { device: "ix0"; num_vfs: 1; }\nVF-0 { mac-addr: "${VF0}"; allow-set-mac: true; }\n`);
    const r = await txRun("VF-0", [arp(EXT, "02:66:66:66:66:66")], c);
    expect(r.c.frameDrops).toEqual({ "mac-spoof": 1 });
  });

  it("the PF is not anti-spoof checked", async () => {
    const f = eth({ dst: EXT, src: "02:66:66:66:66:66" }).vlan(300).ipv4().udp().build({ padTo: 64 });
    const r = await txRun("PF", [f]);
    expect(r.got("wire")).toEqual([f]);
  });

  it("port VLAN: untagged transmit leaves with 802.1Q VID 100; a pre-tagged frame is an MDD drop", async () => {
    const plain = eth({ dst: EXT, src: VF2 }).ipv4().udp().build({ padTo: 60 });
    const tagged = eth({ dst: EXT, src: VF2 }).vlan(100).ipv4().udp().build({ padTo: 64 });
    const r = await txRun("VF-2", [plain, tagged]);
    const w = r.got("wire");
    expect(w).toHaveLength(1);
    expect(parseFrame(w[0]).vlans).toEqual([{ tpid: 0x8100, vid: 100, pcp: 0, dei: 0 }]);
    expect(r.c.frameDrops).toEqual({ "mdd-vlan": 1 });
    expect(r.c.counters.pools["VF-2"].mdd_events).toBe(1);
    expect(r.c.counters.pools["VF-2"].tx_errors).toBe(1);
    expect(r.c.counters.pools["VF-2"].tx_bytes).toBe(64 + 4); // counted after the tag was inserted
  });

  it("untrusted --promisc on ixl is refused; the trusted VF gets a copy of every unicast, even another VF's", async () => {
    const frames = [arp(VF0), arp("02:77:00:00:00:01")];
    const refused = await import("./dp-sweep-harness.ts").then((h) =>
      h.cli(
        "switch",
        "-f",
        ixl,
        "--in",
        `wire=${capture(frames)}`,
        "--out",
        `${h.tmp}/refused`,
        "--promisc",
        "VF-1",
      ),
    );
    expect(refused.rc).toBe(1);
    expect(refused.err).toContain("allow-promisc");
    const r = await wireRun(frames, ixl, "--promisc", "VF-3");
    // §2.7: steps 1 and 7 are additive; unknown unicast reaches the promiscuous pool only.
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1, "VF-3": 2 }));
  });

  it("on Tx a promiscuous VF gets a copy of another VF's unknown unicast (T6) and of its VF-to-VF unicast", async () => {
    const r = await runSwitch(
      ixl,
      { "VF-0": capture([arp("02:77:00:00:00:01", VF0), arp(VF1, VF0)]) },
      "--promisc",
      "VF-3",
    );
    expect(receivedCounts(r)).toEqual(only({ "VF-1": 1, "VF-3": 2 }));
    expect(r.got("wire")).toHaveLength(1); // only the unknown unicast leaves
  });

  it("--promisc names a VF by its number even when the driver refused an earlier VF (no pool gap)", async () => {
    // VF-1 repeats VF-0's MAC: ixl refuses it (EADDRINUSE), so VF-2 owns pool 1. This was an
    // internal error ("no VF pool 2"): the VF number was taken for the pool index.
    const c = conf(`PF { device: "ixl0"; num_vfs: 3; }
VF-0 { mac-addr: "${VF0}"; }
VF-1 { mac-addr: "${VF0}"; }
VF-2 { mac-addr: "${VF2}"; allow-promisc: true; }
`);
    const r = await wireRun([arp("02:77:00:00:00:01"), arp(VF0)], c, "--promisc", "VF-2");
    expect(receivedCounts(r)).toEqual({ "VF-0": 1, "VF-2": 2, PF: 0 });
    expect(r.out).toContain("note: VF-1 was not created");
  });

  it("a promiscuous pool still obeys VLAN membership: the PF does not see VLAN 100 traffic", async () => {
    const r = await wireRun(
      [eth({ dst: VF2, src: EXT }).vlan(100).arp().build({ padTo: 64 }), arp("02:77:00:00:00:01")],
      ix,
      "--promisc",
      "PF",
    );
    expect(receivedCounts(r)).toEqual(only({ "VF-2": 1, PF: 1 }));
  });
});

describe("replication and loopback through the VEB (spec §3.5, §9 items 13, 26-31)", () => {
  it("a broadcast from the wire: one copy per eligible pool, each counted as broadcast, bytes with FCS", async () => {
    const f = eth({ dst: BCAST, src: EXT }).arp().payload(50).build();
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1, "VF-1": 1, "VF-3": 1, PF: 1 }));
    for (const p of ["VF-0", "VF-1", "VF-3", "PF"]) {
      expect(r.c.counters.pools[p].rx_broadcast).toBe(1);
      expect(r.c.counters.pools[p].rx_multicast).toBe(0);
      expect(r.c.counters.pools[p].rx_bytes).toBe(f.length + 4);
    }
    expect(r.c.counters.port.rx_packets).toBe(1);
  });

  it("a VF's broadcast: every other eligible pool and the wire, never back to the sender (T3)", async () => {
    const r = await txRun("VF-1", [arp(BCAST, VF1)]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1, "VF-3": 1, PF: 1 }));
    expect(r.got("wire")).toHaveLength(1);
    expect(r.c.counters.pools["VF-0"].rx_lb_packets).toBe(1);
    expect(r.c.counters.pools["VF-1"].tx_broadcast).toBe(1);
  });

  it("the access-VLAN VF's broadcast: tagged on the wire; no other pool is in VLAN 100", async () => {
    const r = await txRun("VF-2", [arp(BCAST, VF2)]);
    expect(parseFrame(r.got("wire")[0]).vlans.map((v) => v.vid)).toEqual([100]);
    expect(r.c.counters.pools["VF-2"].tx_packets).toBe(1);
    // §2.6: on Tx the default pool takes broadcast/multicast that found no pool (after the VLAN step).
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
  });

  it("a VF's multicast no pool asked for: the wire, and the default pool (§2.6 Tx)", async () => {
    const r = await txRun("VF-0", [
      eth({ dst: "01:00:5e:00:00:fb", src: VF0 }).ipv4().udp().build({ padTo: 60 }),
    ]);
    expect(r.got("wire")).toHaveLength(1);
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
    expect(r.c.counters.pools["VF-0"].tx_multicast).toBe(1);
  });

  it("a multicast from the wire that no pool joined is dropped by the port's L2 filter", async () => {
    const r = await wireRun([
      eth({ dst: "01:00:5e:00:00:fb", src: EXT }).ipv4().udp().build({ padTo: 60 }),
      eth({ dst: "33:33:00:00:00:01", src: EXT }).ipv6().icmpv6().build({ padTo: 62 }),
    ]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.c.frameDrops).toEqual({ "l2-filter": 2 });
    expect(r.c.counters.port.rx_l2_filtered).toBe(2);
  });

  it("VF-1 to VF-0: loopback only, counted in rx_lb/tx_lb, not on the wire; queue 0 without RSS", async () => {
    const f = eth({ dst: VF0, src: VF1 })
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .build({ padTo: 60 });
    const r = await runSwitch(ix, { "VF-1": capture([f]) }, "--per-queue");
    expect(r.queue("VF-0", 0)).toEqual([f]);
    expect(r.got("wire")).toEqual([]);
    expect(r.c.counters.pools["VF-0"].rx_lb_packets).toBe(1);
    expect(r.c.counters.pools["VF-1"].tx_lb_packets).toBe(1);
    expect(r.c.counters.pools["VF-1"].tx_bytes).toBe(64);
  });

  it("a VF to the PF's MAC: looped back to the PF, not on the wire", async () => {
    const r = await txRun("VF-0", [arp(PF, VF0)]);
    expect(receivedCounts(r)).toEqual(only({ PF: 1 }));
    expect(r.got("wire")).toEqual([]);
  });

  it("the PF to a VF's MAC: looped back to that VF", async () => {
    const r = await txRun("PF", [arp(VF1, PF)]);
    expect(receivedCounts(r)).toEqual(only({ "VF-1": 1 }));
    expect(r.got("wire")).toEqual([]);
  });

  it("a VF to its own MAC: delivered nowhere, not on the wire, still in tx_packets (T5)", async () => {
    const r = await txRun("VF-0", [arp(VF0, VF0)]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.got("wire")).toEqual([]);
    expect(r.c.frameDrops).toEqual({ "no-destination": 1 });
    expect(r.c.counters.pools["VF-0"].tx_packets).toBe(1);
    expect(r.c.counters.port.tx_no_destination).toBe(1);
  });

  it("an untagged VF frame to the access-VLAN VF's MAC: exact match but not a VLAN member, so nowhere", async () => {
    const r = await txRun("VF-0", [arp(VF2, VF0)]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.got("wire")).toEqual([]);
    expect(r.c.frameDrops).toEqual({ "no-destination": 1 });
  });

  it("unknown unicast from a VF goes to the wire only (T6); from the wire it is filtered (R8)", async () => {
    const out = await txRun("VF-0", [arp("02:77:00:00:00:01", VF0)]);
    expect(receivedCounts(out)).toEqual(none);
    expect(out.got("wire")).toHaveLength(1);
    const inn = await wireRun([arp("02:77:00:00:00:01")]);
    expect(receivedCounts(inn)).toEqual(none);
    expect(inn.c.frameDrops).toEqual({ "l2-filter": 1 });
  });

  it("wire and VF inputs together: merged by timestamp, each counted on its own path", async () => {
    const w = capture([arp(VF0), arp(VF1)], { t0: 1000n, step: 2000n }); // t = 1000, 3000
    const t = capture([arp(VF1, VF0)], { t0: 2000n }); // t = 2000
    const r = await runSwitch(ix, { wire: w, "VF-0": t });
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1, "VF-1": 2 }));
    expect(r.c.counters.port.rx_packets).toBe(2);
    expect(r.c.counters.pools["VF-1"].rx_lb_packets).toBe(1);
  });
});

describe("counters after a run (spec §6)", () => {
  it("class counters: unicast, multicast (not broadcast) and broadcast, per receiver and per sender", async () => {
    const mc = eth({ dst: "01:00:5e:00:00:fb", src: EXT }).ipv4().udp().build({ padTo: 60 });
    const w = capture([arp(VF0), arp(BCAST), mc], { t0: 1000n, step: 2000n });
    const t = capture([arp(VF1, VF0), arp(BCAST, VF0), arp("01:00:5e:00:00:01", VF0)], {
      t0: 2000n,
      step: 2000n,
    });
    // The PF is promiscuous (UPE + MPE): the wire multicast passes the port filter and reaches
    // it, and it gets a copy of both unicasts meant for VF-0 and VF-1 (§2.7: additive).
    const r = await runSwitch(ix, { wire: w, "VF-0": t }, "--promisc", "PF");
    const pf = r.c.counters.pools.PF;
    expect([pf.rx_unicast, pf.rx_multicast, pf.rx_broadcast]).toEqual([2, 2, 2]);
    const vf0 = r.c.counters.pools["VF-0"];
    expect([vf0.rx_unicast, vf0.rx_multicast, vf0.rx_broadcast]).toEqual([1, 0, 1]);
    expect([vf0.tx_unicast, vf0.tx_multicast, vf0.tx_broadcast, vf0.tx_packets]).toEqual([1, 1, 1, 3]);
    expect(vf0.tx_lb_packets).toBe(3); // each of the three reached another pool
  });

  it("port size buckets count with the FCS: 60 B in 64, 123 B in 65-127, 124 B in 128-255, 1020 B in 1024+", async () => {
    const at = (n: number) =>
      eth({ dst: VF0, src: EXT })
        .payload(n - 14)
        .build();
    const r = await wireRun([at(60), at(61), at(123), at(124), at(1019), at(1020)]);
    expect(r.c.counters.port.rx_size).toEqual({
      "64": 1,
      "65_127": 2,
      "128_255": 1,
      "256_511": 0,
      "512_1023": 1,
      "1024_max": 1,
    });
    expect(r.c.counters.port.rx_bytes).toBe([60, 61, 123, 124, 1019, 1020].reduce((a, b) => a + b + 4, 0));
  });

  it("per-queue counters of the 4-queue VF add up to its pool counters after a mixed run", async () => {
    const flows = Array.from({ length: 24 }, (_, i) =>
      eth({ dst: VF1, src: EXT })
        .ipv4({ src: `10.0.${i}.1`, dst: "10.1.0.1" })
        .tcp({ sport: 1000 + i, dport: 80 })
        .build({ padTo: 60 }),
    );
    const r = await runSwitch(ix, { wire: capture([...flows, arp(BCAST)]) }, "--per-queue");
    const qs = r.c.counters.queues["VF-1"] as Array<{ rx_packets: number; rx_bytes: number }>;
    const pool = r.c.counters.pools["VF-1"];
    expect(qs.reduce((n, q) => n + q.rx_packets, 0)).toBe(pool.rx_packets);
    expect(pool.rx_packets).toBe(25);
    expect(qs.reduce((n, q) => n + q.rx_bytes, 0)).toBe(pool.rx_bytes);
    expect(qs.filter((q) => q.rx_packets > 0).length).toBeGreaterThan(1); // RSS spreads the flows
    for (let q = 0; q < qs.length; q++) expect(r.queue("VF-1", q)).toHaveLength(qs[q]!.rx_packets);
  });
});

describe("more VLAN cases", () => {
  it("802.1Q over 802.1Q with the outer VID 100 to the access-VLAN VF: the outer tag is stripped, the inner stays", async () => {
    const f = eth({ dst: VF2, src: EXT }).vlan(100).vlan(7).ipv4().udp().build({ padTo: 68 });
    const r = await wireRun([f]);
    expect(receivedCounts(r)).toEqual(only({ "VF-2": 1 }));
    expect(parseFrame(r.got("VF-2")[0]!).vlans.map((v) => v.vid)).toEqual([7]);
  });

  it("a priority-tagged broadcast reaches every VLAN 0 member (not the access-VLAN VF), tag kept", async () => {
    const r = await wireRun([eth({ dst: BCAST, src: EXT }).vlan(0, { pcp: 7 }).arp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(only({ "VF-0": 1, "VF-1": 1, "VF-3": 1, PF: 1 }));
    expect(parseFrame(r.got("PF")[0]!).vlans.map((v) => [v.vid, v.pcp])).toEqual([[0, 7]]);
  });

  it("a VF without anti-spoof sending VID 100 to the access-VLAN VF: looped back, tag stripped there", async () => {
    const r = await txRun("VF-3", [eth({ dst: VF2, src: VF3 }).vlan(100).arp().build({ padTo: 64 })]);
    expect(receivedCounts(r)).toEqual(only({ "VF-2": 1 }));
    expect(parseFrame(r.got("VF-2")[0]!).vlans).toEqual([]);
    expect(r.got("wire")).toEqual([]);
  });

  it("the access-VLAN VF to a trunk VF's MAC: tagged 100 on insertion, the trunk VF is not a member, nowhere", async () => {
    const r = await txRun("VF-2", [arp(VF0, VF2)]);
    expect(receivedCounts(r)).toEqual(none);
    expect(r.c.frameDrops).toEqual({ "no-destination": 1 });
  });
});

describe("ixl mac-addr 00:00:00:00:00:00: the made-up address gets no filter without allow-set-mac", () => {
  // ixl_vf_mac_valid refuses (EPERM) a filter for anything but the assigned (zero) address.
  const zero = conf(`PF { device: "ixl0"; num_vfs: 2; }
VF-0 { mac-addr: "00:00:00:00:00:00"; }
VF-1 { mac-addr: "00:00:00:00:00:00"; allow-set-mac: true; }
`);
  const unicast = eth({ dst: "02:00:00:00:00:01", src: EXT }).ipv4().udp().build({ padTo: 60 });

  it("unicast to VF-0's made-up MAC is filtered; broadcast still reaches it", async () => {
    const r = await wireRun([unicast, arp(BCAST)], zero, "--rewrite-dst", "VF-0");
    expect(r.got("VF-0")).toHaveLength(1); // the broadcast only
    expect([...r.got("VF-0")[0]!.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect(r.c.frameDrops).toEqual({ "l2-filter": 1 });
  });

  it("with allow-set-mac the VF's own filter is kept: unicast delivered", async () => {
    const r = await wireRun([unicast], zero, "--rewrite-dst", "VF-1");
    expect(r.got("VF-1")).toHaveLength(1);
    expect(r.c.frameDrops).toEqual({});
  });
});
