// Reading and writing capture files whatever their container (pcap µs/ns, pcapng).
import { readFileSync } from "node:fs";
import { replaceFileSync } from "../fs-atomic.ts";
import { type CaptureFormat, CaptureFormatError, detectFormat, type PacketRecord } from "./capture.ts";
import { type PcapWriteOptions, readPcap, writePcap } from "./pcap.ts";
import { type PcapngWriteOptions, readPcapng, writePcapng } from "./pcapng.ts";

/** Streams the records of an in-memory capture; throws CaptureFormatError where it is corrupt. */
export function iterateCapture(bytes: Uint8Array, file: string): Generator<PacketRecord> {
  const format = detectFormat(bytes);
  if (format === "pcap") return readPcap(bytes, file);
  if (format === "pcapng") return readPcapng(bytes, file);
  if (bytes.length < 4)
    throw new CaptureFormatError(file, bytes.length, "file too short for a capture header");
  const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  throw new CaptureFormatError(file, 0, `not a pcap or pcapng file (magic 0x${magic})`);
}

export interface CaptureContents {
  format: CaptureFormat;
  records: PacketRecord[];
  /** Set when the file is corrupt after `records.length` good records. */
  error?: CaptureFormatError;
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

/** Reads every usable record; a corrupt tail is reported in `error`, not thrown. A bad header throws. */
export function readCapture(bytes: Uint8Array, file: string): CaptureContents {
  const format = detectFormat(bytes);
  const it = iterateCapture(bytes, file); // throws for an unknown container
  const records: PacketRecord[] = [];
  try {
    for (const r of it) records.push(r);
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    if (records.length === 0 && e.offset < 24) throw e; // nothing usable: the header itself is bad
    return { format: format!, records, error: e, size: bytes.length };
  }
  return { format: format!, records, size: bytes.length };
}

/** Reads a capture file from disk; errors name the file as the user gave it. */
export function readCaptureFile(path: string): CaptureContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(code ?? e);
    throw new CaptureFormatError(path, -1, `cannot read (${why})`);
  }
  return readCapture(bytes, path);
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
