// Writes the sample captures in examples/ that the README's and the docs' `decode` and `switch` commands use.
// They are built with the project's own frame builder and pcap writer, so they are reproducible:
// `npx tsx scripts/make-examples.ts` rewrites them byte for byte (test/cli/readme-examples.test.ts
// checks that the committed files are what this script produces).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PacketRecord } from "../src/traffic/capture.ts";
import { encodeCapture } from "../src/traffic/capture-io.ts";
import { eth } from "../src/traffic/frames.ts";

/** VF-0's MAC in examples/ixl0.conf. */
export const VF0_MAC = "02:00:00:00:00:10";
const PEER = "02:99:00:00:00:01";

function records(frames: Uint8Array[], t0: bigint): PacketRecord[] {
  // One frame per millisecond, timestamps in nanoseconds.
  return frames.map((data, i) => ({
    ts: t0 + BigInt(i) * 1_000_000n,
    data,
    origLen: data.length,
    iface: 0,
    linktype: 1,
  }));
}

/** Frames arriving from the wire: for VF-0, broadcast, tunnelled, and one for nobody. */
function wireFrames(): Uint8Array[] {
  return [
    eth({ dst: VF0_MAC, src: PEER })
      .ipv4({ src: "192.0.2.1", dst: "192.0.2.10" })
      .udp({ sport: 40000, dport: 53 })
      .payload(32)
      .build(),
    eth({ dst: VF0_MAC, src: PEER })
      .ipv4({ src: "192.0.2.1", dst: "192.0.2.10" })
      .tcp({ sport: 40001, dport: 80 })
      .build(),
    eth({ dst: "ff:ff:ff:ff:ff:ff", src: PEER })
      .arp({})
      .build({ padTo: 60 }),
    eth({ dst: VF0_MAC, src: PEER })
      .ipv4({ src: "198.51.100.1", dst: "198.51.100.2" })
      .udp({ sport: 49152, dport: 4789 })
      .vxlan(100)
      .eth({ dst: "02:aa:00:00:00:02", src: "02:aa:00:00:00:01" })
      .ipv4({ src: "10.1.0.1", dst: "10.1.0.2" })
      .udp({ sport: 1000, dport: 2000 })
      .build(),
    eth({ dst: "02:77:00:00:00:77", src: PEER })
      .ipv4({ src: "192.0.2.1", dst: "192.0.2.77" })
      .udp({ sport: 40002, dport: 9 })
      .build(),
  ];
}

/** Frames VF-0 transmits: to a peer on the wire, a broadcast, and one with a spoofed source. */
function vf0Frames(): Uint8Array[] {
  return [
    eth({ dst: PEER, src: VF0_MAC })
      .ipv4({ src: "192.0.2.10", dst: "192.0.2.1" })
      .udp({ sport: 53, dport: 40000 })
      .payload(32)
      .build(),
    eth({ dst: "ff:ff:ff:ff:ff:ff", src: VF0_MAC })
      .arp({})
      .build({ padTo: 60 }),
    eth({ dst: PEER, src: "02:66:00:00:00:66" })
      .ipv4({ src: "192.0.2.66", dst: "192.0.2.1" })
      .udp({ sport: 6666, dport: 40000 })
      .build(),
  ];
}

/** MAC of traffic generator instance k in examples/trafficgen.conf (as `iovsim steering`'s instances). */
export function instanceMac(k: number): string {
  return `02:5e:00:00:00:${k.toString(16).padStart(2, "0")}`;
}

/**
 * The talk's third use case: GTP-U (N3) from one gNB to one UPF, so every frame has the same
 * outer 4-tuple (UDP 2152 -> 2152) and outer RSS would put them all on one queue. Each of the
 * 4 generator instances has its own MAC (one VF each), 4 subscribers (TEIDs) per instance.
 */
function trafficGenFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let sub = 0; sub < 4; sub++)
    for (let k = 0; k < 4; k++) {
      const ue = `10.45.${k}.${sub + 1}`;
      frames.push(
        eth({ dst: instanceMac(k), src: "02:5e:00:00:ff:fe" })
          .ipv4({ src: "198.51.100.1", dst: "198.51.100.254" })
          .udp({ sport: 2152, dport: 2152 })
          .gtpu(0x1000 + k * 16 + sub)
          .ipv4({ src: ue, dst: "203.0.113.80" })
          .udp({ sport: 40000 + sub, dport: 443 })
          .payload(32)
          .build(),
      );
    }
  return frames;
}

/**
 * Jumbo frames for VF-0 (docs/switch.md, `--mtu`): two of 9014 bytes (MTU 9000 + 14, FCS not
 * captured) and one of 1514, so without `--mtu VF-0=9000` two are dropped as oversize.
 */
function jumboFrames(): Uint8Array[] {
  const udp = (sport: number, payload: number) =>
    eth({ dst: VF0_MAC, src: PEER })
      .ipv4({ src: "192.0.2.1", dst: "192.0.2.10" })
      .udp({ sport, dport: 5001 })
      .payload(payload)
      .build();
  // 14 Ethernet + 20 IPv4 + 8 UDP = 42 bytes of headers.
  return [udp(40010, 9014 - 42), udp(40011, 1514 - 42), udp(40012, 9014 - 42)];
}

/** The example captures, by file name under examples/. */
export function exampleCaptures(): Record<string, Uint8Array> {
  return {
    "in.pcap": encodeCapture(records(wireFrames(), 1_700_000_000_000_000_000n)),
    "tx.pcap": encodeCapture(records(vf0Frames(), 1_700_000_000_000_500_000n)),
    "trafficgen-gtpu.pcap": encodeCapture(records(trafficGenFrames(), 1_700_000_000_001_000_000n)),
    "jumbo.pcap": encodeCapture(records(jumboFrames(), 1_700_000_000_002_000_000n)),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");
  for (const [name, bytes] of Object.entries(exampleCaptures())) writeFileSync(join(dir, name), bytes);
}
