// A pcapng packet block naming an interface that no interface block declared is counted and
// dropped with its reason, and reading goes on with the next block (Wireshark stops there):
// the readers (whole file and streamed) and every command that reads captures, `decode`,
// `switch --in`, `paths --pcap` and `steering --mix pcap:`, replay the good records and name
// the one dropped.
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CaptureDrop, PacketRecord } from "../../src/traffic/capture.ts";
import { readCapture, readCaptureFile, recordOrdinal } from "../../src/traffic/capture-io.ts";
import { streamCapture } from "../../src/traffic/capture-stream.ts";
import { writePcapng } from "../../src/traffic/pcapng.ts";
import { iovsim } from "../helpers/cli.ts";
import { QUICK_STEERING, quickPathsReplay } from "../helpers/quick-replay.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-undeclared-"));
const vendored = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "vxlan.pcap");

/** Byte offsets of the blocks of a little-endian pcapng file. */
function blockOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += view.getUint32(at + 4, true)) out.push(at);
  return out;
}

// The vendored capture as pcapng (SHB, one IDB, one EPB per frame), with a copy of its second
// EPB naming interface 7 put in after it: the third packet record is the bad one.
const good = readCaptureFile(vendored).records;
const clean = writePcapng(good);
const blocks = blockOffsets(clean);
const secondEpbEnd = blocks[4]!; // SHB, IDB, EPB 1, EPB 2: the bad block goes where EPB 3 was
const badBlock = clean.slice(blocks[3]!, secondEpbEnd);
new DataView(badBlock.buffer).setUint32(8, 7, true); // the EPB's interface id
const bytes = Uint8Array.from([
  ...clean.subarray(0, secondEpbEnd),
  ...badBlock,
  ...clean.subarray(secondEpbEnd),
]);
const capture = join(tmp, "bad-iface.pcapng");
writeFileSync(capture, bytes);
const drop: CaptureDrop = { record: 3, offset: secondEpbEnd, reason: "interface id 7 not declared" };
const dropText = `interface id 7 not declared (record 3, at byte ${secondEpbEnd})`;

const cli = (...argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });
const payloads = (rs: PacketRecord[]) => rs.map((r) => Buffer.from(r.data).toString("hex"));

describe("a pcapng packet block on an undeclared interface", () => {
  it("the fixture has several good records on each side of the bad block", () => {
    expect(good.length).toBeGreaterThan(3);
  });

  it("readCapture: every good record, one drop with its record number and offset, no error", () => {
    const c = readCapture(bytes, "f.pcapng");
    expect(c.error).toBeUndefined();
    expect(payloads(c.records)).toEqual(payloads(good));
    expect(c.dropped).toEqual([drop]);
  });

  it("streamCapture: the same records and the same drop, at the file's offset", () => {
    const drops: CaptureDrop[] = [];
    const fd = openSync(capture, "r");
    try {
      const records = [...streamCapture(fd, capture, (d) => drops.push(d))];
      expect(payloads(records)).toEqual(payloads(good));
    } finally {
      closeSync(fd);
    }
    expect(drops).toEqual([drop]);
  });

  it("a simple packet block before any interface block is dropped the same way", () => {
    const noIdb = Uint8Array.from([...clean.subarray(0, blocks[1]!), ...simplePacketBlock(good[0]!.data)]);
    const c = readCapture(noIdb, "s.pcapng");
    expect(c.error).toBeUndefined();
    expect(c.records).toEqual([]);
    expect(c.dropped).toEqual([{ record: 1, offset: blocks[1]!, reason: "interface id 0 not declared" }]);
  });

  it("a kept record's number in the file counts the dropped records before it, as decode numbers them", () => {
    const at = (...records: number[]) => records.map((record) => ({ record, offset: 0, reason: "" }));
    expect([0, 1, 2, 3].map((s) => recordOrdinal(s, at(3)))).toEqual([1, 2, 4, 5]);
    expect([0, 1, 2].map((s) => recordOrdinal(s, at(1, 2, 4)))).toEqual([3, 5, 6]);
    expect(recordOrdinal(5, [])).toBe(6);
  });

  it("decode: lists the dropped record in its place, decodes the rest, exit 0", async () => {
    const r = await cli("decode", capture);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[2]).toBe(`    3  dropped: ${dropText}`);
    // the dropped record is a record, not a frame: counted apart, by reason
    expect(lines.at(-1)).toBe(`${good.length} frames, 1 record dropped (interface id 7 not declared: 1)`);
    const j = await cli("decode", capture, "--json");
    expect(JSON.parse(j.out.split("\n")[2]!)).toEqual({
      frame: 3,
      offset: secondEpbEnd,
      dropped: "interface id 7 not declared",
    });
  });

  it("switch --in: offers every good record and notes the drop", async () => {
    const conf = join(tmp, "ixl.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 1; }\n');
    const r = await cli("switch", "-f", conf, "--in", `wire=${capture}`, "--promisc", "PF", "--json");
    expect(r.code).toBe(0);
    expect(r.err).toContain(`iovsim: note: --in wire=${capture}: dropped 1 record: ${dropText}\n`);
    const j = JSON.parse(r.out);
    expect(j.functions.find((f: { name: string }) => f.name === "wire").offered).toBe(good.length);
    expect(j.records_dropped).toBe(1);
  });

  it("paths --pcap: replays every good record, the drop counted by reason and noted", async () => {
    const r = await cli(...quickPathsReplay(capture), "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.replay.frames).toBe(good.length);
    expect(j.replay.records).toBe(good.length + 1);
    expect(j.replay.dropped_before_engine).toEqual({ "interface id 7 not declared": 1 });
    expect(j.notes).toContain(`${capture}: dropped 1 record: ${dropText}`);
  });

  it("steering --mix pcap: uses every good record and notes the drop", async () => {
    const r = await cli("steering", "--mix", `pcap:${capture}`, ...QUICK_STEERING);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    // Counted by reason beside the mix's size, as paths --pcap counts it (dropped_before_engine).
    expect(j.mixes[0].dropped_before_engine).toEqual({ "interface id 7 not declared": 1 });
    const notes: string[] = j.notes;
    const note = notes.find((n) => n.startsWith(`pcap:${capture}: `));
    expect(note).toMatch(
      new RegExp(
        `^pcap:\\S+: ${good.length} frames replayed, .*; --mix pcap:\\S+: dropped 1 record: ${dropText.replace(/[()]/g, "\\$&")}$`,
      ),
    );
  });
});

/** A little-endian Simple Packet Block holding `data`. */
function simplePacketBlock(data: Uint8Array): Uint8Array {
  const padded = (data.length + 3) & ~3;
  const len = 16 + padded;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, 3, true);
  v.setUint32(4, len, true);
  v.setUint32(8, data.length, true);
  b.set(data, 12);
  v.setUint32(len - 4, len, true);
  return b;
}
