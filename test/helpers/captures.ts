// Captures the tests write: Ethernet frames as records a fixed step apart, as a user's tcpdump
// on one interface would save them. One module, so each test keeps only the frames it means.
import { writeFileSync } from "node:fs";
import type { PacketRecord } from "../../src/traffic/capture.ts";
import { encodeCapture, type WriteOptions } from "../../src/traffic/capture-io.ts";

/** Ethernet frames (link type 1, interface 0, not cut) stamped t0, t0 + step, ... (ns). */
export function ethernetRecords(frames: readonly Uint8Array[], t0 = 0n, stepNs = 1000n): PacketRecord[] {
  return frames.map((data, i) => ({
    ts: t0 + BigInt(i) * stepNs,
    data,
    origLen: data.length,
    iface: 0,
    linktype: 1,
  }));
}

/** Writes `frames` to `path` as a capture (records as ethernetRecords; classic pcap unless
 *  opts.format says otherwise) and returns the path. */
export function writeFrames(
  path: string,
  frames: readonly Uint8Array[],
  opts: WriteOptions & { t0?: bigint; stepNs?: bigint } = {},
): string {
  const { t0, stepNs, ...write } = opts;
  writeFileSync(path, encodeCapture(ethernetRecords(frames, t0, stepNs), write));
  return path;
}
