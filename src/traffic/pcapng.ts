// pcapng files: read SHB, IDB, EPB, SPB (and the obsolete PB), skip every other block type;
// several interfaces with their own if_tsresol/if_tsoffset; both byte orders; several sections.
// Write one section with one IDB per interface used.
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

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_PB = 0x00000002; // obsolete Packet Block
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_IF_FCSLEN = 13;
const OPT_EPB_FLAGS = 2;

interface Interface {
  linktype: number;
  snaplen: number;
  /** Converts a raw timestamp in interface units to nanoseconds. */
  toNs: (units: bigint) => bigint;
  offsetNs: bigint;
  /** FCS bytes at the end of each packet (if_fcslen), 0 if none or not said. */
  fcsBytes: number;
}

function resolutionConverter(tsresol: number): (units: bigint) => bigint {
  if (tsresol & 0x80) {
    const shift = BigInt(tsresol & 0x7f);
    return (u) => (u * 1_000_000_000n) >> shift;
  }
  const exp = tsresol;
  if (exp <= 9) {
    const mul = 10n ** BigInt(9 - exp);
    return (u) => u * mul;
  }
  const div = 10n ** BigInt(exp - 9);
  return (u) => u / div;
}

/** Walks the options area [start, end) and returns (code, value offset, length) triples. */
function* options(view: DataView, start: number, end: number, order: ByteOrder) {
  let off = start;
  while (off + 4 <= end) {
    const code = u16(view, off, order);
    const len = u16(view, off + 2, order);
    if (code === OPT_ENDOFOPT) return;
    if (off + 4 + len > end) return; // a bad option area ends the options, not the file
    yield { code, off: off + 4, len };
    off += 4 + ((len + 3) & ~3);
  }
}

function parseIdb(view: DataView, body: number, end: number, order: ByteOrder): Interface {
  const linktype = u16(view, body, order);
  const snaplen = u32(view, body + 4, order);
  let toNs = resolutionConverter(6); // default: microseconds
  let offsetNs = 0n;
  let fcsBytes = 0;
  for (const o of options(view, body + 8, end, order)) {
    // if_fcslen is in bits in the pcapng draft and in octets in Wireshark (draft-ietf-opsawg-pcap
    // issue #60); an Ethernet FCS is 4 octets, so 32 and 4 both say it; other values say nothing.
    if (o.code === OPT_IF_FCSLEN && o.len >= 1) {
      const v = view.getUint8(o.off);
      fcsBytes = v === 4 || v === 32 ? 4 : 0;
    }
    if (o.code === OPT_IF_TSRESOL && o.len >= 1) toNs = resolutionConverter(view.getUint8(o.off));
    if (o.code === OPT_IF_TSOFFSET && o.len >= 8) {
      offsetNs = view.getBigInt64(o.off, order === "le") * 1_000_000_000n;
    }
  }
  return { linktype, snaplen, toNs, offsetNs, fcsBytes };
}

/**
 * Yields every packet of a pcapng file. Throws CaptureFormatError at the first corrupt block;
 * the packets yielded before it remain valid. A packet block whose interface no IDB of its
 * section declared is whole as a block: it is given to `onDrop` and reading goes on (Wireshark
 * stops there; iovsim counts and drops the one record). A packet block whose captured length
 * exceeds its original length is irregular (draft-ietf-opsawg-pcapng, Enhanced Packet Block: the
 * captured length is the lesser of the original length and the interface's snapshot length) but
 * is read as tshark reads it (frame.len below frame.cap_len), as the classic pcap reader does:
 * yielded and also given to `onIrregular`, located as a drop is (the number of its packet block,
 * dropped ones included, as `decode` numbers records; the block's byte offset).
 */
export function* readPcapng(
  bytes: Uint8Array,
  file: string,
  onDrop?: DropSink,
  onIrregular?: DropSink,
): Generator<PacketRecord> {
  const view = viewOf(bytes);
  let order: ByteOrder = "le";
  let ifaces: Interface[] = [];
  let off = 0;
  let sawShb = false;
  let packets = 0; // packet blocks seen (yielded or dropped): the `record N` of a drop
  const undeclared = (ifIndex: number, at: number) =>
    onDrop?.({ record: packets, offset: at, reason: `interface id ${ifIndex} not declared` });
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new CaptureFormatError(file, off, "truncated block header");
    const typeBe = view.getUint32(off, false);
    if (typeBe === BT_SHB) {
      // The byte-order magic decides how this section (this block's length included) is read.
      if (off + 12 > bytes.length) throw new CaptureFormatError(file, off, "truncated section header block");
      const magicLe = view.getUint32(off + 8, true);
      if (magicLe === BYTE_ORDER_MAGIC) order = "le";
      else if (view.getUint32(off + 8, false) === BYTE_ORDER_MAGIC) order = "be";
      else throw new CaptureFormatError(file, off + 8, "bad byte-order magic in section header block");
      ifaces = [];
      sawShb = true;
    } else if (!sawShb) {
      throw new CaptureFormatError(file, off, "not a pcapng file (no section header block)");
    }
    const type = u32(view, off, order);
    const len = u32(view, off + 4, order);
    if (len < 12 || len % 4 !== 0) throw new CaptureFormatError(file, off, `bad block length ${len}`);
    if (len > bytes.length - off) {
      throw new CaptureFormatError(
        file,
        off,
        `block length ${len} exceeds the ${bytes.length - off} bytes left in the file`,
      );
    }
    const end = off + len - 4; // start of the trailing length copy
    if (u32(view, end, order) !== len)
      throw new CaptureFormatError(file, end, "block trailing length does not match");
    const body = off + 8;
    switch (type) {
      case BT_SHB: {
        if (len < 28) throw new CaptureFormatError(file, off, "truncated section header block");
        const major = u16(view, body + 4, order);
        if (major !== 1) throw new CaptureFormatError(file, body + 4, `unsupported pcapng version ${major}`);
        break;
      }
      case BT_IDB:
        if (len < 20) throw new CaptureFormatError(file, off, "truncated interface description block");
        ifaces.push(parseIdb(view, body, end, order));
        break;
      case BT_EPB:
      case BT_PB: {
        if (len < 32) throw new CaptureFormatError(file, off, "truncated packet block");
        const ifIndex = type === BT_EPB ? u32(view, body, order) : u16(view, body, order);
        const iface = ifaces[ifIndex];
        packets++;
        if (!iface) {
          undeclared(ifIndex, off);
          break;
        }
        const units = (BigInt(u32(view, body + 4, order)) << 32n) | BigInt(u32(view, body + 8, order));
        const caplen = u32(view, body + 12, order);
        const origLen = u32(view, body + 16, order);
        const dataOff = body + 20;
        if (caplen > end - dataOff) {
          throw new CaptureFormatError(
            file,
            off,
            `packet caplen ${caplen} exceeds its block (${end - dataOff} bytes)`,
          );
        }
        if (onIrregular && caplen > origLen)
          onIrregular({
            record: packets,
            offset: off,
            reason: `captured length ${caplen} exceeds the original length ${origLen}`,
          });
        // epb_flags bits 5..8: this packet's FCS length in octets, over the interface's (draft §4.3.1).
        let fcs = iface.fcsBytes;
        if (type === BT_EPB) {
          for (const o of options(view, dataOff + ((caplen + 3) & ~3), end, order)) {
            if (o.code === OPT_EPB_FLAGS && o.len >= 4) {
              const perPacket = (u32(view, o.off, order) >>> 5) & 0xf;
              if (perPacket !== 0) fcs = perPacket;
            }
          }
        }
        yield {
          ts: iface.toNs(units) + iface.offsetNs,
          ...withoutFcs(bytes.subarray(dataOff, dataOff + caplen), origLen, fcs),
          iface: ifIndex,
          linktype: iface.linktype,
        };
        break;
      }
      case BT_SPB: {
        if (len < 16) throw new CaptureFormatError(file, off, "truncated simple packet block");
        const iface = ifaces[0];
        packets++;
        if (!iface) {
          undeclared(0, off); // an SPB belongs to interface 0
          break;
        }
        const origLen = u32(view, body, order);
        const room = end - (body + 4);
        let caplen = Math.min(origLen, room);
        if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        yield {
          ts: 0n,
          ...withoutFcs(bytes.subarray(body + 4, body + 4 + caplen), origLen, iface.fcsBytes),
          iface: 0,
          linktype: iface.linktype,
        };
        break;
      }
      default:
        break; // NRB, ISB, DSB, custom blocks...: not needed to replay frames
    }
    off += len;
  }
}

export interface PcapngWriteOptions {
  order?: ByteOrder;
  /** Timestamp resolution per interface, as if_tsresol (6 = µs, 9 = ns). Default 9. */
  tsresol?: number | number[];
  /** Link type per interface (default: taken from the first record on that interface). */
  linktypes?: number[];
}

class BlockWriter {
  readonly chunks: Uint8Array[] = [];
  constructor(private readonly le: boolean) {}
  block(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const len = 12 + padded;
    const b = new Uint8Array(len);
    const v = viewOf(b);
    v.setUint32(0, type, this.le);
    v.setUint32(4, len, this.le);
    b.set(body, 8);
    v.setUint32(len - 4, len, this.le);
    this.chunks.push(b);
  }
}

/** Serialises records as a single-section pcapng file with one IDB per interface index used. */
export function writePcapng(records: Iterable<PacketRecord>, opts: PcapngWriteOptions = {}): Uint8Array {
  const le = (opts.order ?? "le") === "le";
  const list = [...records];
  const nIfaces = list.reduce((n, r) => Math.max(n, r.iface + 1), 1);
  const w = new BlockWriter(le);

  const shb = new Uint8Array(16);
  const sv = viewOf(shb);
  sv.setUint32(0, BYTE_ORDER_MAGIC, le);
  sv.setUint16(4, 1, le);
  sv.setUint16(6, 0, le);
  sv.setBigInt64(8, -1n, le); // section length not specified
  w.block(BT_SHB, shb);

  const resol: number[] = [];
  for (let i = 0; i < nIfaces; i++) {
    const r = Array.isArray(opts.tsresol) ? (opts.tsresol[i] ?? 9) : (opts.tsresol ?? 9);
    resol.push(r);
    const linktype = opts.linktypes?.[i] ?? list.find((x) => x.iface === i)?.linktype ?? LINKTYPE_ETHERNET;
    const idb = new Uint8Array(8 + 8 + 4);
    const iv = viewOf(idb);
    iv.setUint16(0, linktype, le);
    iv.setUint32(4, 262144, le);
    iv.setUint16(8, OPT_IF_TSRESOL, le);
    iv.setUint16(10, 1, le);
    iv.setUint8(12, r);
    // bytes 16..19: opt_endofopt (zeros)
    w.block(BT_IDB, idb);
  }

  for (const r of list) {
    const units = nsToUnits(r.ts, resol[r.iface]);
    const body = new Uint8Array(20 + ((r.data.length + 3) & ~3));
    const v = viewOf(body);
    v.setUint32(0, r.iface, le);
    v.setUint32(4, Number((units >> 32n) & 0xffffffffn), le);
    v.setUint32(8, Number(units & 0xffffffffn), le);
    v.setUint32(12, r.data.length, le);
    v.setUint32(16, Math.max(r.origLen, r.data.length), le);
    body.set(r.data, 20);
    w.block(BT_EPB, body);
  }
  const total = w.chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of w.chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function nsToUnits(ns: bigint, tsresol: number): bigint {
  if (tsresol & 0x80) return (ns << BigInt(tsresol & 0x7f)) / 1_000_000_000n;
  if (tsresol <= 9) return ns / 10n ** BigInt(9 - tsresol);
  return ns * 10n ** BigInt(tsresol - 9);
}
