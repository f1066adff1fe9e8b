// A capture cut short (a tcpdump killed mid-write) is read up to its last whole record by every
// command that replays captures: `switch --in`, `paths --pcap` and `steering --mix pcap:`. Each
// says which file, at which byte it stops being whole and how many bytes were left out.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";
import { QUICK_STEERING, quickPathsReplay } from "../helpers/quick-replay.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-tail-"));
const vendored = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "vxlan.pcap");

/** Record offsets of a classic pcap (24-byte file header, 16-byte record headers; this file is little-endian). */
function recordOffsets(bytes: Buffer): number[] {
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const offsets: number[] = [];
  for (let at = 24; at < bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) offsets.push(at);
  return offsets;
}

// The last record loses its last 10 bytes: its header is whole, its data is not.
const full = readFileSync(vendored);
const offsets = recordOffsets(full);
const whole = offsets.length - 1;
const lastAt = offsets[whole]!;
const truncated = join(tmp, "cut.pcap");
writeFileSync(truncated, full.subarray(0, full.length - 10));
const leftOut = full.length - 10 - lastAt;
const tailNote = new RegExp(
  `${truncated.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: [^\\n]* at byte ${lastAt}: read the ${whole} whole records before it; the last ${leftOut} bytes \\(from byte ${lastAt}\\) were left out`,
);

// The state directory is never created: the default host.
const cli = (...argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });

describe("a capture with a corrupt tail", () => {
  it("the fixture really is cut inside its last record", () => {
    expect(whole).toBeGreaterThan(1);
    expect(leftOut).toBeGreaterThan(16);
  });

  it("switch --in replays the whole records and notes the rest (summary, stderr with --json, counters.json)", async () => {
    const conf = join(tmp, "ixl.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 1; }\n');
    const out = join(tmp, "switch-out");
    const r = await cli("switch", "-f", conf, "--in", `wire=${truncated}`, "--promisc", "PF", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`│ wire +│ ${whole} +│`));
    expect(r.out).toMatch(new RegExp(`note: --in wire=${tailNote.source}`));
    const counters = JSON.parse(readFileSync(join(out, "counters.json"), "utf8"));
    expect(counters.corruptTails).toEqual([
      { port: "wire", file: truncated, offset: lastAt, bytesLeftOut: leftOut, wholeRecords: whole },
    ]);
    expect(counters.functions.find((f: { name: string }) => f.name === "wire").offered).toBe(whole);
    const j = await cli("switch", "-f", conf, "--in", `wire=${truncated}`, "--promisc", "PF", "--json");
    expect(j.code).toBe(0);
    expect(j.err).toMatch(new RegExp(`^iovsim: note: --in wire=${tailNote.source}\\n$`));
    // The JSON document says it too (it once had it only on stderr, counters.json apart).
    expect(JSON.parse(j.out).corrupt_tails).toEqual([
      { port: "wire", file: truncated, offset: lastAt, bytes_left_out: leftOut, whole_records: whole },
    ]);
  });

  it("steering --mix pcap: uses the whole records and notes the rest", async () => {
    const r = await cli("steering", "--mix", `pcap:${truncated}`, ...QUICK_STEERING);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const notes: string[] = JSON.parse(r.out).notes;
    const note = notes.find((n) => n.startsWith(`pcap:${truncated}: `));
    expect(note).toMatch(new RegExp(`^pcap:\\S+: ${whole} frames replayed, .*; ${tailNote.source}$`));
  });

  it("paths --pcap replays the whole records and says the same", async () => {
    const r = await cli(...quickPathsReplay(truncated), "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.replay.frames).toBe(whole);
    expect(JSON.stringify(j)).toMatch(tailNote);
  });

  it("a file that is not a capture at all is still refused", async () => {
    const junk = join(tmp, "junk.pcap");
    writeFileSync(junk, "not a capture, just text\n");
    const conf = join(tmp, "ixl.conf");
    const r = await cli("switch", "-f", conf, "--in", `wire=${junk}`, "--json");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^iovsim: .*junk\.pcap: not a pcap or pcapng file \(magic 0x[0-9a-f]{8}\) at byte 0\n$/,
    );
  });
});
