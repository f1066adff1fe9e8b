// Replaying captures through `paths` (issue 9 items 2 and 3): broadcast frames replicated by the
// switch keep conservation; a capture whose MACs match no port is said to be filtered, and
// --rewrite-dst delivers it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

const captures = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const stateDir = mkdtempSync(join(tmpdir(), "iovsim-pcap-"));
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

/** A classic pcap with one 60-byte frame for a MAC no port owns. */
function foreignCapture(): string {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  const frame = Buffer.alloc(60);
  Buffer.from([0x02, 0x77, 0, 0, 0, 1, 0x02, 0, 0, 0, 0xff, 1, 0x08, 0x00]).copy(frame);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(60, 8);
  rec.writeUInt32LE(60, 12);
  const dir = mkdtempSync(join(tmpdir(), "iovsim-pcap-"));
  writeFileSync(join(dir, "one.pcap"), Buffer.concat([hdr, rec, frame]));
  return join(dir, "one.pcap");
}

const FAST = ["--trial-ms", "0.2", "--rate", "10%"];

describe("paths --pcap", () => {
  it("a capture with broadcast frames keeps conservation (copies are not drops)", async () => {
    const r = await cli([
      "paths",
      "--path",
      "native",
      "--pcap",
      join(captures, "QinQpacket.pcap"),
      "--json",
      ...FAST,
    ]);
    expect(r.err).not.toMatch(/CONSERVATION VIOLATED/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const c = j.paths[0].load_points[0].conservation;
    expect(c.ok).toBe(true);
    expect(c.sent).toBeGreaterThan(0);
  });

  it("says when every replayed frame was filtered, and --rewrite-dst delivers them", async () => {
    const pcap = foreignCapture();
    const plain = await cli(["paths", "--path", "jail-vf", "--pcap", pcap, ...FAST]);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(
      /warning: jail-vf rx: every replayed frame of .*one\.pcap was dropped .*try --rewrite-dst/,
    );
    const rw = await cli(["paths", "--path", "jail-vf", "--pcap", pcap, "--rewrite-dst", "--json", ...FAST]);
    expect(rw.code).toBe(0);
    const j = JSON.parse(rw.out);
    expect(j.pcap.rewrite_dst).toBe(true);
    expect(j.warnings).toEqual([]);
    expect(j.paths[0].load_points[0].delivered_mpps).toBeGreaterThan(0);
  });

  it("a missing capture is a user error naming the option", async () => {
    const bad = await cli(["paths", "--pcap", "/no/such.pcap"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--pcap .*no such file/);
  });
});
