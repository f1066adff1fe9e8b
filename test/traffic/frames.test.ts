// Frame builder: deterministic bytes, lengths and next-protocol fields derived from the layers,
// checksums that verify (tshark also validates them in test/decode/oracle.test.ts).
import { describe, expect, it } from "vitest";
import { checksum, concat, eth, ipv4Addr, ipv6Addr, mac } from "../../src/traffic/frames.ts";

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

describe("frame builder", () => {
  it("is deterministic and immutable (each call returns a new builder)", () => {
    const base = eth({ dst: "02:00:00:00:00:02" }).ipv4();
    const a = base.udp({ sport: 1 }).payload(10).build();
    const b = base.udp({ sport: 1 }).payload(10).build();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(base.build().length).toBe(14 + 20);
  });
  it("derives EtherTypes, protocols, lengths; pads to a minimum", () => {
    const f = eth().vlan(5, { pcp: 7 }).ipv4().udp({ dport: 53 }).payload(4).build({ padTo: 60 });
    expect(f.length).toBe(60);
    expect(u16(f, 12)).toBe(0x8100);
    expect(u16(f, 14)).toBe((7 << 13) | 5);
    expect(u16(f, 16)).toBe(0x0800);
    expect(u16(f, 18 + 2)).toBe(20 + 8 + 4); // IPv4 total length excludes the pad
    expect(f[18 + 9]).toBe(17);
    expect(u16(f, 38 + 4)).toBe(12); // UDP length
    expect(u16(eth().qinq(1, 2, 0x9100).arp().build(), 12)).toBe(0x9100);
  });
  it("IPv4 header, TCP and UDP checksums verify (sum over data + pseudo-header = 0)", () => {
    const f = eth()
      .ipv4({ src: "192.0.2.1", dst: "198.51.100.7", options: [1, 1, 1, 1] })
      .tcp({ sport: 5, dport: 6 })
      .payload(7)
      .build();
    const ip = f.subarray(14, 14 + 24);
    expect(checksum(ip)).toBe(0);
    const seg = f.subarray(14 + 24);
    const pseudo = concat(ipv4Addr("192.0.2.1"), ipv4Addr("198.51.100.7"), [0, 6, 0, seg.length]);
    expect(checksum(concat(pseudo, seg))).toBe(0);
    const u = eth().ipv6({ src: "2001:db8::1", dst: "2001:db8::2" }).udp().payload(3).build().subarray(54);
    const p6 = concat(ipv6Addr("2001:db8::1"), ipv6Addr("2001:db8::2"), [0, 0, 0, u.length, 0, 0, 0, 17]);
    expect(checksum(concat(p6, u))).toBe(0);
    expect(u16(eth().ipv4().udp({ checksum: false }).build(), 14 + 20 + 6)).toBe(0);
  });
  it("tunnel headers carry their ids and flags", () => {
    const vx = eth().ipv4().udp().vxlan(0x123456).eth().build();
    expect(u16(vx, 36)).toBe(4789);
    expect(Array.from(vx.subarray(42, 50))).toEqual([0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
    const gre = eth().ipv4().gre({ key: 7, seq: 9, checksum: true }).ipv4().build();
    expect(u16(gre, 34)).toBe(0xb000);
    expect(checksum(gre.subarray(34))).toBe(0);
    const gtp = eth()
      .ipv4()
      .udp()
      .gtpu(0xabcdef01, { seq: 1, ext: [{ type: 0x85, content: [1, 2] }] })
      .ipv4()
      .build();
    expect(gtp[42]).toBe(0x30 | 0x04 | 0x02);
    expect(u16(gtp, 36)).toBe(2152);
    const mpls = eth().mpls([1, 2]).ipv4().build();
    expect(u16(mpls, 12)).toBe(0x8847);
    expect(mpls[14 + 2] & 1).toBe(0); // not bottom of stack
    expect(mpls[18 + 2] & 1).toBe(1); // bottom of stack
  });
  it("rejects malformed addresses", () => {
    expect(() => mac("02:00:00:00:00")).toThrow(/bad MAC/);
    expect(() => ipv4Addr("10.0.0.256")).toThrow(/bad IPv4/);
    expect(() => ipv6Addr("1::2::3")).toThrow(/bad IPv6/);
    expect(() => ipv6Addr("1:2:3")).toThrow(/bad IPv6/);
  });
});
