// Data-plane acceptance sweep, part 2: receive-side scaling through `iovsim switch --per-queue`.
// Flows go to an ixl VF with 16 queues (64-entry RETA filled i mod 16, so queue = hash & 15,
// spec §4.6) and must land where the Toeplitz hash of the spec's input (§4.3-4.5) puts them.
// The hash is computed here by a Toeplitz of the test's own (bit-window form, spec §4.1),
// checked first against Microsoft's verification vectors (§10.1); the exact 32-bit hash is
// checked through `decode --json`.
import { beforeAll, describe, expect, it } from "vitest";
import { eth, type FrameBuilder, ipv4Addr, ipv6Addr } from "../../src/traffic/frames.ts";
import { compareFrame, tsharkAvailable, tsharkFrames } from "../decode/tshark.ts";
import { capture, cli, conf, runSwitch, type SwitchRun } from "./dp-sweep-harness.ts";

const MS_KEY = Uint8Array.from(
  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa".match(/../g)!,
  (h) => Number.parseInt(h, 16),
);

/** Toeplitz over `input` with the MS key: XOR the 32-bit key window at every set input bit. */
function toeplitz(input: Uint8Array): number {
  let result = 0;
  const keyBit = (i: number) => (i < MS_KEY.length * 8 ? (MS_KEY[i >> 3]! >> (7 - (i & 7))) & 1 : 0);
  for (let p = 0; p < input.length * 8; p++) {
    if (((input[p >> 3]! >> (7 - (p & 7))) & 1) === 0) continue;
    let w = 0;
    for (let k = 0; k < 32; k++) w = (w << 1) | keyBit(p + k);
    result ^= w;
  }
  return result >>> 0;
}
const port = (n: number) => [n >> 8, n & 0xff];
const in4 = (s: string, d: string, sp?: number, dp?: number) =>
  Uint8Array.from([...ipv4Addr(s), ...ipv4Addr(d), ...(sp === undefined ? [] : [...port(sp), ...port(dp!)])]);
const in6 = (s: string, d: string, sp?: number, dp?: number) =>
  Uint8Array.from([...ipv6Addr(s), ...ipv6Addr(d), ...(sp === undefined ? [] : [...port(sp), ...port(dp!)])]);

// Microsoft's table (spec §10.1): source, destination, ports, 2-tuple hash, 4-tuple hash.
const MS4 = [
  ["66.9.149.187", 2794, "161.142.100.80", 1766, 0x323e8fc2, 0x51ccc178],
  ["199.92.111.2", 14230, "65.69.140.83", 4739, 0xd718262a, 0xc626b0ea],
  ["24.19.198.95", 12898, "12.22.207.184", 38024, 0xd2d0a5de, 0x5c2b394a],
  ["38.27.205.30", 48228, "209.142.163.6", 2217, 0x82989176, 0xafc7327f],
  ["153.39.163.191", 44251, "202.188.127.2", 1303, 0x5d1809c5, 0x10e828a2],
] as const;
const MS6 = [
  ["3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766, 0x2cc18cd5, 0x40207d3d],
  ["3ffe:501:8::260:97ff:fe40:efab", 14230, "ff02::1", 4739, 0x0f0c461c, 0xdde51bbf],
  ["3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, "fe80::200:f8ff:fe21:67cf", 38024, 0x4b61e985, 0x02d1feef],
] as const;

describe("the test's own Toeplitz reproduces Microsoft's vectors", () => {
  it("IPv4 and IPv6, 2-tuple and 4-tuple", () => {
    for (const [s, sp, d, dp, two, four] of MS4) {
      expect(toeplitz(in4(s, d))).toBe(two);
      expect(toeplitz(in4(s, d, sp, dp))).toBe(four);
    }
    for (const [s, sp, d, dp, two, four] of MS6) {
      expect(toeplitz(in6(s, d))).toBe(two);
      expect(toeplitz(in6(s, d, sp, dp))).toBe(four);
    }
  });
});

const VF0 = "02:00:00:00:00:10";
const EXT = "02:99:00:00:00:01";
const ixl = conf(`PF { device: "ixl0"; num_vfs: 2; }
VF-0 { mac-addr: "${VF0}"; num-queues: 16; }
VF-1 { mac-addr: "02:00:00:00:00:11"; }
`);
const to = () => eth({ dst: VF0, src: EXT });
const HOME = "2001:db8::77";
const RT2 = "2001:db8::99";

interface Case {
  name: string;
  frame: FrameBuilder;
  /** The hash the NIC must compute (0: not hashed, queue 0). */
  hash: number;
}
const cases: Case[] = [
  ...MS4.map(([s, sp, d, dp, , four], i) => ({
    name: `MS IPv4 vector ${i + 1}, TCP: 4-tuple 0x${four.toString(16)}`,
    frame: to().ipv4({ src: s, dst: d }).tcp({ sport: sp, dport: dp }),
    hash: four,
  })),
  ...MS6.map(([s, sp, d, dp, , four], i) => ({
    name: `MS IPv6 vector ${i + 1}, TCP: 4-tuple 0x${four.toString(16)}`,
    frame: to().ipv6({ src: s, dst: d }).tcp({ sport: sp, dport: dp }),
    hash: four,
  })),
  {
    name: "MS IPv4 vector 2 over UDP: the same 4-tuple (UDP hashing on)",
    frame: to().ipv4({ src: MS4[1][0], dst: MS4[1][2] }).udp({ sport: MS4[1][1], dport: MS4[1][3] }),
    hash: MS4[1][5],
  },
  {
    name: "MS IPv6 vector 3 over UDP: the same 4-tuple",
    frame: to().ipv6({ src: MS6[2][0], dst: MS6[2][2] }).udp({ sport: MS6[2][1], dport: MS6[2][3] }),
    hash: MS6[2][5],
  },
  {
    name: "IPv4 TCP first fragment (MF, offset 0): 2-tuple even though the TCP header is whole (R3)",
    frame: to().ipv4({ src: MS4[0][0], dst: MS4[0][2], mf: true }).tcp({ sport: 2794, dport: 1766 }),
    hash: MS4[0][4],
  },
  {
    name: "IPv4 later fragment (offset 185): 2-tuple",
    frame: to().ipv4({ src: MS4[2][0], dst: MS4[2][2], fragOffset: 185, proto: 6 }).payload(40),
    hash: MS4[2][4],
  },
  {
    name: "IPv6 with a Fragment header: 2-tuple",
    frame: to()
      .ipv6({ src: MS6[0][0], dst: MS6[0][2], ext: [{ type: "fragment", more: true }] })
      .udp({ sport: 2794, dport: 1766 }),
    hash: MS6[0][4],
  },
  {
    name: "IPv6 Hop-by-Hop then TCP: the extension header is skipped, 4-tuple",
    frame: to()
      .ipv6({ src: MS6[1][0], dst: MS6[1][2], ext: [{ type: "hbh" }] })
      .tcp({ sport: MS6[1][1], dport: MS6[1][3] }),
    hash: MS6[1][5],
  },
  {
    name: "IPv6 with a routing header type 2: the destination is the header's address (IPv6-EX)",
    frame: to()
      .ipv6({
        src: MS6[0][0],
        dst: MS6[0][2],
        ext: [{ type: "routing", routingType: 2, segmentsLeft: 1, addresses: [RT2] }],
      })
      .tcp({ sport: 2794, dport: 1766 }),
    hash: toeplitz(in6(MS6[0][0], RT2, 2794, 1766)),
  },
  {
    name: "IPv6 Destination Options with a Home Address option: the source is the home address (IPv6-EX)",
    frame: to()
      .ipv6({
        src: MS6[0][0],
        dst: MS6[0][2],
        ext: [{ type: "dstopts", options: [0xc9, 16, ...ipv6Addr(HOME), 1, 2, 0, 0] }],
      })
      .udp({ sport: 2794, dport: 1766 }),
    hash: toeplitz(in6(HOME, MS6[0][2], 2794, 1766)),
  },
  {
    name: "IPv6 ESP: the payload cannot be parsed, 2-tuple",
    frame: to().ipv6({ src: MS6[2][0], dst: MS6[2][2], nextHeader: 50 }).payload(32),
    hash: MS6[2][4],
  },
  {
    name: "IPv4 with options (IHL 6) and TCP: options skipped, 4-tuple",
    frame: to()
      .ipv4({ src: MS4[3][0], dst: MS4[3][2], options: [1, 1, 1, 0] })
      .tcp({ sport: MS4[3][1], dport: MS4[3][3] }),
    hash: MS4[3][5],
  },
  {
    name: "priority-tagged (VID 0) IPv4 TCP: the tag is skipped, same hash as untagged",
    frame: to().vlan(0).ipv4({ src: MS4[4][0], dst: MS4[4][2] }).tcp({ sport: MS4[4][1], dport: MS4[4][3] }),
    hash: MS4[4][5],
  },
  {
    name: "QinQ (0x88a8 S-tag + 0x8100 C-tag) IPv4 TCP: both tags skipped (§4.7), same hash as untagged",
    frame: to()
      .qinq(300, 0)
      .ipv4({ src: MS4[2][0], dst: MS4[2][2] })
      .tcp({ sport: MS4[2][1], dport: MS4[2][3] }),
    hash: MS4[2][5],
  },
  {
    name: "a wrong IPv4 header checksum does not stop the hash (the NIC does not check it for RSS)",
    frame: to()
      .ipv4({ src: MS4[3][0], dst: MS4[3][2], checksum: 0x1234 })
      .udp({ sport: MS4[3][1], dport: MS4[3][3] }),
    hash: MS4[3][5],
  },
  {
    name: "GRE: no ports, outer 2-tuple",
    frame: to()
      .ipv4({ src: MS4[1][0], dst: MS4[1][2] })
      .gre()
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp(),
    hash: MS4[1][4],
  },
  {
    name: "ICMP: 2-tuple",
    frame: to().ipv4({ src: MS4[0][0], dst: MS4[0][2] }).icmp(),
    hash: MS4[0][4],
  },
  {
    name: "ARP is not IP: hash 0, queue 0 (R4)",
    frame: to().arp(),
    hash: 0,
  },
  {
    name: "IPv4 with IHL 4 (invalid): hash 0, queue 0, still delivered (§9 item 22)",
    frame: to().ipv4({ src: MS4[1][0], dst: MS4[1][2], ihl: 4 }).tcp({ sport: 1, dport: 2 }),
    hash: 0,
  },
  {
    name: "version 6 nibble under EtherType 0x0800: not IPv4, hash 0",
    frame: to().ipv4({ src: MS4[1][0], dst: MS4[1][2], version: 6 }).tcp({ sport: 1, dport: 2 }),
    hash: 0,
  },
  {
    name: "MPLS on a plain NIC: not IP at the outer level, hash 0",
    frame: to().mpls([100]).ipv4({ src: MS4[1][0], dst: MS4[1][2] }).tcp(),
    hash: 0,
  },
];

let run: SwitchRun;
const frames = cases.map((c) => c.frame.build({ padTo: 60 }));
beforeAll(async () => {
  run = await runSwitch(ixl, { wire: capture(frames) }, "--per-queue");
});

describe("RSS queue of each flow in a 16-queue VF (queue = hash & 15)", () => {
  it("every frame was delivered to VF-0, and the queue counters add up to the pool's", () => {
    expect(run.got("VF-0")).toHaveLength(cases.length);
    const qs = run.c.counters.queues["VF-0"] as Array<{ rx_packets: number; rx_bytes: number }>;
    expect(qs).toHaveLength(16);
    const pool = run.c.counters.pools["VF-0"];
    expect(qs.reduce((n, q) => n + q.rx_packets, 0)).toBe(pool.rx_packets);
    expect(qs.reduce((n, q) => n + q.rx_bytes, 0)).toBe(pool.rx_bytes);
    for (let q = 0; q < 16; q++) expect(run.queue("VF-0", q)).toHaveLength(qs[q]!.rx_packets);
  });

  it.each(cases.map((c, i) => [c.name, i] as const))("%s", (_name, i) => {
    const want = cases[i]!.hash & 15;
    const inQueue = (q: number) =>
      run.queue("VF-0", q).some((f) => Buffer.from(f).equals(Buffer.from(frames[i]!)));
    expect(inQueue(want), `expected in queue ${want}`).toBe(true);
  });
});

describe("decode --json prints the same 32-bit hashes", () => {
  it("rss.outer of every case is the expected hash", async () => {
    const r = await cli("decode", "--json", capture(frames));
    expect(r.rc).toBe(0);
    const got = r.out
      .trim()
      .split("\n")
      .map((l) => Number.parseInt(JSON.parse(l).rss.outer, 16));
    expect(got).toEqual(cases.map((c) => c.hash));
  });
});

describe.skipIf(!tsharkAvailable())("tshark decodes the sweep's frames as decode does", () => {
  it("tags, addresses, ports, fragments, MPLS labels and tunnels agree frame by frame", async () => {
    const file = capture(frames);
    const r = await cli("decode", "--json", file);
    const ours = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const theirs = tsharkFrames(file);
    expect(theirs).toHaveLength(ours.length);
    // Documented (docs/decode-json.md): tshark decodes EtherType 0x0800 with version 6 as IPv6;
    // the NIC, and decode, call it an invalid IPv4 packet.
    const v6 = cases.findIndex((c) => c.name.startsWith("version 6 nibble"));
    expect(ours[v6].invalid).toBe("ipv4");
    const diffs = ours.flatMap((o, i) =>
      i === v6 ? [] : compareFrame(o, theirs[i]!).map((d) => `${cases[i]!.name}: ${d}`),
    );
    expect(diffs).toEqual([]);
  });
});

describe("RSS and loopback", () => {
  it("a loopback copy lands in queue 0 with no hash, whatever its flow (spec §3.5, §9 item 39)", async () => {
    const flows = MS4.map(([s, sp, d, dp]) =>
      eth({ dst: VF0, src: "02:00:00:00:00:11" })
        .ipv4({ src: s, dst: d })
        .tcp({ sport: sp, dport: dp })
        .build({ padTo: 60 }),
    );
    const r = await runSwitch(ixl, { "VF-1": capture(flows) }, "--per-queue");
    expect(r.queue("VF-0", 0)).toHaveLength(5);
    expect(r.c.counters.queues["VF-0"][0].rx_packets).toBe(5);
  });
});
