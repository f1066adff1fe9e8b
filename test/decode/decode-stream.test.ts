// decode reads its input as a stream (issue 9 item 8): a non-capture (/dev/zero, /dev/urandom,
// anything endless) fails from its first bytes instead of being read to the end, and the
// streamed reader accepts and refuses exactly what the in-memory reader does, with the same
// records and the same error messages and offsets, and the same irregular records, located.
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleCaptures } from "../../scripts/make-examples.ts";
import type { CaptureDrop } from "../../src/traffic/capture.ts";
import { encodeCapture, iterateCapture } from "../../src/traffic/capture-io.ts";
import { streamCapture } from "../../src/traffic/capture-stream.ts";
import { iovsim } from "../helpers/cli.ts";

const CAPTURES = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");

const decode = (...args: string[]) => iovsim(["decode", ...args]);

type Outcome = { records: Array<[string, number, number, string]>; error?: string };

function collect(
  it: () => Iterable<{ ts: bigint; origLen: number; iface: number; data: Uint8Array }>,
): Outcome {
  const records: Outcome["records"] = [];
  try {
    for (const r of it())
      records.push([String(r.ts), r.origLen, r.iface, Buffer.from(r.data).toString("hex")]);
  } catch (e) {
    return { records, error: (e as Error).message };
  }
  return { records };
}

describe("decode: streamed input", () => {
  it("/dev/zero fails at once: not a capture", async () => {
    const r = await decode("/dev/zero");
    expect(r.code).toBe(1);
    expect(r.err).toBe("iovsim: /dev/zero: not a pcap or pcapng file (magic 0x00000000) at byte 0\n");
  }, 10_000);

  it("an endless non-capture (/dev/urandom) fails at once too", async () => {
    const r = await decode("/dev/urandom");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^iovsim: \/dev\/urandom: not a pcap or pcapng file \(magic 0x[0-9a-f]{8}\) at byte 0\n$/,
    );
  }, 10_000);

  it("same records and errors as the in-memory reader, on every vendored capture and the examples", () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-stream-"));
    const files = [
      ...readdirSync(CAPTURES)
        .filter((f) => f.endsWith(".pcap"))
        .map((f) => join(CAPTURES, f)),
      ...readdirSync(join(CAPTURES, "malformed")).map((f) => join(CAPTURES, "malformed", f)),
    ];
    // pcapng, nanosecond pcap, and cut-short copies of each.
    const recs = [...iterateCapture(exampleCaptures()["in.pcap"], "in.pcap")];
    const extra: Array<[string, Uint8Array]> = [
      ["le.pcapng", encodeCapture(recs, { format: "pcapng" })],
      ["ns.pcap", encodeCapture(recs, { format: "pcap-ns" })],
    ];
    for (const [name, bytes] of extra) {
      writeFileSync(join(dir, name), bytes);
      files.push(join(dir, name));
      for (const cut of [3, 10, 30, 60, bytes.length - 5]) {
        writeFileSync(join(dir, `${name}.${cut}`), bytes.subarray(0, cut));
        files.push(join(dir, `${name}.${cut}`));
      }
    }
    expect(files.length).toBeGreaterThan(60);
    let irregularFiles = 0;
    for (const f of files) {
      // The records kept though irregular (read as tshark reads them), located alike too.
      const odd: { memory: CaptureDrop[]; streamed: CaptureDrop[] } = { memory: [], streamed: [] };
      const memory = collect(() => iterateCapture(readFileSync(f), f, undefined, (d) => odd.memory.push(d)));
      const fd = openSync(f, "r");
      const streamed = collect(() => streamCapture(fd, f, undefined, (d) => odd.streamed.push(d)));
      closeSync(fd);
      expect(streamed, f).toEqual(memory);
      expect(odd.streamed, f).toEqual(odd.memory);
      if (odd.memory.length > 0) irregularFiles++;
    }
    // tcpdump's captures hold such records (sub-second fields out of range) in dozens of files.
    expect(irregularFiles).toBeGreaterThan(30);
  });

  it("an irregular pcapng packet block, after a dropped one, is located as in memory", () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-stream-"));
    const recs = [...iterateCapture(exampleCaptures()["in.pcap"], "in.pcap")].slice(0, 5);
    const bytes = encodeCapture(recs, { format: "pcapng" }).slice();
    const view = new DataView(bytes.buffer);
    const epbs: number[] = [];
    for (let at = 0; at < bytes.length; at += view.getUint32(at + 4, true))
      if (view.getUint32(at, true) === 6) epbs.push(at);
    view.setUint32(epbs[1]! + 8, 9, true); // interface 9: not declared, dropped
    view.setUint32(epbs[3]! + 24, view.getUint32(epbs[3]! + 20, true) - 1, true); // origLen < caplen
    const f = join(dir, "odd.pcapng");
    writeFileSync(f, bytes);
    const odd: CaptureDrop[] = [];
    const fd = openSync(f, "r");
    const n = [...streamCapture(fd, f, undefined, (d) => odd.push(d))].length;
    closeSync(fd);
    expect(n).toBe(4);
    expect(odd.map((d) => [d.record, d.offset])).toEqual([[4, epbs[3]]]);
  });
});
