// Reference parser: layers, tunnels, length rules and truncation (data-plane spec §7, §10.3).
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import { formatIpv6 } from "../../src/switch/reference/reader.ts";
import { eth, ipv6Addr } from "../../src/traffic/frames.ts";
import { tunnelFrames } from "./tunnel-frames.ts";

const inner = (b: ReturnType<typeof eth>) =>
  b.ipv4({ src: "66.9.149.187", dst: "161.142.100.80" }).tcp({ sport: 2794, dport: 1766 });
const outer = () =>
  eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" }).ipv4({ src: "10.1.0.1", dst: "10.1.0.2" });

describe("L2", () => {
  it("frames shorter than 14 bytes report a cut Ethernet header", () => {
    for (let n = 0; n < 14; n++) {
      const p = parseFrame(new Uint8Array(n));
      expect(p.eth).toBeUndefined();
      expect(p.truncated).toBe("eth");
      expect(p.len).toBe(n);
    }
  });
  it("VLAN, QinQ 0x88a8 and 0x9100 tags, outermost first, with PCP and DEI", () => {
    const p = parseFrame(
      eth().vlan(300, { tpid: 0x9100, pcp: 3 }).vlan(100, { pcp: 5, dei: 1 }).ipv4().udp().build(),
    );
    expect(p.vlans).toEqual([
      { tpid: 0x9100, vid: 300, pcp: 3, dei: 0 },
      { tpid: 0x8100, vid: 100, pcp: 5, dei: 1 },
    ]);
    expect(p.eth?.type).toBe(0x9100);
    expect(p.etherType).toBe(0x0800);
    expect(parseFrame(eth().qinq(200, 10).arp().build()).vlans.map((v) => v.tpid)).toEqual([0x88a8, 0x8100]);
  });
  it("a frame ending inside a VLAN tag is truncated at 'vlan'", () => {
    const f = eth().vlan(100).ipv4().build();
    for (const n of [14, 15, 16, 17]) expect(parseFrame(f.subarray(0, n)).truncated).toBe("vlan");
  });
  it("the tag loop stops after 8 tags", () => {
    let b = eth();
    for (let i = 0; i < 12; i++) b = b.vlan(i + 1);
    const p = parseFrame(b.ipv4().build());
    expect(p.vlans).toHaveLength(8);
    expect(p.l3).toBeUndefined();
  });
  it("802.3 length frames and ARP are not IP", () => {
    const llc = parseFrame(eth({ type: 46 }).payload(46).build());
    expect(llc.l3).toBeUndefined();
    expect(parseFrame(eth().arp().build({ padTo: 60 })).l3).toBeUndefined();
  });
});

describe("IPv4", () => {
  it("addresses, protocol, ports; Ethernet padding beyond total length is ignored", () => {
    const f = eth()
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build({ padTo: 60 });
    const p = parseFrame(f);
    expect(p.l3).toMatchObject({
      proto: "ipv4",
      src: "10.0.0.1",
      dst: "10.0.0.2",
      fragment: false,
      nextProto: 17,
    });
    expect(p.l4).toMatchObject({ proto: "udp", sport: 1234, dport: 80, complete: true });
    expect(p.truncated).toBeUndefined();
  });
  it("padding is not parsed as L4: total length covers only the IP header", () => {
    const f = eth().ipv4({ proto: 6 }).build({ padTo: 60 }); // 20-byte IP packet + 26 bytes pad
    const p = parseFrame(f);
    expect(p.l4).toMatchObject({ proto: "tcp", complete: false });
    expect(p.l4?.sport).toBeUndefined();
    expect(p.truncated).toBe("tcp");
  });
  it("options are skipped by IHL", () => {
    const p = parseFrame(
      eth()
        .ipv4({ options: [0x94, 4, 0, 0, 1, 1, 1, 0] })
        .tcp({ sport: 7, dport: 9 })
        .build(),
    );
    expect(p.l4).toMatchObject({ proto: "tcp", sport: 7, dport: 9, offset: 14 + 28 });
  });
  it("bad version or IHL < 5 or total length < header: invalid, no L3", () => {
    expect(parseFrame(eth().ipv4({ version: 6 }).tcp().build()).invalid).toBe("ipv4");
    expect(parseFrame(eth().ipv4({ ihl: 4 }).tcp().build()).invalid).toBe("ipv4");
    expect(parseFrame(eth().ipv4({ totalLength: 19 }).tcp().build()).invalid).toBe("ipv4");
  });
  it("EtherType 0x0800 with only 10 bytes of IP, and IHL 15 with 40 bytes present", () => {
    const short = eth().ipv4().tcp().build().subarray(0, 24);
    expect(parseFrame(short)).toMatchObject({ truncated: "ipv4", rss: { outer: 0, inner: 0 } });
    expect(parseFrame(short).l3).toBeUndefined();
    const f = eth()
      .ipv4({ ihl: 15 })
      .build()
      .subarray(0, 14 + 40);
    const p = parseFrame(f);
    expect(p.truncated).toBe("ipv4");
    expect(p.l3?.headerTruncated).toBe(true);
    expect(p.l4).toBeUndefined();
    expect(p.rss.outer).toBe(0);
  });
  it("fragments: MF or offset marks a fragment; later fragments have no L4", () => {
    const first = parseFrame(eth().ipv4({ mf: true }).udp({ sport: 1, dport: 2 }).build());
    expect(first.l3?.fragment).toBe(true);
    expect(first.l4?.sport).toBe(1);
    const later = parseFrame(eth().ipv4({ fragOffset: 100, proto: 17 }).payload(16).build());
    expect(later.l3).toMatchObject({ fragment: true, fragOffset: 100 });
    expect(later.l4).toBeUndefined();
  });
  it("AH inside IPv4 is skipped in 4-byte units", () => {
    // AH: next=TCP, len=4 -> (4+2)*4 = 24 bytes
    const ah = [6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, ...new Array(12).fill(0)];
    const p = parseFrame(
      eth()
        .ipv4({ proto: 51 })
        .payload([...ah, 0, 7, 0, 9, ...new Array(16).fill(0)])
        .build(),
    );
    expect(p.l4).toMatchObject({ proto: "tcp", sport: 7, dport: 9 });
  });
});

describe("IPv6", () => {
  it("HBH, Routing, DstOpts, AH are skipped with their own length rules", () => {
    const f = eth()
      .ipv6({
        ext: [
          { type: "hbh", options: new Array(10).fill(0) },
          { type: "routing", addresses: ["::1", "::2"] },
          { type: "dstopts" },
          { type: "ah", icvLength: 16 },
        ],
      })
      .udp({ sport: 5, dport: 6 })
      .build();
    const p = parseFrame(f);
    expect(p.l3).toMatchObject({ proto: "ipv6", nextProto: 17, fragment: false });
    expect(p.l4).toMatchObject({ proto: "udp", sport: 5, dport: 6 });
    expect(p.l4!.offset).toBe(f.length - 8);
  });
  it("AH with payload-len 0xFF runs past the frame: truncated ipv6-ext, no read past the end", () => {
    const f = eth().ipv6({ nextHeader: 51 }).payload([6, 0xff, 0, 0, 1, 2, 3, 4]).build();
    const p = parseFrame(f);
    expect(p.truncated).toBe("ipv6-ext");
    expect(p.l4).toBeUndefined();
  });
  it("an extension chain longer than the frame is truncated", () => {
    const f = eth()
      .ipv6({ ext: [{ type: "hbh" }, { type: "dstopts", options: new Array(30).fill(0) }] })
      .tcp()
      .build();
    const p = parseFrame(f.subarray(0, 14 + 40 + 8 + 10));
    expect(p.truncated).toBe("ipv6-ext"); // the deepest cut: the extension header itself
    expect(p.l4).toBeUndefined();
  });
  it("Fragment header marks the packet; ESP and No Next Header stop", () => {
    expect(
      parseFrame(
        eth()
          .ipv6({ ext: [{ type: "fragment", offset: 8 }] })
          .payload(8)
          .build(),
      ).l3,
    ).toMatchObject({ fragment: true, fragOffset: 8 });
    expect(parseFrame(eth().ipv6({ nextHeader: 50 }).payload(16).build()).l4?.proto).toBe("esp");
    expect(parseFrame(eth().ipv6().build()).l3?.nextProto).toBe(59);
  });
  it("the walk is bounded at 8 headers", () => {
    const ext = Array.from({ length: 10 }, () => ({ type: "dstopts" as const }));
    const p = parseFrame(eth().ipv6({ ext }).tcp().build());
    expect(p.l3?.nextProto).toBe(60);
    expect(p.l4).toBeUndefined();
  });
  it("addresses print in RFC 5952 form", () => {
    expect(formatIpv6(ipv6Addr("2001:db8:0:0:1:0:0:1"))).toBe("2001:db8::1:0:0:1");
    expect(formatIpv6(ipv6Addr("::"))).toBe("::");
    expect(formatIpv6(ipv6Addr("fe80::1"))).toBe("fe80::1");
    expect(formatIpv6(ipv6Addr("1:0:2:0:3:0:4:0"))).toBe("1:0:2:0:3:0:4:0");
    expect(formatIpv6(ipv6Addr("::ffff:102:304"))).toBe("::ffff:1.2.3.4");
    expect(formatIpv6(ipv6Addr("::102:304"))).toBe("::1.2.3.4");
    expect(formatIpv6(ipv6Addr("::1"))).toBe("::1");
    expect(formatIpv6(ipv6Addr("::ffff:0:102:304"))).toBe("::ffff:0:102:304");
    expect(formatIpv6(ipv6Addr("1:0:0:1::"))).toBe("1:0:0:1::");
  });
});

describe("tunnels", () => {
  it("VXLAN on 4789, and on 8472 only when configured", () => {
    const p = parseFrame(
      inner(outer().udp({ dport: 4789 }).vxlan(100).eth({ dst: "02:aa:00:00:00:02" })).build(),
    );
    expect(p.tunnel).toMatchObject({ type: "vxlan", id: 100 });
    expect(p.inner?.eth?.dst).toBe("02:aa:00:00:00:02");
    expect(p.inner?.l4).toMatchObject({ proto: "tcp", sport: 2794, dport: 1766 });
    const f = inner(outer().udp({ dport: 8472 }).vxlan(5).eth()).build();
    expect(parseFrame(f).tunnel).toBeUndefined();
    expect(parseFrame(f, { vxlanPorts: [8472] }).tunnel).toMatchObject({ type: "vxlan", id: 5 });
  });
  it("VXLAN-GPE on 4790: VNI, flags, Next Protocol IPv4 / IPv6 / Ethernet entered, NSH reported", () => {
    const v4 = parseFrame(inner(outer().udp().vxlanGpe(0x123456)).build());
    expect(v4.tunnel).toEqual({
      type: "vxlan-gpe",
      id: 0x123456,
      gpe: { flags: 0x0c, nextProtocol: 1 },
      innerOffset: 14 + 20 + 8 + 8,
    });
    expect(v4.inner?.eth).toBeUndefined();
    expect(v4.inner?.l4).toMatchObject({ proto: "tcp", sport: 2794, dport: 1766 });
    const v6 = parseFrame(outer().udp().vxlanGpe(7).ipv6({ src: "2001:db8::1" }).udp({ sport: 9 }).build());
    expect(v6.tunnel?.gpe?.nextProtocol).toBe(2);
    expect(v6.inner?.l3?.src).toBe("2001:db8::1");
    const e = parseFrame(inner(outer().udp().vxlanGpe(8).eth({ dst: "02:aa:00:00:00:02" })).build());
    expect(e.tunnel?.gpe?.nextProtocol).toBe(3);
    expect(e.inner?.eth?.dst).toBe("02:aa:00:00:00:02");
    // NSH (0x4) has its own header and next protocol: reported, not entered.
    const nsh = parseFrame(outer().udp().vxlanGpe(9, { nextProtocol: 4 }).payload(24).build());
    expect(nsh.tunnel).toMatchObject({ type: "vxlan-gpe", id: 9, gpe: { nextProtocol: 4 } });
    expect(nsh.inner).toBeUndefined();
    // An inner hash exists only where the payload was entered.
    expect(v4.rss.inner).not.toBe(v4.rss.outer);
    expect(nsh.rss.inner).toBe(nsh.rss.outer);
  });
  it("VXLAN-GPE: P clear means no Next Protocol (payload not entered); version != 0 is invalid", () => {
    const noP = parseFrame(inner(outer().udp().vxlanGpe(5, { flags: 0x08, nextProtocol: 1 })).build());
    expect(noP.tunnel).toMatchObject({ type: "vxlan-gpe", id: 5, gpe: { flags: 0x08 } });
    expect(noP.tunnel?.gpe?.nextProtocol).toBeUndefined();
    expect(noP.inner).toBeUndefined();
    const v1 = parseFrame(inner(outer().udp().vxlanGpe(5, { flags: 0x1c })).build());
    expect(v1.tunnel).toBeUndefined();
    expect(v1.invalid).toBe("vxlan-gpe");
    const cut = parseFrame(
      outer()
        .udp()
        .vxlanGpe(5)
        .build()
        .subarray(0, 14 + 20 + 8 + 5),
    );
    expect(cut.truncated).toBe("vxlan-gpe");
    // --vxlan-port 4790 makes 4790 plain VXLAN (the user's word wins), as a Linux VXLAN device
    // on 4790 without 'gpe' reads it.
    const asVxlan = parseFrame(inner(outer().udp().vxlanGpe(5).eth()).build(), { vxlanPorts: [4790] });
    expect(asVxlan.tunnel?.type).toBe("vxlan");
  });
  it("GENEVE options are skipped by their length", () => {
    const p = parseFrame(
      inner(
        outer()
          .udp()
          .geneve(0xabcdef, { options: [{ cls: 1, type: 2, data: new Array(12).fill(7) }] })
          .eth(),
      ).build(),
    );
    expect(p.tunnel).toMatchObject({ type: "geneve", id: 0xabcdef, innerOffset: 14 + 20 + 8 + 8 + 16 });
    expect(p.inner?.l3?.src).toBe("66.9.149.187");
  });
  it("GRE: C/K/S flags, key as id; NVGRE = 0x6558 + key with id = VSID; version 1 and routing not parsed", () => {
    const g = parseFrame(inner(outer().gre({ checksum: true, key: 0x01020304, seq: 9 })).build());
    expect(g.tunnel).toMatchObject({ type: "gre", id: 0x01020304, innerOffset: 14 + 20 + 16 });
    expect(g.inner?.l4?.dport).toBe(1766);
    const n = parseFrame(inner(outer().nvgre(0xabcdef, 0x42).eth()).build());
    expect(n.tunnel).toMatchObject({ type: "nvgre", id: 0xabcdef });
    const plain = parseFrame(inner(outer().gre()).build());
    expect(plain.tunnel?.id).toBeUndefined();
    const v1 = outer().gre().build();
    v1[14 + 20 + 1] |= 1; // version 1 (PPTP)
    expect(parseFrame(v1).tunnel).toBeUndefined();
    const routed = outer().gre().build();
    routed[14 + 20] |= 0x40; // routing bit
    expect(parseFrame(routed).tunnel).toBeUndefined();
  });
  it("GRE with checksum+key+sequence flags but a truncated header", () => {
    const f = inner(outer().gre({ checksum: true, key: 1, seq: 2 }))
      .build()
      .subarray(0, 14 + 20 + 10);
    const p = parseFrame(f);
    expect(p.truncated).toBe("gre"); // the deepest header cut (the IP length is past the end too)
    expect(p.inner).toBeUndefined();
    expect(p.rss).toEqual({ outer: 0, inner: 0 }); // the IP length is past the end: no hash (§7.5 rule 4, §10.3)
  });
  it("GTP-U: E/S/PN optional fields and chained extension headers; G-PDU carries inner IP", () => {
    const p = parseFrame(
      outer()
        .udp({ sport: 2152 })
        .gtpu(0xcafe, {
          seq: 1,
          ext: [
            { type: 0x85, content: [0, 9] },
            { type: 0x40, content: [1, 2, 3, 4, 5, 6] },
          ],
        })
        .ipv6({ src: "2001:db8::5" })
        .udp({ sport: 3, dport: 4 })
        .build(),
    );
    expect(p.tunnel).toMatchObject({ type: "gtpu", id: 0xcafe });
    expect(p.inner?.l3?.src).toBe("2001:db8::5");
    expect(p.inner?.l4?.dport).toBe(4);
    const echo = parseFrame(outer().udp({ sport: 2152 }).gtpu(7, { messageType: 1 }).payload(4).build());
    expect(echo.tunnel?.id).toBe(7);
    expect(echo.inner).toBeUndefined();
  });
  it("MPLS over Ethernet and over UDP 6635: label stack, inner IP by first nibble, bounded at 8", () => {
    const p = parseFrame(inner(eth().mpls([16, 17, 18])).build());
    expect(p.tunnel).toMatchObject({ type: "mpls", labels: [16, 17, 18] });
    expect(p.inner?.l3?.proto).toBe("ipv4");
    const u = parseFrame(outer().udp().mpls([1048575]).ipv6().tcp().build());
    expect(u.tunnel).toMatchObject({ type: "mpls", labels: [1048575] });
    expect(u.inner?.l3?.proto).toBe("ipv6");
    const deep = eth()
      .mpls(Array.from({ length: 10 }, (_, i) => i + 100))
      .ipv4()
      .build();
    // mark no bottom-of-stack anywhere: the builder sets it on the last label only
    const pd = parseFrame(deep);
    expect(pd.tunnel?.labels).toHaveLength(8);
    expect(pd.inner).toBeUndefined();
  });
  it("IP-in-IP (4 and 41)", () => {
    expect(parseFrame(inner(outer()).build()).tunnel).toMatchObject({ type: "ipip" });
    const six = parseFrame(outer().ipv6({ src: "::5" }).udp().build());
    expect(six.tunnel?.type).toBe("ipip");
    expect(six.inner?.l3?.src).toBe("::5");
  });
  it("a truncated inner packet is named inner-<layer>; a cut outer packet is named plainly", () => {
    const f = inner(outer().udp().vxlan(1).eth()).build();
    expect(parseFrame(f.subarray(0, 14 + 20 + 8 + 8 + 10)).truncated).toBe("inner-eth"); // the deepest cut
    const withData = inner(outer().udp().vxlan(1).eth()).payload(4).build();
    expect(parseFrame(withData.subarray(0, withData.length - 1)).truncated).toBe("inner-ipv4"); // inner total length
    const cutInner = outer().udp().vxlan(1).eth({ type: 0x0800 }).payload(10).build();
    const p = parseFrame(cutInner);
    expect(p.truncated).toBe("inner-ipv4");
    expect(p.inner?.eth).toBeDefined();
    expect(p.inner?.l3).toBeUndefined();
    expect(parseFrame(outer().udp().vxlan(1).payload(6).build()).truncated).toBe("inner-eth");
    expect(parseFrame(outer().udp({ dport: 4789 }).payload(6).build()).truncated).toBe("vxlan");
  });
  it("every tunnel case of the oracle set decodes a tunnel (except the plain ones)", () => {
    for (const { name, frame } of tunnelFrames()) {
      const p = parseFrame(frame);
      const plain = /^(ipv4|ipv6|vlan|qinq|arp)/.test(name);
      expect(p.tunnel === undefined, name).toBe(plain);
      expect(p.truncated, name).toBeUndefined();
      expect(p.invalid, name).toBeUndefined();
    }
  });
});
