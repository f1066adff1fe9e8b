// Capture campaign: mutated pcap and pcapng files through the readers (readCapture, which the
// CLI uses). Each input must give records or a CaptureFormatError naming the file and a byte
// offset inside it; records must be views into the input (a lying length field cannot make
// the reader allocate); no other exception, no hang.
import { CaptureFormatError } from "../traffic/capture.ts";
import { encodeCapture, readCapture } from "../traffic/capture-io.ts";
import { type CampaignOptions, type CampaignResult, describeThrown, FailureLog, hex } from "./campaign.ts";
import { caseCount, eachCase } from "./cases.ts";
import { captureFiles } from "./corpus.ts";
import { mutateBytes } from "./mutate-bytes.ts";

const STREAM = 21;

interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Offsets of length fields (pcap caplen/origLen, pcapng block lengths, caplen, options). */
  fields: number[];
}

/** Seed files: the vendored captures plus re-encodings (ns, big-endian, pcapng both orders). */
export function pcapSeeds(): Seed[] {
  const files = captureFiles();
  const out: Seed[] = files.map((f) => ({ name: f.name, bytes: f.bytes, fields: fieldOffsets(f.bytes) }));
  for (const f of files.slice(0, 12)) {
    const recs = readCapture(f.bytes, f.name).records.slice(0, 6);
    for (const format of ["pcap-ns", "pcapng"] as const)
      for (const order of ["le", "be"] as const) {
        const bytes = encodeCapture(recs, { format, order });
        out.push({ name: `${f.name}.${format}.${order}`, bytes, fields: fieldOffsets(bytes) });
      }
  }
  return out;
}

function fieldOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 24) return out;
  if (v.getUint32(0, false) === 0x0a0d0d0a) {
    const le = v.getUint32(8, true) === 0x1a2b3c4d;
    for (let off = 0; off + 12 <= b.length && out.length < 64; ) {
      const len = v.getUint32(off + 4, le);
      out.push(off + 4, off + len - 4, off + 8, off + 16, off + 20, off + 24);
      if (len < 12 || off + len > b.length) break;
      off += len;
    }
  } else {
    const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
    out.push(4, 16, 20);
    for (let off = 24; off + 16 <= b.length && out.length < 64; ) {
      out.push(off + 8, off + 12);
      off += 16 + v.getUint32(off + 8, le);
    }
  }
  return out;
}

export function runPcap(opts: CampaignOptions): CampaignResult {
  const log = new FailureLog("pcap", opts);
  const seeds = pcapSeeds();
  for (const { index: i, r, done } of eachCase(opts, STREAM)) {
    const seed = r.pick(seeds);
    const bytes = mutateBytes(r, seed.bytes, [r.pick(seeds).bytes], {
      fieldOffsets: seed.fields,
      maxLength: seed.bytes.length + 70000,
    });
    const name = `fuzz-${i}.${seed.name.endsWith("ng") || seed.name.includes("pcapng") ? "pcapng" : "pcap"}`;
    oneCapture(bytes, name, i, log);
    if (opts.progress && (i & 1023) === 0) opts.progress(done);
  }
  return log.result(caseCount(opts), caseCount(opts), "capture files");
}

function checkError(e: CaptureFormatError, bytes: Uint8Array, name: string): string | null {
  if (e.file !== name || !e.message.startsWith(`${name}: `))
    return `error does not name the file: ${e.message}`;
  if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > bytes.length)
    return `error offset ${e.offset} outside the file (${bytes.length} bytes): ${e.message}`;
  if (!e.message.endsWith(`at byte ${e.offset}`)) return `error message lacks its offset: ${e.message}`;
  return null;
}

export function oneCapture(bytes: Uint8Array, name: string, i: number, log: FailureLog): void {
  const repro = () => ({ name, bytes: hex(bytes) });
  try {
    const c = readCapture(bytes, name);
    for (const rec of c.records) {
      if (
        rec.data.buffer !== bytes.buffer ||
        rec.data.byteOffset + rec.data.length > bytes.byteOffset + bytes.length
      )
        log.fail("allocation", i, "a record's data is not a view into the file", repro);
      if (typeof rec.ts !== "bigint" || !Number.isInteger(rec.origLen))
        log.fail("bad-record", i, "record fields", repro);
    }
    // A dropped record is located like an error: a byte offset inside the file, a 1-based ordinal.
    for (const d of c.dropped)
      if (!(d.offset >= 0 && d.offset < bytes.length && Number.isInteger(d.record) && d.record >= 1))
        log.fail("unlocated", i, `dropped record not located in the file: ${JSON.stringify(d)}`, repro);
    if (c.error) {
      const bad = checkError(c.error, bytes, name);
      if (bad) log.fail("unlocated", i, bad, repro);
      log.outcome("records+error");
    } else log.outcome(c.records.length > 0 ? "records" : "empty");
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) {
      log.fail("throw", i, describeThrown(e), repro);
      return;
    }
    const bad = checkError(e, bytes, name);
    if (bad) log.fail("unlocated", i, bad, repro);
    log.outcome("rejected");
  }
}
