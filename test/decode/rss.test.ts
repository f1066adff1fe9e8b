// RSS reference: every Microsoft verification vector (spec §10.1), the §10.3 frame hashes,
// hash-type selection (§4.4/§4.5), outer vs inner input (§4.7) and the RETA look-up (§4.6).
import { describe, expect, it } from "vitest";
import { parseFrame } from "../../src/switch/reference/parse.ts";
import {
  DEFAULT_RSS,
  defaultReta,
  RSS_ALL_TYPES,
  RSS_LINUX_IXGBE_DEFAULT,
  RssEnable,
  RssType,
  retaQueue,
  rssHash,
  rssInput,
} from "../../src/switch/reference/rss.ts";
import { MS_RSS_KEY, toeplitzHash } from "../../src/switch/reference/toeplitz.ts";
import { eth, ipv4Addr, ipv6Addr } from "../../src/traffic/frames.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!, (b) => Number.parseInt(b, 16));
const be16 = (v: number) => [v >> 8, v & 0xff];

const V4 = [
  { src: "66.9.149.187", sport: 2794, dst: "161.142.100.80", dport: 1766, h2: 0x323e8fc2, h4: 0x51ccc178 },
  { src: "199.92.111.2", sport: 14230, dst: "65.69.140.83", dport: 4739, h2: 0xd718262a, h4: 0xc626b0ea },
  { src: "24.19.198.95", sport: 12898, dst: "12.22.207.184", dport: 38024, h2: 0xd2d0a5de, h4: 0x5c2b394a },
  { src: "38.27.205.30", sport: 48228, dst: "209.142.163.6", dport: 2217, h2: 0x82989176, h4: 0xafc7327f },
  { src: "153.39.163.191", sport: 44251, dst: "202.188.127.2", dport: 1303, h2: 0x5d1809c5, h4: 0x10e828a2 },
];
const V6 = [
  {
    src: "3ffe:2501:200:1fff::7",
    sport: 2794,
    dst: "3ffe:2501:200:3::1",
    dport: 1766,
    h2: 0x2cc18cd5,
    h4: 0x40207d3d,
  },
  {
    src: "3ffe:501:8::260:97ff:fe40:efab",
    sport: 14230,
    dst: "ff02::1",
    dport: 4739,
    h2: 0x0f0c461c,
    h4: 0xdde51bbf,
  },
  {
    src: "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
    sport: 44251,
    dst: "fe80::200:f8ff:fe21:67cf",
    dport: 38024,
    h2: 0x4b61e985,
    h4: 0x02d1feef,
  },
];

describe("Toeplitz on raw inputs (spec §10.1)", () => {
  it("IPv4 row 1 from the documented 12-byte input", () => {
    expect(toeplitzHash(hex("420995bb a18e6450 0aea06e6"))).toBe(0x51ccc178);
    expect(toeplitzHash(hex("420995bb a18e6450"))).toBe(0x323e8fc2);
  });
  it("IPv6 row 1 from the documented 36-byte input", () => {
    const input = hex("3ffe250102001fff0000000000000007 3ffe2501020000030000000000000001 0aea 06e6");
    expect(toeplitzHash(input, MS_RSS_KEY)).toBe(0x40207d3d);
  });
  it.each(V4)("IPv4 $src:$sport -> $dst:$dport", (v) => {
    const a = [...ipv4Addr(v.src), ...ipv4Addr(v.dst)];
    expect(toeplitzHash(Uint8Array.from(a))).toBe(v.h2);
    expect(toeplitzHash(Uint8Array.from([...a, ...be16(v.sport), ...be16(v.dport)]))).toBe(v.h4);
  });
  it.each(V6)("IPv6 $src ($sport) -> $dst ($dport)", (v) => {
    const a = [...ipv6Addr(v.src), ...ipv6Addr(v.dst)];
    expect(toeplitzHash(Uint8Array.from(a))).toBe(v.h2);
    expect(toeplitzHash(Uint8Array.from([...a, ...be16(v.sport), ...be16(v.dport)]))).toBe(v.h4);
  });
  it("a different key gives a different hash; key bytes past the end read as 0", () => {
    const input = hex("420995bb a18e6450 0aea06e6");
    expect(toeplitzHash(input, new Uint8Array(40).fill(0x11))).not.toBe(0x51ccc178);
    expect(toeplitzHash(input, new Uint8Array(0))).toBe(0);
  });
});

describe("RSS on parsed frames", () => {
  it.each(V4)("IPv4/TCP and IPv4/UDP frames $src -> $dst hash as the table says", (v) => {
    const tcp = eth()
      .ipv4({ src: v.src, dst: v.dst })
      .tcp({ sport: v.sport, dport: v.dport })
      .build({ padTo: 60 });
    const pt = parseFrame(tcp);
    expect(rssHash(tcp, pt)).toEqual({ hash: v.h4, type: RssType.TCP_IPV4 });
    const udp = eth()
      .ipv4({ src: v.src, dst: v.dst })
      .udp({ sport: v.sport, dport: v.dport })
      .build({ padTo: 60 });
    expect(rssHash(udp, parseFrame(udp))).toEqual({ hash: v.h4, type: RssType.UDP_IPV4 });
    // TCP hashing disabled: falls back to the IPv4 2-tuple.
    expect(rssHash(tcp, pt, { ...DEFAULT_RSS, enabled: RssEnable.IPV4 })).toEqual({
      hash: v.h2,
      type: RssType.IPV4,
    });
    expect(pt.rss.outer).toBe(v.h4);
  });
  it.each(V6)("IPv6/TCP and IPv6/UDP frames $src -> $dst", (v) => {
    const tcp = eth().ipv6({ src: v.src, dst: v.dst }).tcp({ sport: v.sport, dport: v.dport }).build();
    expect(rssHash(tcp, parseFrame(tcp))).toEqual({ hash: v.h4, type: RssType.TCP_IPV6 });
    const udp = eth().ipv6({ src: v.src, dst: v.dst }).udp({ sport: v.sport, dport: v.dport }).build();
    expect(rssHash(udp, parseFrame(udp))).toEqual({ hash: v.h4, type: RssType.UDP_IPV6 });
    const frag = eth()
      .ipv6({ src: v.src, dst: v.dst, ext: [{ type: "fragment", more: true }] })
      .tcp({ sport: v.sport, dport: v.dport })
      .build();
    expect(rssHash(frag, parseFrame(frag))).toEqual({ hash: v.h2, type: RssType.IPV6 });
  });

  it("R2: UDP 10.0.0.1:1234 -> 10.0.0.2:80 is 0xe7c0c84a, 0x02b7c9b1 with UDP hashing off", () => {
    const f = eth({ dst: "02:00:00:00:00:11" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 80 })
      .build({ padTo: 60 });
    const p = parseFrame(f);
    expect(rssHash(f, p).hash).toBe(0xe7c0c84a);
    expect(retaQueue(rssHash(f, p).hash, defaultReta(4))).toBe(2);
    const off = rssHash(f, p, { ...DEFAULT_RSS, enabled: RSS_LINUX_IXGBE_DEFAULT });
    expect(off).toEqual({ hash: 0x02b7c9b1, type: RssType.IPV4 });
    expect(retaQueue(off.hash, defaultReta(4))).toBe(1);
  });
  it("R7: UDP 10.0.0.5:5353 -> 224.0.0.251:5353 is 0x5d0e850e (queue 2 of 4)", () => {
    const f = eth({ dst: "01:00:5e:00:00:fb" })
      .ipv4({ src: "10.0.0.5", dst: "224.0.0.251" })
      .udp({ sport: 5353, dport: 5353 })
      .build({ padTo: 60 });
    const h = rssHash(f, parseFrame(f)).hash;
    expect(h).toBe(0x5d0e850e);
    expect(retaQueue(h, defaultReta(4))).toBe(2);
  });
  it("R1 lands in queue 0 and R3 (first fragment) uses the 2-tuple, queue 2", () => {
    const r1 = eth()
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    expect(retaQueue(parseFrame(r1).rss.outer, defaultReta(4))).toBe(0);
    const r3 = eth()
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80", mf: true })
      .tcp({ sport: 2794, dport: 1766 })
      .payload(8)
      .build();
    const p = parseFrame(r3);
    expect(p.l3?.fragment).toBe(true);
    expect(p.l4?.sport).toBe(2794); // the first fragment still shows its ports...
    expect(rssHash(r3, p)).toEqual({ hash: 0x323e8fc2, type: RssType.IPV4 }); // ...but hashes on the 2-tuple
    expect(retaQueue(0x323e8fc2, defaultReta(4))).toBe(2);
  });
  it("non-IP and undecodable IP get hash 0 / type none (§4.5)", () => {
    const cases = [
      eth().arp().build({ padTo: 60 }),
      eth().mpls([100]).ipv4().tcp().build(), // MPLS: not IP for a plain NIC (outer)
      eth().ipv4({ version: 5 }).tcp().build(),
      eth().ipv4({ ihl: 4 }).tcp().build(),
      eth()
        .ipv4({ options: [1, 1, 1, 1, 1, 1, 1, 1] })
        .build()
        .subarray(0, 14 + 24), // IHL 7, only 24 bytes
      eth()
        .ipv6({ ext: [] })
        .build()
        .subarray(0, 14 + 30),
    ];
    for (const f of cases) expect(rssHash(f, parseFrame(f))).toEqual({ hash: 0, type: RssType.NONE });
  });
  it("a type that is not enabled is skipped; nothing enabled gives 0", () => {
    const f = eth().ipv4().tcp().build();
    expect(rssHash(f, parseFrame(f), { ...DEFAULT_RSS, enabled: 0 })).toEqual({
      hash: 0,
      type: RssType.NONE,
    });
    expect(rssHash(f, parseFrame(f), { ...DEFAULT_RSS, enabled: RssEnable.UDP_IPV4 }).type).toBe(
      RssType.NONE,
    );
  });
  it("a truncated IP packet (length past the frame, header or extension chain cut) gets hash 0 (§7.5 rule 4, §10.3)", () => {
    const none = { hash: 0, type: RssType.NONE };
    const full = eth()
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    const cut = full.subarray(0, 14 + 20 + 10);
    const p = parseFrame(cut);
    expect(p.truncated).toBe("tcp");
    expect(p.l3?.truncated).toBe(true);
    expect(rssHash(cut, p)).toEqual(none);
    const withData = eth()
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .payload(8)
      .build();
    const payloadCut = withData.subarray(0, withData.length - 1); // TCP header whole, IP length overruns
    const pc = parseFrame(payloadCut);
    expect(pc.truncated).toBe("ipv4");
    expect(rssHash(payloadCut, pc)).toEqual(none);
    expect(pc.rss).toEqual({ outer: 0, inner: 0 });
    // IPv6 payload length past the frame.
    const v6 = eth().ipv6({ src: V6[0].src, dst: V6[0].dst }).tcp({}).payload(8).build();
    const v6cut = v6.subarray(0, v6.length - 4);
    expect(rssHash(v6cut, parseFrame(v6cut))).toEqual(none);
    // AH with payload-len 0xff inside a complete IPv6 packet: the chain runs past the end.
    const ah = eth()
      .ipv6({ src: V6[0].src, dst: V6[0].dst, ext: [{ type: "ah" }] })
      .tcp({})
      .build();
    ah[14 + 40 + 1] = 0xff;
    const pah = parseFrame(ah);
    expect(pah.l3?.truncated).toBeFalsy();
    expect(pah.truncated).toBe("ipv6-ext");
    expect(rssHash(ah, pah)).toEqual(none);
    // The same in IPv4 (AH skipped like in IPv6).
    const ah4 = eth().ipv4({ proto: 51 }).payload(24).build();
    ah4[14 + 20 + 1] = 0xff;
    const pah4 = parseFrame(ah4);
    expect(pah4.truncated).toBe("ah");
    expect(rssHash(ah4, pah4)).toEqual(none);
  });
  it("an incomplete L4 header inside a complete IP packet falls back to the 2-tuple (§4.4, QEMU)", () => {
    const f = eth()
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .build();
    // IP total length 30: a 10-byte TCP header inside the packet, the rest is padding.
    f[14 + 2] = 0;
    f[14 + 3] = 30;
    f[14 + 10] = 0; // checksum is not checked; keep the frame otherwise as built
    const p = parseFrame(f);
    expect(p.l3?.truncated).toBeFalsy();
    expect(p.truncated).toBe("tcp");
    expect(rssHash(f, p)).toEqual({ hash: 0x323e8fc2, type: RssType.IPV4 });
  });
  it("inner level: a truncated inner packet falls back to the outer hash; a truncated outer gives 0", () => {
    const build = () =>
      eth()
        .ipv4({ src: "199.92.111.2", dst: "65.69.140.83" })
        .gre({ key: 5 })
        .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
        .tcp({ sport: 2794, dport: 1766 })
        .payload(8)
        .build();
    const inner = { ...DEFAULT_RSS, level: "inner" as const };
    const ok = build();
    const outerHash = rssHash(ok, parseFrame(ok)).hash;
    expect(outerHash).not.toBe(0);
    expect(rssHash(ok, parseFrame(ok), inner).hash).toBe(0x51ccc178);
    // Inner total length raised past the outer packet's end: inner truncated, outer intact.
    const innerCut = build();
    const innerIp = 14 + 20 + 8;
    innerCut[innerIp + 2] = 0x05;
    const pi = parseFrame(innerCut);
    expect(pi.inner?.l3?.truncated).toBe(true);
    expect(pi.l3?.truncated).toBeFalsy();
    expect(rssHash(innerCut, pi, inner)).toEqual(rssHash(innerCut, pi));
    expect(rssHash(innerCut, pi, inner).hash).toBe(outerHash);
    // The frame cut short: the outer packet is truncated, no hash at either level.
    const outerCut = ok.subarray(0, ok.length - 2);
    const po = parseFrame(outerCut);
    expect(rssHash(outerCut, po, inner)).toEqual({ hash: 0, type: RssType.NONE });
    expect(po.rss).toEqual({ outer: 0, inner: 0 });
  });
  it("IPv6 extension headers are skipped to find TCP; ESP stops at the 2-tuple", () => {
    const v = V6[0];
    const f = eth()
      .ipv6({
        src: v.src,
        dst: v.dst,
        ext: [{ type: "hbh" }, { type: "routing", segmentsLeft: 0 }, { type: "dstopts" }, { type: "ah" }],
      })
      .tcp({ sport: v.sport, dport: v.dport })
      .build();
    expect(rssHash(f, parseFrame(f))).toEqual({ hash: v.h4, type: RssType.TCP_IPV6 });
    const esp = eth().ipv6({ src: v.src, dst: v.dst, nextHeader: 50 }).payload(16).build();
    expect(rssHash(esp, parseFrame(esp))).toEqual({ hash: v.h2, type: RssType.IPV6 });
  });
  it("IPv6-EX: a type-2 routing header's address replaces the destination", () => {
    const v = V6[0];
    const f = eth()
      .ipv6({
        src: v.src,
        dst: "2001:db8::55",
        ext: [{ type: "routing", routingType: 2, segmentsLeft: 1, addresses: [v.dst] }],
      })
      .tcp({ sport: v.sport, dport: v.dport })
      .build();
    const p = parseFrame(f);
    expect(rssHash(f, p)).toEqual({ hash: v.h4, type: RssType.TCP_IPV6_EX });
    expect(rssHash(f, p, { ...DEFAULT_RSS, enabled: RssEnable.TCP_IPV6 }).type).toBe(RssType.TCP_IPV6);
  });
});

describe("tunnels: outer vs inner input (spec §4.7)", () => {
  const inner = (b: ReturnType<typeof eth>) =>
    b.ipv4({ src: "66.9.149.187", dst: "161.142.100.80" }).tcp({ sport: 2794, dport: 1766 });
  const outer = () => eth().ipv4({ src: "199.92.111.2", dst: "65.69.140.83" });
  it("VXLAN/GENEVE/GTP-U: outer 4-tuple on a plain NIC, inner 4-tuple in inner mode", () => {
    for (const f of [
      inner(outer().udp({ sport: 14230, dport: 4789 }).vxlan(1).eth()).build(),
      inner(outer().udp({ sport: 14230, dport: 6081 }).geneve(1).eth()).build(),
      inner(outer().udp({ sport: 14230, dport: 2152 }).gtpu(1)).build(),
    ]) {
      const p = parseFrame(f);
      const outerInput = rssInput(f, p);
      expect(outerInput.type).toBe(RssType.UDP_IPV4);
      expect(p.rss.inner).toBe(0x51ccc178);
      expect(rssHash(f, p, { ...DEFAULT_RSS, level: "inner" }).hash).toBe(0x51ccc178);
    }
  });
  it("GRE, NVGRE and IP-in-IP: outer 2-tuple, inner tuple in inner mode", () => {
    for (const f of [
      inner(outer().gre({ key: 5 })).build(),
      inner(outer().nvgre(5).eth()).build(),
      inner(outer()).build(),
    ]) {
      const p = parseFrame(f);
      expect(p.rss.outer).toBe(0xd718262a);
      expect(p.rss.inner).toBe(0x51ccc178);
    }
  });
  it("MPLS: hash 0 outer, inner IP in inner mode", () => {
    const f = inner(eth().mpls([1, 2, 3])).build();
    const p = parseFrame(f);
    expect(p.rss).toEqual({ outer: 0, inner: 0x51ccc178 });
  });
  it("a tunnel whose inner packet is not IP falls back to the outer hash", () => {
    const f = outer().udp({ sport: 14230, dport: 4789 }).vxlan(1).eth().arp().build();
    const p = parseFrame(f);
    expect(p.rss.inner).toBe(p.rss.outer);
    const tuple = [...ipv4Addr("199.92.111.2"), ...ipv4Addr("65.69.140.83"), ...be16(14230), ...be16(4789)];
    expect(p.rss.outer).toBe(toeplitzHash(Uint8Array.from(tuple)));
  });
  it("an IP fragment of a tunnel hashes on the outer 2-tuple in both modes", () => {
    const f = eth()
      .ipv4({ src: "199.92.111.2", dst: "65.69.140.83", mf: true })
      .udp({ sport: 14230, dport: 4789 })
      .vxlan(1)
      .eth()
      .ipv4()
      .tcp()
      .build();
    const p = parseFrame(f);
    expect(p.tunnel).toBeUndefined();
    expect(p.rss).toEqual({ outer: 0xd718262a, inner: 0xd718262a });
  });
});

describe("redirection table (spec §4.6)", () => {
  it("RETA[i] = i mod n with n a power of two gives queue = hash & (n-1)", () => {
    for (const n of [1, 2, 4, 8, 16]) {
      const reta = defaultReta(n);
      for (const h of [0, 1, 0x51ccc178, 0xffffffff, 0x12345677])
        expect(retaQueue(h, reta)).toBe(h & (n - 1));
    }
    expect(RSS_ALL_TYPES & RssEnable.UDP_IPV6_EX).toBeTruthy();
  });
  it("index is hash & (size-1) for 64-, 128- and 512-entry tables; bad sizes are refused", () => {
    const reta = Array.from({ length: 64 }, (_, i) => i);
    expect(retaQueue(0x51ccc178, reta)).toBe(0x51ccc178 & 63);
    expect(retaQueue(0x51ccc178, defaultReta(3, 512))).toBe((0x51ccc178 & 511) % 3);
    expect(() => retaQueue(1, [0, 1, 2])).toThrow(/power of two/);
  });
});
