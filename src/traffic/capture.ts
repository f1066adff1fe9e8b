// Types shared by the pcap and pcapng readers/writers, plus format detection.
// A PacketRecord's data is a view into the file's bytes (no copy) when read.

export interface PacketRecord {
  /** Timestamp in nanoseconds since the Unix epoch. */
  ts: bigint;
  /** The captured bytes (caplen = data.length). */
  data: Uint8Array;
  /** Length of the frame on the wire (>= data.length when the capture was cut by a snaplen). */
  origLen: number;
  /** Interface index: 0 for classic pcap; the IDB index within its section for pcapng. */
  iface: number;
  /** LINKTYPE_* of the interface (1 = Ethernet). */
  linktype: number;
}

export const LINKTYPE_ETHERNET = 1;

/** Names of the link types a user is likely to meet (tcpdump's LINKTYPE_* names). */
const LINKTYPE_NAMES: Record<number, string> = {
  0: "NULL",
  101: "RAW",
  105: "IEEE802_11",
  113: "LINUX_SLL",
  127: "IEEE802_11_RADIO",
  228: "IPV4",
  229: "IPV6",
  276: "LINUX_SLL2",
};

/** A link type as messages print it: `113 (LINUX_SLL)`, or the bare number. */
export function linktypeLabel(linktype: number): string {
  const name = LINKTYPE_NAMES[linktype];
  return name ? `${linktype} (${name})` : String(linktype);
}

/**
 * A record's frame without the FCS its capture says it carries (pcap link-type FCS bits,
 * pcapng if_fcslen or epb_flags): frames reach the model without FCS (data-plane spec §2.1).
 * The FCS is the last `fcs` bytes of the frame on the wire, so a snaplen cut may have kept
 * part of it or none; a record whose caplen exceeds its original length is taken as caplen.
 */
export function withoutFcs(
  data: Uint8Array,
  origLen: number,
  fcs: number,
): { data: Uint8Array; origLen: number } {
  if (fcs === 0) return { data, origLen };
  const frame = Math.max(Math.max(origLen, data.length) - fcs, 0);
  return { data: data.subarray(0, Math.min(data.length, frame)), origLen: frame };
}

export type CaptureFormat = "pcap" | "pcapng";

/**
 * One record a reader counted and dropped, reading on with the next (a malformed frame is
 * counted and dropped): its ordinal among the file's packet records (1-based), its byte offset
 * and why.
 */
export interface CaptureDrop {
  record: number;
  offset: number;
  reason: string;
}

/** Receives the records a reader drops, as it drops them. */
export type DropSink = (drop: CaptureDrop) => void;

/** A dropped record in words: `interface id 7 not declared (record 2, at byte 120)`. */
export function dropLabel(d: CaptureDrop): string {
  return `${d.reason} (record ${d.record}, at byte ${d.offset})`;
}

/** A corrupt or unsupported capture file: names the file and the byte offset at fault (-1: none, e.g. unreadable). */
export class CaptureFormatError extends Error {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(offset < 0 ? `${file}: ${what}` : `${file}: ${what} at byte ${offset}`);
    this.name = "CaptureFormatError";
    this.file = file;
    this.offset = offset;
  }
}

export type ByteOrder = "le" | "be";

/** Reads unsigned integers in one byte order; bounds are checked by the callers. */
export function u16(view: DataView, off: number, order: ByteOrder): number {
  return view.getUint16(off, order === "le");
}
export function u32(view: DataView, off: number, order: ByteOrder): number {
  return view.getUint32(off, order === "le");
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Which container a file is, from its first four bytes; undefined when neither. */
export function detectFormat(bytes: Uint8Array): CaptureFormat | undefined {
  if (bytes.length < 4) return undefined;
  const be = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (be === 0x0a0d0d0a) return "pcapng";
  const magics = [0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1];
  if (magics.includes(be)) return "pcap";
  return undefined;
}

/** Compressed containers a capture is often kept in, by their magic bytes. */
const COMPRESSED: Array<{ magic: number[]; name: string; tool: string }> = [
  { magic: [0x1f, 0x8b], name: "gzip", tool: "gunzip" },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: "xz", tool: "unxz" },
  { magic: [0x42, 0x5a, 0x68], name: "bzip2", tool: "bunzip2" },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: "zstd", tool: "unzstd" },
];

/**
 * Why the first bytes of a file are no capture: `not a pcap or pcapng file (magic 0x…)`, with
 * a compressed file's tool to unpack it (tcpdump -r and Wireshark read gzip'ed captures
 * themselves; iovsim reads only the uncompressed formats).
 */
export function notACaptureReason(first: Uint8Array): string {
  const magic = Array.from(first.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  const packed = COMPRESSED.find((c) => c.magic.every((b, i) => first[i] === b));
  const hint = packed ? `, ${packed.name}-compressed: uncompress it first with ${packed.tool}` : "";
  return `not a pcap or pcapng file (magic 0x${magic}${hint})`;
}
