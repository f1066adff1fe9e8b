// Classic libpcap files: read and write, microsecond and nanosecond timestamps, both byte orders.
// Magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds; stored in the writer's byte order, so a
// reader seeing d4c3b2a1 / 4d3cb2a1 knows the file is in the other order. Read only: a1b2cd34,
// the "modified" format of Alexey Kuznetsov's patched libpcap (old Red Hat tcpdump), whose
// record headers carry 8 more bytes (ifindex, protocol, packet type, pad); libpcap and
// Wireshark read it (libpcap sf-pcap.c PCAP_MODIFIED_MAGIC, Wireshark "Modified tcpdump").
import {
  type ByteOrder,
  CaptureFormatError,
  type DropSink,
  LINKTYPE_ETHERNET,
  type PacketRecord,
  u16,
  u32,
  viewOf,
  withoutFcs,
} from "./capture.ts";

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_MODIFIED = 0xa1b2cd34;
const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const MODIFIED_RECORD_HEADER_LEN = 24;

export interface PcapHeader {
  order: ByteOrder;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linktype: number;
  /** FCS bytes at the end of every record (link-type field bits 26 and 28..31), 0 if none. */
  fcsBytes: number;
  /** Bytes of each record header: 16, or 24 in the modified (Kuznetsov) format. */
  recordHeaderLen: number;
}

export function readPcapHeader(bytes: Uint8Array, file: string): PcapHeader {
  if (bytes.length < FILE_HEADER_LEN)
    throw new CaptureFormatError(file, bytes.length, "truncated pcap file header");
  const view = viewOf(bytes);
  const be = view.getUint32(0, false);
  const le = view.getUint32(0, true);
  let order: ByteOrder;
  let nanosecond: boolean;
  const known = (m: number) => m === MAGIC_US || m === MAGIC_NS || m === MAGIC_MODIFIED;
  if (known(be)) {
    order = "be";
    nanosecond = be === MAGIC_NS;
  } else if (known(le)) {
    order = "le";
    nanosecond = le === MAGIC_NS;
  } else {
    throw new CaptureFormatError(file, 0, `not a pcap file (magic 0x${be.toString(16).padStart(8, "0")})`);
  }
  const versionMajor = u16(view, 4, order);
  const versionMinor = u16(view, 6, order);
  if (versionMajor !== 2)
    throw new CaptureFormatError(file, 4, `unsupported pcap version ${versionMajor}.${versionMinor}`);
  // The link type is the low 16 bits; bit 26 says whether bits 28..31 give the FCS length, in
  // 16-bit words, that every record carries (libpcap LT_FCS_LENGTH_PRESENT / LT_FCS_LENGTH,
  // draft-ietf-opsawg-pcap §4 "FCS len").
  const field = u32(view, 20, order);
  const linktype = field & 0xffff;
  const fcsBytes = field & 0x04000000 ? ((field >>> 28) & 0xf) * 2 : 0;
  const modified = (order === "be" ? be : le) === MAGIC_MODIFIED;
  return {
    order,
    nanosecond,
    versionMajor,
    versionMinor,
    snaplen: u32(view, 16, order),
    linktype,
    fcsBytes,
    recordHeaderLen: modified ? MODIFIED_RECORD_HEADER_LEN : RECORD_HEADER_LEN,
  };
}

/**
 * What is irregular in a whole record, or null: a captured length above the original length,
 * or a sub-second field of a second or more (µs >= 10^6, ns >= 10^9). Such records break the
 * format's rules (draft-ietf-opsawg-pcap, Packet Record), but tshark and tcpdump read them as they are
 * (tshark: frame.len below frame.cap_len, a time of sec + fraction carried into the seconds),
 * and so does iovsim, for the same frames as the decode oracle: the record is kept and
 * reported, never used unsaid (the replay's notes name each, src/traffic/replay.ts).
 */
export function irregularRecord(
  caplen: number,
  origLen: number,
  frac: number,
  nanosecond: boolean,
): string | null {
  if (caplen > origLen) return `captured length ${caplen} exceeds the original length ${origLen}`;
  const limit = nanosecond ? 1_000_000_000 : 1_000_000;
  if (frac >= limit)
    return `timestamp ${nanosecond ? "nanoseconds" : "microseconds"} ${frac} out of range (0..${limit - 1})`;
  return null;
}

/**
 * Yields every record of a classic pcap file. Throws CaptureFormatError at the first corrupt
 * record; the records yielded before it remain valid. A record that is whole but irregular
 * (irregularRecord) is yielded and also given to `onIrregular`, located.
 */
export function* readPcap(bytes: Uint8Array, file: string, onIrregular?: DropSink): Generator<PacketRecord> {
  const hdr = readPcapHeader(bytes, file);
  const view = viewOf(bytes);
  const unit = hdr.nanosecond ? 1n : 1000n;
  let off = FILE_HEADER_LEN;
  let records = 0; // whole records so far: the `record N` of an irregular one
  while (off < bytes.length) {
    if (off + hdr.recordHeaderLen > bytes.length)
      throw new CaptureFormatError(file, off, "truncated record header");
    const sec = u32(view, off, hdr.order);
    const frac = u32(view, off + 4, hdr.order);
    const caplen = u32(view, off + 8, hdr.order);
    const origLen = u32(view, off + 12, hdr.order);
    const dataOff = off + hdr.recordHeaderLen;
    if (caplen > bytes.length - dataOff) {
      throw new CaptureFormatError(
        file,
        off,
        `record caplen ${caplen} exceeds the ${bytes.length - dataOff} bytes left in the file`,
      );
    }
    records++;
    const odd = onIrregular && irregularRecord(caplen, origLen, frac, hdr.nanosecond);
    if (odd) onIrregular({ record: records, offset: off, reason: odd });
    yield {
      ts: BigInt(sec) * 1_000_000_000n + BigInt(frac) * unit,
      ...withoutFcs(bytes.subarray(dataOff, dataOff + caplen), origLen, hdr.fcsBytes),
      iface: 0,
      linktype: hdr.linktype,
    };
    off = dataOff + caplen;
  }
}

export interface PcapWriteOptions {
  nanosecond?: boolean;
  order?: ByteOrder;
  linktype?: number;
  snaplen?: number;
}

/** Serialises records as one classic pcap file (all records share the file's link type). */
export function writePcap(records: Iterable<PacketRecord>, opts: PcapWriteOptions = {}): Uint8Array {
  const order = opts.order ?? "le";
  const ns = opts.nanosecond ?? false;
  const list = [...records];
  const total = FILE_HEADER_LEN + list.reduce((n, r) => n + RECORD_HEADER_LEN + r.data.length, 0);
  const out = new Uint8Array(total);
  const view = viewOf(out);
  const le = order === "le";
  view.setUint32(0, ns ? MAGIC_NS : MAGIC_US, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setInt32(8, 0, le);
  view.setUint32(12, 0, le);
  view.setUint32(16, opts.snaplen ?? 262144, le);
  view.setUint32(20, opts.linktype ?? list[0]?.linktype ?? LINKTYPE_ETHERNET, le);
  let off = FILE_HEADER_LEN;
  for (const r of list) {
    const sec = r.ts / 1_000_000_000n;
    const rem = r.ts % 1_000_000_000n;
    view.setUint32(off, Number(sec & 0xffffffffn), le);
    view.setUint32(off + 4, Number(ns ? rem : rem / 1000n), le);
    view.setUint32(off + 8, r.data.length, le);
    view.setUint32(off + 12, Math.max(r.origLen, r.data.length), le);
    out.set(r.data, off + RECORD_HEADER_LEN);
    off += RECORD_HEADER_LEN + r.data.length;
  }
  return out;
}
