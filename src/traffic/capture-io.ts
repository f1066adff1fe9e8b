// Reading and writing capture files whatever their container (pcap µs/ns, pcapng).
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replaceFileSync } from "../fs-atomic.ts";
import { isSpecialFile, readErrorReason } from "../input-file.ts";
import {
  type CaptureDrop,
  type CaptureFormat,
  CaptureFormatError,
  type DropSink,
  detectFormat,
  dropLabel,
  notACaptureReason,
  type PacketRecord,
} from "./capture.ts";
import { type PcapWriteOptions, readPcap, writePcap } from "./pcap.ts";
import { type PcapngWriteOptions, readPcapng, writePcapng } from "./pcapng.ts";

/** Streams the records of an in-memory capture; throws CaptureFormatError where it is corrupt. */
export function iterateCapture(
  bytes: Uint8Array,
  file: string,
  onDrop?: DropSink,
  onIrregular?: DropSink,
): Generator<PacketRecord> {
  const format = detectFormat(bytes);
  if (format === "pcap") return readPcap(bytes, file, onIrregular);
  if (format === "pcapng") return readPcapng(bytes, file, onDrop, onIrregular);
  if (bytes.length < 4)
    throw new CaptureFormatError(file, bytes.length, "file too short for a capture header");
  throw new CaptureFormatError(file, 0, notACaptureReason(bytes));
}

export interface CaptureContents {
  format: CaptureFormat;
  records: PacketRecord[];
  /** Set when the file is corrupt after `records.length` good records. */
  error?: CaptureFormatError;
  /** Records counted and dropped, reading on after each (a pcapng interface no IDB declared). */
  dropped: CaptureDrop[];
  /** Records kept though irregular (a captured length above the original length, a classic pcap
   *  record's sub-second field out of range: read as tshark reads them), located. */
  irregular: CaptureDrop[];
  /** Bytes in the capture (what a corrupt tail left out is measured against). */
  size: number;
}

/**
 * What a corrupt tail left out, in words: the file and byte offset where the capture stops
 * being whole, how many whole records came before and how many bytes were not used. A capture
 * cut short (a tcpdump killed mid-write) is common: every command that replays captures reads
 * what is whole and says this, rather than refusing the file.
 */
export function corruptTailNote(c: CaptureContents): string | undefined {
  if (!c.error) return undefined;
  const n = c.records.length;
  const left = c.size - c.error.offset;
  return `${c.error.message}: read the ${n} whole record${n === 1 ? "" : "s"} before it; the last ${left} byte${left === 1 ? "" : "s"} (from byte ${c.error.offset}) were left out`;
}

/**
 * The records a reader dropped, in words, for the notes a command prints:
 * `FILE: dropped 1 record: interface id 7 not declared (record 2, at byte 120)`; the first
 * few are named, the rest counted.
 */
export function droppedRecordsNote(file: string, dropped: readonly CaptureDrop[]): string | undefined {
  if (dropped.length === 0) return undefined;
  const SHOWN = 3;
  const named = dropped.slice(0, SHOWN).map(dropLabel).join("; ");
  const more = dropped.length > SHOWN ? `; and ${dropped.length - SHOWN} more` : "";
  return `${file}: dropped ${dropped.length} record${dropped.length === 1 ? "" : "s"}: ${named}${more}`;
}

/**
 * The records kept though irregular, in words, for a replay's notes: `FILE: 2 records read as
 * tshark reads them though irregular: captured length 92 exceeds the original length 91
 * (record 2, at byte 160); ...: each frame is used as captured, its time as seconds plus the
 * fraction (carried into the seconds)` (the time clause where a timestamp is irregular); the
 * first few named, the rest counted.
 */
export function irregularRecordsNote(file: string, irregular: readonly CaptureDrop[]): string | undefined {
  if (irregular.length === 0) return undefined;
  const SHOWN = 3;
  const named = irregular.slice(0, SHOWN).map(dropLabel).join("; ");
  const more = irregular.length > SHOWN ? `; and ${irregular.length - SHOWN} more` : "";
  const n = irregular.length;
  // The time clause only where a timestamp is what is irregular (pcapng's times are whole).
  const time = irregular.some((d) => d.reason.startsWith("timestamp "))
    ? ", its time as seconds plus the fraction (carried into the seconds)"
    : "";
  return `${file}: ${n} record${n === 1 ? "" : "s"} read as tshark reads ${n === 1 ? "it" : "them"} though irregular: ${named}${more}; each frame is used as captured${time}`;
}

/**
 * The 1-based number in the file (as `decode` numbers records, dropped ones included) of the
 * record at index `seq` of a reader's kept records, given the records it dropped (ascending).
 */
export function recordOrdinal(seq: number, dropped: readonly CaptureDrop[]): number {
  let n = seq + 1;
  for (const d of dropped) {
    if (d.record > n) break;
    n++;
  }
  return n;
}

/** Reads every usable record; a corrupt tail is reported in `error`, not thrown. A bad header throws. */
export function readCapture(bytes: Uint8Array, file: string): CaptureContents {
  const format = detectFormat(bytes);
  const dropped: CaptureDrop[] = [];
  const irregular: CaptureDrop[] = [];
  // throws for an unknown container
  const it = iterateCapture(
    bytes,
    file,
    (d) => dropped.push(d),
    (d) => irregular.push(d),
  );
  const records: PacketRecord[] = [];
  try {
    for (const r of it) records.push(r);
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    // nothing usable: the header itself is bad
    if (records.length === 0 && dropped.length === 0 && e.offset < 24) throw e;
    return { format: format!, records, error: e, dropped, irregular, size: bytes.length };
  }
  return { format: format!, records, dropped, irregular, size: bytes.length };
}

/** Reads a capture file from disk; errors name the file as the user gave it. */
export function readCaptureFile(path: string): CaptureContents {
  return readCapture(readCaptureBytes(path), path);
}

/**
 * A path that is not a regular file or a directory: a FIFO, a device, /dev/fd/N of a shell's
 * process substitution (`--pcap <(tcpdump -w - ...)`). It can be read once, and maybe never ends.
 */
export function isCaptureStream(path: string): boolean {
  return isSpecialFile(path); // the same test that refuses such a file as a text input
}

/**
 * The bytes of a capture named on the command line. A regular file is read whole; a stream (a
 * FIFO, a device) is read to its end, unless its first bytes already show no capture header
 * (/dev/zero never ends): then only those, for the reader to refuse.
 */
export function readCaptureBytes(path: string): Uint8Array {
  const cannot = (e: unknown): never => {
    if (e instanceof CaptureFormatError) throw e;
    throw new CaptureFormatError(path, -1, `cannot read (${readErrorReason(e)})`);
  };
  try {
    if (!isCaptureStream(path)) return readFileSync(path);
    const fd = openSync(path, "r");
    try {
      return readAllStdin(fd, path);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return cannot(e);
  }
}

/** How messages name a capture read from standard input (`-`). */
export const STDIN_NAME = "standard input";

/**
 * All of standard input (or of the stream `fd`, named `name` in errors), until end of file
 * (`tcpdump -w - | iovsim switch --in wire=-`), or only its first bytes when they show no
 * capture header. A non-blocking pipe answers EAGAIN while the writer is slow: wait a little
 * and read again.
 */
export function readAllStdin(fd = 0, name = STDIN_NAME): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let checked = false;
  for (;;) {
    const chunk = new Uint8Array(1 << 16);
    let got: number;
    try {
      got = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === "EOF") break; // Windows pipes
      // In words, as a named file's failure is said: 'cannot read (is a directory)' for
      // `< DIR`, not the errno's code (EISDIR).
      throw new CaptureFormatError(name, -1, `cannot read (${readErrorReason(e)})`);
    }
    if (got === 0) break;
    parts.push(chunk.subarray(0, got));
    total += got;
    // Input that does not start as a capture (/dev/zero, a log) is not read to its end.
    if (!checked && total >= 4) {
      checked = true;
      if (!detectFormat(concat(parts, 4))) break;
    }
  }
  return concat(parts, total);
}

/** The first `n` bytes of `parts`, in one array. */
function concat(parts: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    if (off >= n) break;
    const take = p.subarray(0, n - off);
    out.set(take, off);
    off += take.length;
  }
  return out;
}

/** A capture named on the command line: a file, or `-` for the bytes `stdin` gives. */
export function readCaptureInput(path: string, stdin: () => Uint8Array = readAllStdin): CaptureContents {
  return path === "-" ? readCapture(stdin(), STDIN_NAME) : readCaptureFile(path);
}

/**
 * Standard input copied to a private file, for a command whose capture is read more than once
 * or by worker threads (paths --pcap -): `remove()` deletes it when the run is over.
 */
export function spoolStdinCapture(stdin: () => Uint8Array = readAllStdin): {
  file: string;
  remove: () => void;
} {
  const bytes = stdin();
  const dir = mkdtempSync(join(tmpdir(), "iovsim-stdin-"));
  const file = join(dir, "stdin.capture");
  writeFileSync(file, bytes, { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type WriteFormat = "pcap" | "pcap-ns" | "pcapng";

export type WriteOptions = { format?: WriteFormat } & PcapWriteOptions & PcapngWriteOptions;

export function encodeCapture(records: Iterable<PacketRecord>, opts: WriteOptions = {}): Uint8Array {
  const format = opts.format ?? "pcap";
  if (format === "pcapng") return writePcapng(records, opts);
  return writePcap(records, { ...opts, nanosecond: format === "pcap-ns" || opts.nanosecond });
}

/** Writes atomically: a temporary file in the same directory, then rename (src/fs-atomic.ts). */
export function writeCaptureFile(
  path: string,
  records: Iterable<PacketRecord>,
  opts: WriteOptions = {},
): void {
  replaceFileSync(path, encodeCapture(records, opts));
}
