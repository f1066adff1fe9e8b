// A classic pcap record whose captured length exceeds its original length, or whose sub-second
// field is a second or more (µs >= 10^6, ns >= 10^9), breaks the format's rules, but tshark and
// tcpdump read it as it is (tcpdump's own malformed-packet captures, iovsim's decode oracle, are
// full of such timestamps). iovsim reads it as they do and says so: the reader reports each one
// located (record, byte offset), and `paths --pcap` names them in a note, never using them unsaid.
// A pcapng Enhanced Packet Block whose captured length exceeds its original length likewise
// (tshark shows frame.len 91 below frame.cap_len 92 and reads on).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CaptureDrop, PacketRecord } from "../../src/traffic/capture.ts";
import {
  encodeCapture,
  irregularRecordsNote,
  readCapture,
  readCaptureFile,
} from "../../src/traffic/capture-io.ts";
import { iovsim } from "../helpers/cli.ts";
import { QUICK_STEERING, quickPathsReplay } from "../helpers/quick-replay.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-irregular-"));
const vendored = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "vxlan.pcap");
const good = readCaptureFile(vendored).records.slice(0, 6);
const payloads = (rs: PacketRecord[]) => rs.map((r) => Buffer.from(r.data).toString("hex"));

/** Byte offsets of the records of a little-endian classic pcap file. */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 24; at < bytes.length; at += 16 + view.getUint32(at + 8, true)) out.push(at);
  return out;
}

/** Six records; record 2's original length one below its captured length, record 4's
 *  sub-second field one past its range. */
function irregular(ns: boolean) {
  const bytes = encodeCapture(good, { format: ns ? "pcap-ns" : "pcap" }).slice();
  const view = new DataView(bytes.buffer);
  const at = recordOffsets(bytes);
  const caplen = view.getUint32(at[1]! + 8, true);
  view.setUint32(at[1]! + 12, caplen - 1, true);
  const sec = view.getUint32(at[3]! + 0, true);
  view.setUint32(at[3]! + 4, ns ? 1_000_000_000 : 1_000_000, true);
  const found: CaptureDrop[] = [
    {
      record: 2,
      offset: at[1]!,
      reason: `captured length ${caplen} exceeds the original length ${caplen - 1}`,
    },
    {
      record: 4,
      offset: at[3]!,
      reason: ns
        ? "timestamp nanoseconds 1000000000 out of range (0..999999999)"
        : "timestamp microseconds 1000000 out of range (0..999999)",
    },
  ];
  return { bytes, found, sec };
}

describe("an irregular pcap record is read as tshark reads it, and reported", () => {
  for (const ns of [false, true]) {
    it(`readCapture (${ns ? "ns" : "µs"}): every record kept, each irregular one located`, () => {
      const { bytes, found, sec } = irregular(ns);
      const c = readCapture(bytes, "i.pcap");
      expect(c.error).toBeUndefined();
      expect(c.dropped).toEqual([]);
      expect(payloads(c.records)).toEqual(payloads(good));
      expect(c.irregular).toEqual(found);
      // The time as tshark shows it: the fraction carried into the seconds (sec + 1 s).
      expect(c.records[3]!.ts).toBe(BigInt(sec + 1) * 1_000_000_000n);
      expect(c.records[1]!.origLen).toBe(c.records[1]!.data.length - 1);
    });
  }

  it("a regular capture has none", () => {
    expect(readCapture(encodeCapture(good, { format: "pcap" }), "g.pcap").irregular).toEqual([]);
  });

  it("paths --pcap: replays every record and names the irregular ones in a note", async () => {
    const { bytes, found } = irregular(false);
    const file = join(tmp, "irregular.pcap");
    writeFileSync(file, bytes);
    const r = await iovsim([...quickPathsReplay(file), "--json"], { stateDir: join(tmp, "state") });
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.replay.frames).toBe(6);
    expect(j.replay.dropped_before_engine).toEqual({});
    const where = found.map((f) => `${f.reason} (record ${f.record}, at byte ${f.offset})`).join("; ");
    expect(j.notes).toContain(
      `${file}: 2 records read as tshark reads them though irregular: ${where}; each frame is used as captured, its time as seconds plus the fraction (carried into the seconds)`,
    );
  });

  it("steering --mix pcap: and switch --in name them too", async () => {
    const { bytes, found } = irregular(false);
    const file = join(tmp, "irregular-2.pcap");
    writeFileSync(file, bytes);
    const where = found.map((f) => `${f.reason} (record ${f.record}, at byte ${f.offset})`).join("; ");
    const said = `2 records read as tshark reads them though irregular: ${where}; each frame is used as captured`;
    const cli = (...argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });
    const s = await cli("steering", "--mix", `pcap:${file}`, ...QUICK_STEERING);
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out).notes.join("\n")).toContain(`--mix pcap:${file}: ${said}`);
    const conf = join(tmp, "ixl.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 1; }\n');
    const w = await cli("switch", "-f", conf, "--in", `wire=${file}`, "--promisc", "PF", "--json");
    expect(w.code, w.err).toBe(0);
    expect(w.err).toContain(`iovsim: note: --in wire=${file}: ${said}`);
  });
});

/** Byte offsets of the blocks of a little-endian pcapng file, with their types. */
function blocks(bytes: Uint8Array): Array<{ at: number; type: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ at: number; type: number }> = [];
  for (let at = 0; at < bytes.length; at += view.getUint32(at + 4, true))
    out.push({ at, type: view.getUint32(at, true) });
  return out;
}

/** Six records as pcapng; packet block 3's original length one below its captured length, and
 *  (`undeclared`) packet block 2 on an interface no IDB declared, which is dropped. */
function irregularNg(undeclared: boolean) {
  const bytes = encodeCapture(good, { format: "pcapng" }).slice();
  const view = new DataView(bytes.buffer);
  const epbs = blocks(bytes)
    .filter((b) => b.type === 6)
    .map((b) => b.at);
  if (undeclared) view.setUint32(epbs[1]! + 8, 7, true);
  const caplen = view.getUint32(epbs[2]! + 20, true);
  view.setUint32(epbs[2]! + 24, caplen - 1, true);
  const found: CaptureDrop[] = [
    {
      record: 3,
      offset: epbs[2]!,
      reason: `captured length ${caplen} exceeds the original length ${caplen - 1}`,
    },
  ];
  return { bytes, found };
}

describe("an irregular pcapng packet block is read as tshark reads it, and reported", () => {
  it("readCapture: every record kept, the irregular one located by its packet block and byte", () => {
    const { bytes, found } = irregularNg(false);
    const c = readCapture(bytes, "i.pcapng");
    expect(c.format).toBe("pcapng");
    expect(c.error).toBeUndefined();
    expect(c.dropped).toEqual([]);
    expect(payloads(c.records)).toEqual(payloads(good));
    expect(c.irregular).toEqual(found);
    expect(c.records[2]!.origLen).toBe(c.records[2]!.data.length - 1);
  });

  it("its number counts a dropped packet block, as decode numbers records", () => {
    const { bytes, found } = irregularNg(true);
    const c = readCapture(bytes, "d.pcapng");
    expect(c.dropped.map((d) => d.record)).toEqual([2]);
    expect(c.records.length).toBe(5);
    expect(c.irregular).toEqual(found);
  });

  it("a regular pcapng capture has none", () => {
    expect(readCapture(encodeCapture(good, { format: "pcapng" }), "g.pcapng").irregular).toEqual([]);
  });

  it("the note names no time where only a length is irregular", () => {
    const { found } = irregularNg(false);
    expect(irregularRecordsNote("f", found)).toBe(
      `f: 1 record read as tshark reads it though irregular: ${found[0]!.reason} (record 3, at byte ${found[0]!.offset}); each frame is used as captured`,
    );
  });

  it("paths --pcap names it in a note", async () => {
    const { bytes, found } = irregularNg(false);
    const file = join(tmp, "irregular.pcapng");
    writeFileSync(file, bytes);
    const r = await iovsim([...quickPathsReplay(file), "--json"], { stateDir: join(tmp, "state") });
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.replay.frames).toBe(6);
    expect(j.notes).toContain(
      `${file}: 1 record read as tshark reads it though irregular: ${found[0]!.reason} (record 3, at byte ${found[0]!.offset}); each frame is used as captured`,
    );
  });
});
