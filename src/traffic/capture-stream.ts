// Reading a capture as a stream (a file, a pipe, standard input): the container is recognised
// from the first bytes read, so a file that is not a capture (/dev/zero, a huge log) fails at
// once instead of being read to its end; after that the records are framed one by one (pcap
// records, pcapng blocks) and each is decoded by the in-memory readers (src/traffic/pcap.ts,
// pcapng.ts), so both paths accept and refuse exactly the same bytes.
import { readSync } from "node:fs";
import { concatBytes } from "../bytes.ts";
import {
  type CaptureDrop,
  CaptureFormatError,
  type DropSink,
  detectFormat,
  notACaptureReason,
  type PacketRecord,
} from "./capture.ts";
import { readPcap, readPcapHeader } from "./pcap.ts";
import { readPcapng } from "./pcapng.ts";

const CHUNK = 1 << 16;
/** A record or block larger than this is refused rather than buffered (tcpdump's snaplen is 256 KiB). */
export const MAX_UNIT_BYTES = 64 << 20;
const PCAP_HEADER = 24;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 1;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Buffered reads from a file descriptor; waits on a non-blocking pipe that has no data yet. */
class ByteSource {
  private buf = new Uint8Array(0);
  private start = 0;
  private eof = false;
  /** Offset in the stream of buf[start]. */
  consumed = 0;

  constructor(private readonly fd: number) {}

  /** Makes at least `n` bytes available (fewer only at end of input); returns how many are. */
  ensure(n: number): number {
    while (this.available() < n && !this.eof) this.fill(Math.max(CHUNK, n - this.available()));
    return this.available();
  }

  available(): number {
    return this.buf.length - this.start;
  }

  peek(n: number): Uint8Array {
    return this.buf.subarray(this.start, this.start + n);
  }

  take(n: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.start += out.length;
    this.consumed += out.length;
    return out;
  }

  private fill(want: number): void {
    const chunk = new Uint8Array(want);
    let got: number;
    for (;;) {
      try {
        got = readSync(this.fd, chunk, 0, want, null);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
    if (got === 0) {
      this.eof = true;
      return;
    }
    const rest = this.buf.subarray(this.start);
    const next = new Uint8Array(rest.length + got);
    next.set(rest, 0);
    next.set(chunk.subarray(0, got), rest.length);
    this.buf = next;
    this.start = 0;
  }
}

/**
 * Runs an in-memory reader over `prefix + unit` and yields its records; its errors are moved to
 * the unit's place in the stream (`base` = stream offset of the unit's first byte).
 */
function* decodeUnit(
  read: (bytes: Uint8Array, file: string) => Generator<PacketRecord>,
  prefix: Uint8Array,
  unit: Uint8Array,
  base: number,
  file: string,
): Generator<PacketRecord> {
  try {
    yield* read(concatBytes(prefix, unit), file);
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    const at = e.offset >= prefix.length ? base + e.offset - prefix.length : e.offset;
    const what = e.message.slice(file.length + 2).replace(/ at byte -?\d+$/, "");
    throw new CaptureFormatError(file, at, what);
  }
}

function u32(b: Uint8Array, off: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset + off, 4).getUint32(0, le);
}

function tooLarge(file: string, at: number, what: string, n: number): CaptureFormatError {
  return new CaptureFormatError(
    file,
    at,
    `${what} ${n} exceeds the largest this reader buffers (${MAX_UNIT_BYTES})`,
  );
}

function* streamPcap(src: ByteSource, file: string, onIrregular?: DropSink): Generator<PacketRecord> {
  src.ensure(PCAP_HEADER);
  const header = src.take(PCAP_HEADER);
  yield* decodeUnit(readPcap, new Uint8Array(0), header, 0, file); // validates the header
  const { order, recordHeaderLen } = readPcapHeader(header, file);
  const le = order === "le";
  let records = 0; // whole records so far: an irregular one's `record N`
  while (src.ensure(1) > 0) {
    const base = src.consumed;
    const have = src.ensure(recordHeaderLen);
    if (have < recordHeaderLen) {
      yield* decodeUnit(readPcap, header, src.take(have), base, file); // truncated record header
      return;
    }
    const caplen = u32(src.peek(recordHeaderLen), 8, le);
    if (caplen > MAX_UNIT_BYTES) throw tooLarge(file, base, "record caplen", caplen);
    const n = src.ensure(recordHeaderLen + caplen);
    // The record is read on its own after the header: an irregularity's offset and ordinal are
    // moved to the stream's.
    const read = (bytes: Uint8Array, name: string) =>
      readPcap(
        bytes,
        name,
        onIrregular &&
          ((d) => onIrregular({ ...d, record: records + d.record, offset: base + d.offset - PCAP_HEADER })),
      );
    for (const r of decodeUnit(read, header, src.take(Math.min(n, recordHeaderLen + caplen)), base, file)) {
      records++;
      yield r;
    }
  }
}

/** EPB, SPB or the obsolete PB: the blocks that carry one packet record each. */
function isPacketBlock(type: number): boolean {
  return type === 6 || type === 3 || type === 2;
}

function* streamPcapng(
  src: ByteSource,
  file: string,
  onDrop?: DropSink,
  onIrregular?: DropSink,
): Generator<PacketRecord> {
  let context: Uint8Array[] = []; // this section's header block and interface blocks
  let le = true;
  let packets = 0; // packet records so far (yielded or dropped): a drop's `record N`
  while (src.ensure(1) > 0) {
    const base = src.consumed;
    const have = src.ensure(12);
    const head = src.peek(Math.min(have, 12));
    if (have >= 12 && u32(head, 0, false) === PCAPNG_SHB) {
      if (u32(head, 8, true) === BYTE_ORDER_MAGIC) le = true;
      else if (u32(head, 8, false) === BYTE_ORDER_MAGIC) le = false;
      context = [];
    }
    const len = have >= 12 ? u32(head, 4, le) : 0;
    if (len > MAX_UNIT_BYTES) throw tooLarge(file, base, "block length", len);
    const unitLen = len >= 12 && len % 4 === 0 ? len : have; // a bad length: let the reader say so
    const n = src.ensure(unitLen);
    const unit = src.take(Math.min(n, unitLen));
    const prefix = concatBytes(...context);
    // The unit is read on its own: its drop's (or irregularity's) offset and ordinal are moved
    // to the stream's.
    const moved = (d: CaptureDrop): CaptureDrop => ({
      ...d,
      record: packets + d.record,
      offset: base + d.offset - prefix.length,
    });
    const read = (bytes: Uint8Array, name: string) =>
      readPcapng(bytes, name, (d) => onDrop?.(moved(d)), onIrregular && ((d) => onIrregular(moved(d))));
    const before = packets;
    for (const r of decodeUnit(read, prefix, unit, base, file)) {
      packets++;
      yield r;
    }
    if (packets === before && isPacketBlock(u32(unit, 0, le))) packets++; // dropped
    const type = u32(unit, 0, le);
    if (type === PCAPNG_SHB || type === PCAPNG_IDB) context.push(unit);
  }
}

/**
 * The records of the capture readable from `fd`, read as they are needed. Throws
 * CaptureFormatError as soon as the first bytes show no pcap/pcapng header, or where the stream
 * becomes corrupt (the records before it have been yielded). `onDrop` and `onIrregular` are
 * told, located in the stream, what iterateCapture's are (a record is reported before it is
 * yielded).
 */
export function* streamCapture(
  fd: number,
  file: string,
  onDrop?: DropSink,
  onIrregular?: DropSink,
): Generator<PacketRecord> {
  const src = new ByteSource(fd);
  const have = src.ensure(4);
  const first = src.peek(have);
  const format = detectFormat(first);
  if (format === undefined) {
    if (have < 4) throw new CaptureFormatError(file, have, "file too short for a capture header");
    throw new CaptureFormatError(file, 0, notACaptureReason(first));
  }
  yield* format === "pcap"
    ? streamPcap(src, file, onIrregular)
    : streamPcapng(src, file, onDrop, onIrregular);
}
