// pcap / pcapng: round trips in every format and byte order, hand-made pcapng blocks (SPB,
// unknown blocks, several sections and interfaces, if_tsresol), corrupt files, and the
// Wireshark tools (capinfos, tshark) reading what we write.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CaptureFormatError, type PacketRecord } from "../../src/traffic/capture.ts";
import {
  encodeCapture,
  iterateCapture,
  readCapture,
  readCaptureFile,
  writeCaptureFile,
} from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { readPcapHeader } from "../../src/traffic/pcap.ts";
import { writePcapng } from "../../src/traffic/pcapng.ts";

const CAPTURES = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");
const tmp = mkdtempSync(join(tmpdir(), "iovsim-pcap-"));

function records(n: number, iface = 0): PacketRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const data = eth()
      .ipv4({ id: i })
      .udp({ sport: 1000 + i })
      .payload(i * 7)
      .build({ padTo: 60 });
    return {
      ts: 1_700_000_000_123_456_789n + BigInt(i) * 1_000_001_001n,
      data,
      origLen: data.length + (i % 3),
      iface,
      linktype: 1,
    };
  });
}

function toolsPresent(): boolean {
  const ok =
    spawnSync("capinfos", ["-h"], { stdio: "ignore" }).status === 0 &&
    spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
  if (!ok && process.env.CI)
    throw new Error("capinfos/tshark missing in CI (.ci/run installs the tshark package)");
  if (!ok) console.warn("SKIPPED: capinfos/tshark not installed; the Wireshark cross-checks did not run");
  return ok;
}

describe("round trips", () => {
  const recs = records(5);
  const cases = [
    { format: "pcap", order: "le", unit: 1000n },
    { format: "pcap", order: "be", unit: 1000n },
    { format: "pcap-ns", order: "le", unit: 1n },
    { format: "pcap-ns", order: "be", unit: 1n },
    { format: "pcapng", order: "le", unit: 1n },
    { format: "pcapng", order: "be", unit: 1n },
  ] as const;
  it.each(cases)(
    "$format $order keeps bytes, lengths and timestamps (to the format's resolution)",
    ({ format, order, unit }) => {
      const bytes = encodeCapture(recs, { format, order });
      const back = readCapture(bytes, "x");
      expect(back.error).toBeUndefined();
      expect(back.format).toBe(format === "pcapng" ? "pcapng" : "pcap");
      expect(back.records).toHaveLength(recs.length);
      back.records.forEach((r, i) => {
        expect(Array.from(r.data)).toEqual(Array.from(recs[i].data));
        expect(r.origLen).toBe(recs[i].origLen);
        expect(r.ts).toBe((recs[i].ts / unit) * unit);
        expect(r.linktype).toBe(1);
      });
    },
  );
  it("byte order is visible in the magic", () => {
    expect(Array.from(encodeCapture([], { format: "pcap", order: "be" }).subarray(0, 4))).toEqual([
      0xa1, 0xb2, 0xc3, 0xd4,
    ]);
    expect(Array.from(encodeCapture([], { format: "pcap", order: "le" }).subarray(0, 4))).toEqual([
      0xd4, 0xc3, 0xb2, 0xa1,
    ]);
    expect(Array.from(encodeCapture([], { format: "pcap-ns", order: "be" }).subarray(0, 4))).toEqual([
      0xa1, 0xb2, 0x3c, 0x4d,
    ]);
    expect(readPcapHeader(encodeCapture([], { format: "pcap-ns", order: "be" }), "x")).toMatchObject({
      order: "be",
      nanosecond: true,
    });
  });
  it("pcapng with several interfaces and per-interface resolution", () => {
    const mixed = [...records(2, 0), ...records(2, 1), ...records(1, 2)];
    const bytes = writePcapng(mixed, { tsresol: [6, 9, 0x80 | 20] });
    const back = readCapture(bytes, "x").records;
    expect(back.map((r) => r.iface)).toEqual([0, 0, 1, 1, 2]);
    expect(back[0].ts).toBe((mixed[0].ts / 1000n) * 1000n); // µs interface
    expect(back[2].ts).toBe(mixed[2].ts); // ns interface
    // 2^-20 s units: within one unit (~954 ns) of the original
    expect(Number(mixed[4].ts - back[4].ts)).toBeGreaterThanOrEqual(0);
    expect(Number(mixed[4].ts - back[4].ts)).toBeLessThan(954);
  });
  it("writeCaptureFile writes atomically and readCaptureFile reads it back", () => {
    const p = join(tmp, "atomic.pcapng");
    writeCaptureFile(p, records(3), { format: "pcapng" });
    expect(readCaptureFile(p).records).toHaveLength(3);
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

// ---- hand-made pcapng blocks ------------------------------------------------------------

function block(type: number, body: number[], le: boolean): number[] {
  const padded = [...body];
  while (padded.length % 4) padded.push(0);
  const len = 12 + padded.length;
  return [...u32(type, le), ...u32(len, le), ...padded, ...u32(len, le)];
}
function u32(v: number, le: boolean): number[] {
  const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return le ? b.reverse() : b;
}
function u16(v: number, le: boolean): number[] {
  const b = [(v >> 8) & 0xff, v & 0xff];
  return le ? b.reverse() : b;
}
const shb = (le: boolean) =>
  block(
    0x0a0d0d0a,
    [...u32(0x1a2b3c4d, le), ...u16(1, le), ...u16(0, le), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    le,
  );
const idb = (le: boolean, linktype: number, snaplen: number, tsresol?: number) =>
  block(
    1,
    [
      ...u16(linktype, le),
      0,
      0,
      ...u32(snaplen, le),
      ...(tsresol !== undefined ? [...u16(9, le), ...u16(1, le), tsresol, 0, 0, 0, 0, 0, 0, 0] : []),
    ],
    le,
  );
const epb = (le: boolean, iface: number, units: bigint, data: number[], origLen = data.length) =>
  block(
    6,
    [
      ...u32(iface, le),
      ...u32(Number(units >> 32n), le),
      ...u32(Number(units & 0xffffffffn), le),
      ...u32(data.length, le),
      ...u32(origLen, le),
      ...data,
    ],
    le,
  );
const spb = (le: boolean, data: number[], origLen = data.length) =>
  block(3, [...u32(origLen, le), ...data], le);

describe("pcapng blocks", () => {
  const frame = Array.from(eth().ipv4().udp().build({ padTo: 60 }));
  it("SPB, unknown blocks skipped, two sections in different byte orders", () => {
    const bytes = Uint8Array.from([
      ...shb(true),
      ...idb(true, 1, 0, 3), // millisecond resolution
      ...block(0x00000bad, [1, 2, 3, 4, 5], true), // unknown/custom block
      ...epb(true, 0, 1234n, frame),
      ...spb(true, frame),
      ...block(5, [0, 0, 0, 0], true), // ISB: ignored
      ...shb(false), // a new big-endian section resets the interfaces
      ...idb(false, 1, 40),
      ...idb(false, 147, 0, 9),
      ...spb(false, frame), // cut to the 40-byte snaplen of interface 0
      ...epb(false, 1, 5_000_000_000n, [1, 2, 3]),
    ]);
    const { records, error } = readCapture(bytes, "multi.pcapng");
    expect(error).toBeUndefined();
    expect(records.map((r) => [r.iface, r.linktype, r.data.length, r.origLen])).toEqual([
      [0, 1, 60, 60],
      [0, 1, 60, 60],
      [0, 1, 40, 60],
      [1, 147, 3, 3],
    ]);
    expect(records[0].ts).toBe(1_234_000_000n);
    expect(records[3].ts).toBe(5_000_000_000n);
  });
  it("if_tsoffset and the obsolete Packet Block", () => {
    const le = true;
    const idbOff = block(
      1,
      [
        ...u16(1, le),
        0,
        0,
        ...u32(0, le),
        ...u16(14, le),
        ...u16(8, le),
        100,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
      ],
      le,
    );
    const pb = block(
      2,
      [
        ...u16(0, le),
        ...u16(0, le),
        ...u32(0, le),
        ...u32(5, le),
        ...u32(frame.length, le),
        ...u32(frame.length, le),
        ...frame,
      ],
      le,
    );
    const r = readCapture(
      Uint8Array.from([...shb(le), ...idbOff, ...epb(le, 0, 7n, frame), ...pb]),
      "o.pcapng",
    );
    expect(r.error).toBeUndefined();
    expect(r.records.map((x) => x.ts)).toEqual([100_000_007_000n, 100_000_005_000n]); // µs units + 100 s
  });
  it("a packet block naming an interface that does not exist is dropped with its offset; the next one is read", () => {
    const bytes = Uint8Array.from([
      ...shb(true),
      ...idb(true, 1, 0),
      ...epb(true, 3, 0n, frame),
      ...epb(true, 0, 0n, frame),
    ]);
    const r = readCapture(bytes, "c.pcapng");
    expect(r.error).toBeUndefined();
    expect(r.records).toHaveLength(1);
    expect(r.dropped).toEqual([
      {
        record: 1,
        offset: shb(true).length + idb(true, 1, 0).length,
        reason: "interface id 3 not declared",
      },
    ]);
  });
});

// Frames reach the model without FCS (data-plane spec §2.1): a capture that says its records
// end in an FCS (a tap or a NIC with rx-fcs on) has it removed as it is read.
describe("an FCS the capture declares is not part of the frame", () => {
  const frame = eth().ipv4().udp().build({ padTo: 60 });
  const FCS = [0xde, 0xad, 0xbe, 0xef];
  it("pcap: link-type FCS bits (libpcap LT_FCS_LENGTH_PRESENT, length in 16-bit words), both byte orders", () => {
    for (const order of ["le", "be"] as const) {
      const withFcs = Uint8Array.from([...frame, ...FCS]);
      const recs: PacketRecord[] = [
        { ts: 1n, data: withFcs, origLen: withFcs.length, iface: 0, linktype: 1 },
        { ts: 2n, data: withFcs.subarray(0, 40), origLen: withFcs.length, iface: 0, linktype: 1 }, // snaplen 40
        {
          ts: 3n,
          data: withFcs.subarray(0, frame.length + 2),
          origLen: withFcs.length,
          iface: 0,
          linktype: 1,
        },
      ];
      const bytes = encodeCapture(recs, { format: "pcap", order });
      new DataView(bytes.buffer).setUint32(20, 0x24000001, order === "le"); // FCS len 2 words, P bit, Ethernet
      const r = readCapture(bytes, "fcs.pcap");
      expect(r.error).toBeUndefined();
      expect(r.records.map((x) => [x.linktype, x.data.length, x.origLen])).toEqual([
        [1, 60, 60],
        [1, 40, 60],
        [1, 60, 60],
      ]);
      expect(r.records[0].data).toEqual(frame);
      // Without the P bit the FCS length bits say nothing: the bytes are the frame's.
      new DataView(bytes.buffer).setUint32(20, 0x20000001, order === "le");
      expect(readCapture(bytes, "x.pcap").records[0].data.length).toBe(64);
    }
  });
  it("pcapng: if_fcslen 4 (octets, Wireshark) or 32 (bits, the draft); epb_flags FCS length per packet", () => {
    const le = true;
    const idbFcs = (v: number) =>
      block(
        1,
        [...u16(1, le), 0, 0, ...u32(0, le), ...u16(13, le), ...u16(1, le), v, 0, 0, 0, 0, 0, 0, 0],
        le,
      );
    const data = [...frame, ...FCS];
    const read = (bytes: number[]) =>
      readCapture(Uint8Array.from(bytes), "f.pcapng").records.map((x) => x.data.length);
    expect(read([...shb(le), ...idbFcs(4), ...epb(le, 0, 0n, data), ...spb(le, data)])).toEqual([60, 60]);
    expect(read([...shb(le), ...idbFcs(32), ...epb(le, 0, 0n, data)])).toEqual([60]);
    expect(read([...shb(le), ...idbFcs(0), ...epb(le, 0, 0n, data)])).toEqual([64]);
    // epb_flags (option 2) bits 5..8: 4 octets of FCS on this packet, the interface silent.
    const flagged = block(
      6,
      [
        ...u32(0, le),
        ...u32(0, le),
        ...u32(0, le),
        ...u32(data.length, le),
        ...u32(data.length, le),
        ...data,
        ...u16(2, le),
        ...u16(4, le),
        ...u32(4 << 5, le),
        0,
        0,
        0,
        0,
      ],
      le,
    );
    expect(read([...shb(le), ...idb(le, 1, 0), ...flagged, ...epb(le, 0, 0n, data)])).toEqual([60, 64]);
  });
});

describe("corrupt files", () => {
  const good = encodeCapture(records(3), { format: "pcap" });
  it("a truncated record header names the byte offset; earlier records stay usable", () => {
    const cut = good.subarray(0, good.length - good.length + 24 + 16 + 60 + 8);
    const r = readCapture(cut, "capture.pcap");
    expect(r.records).toHaveLength(1);
    expect(r.error?.message).toBe(`capture.pcap: truncated record header at byte ${24 + 16 + 60}`);
  });
  it("a record whose caplen exceeds the file is reported, earlier records usable", () => {
    const cut = good.subarray(0, good.length - 5);
    const r = readCapture(cut, "capture.pcap");
    expect(r.records).toHaveLength(2);
    expect(r.error).toBeInstanceOf(CaptureFormatError);
    expect(r.error?.message).toMatch(
      /^capture\.pcap: record caplen \d+ exceeds the \d+ bytes left in the file at byte \d+$/,
    );
  });
  it("bad magic, short header, bad pcapng block length: thrown with file and offset", () => {
    expect(() => readCapture(Uint8Array.from([1, 2, 3, 4, 5, 6]), "junk.bin")).toThrow(
      "junk.bin: not a pcap or pcapng file (magic 0x01020304) at byte 0",
    );
    expect(() => readCapture(good.subarray(0, 10), "short.pcap")).toThrow(
      "short.pcap: truncated pcap file header at byte 10",
    );
    const ng = Uint8Array.from([...shb(true), ...u32(6, true), ...u32(13, true), 0, 0, 0, 0]);
    const r = readCapture(ng, "bad.pcapng");
    expect(r.error?.message).toBe(`bad.pcapng: bad block length 13 at byte ${shb(true).length}`);
  });
  it("iterateCapture streams: records come before the error", () => {
    const it = iterateCapture(good.subarray(0, good.length - 5), "s.pcap");
    expect(it.next().done).toBe(false);
    expect(it.next().done).toBe(false);
    expect(() => it.next()).toThrow(CaptureFormatError);
  });
  it("20,000 mutated and cut files: only CaptureFormatError, never another exception", () => {
    let x = 0x9e3779b9;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const seeds = [
      encodeCapture(records(4), { format: "pcap" }),
      encodeCapture(records(4), { format: "pcap-ns", order: "be" }),
      writePcapng([...records(2, 0), ...records(2, 1)], { tsresol: [6, 0x80 | 30] }),
      writePcapng(records(3), { order: "be" }),
    ];
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      const seed = seeds[i % seeds.length];
      const f = seed.slice(0, rnd() % (seed.length + 1));
      for (let k = rnd() % 6; k > 0 && f.length > 0; k--) f[rnd() % f.length] = rnd() & 0xff;
      try {
        const r = readCapture(f, "fuzz.cap");
        if (r.error) errors++;
        for (const rec of r.records) expect(rec.data.length).toBeLessThanOrEqual(f.length);
      } catch (e) {
        expect(e).toBeInstanceOf(CaptureFormatError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(10_000); // most mutations are caught as corrupt
  });
  it("every real capture reads without error", () => {
    for (const dir of [CAPTURES, join(CAPTURES, "malformed")]) {
      for (const f of readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n))) {
        const r = readCapture(readFileSync(join(dir, f)), f);
        expect(r.error, f).toBeUndefined();
        expect(r.records.length, f).toBeGreaterThan(0);
      }
    }
  });
});

describe("Wireshark tools read what we write", () => {
  it("capinfos and tshark agree on count, encapsulation, resolution and timestamps", () => {
    if (!toolsPresent()) return;
    const recs = records(4);
    for (const [format, order, resolution] of [
      ["pcap", "le", "microseconds"],
      ["pcap", "be", "microseconds"],
      ["pcap-ns", "le", "nanoseconds"],
      ["pcap-ns", "be", "nanoseconds"],
      ["pcapng", "le", "nanoseconds"],
      ["pcapng", "be", "nanoseconds"],
    ] as const) {
      const p = join(tmp, `w-${format}-${order}.cap`);
      writeFileSync(p, encodeCapture(recs, { format, order }));
      const info = execFileSync("capinfos", ["-c", "-E", "-u", "-M", p], {
        stdio: ["ignore", "pipe", "ignore"],
      }).toString();
      expect(info, `${format} ${order}`).toMatch(/Number of packets:\s+4\b/);
      expect(info).toMatch(/File encapsulation:\s+ether\b/);
      const res = execFileSync("capinfos", ["-a", p], { stdio: ["ignore", "pipe", "ignore"] }).toString();
      expect(res).toMatch(/First packet time:\s+2023-11-14 22:13:20\.123456/);
      const ts = execFileSync(
        "tshark",
        ["-r", p, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"],
        { stdio: ["ignore", "pipe", "ignore"] },
      )
        .toString()
        .trim()
        .split("\n")
        .map((l) => l.split("\t"));
      expect(ts).toHaveLength(4);
      ts.forEach(([epoch, len, cap], i) => {
        const want = recs[i].ts;
        const digits = resolution === "nanoseconds" ? want.toString() : ((want / 1000n) * 1000n).toString();
        expect(epoch.replace(".", "")).toBe(digits);
        expect(Number(len)).toBe(recs[i].origLen);
        expect(Number(cap)).toBe(recs[i].data.length);
      });
    }
  });
  it("tshark reads a multi-interface pcapng we write", () => {
    if (!toolsPresent()) return;
    const p = join(tmp, "multi.pcapng");
    writeFileSync(p, writePcapng([...records(2, 0), ...records(3, 1)], { tsresol: [6, 9] }));
    const out = execFileSync("tshark", ["-r", p, "-T", "fields", "-e", "frame.interface_id"], {
      stdio: ["ignore", "pipe", "ignore"],
    }).toString();
    expect(out.trim().split("\n")).toEqual(["0", "0", "1", "1", "1"]);
  });
});
