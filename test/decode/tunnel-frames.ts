// Frames for every encapsulation the parser decodes, built with the project's frame builder.
// Used by the tshark oracle test (written as pcap µs, pcap ns and pcapng) and the parser tests.
import { eth, type FrameBuilder } from "../../src/traffic/frames.ts";

const A = { dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" };
const B = { dst: "02:aa:00:00:00:02", src: "02:aa:00:00:00:01" };
const v4 = { src: "10.1.0.1", dst: "10.1.0.2" };
const v4in = { src: "66.9.149.187", dst: "161.142.100.80" };
const v6 = { src: "2001:db8::1", dst: "2001:db8:0:1::2" };
const v6in = { src: "3ffe:2501:200:1fff::7", dst: "3ffe:2501:200:3::1" };
const tcpIn = { sport: 2794, dport: 1766 };

export interface NamedFrame {
  name: string;
  frame: Uint8Array;
}

const innerTcp = (b: FrameBuilder) => b.ipv4(v4in).tcp(tcpIn).payload(16);

export const TUNNEL_CASES: Array<[string, FrameBuilder]> = [
  ["ipv4-tcp", eth(A).ipv4(v4in).tcp(tcpIn).payload(6)],
  ["ipv4-udp", eth(A).ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }).udp({ sport: 1234, dport: 80 }).payload(18)],
  [
    "ipv4-options-icmp",
    eth(A)
      .ipv4({ ...v4, options: [0x94, 4, 0, 0] })
      .icmp()
      .payload(20),
  ],
  ["vlan-ipv4-udp", eth(A).vlan(100, { pcp: 5 }).ipv4(v4).udp({ sport: 5000, dport: 5001 }).payload(10)],
  ["qinq-88a8", eth(A).qinq(200, 300).ipv4(v4).tcp({ sport: 1, dport: 2 })],
  ["qinq-9100", eth(A).qinq(201, 301, 0x9100).ipv4(v4).udp({ sport: 3, dport: 4 }).payload(8)],
  ["arp", eth({ ...A, dst: "ff:ff:ff:ff:ff:ff" }).arp()],
  [
    "ipv4-first-fragment",
    eth(A)
      .ipv4({ ...v4in, mf: true, id: 7 })
      .tcp(tcpIn)
      .payload(32),
  ],
  [
    "ipv4-last-fragment",
    eth(A)
      .ipv4({ ...v4in, fragOffset: 5, id: 7, proto: 6 })
      .payload(24),
  ],
  ["ipv6-tcp", eth(A).ipv6(v6in).tcp(tcpIn).payload(4)],
  ["ipv6-udp", eth(A).ipv6(v6).udp({ sport: 7, dport: 53 }).payload(12)],
  [
    "ipv6-ext-hbh-dst-rt-tcp",
    eth(A)
      .ipv6({
        ...v6,
        ext: [
          { type: "hbh" },
          { type: "dstopts", options: [1, 2, 0, 0] },
          { type: "routing", addresses: ["2001:db8::99"], segmentsLeft: 0 },
        ],
      })
      .tcp({ sport: 1000, dport: 2000 }),
  ],
  [
    "ipv6-ah-udp",
    eth(A)
      .ipv6({ ...v6, ext: [{ type: "ah", icvLength: 12 }] })
      .udp({ sport: 1111, dport: 2222 })
      .payload(8),
  ],
  [
    "ipv6-first-fragment",
    eth(A)
      .ipv6({ ...v6, ext: [{ type: "fragment", more: true, id: 9 }] })
      .udp({ sport: 1, dport: 2 })
      .payload(16),
  ],
  [
    "ipv6-later-fragment",
    eth(A)
      .ipv6({ ...v6, nextHeader: 44, ext: [{ type: "fragment", offset: 3, id: 9 }] })
      .payload(16),
  ],
  ["ipv6-icmpv6", eth(A).ipv6(v6).icmpv6().payload(8)],
  [
    "ipv6-v4mapped-addrs",
    eth(A).ipv6({ src: "::ffff:102:304", dst: "::102:304" }).udp({ sport: 1, dport: 2 }),
  ],
  ["vxlan", innerTcp(eth(A).ipv4(v4).udp({ sport: 51000 }).vxlan(100).eth(B))],
  [
    "vxlan-vlan-inner-vlan",
    innerTcp(eth(A).vlan(10).ipv4(v4).udp({ sport: 51001 }).vxlan(4242).eth(B).vlan(20)),
  ],
  [
    "vxlan-ipv6-outer",
    eth(A).ipv6(v6).udp({ sport: 51002 }).vxlan(7).eth(B).ipv6(v6in).udp({ sport: 1, dport: 2 }).payload(8),
  ],
  ["vxlan-gpe-eth", innerTcp(eth(A).ipv4(v4).udp({ sport: 51100 }).vxlanGpe(0x10203).eth(B))],
  ["vxlan-gpe-ipv4", innerTcp(eth(A).ipv4(v4).udp({ sport: 51101 }).vxlanGpe(4096))],
  [
    "vxlan-gpe-ipv6",
    eth(A).ipv6(v6).udp({ sport: 51102 }).vxlanGpe(1).ipv6(v6in).udp({ sport: 1, dport: 2 }).payload(8),
  ],
  // NSH base header (length 6 words: MD type 1), service path 0x000001, then inner IPv4.
  [
    "vxlan-gpe-nsh",
    innerTcp(
      eth(A)
        .ipv4(v4)
        .udp({ sport: 51103 })
        .vxlanGpe(77, { nextProtocol: 4 })
        .payload([0x0f, 0xc6, 0x01, 0x01, 0, 0, 1, 0xff, ...new Array(16).fill(0)]),
    ),
  ],
  ["geneve", innerTcp(eth(A).ipv4(v4).udp({ sport: 52000 }).geneve(777).eth(B))],
  [
    "geneve-options",
    innerTcp(
      eth(A)
        .ipv4(v4)
        .udp({ sport: 52001 })
        .geneve(0x123456, { options: [{ cls: 0x0102, type: 0x80, data: [1, 2, 3, 4, 5, 6, 7, 8] }] })
        .eth(B),
    ),
  ],
  ["gre-ipv4", innerTcp(eth(A).ipv4(v4).gre())],
  ["gre-key-seq-csum", innerTcp(eth(A).ipv4(v4).gre({ key: 0xdeadbeef, seq: 5, checksum: true }))],
  ["gre-ipv6-inner", eth(A).ipv4(v4).gre({ key: 42 }).ipv6(v6in).tcp(tcpIn)],
  ["gre-teb-nokey", innerTcp(eth(A).ipv4(v4).gre({ protocol: 0x6558 }).eth(B))],
  ["nvgre", innerTcp(eth(A).ipv4(v4).nvgre(0x00abcd, 7).eth(B))],
  ["gtpu", eth(A).ipv4(v4).udp({ sport: 2152 }).gtpu(0xdeadbeef).ipv4(v4in).tcp(tcpIn).payload(8)],
  [
    "gtpu-seq",
    eth(A).ipv4(v4).udp({ sport: 2152 }).gtpu(0x1234, { seq: 77 }).ipv6(v6in).udp({ sport: 9, dport: 10 }),
  ],
  [
    "gtpu-ext",
    eth(A)
      .ipv4(v4)
      .udp({ sport: 2152 })
      .gtpu(0x01020304, { ext: [{ type: 0x85, content: [0x00, 0x09] }] })
      .ipv4(v4in)
      .udp({ sport: 3000, dport: 4000 })
      .payload(8),
  ],
  [
    "mpls-eth",
    eth(A)
      .mpls([1000, { label: 2000, tc: 3 }])
      .ipv4(v4in)
      .tcp(tcpIn),
  ],
  ["mpls-eth-ipv6", eth(A).mpls([16]).ipv6(v6in).udp({ sport: 5, dport: 6 })],
  [
    "mpls-udp",
    eth(A)
      .ipv4(v4)
      .udp({ sport: 50000 })
      .mpls([3000, 3001])
      .ipv4(v4in)
      .udp({ sport: 7, dport: 8 })
      .payload(4),
  ],
  ["ipip-4in4", eth(A).ipv4(v4).ipv4(v4in).tcp(tcpIn)],
  ["ipip-6in4", eth(A).ipv4(v4).ipv6(v6in).tcp(tcpIn)],
  ["ipip-4in6", eth(A).ipv6(v6).ipv4(v4in).udp({ sport: 11, dport: 12 })],
];

export function tunnelFrames(): NamedFrame[] {
  return TUNNEL_CASES.map(([name, b]) => ({ name, frame: b.build({ padTo: 60 }) }));
}

/** VXLAN on Linux's port 8472 (needs `--vxlan-port 8472` / `-d udp.port==8472,vxlan`). */
export function vxlan8472Frames(): NamedFrame[] {
  return [
    {
      name: "vxlan-8472",
      frame: innerTcp(eth(A).ipv4(v4).udp({ sport: 53000, dport: 8472 }).vxlan(5001).eth(B)).build(),
    },
    {
      name: "vxlan-8472-udp",
      frame: eth(A)
        .ipv4(v4)
        .udp({ sport: 53001, dport: 8472 })
        .vxlan(9)
        .eth(B)
        .ipv4(v4in)
        .udp({ sport: 1, dport: 2 })
        .build(),
    },
  ];
}
