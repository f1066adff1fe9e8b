// Data-plane acceptance sweep, part 3: the capture files `iovsim switch` and `decode` read and
// write, and the command's inputs and outputs: nanosecond and big-endian pcap, pcapng with
// several interfaces and link types, snaplen-cut records, empty and zero-byte files, an --in
// given twice, --out onto a file. A record that is not a replayable Ethernet frame is counted
// and dropped, or the file refused, with the file and the record named; nothing crashes.
import { linkSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PacketRecord } from "../../src/traffic/capture.ts";
import { readCaptureFile } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { capture, captureRecords, cli, conf, hex, runSwitch, tmp } from "./dp-sweep-harness.ts";

const VF0 = "02:00:00:00:00:10";
const VF1 = "02:00:00:00:00:11";
const EXT = "02:99:00:00:00:01";
const ix = conf(`PF { device: "ix0"; num_vfs: 2; }
VF-0 { mac-addr: "${VF0}"; }
VF-1 { mac-addr: "${VF1}"; }
`);
const udp = (dst: string, n = 40, sport = 1000) =>
  eth({ dst, src: EXT }).ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }).udp({ sport }).payload(n).build();
const rec = (data: Uint8Array, ts: bigint, extra: Partial<PacketRecord> = {}): PacketRecord => ({
  ts,
  data,
  origLen: data.length,
  iface: 0,
  linktype: 1,
  ...extra,
});
const T0 = 1_700_000_000_123_456_789n; // a timestamp with nanoseconds

describe("capture formats in", () => {
  it("nanosecond pcap: timestamps survive to the outputs exactly with --format pcap-ns", async () => {
    const frames = [rec(udp(VF0), T0), rec(udp(VF0, 41), T0 + 7n)];
    const r = await runSwitch(
      ix,
      { wire: captureRecords(frames, { nanosecond: true }) },
      "--format",
      "pcap-ns",
    );
    expect(readCaptureFile(join(r.dir, "VF-0.pcap")).records.map((x) => x.ts)).toEqual([T0, T0 + 7n]);
  });

  it("nanosecond input, default microsecond output: timestamps are truncated to the microsecond", async () => {
    const r = await runSwitch(ix, { wire: captureRecords([rec(udp(VF0), T0)], { nanosecond: true }) });
    expect(readCaptureFile(join(r.dir, "VF-0.pcap")).records[0]!.ts).toBe((T0 / 1000n) * 1000n);
  });

  it("big-endian pcap gives the same captures and counters as little-endian", async () => {
    const frames = [rec(udp(VF0), T0), rec(udp(VF1), T0 + 1000n), rec(udp("ff:ff:ff:ff:ff:ff"), T0 + 2000n)];
    const le = await runSwitch(ix, { wire: captureRecords(frames) });
    const be = await runSwitch(ix, { wire: captureRecords(frames, { order: "be" }) });
    for (const f of ["wire.pcap", "VF-0.pcap", "VF-1.pcap", "PF.pcap"])
      expect(hex(readFileSync(join(be.dir, f))), f).toBe(hex(readFileSync(join(le.dir, f))));
    expect(be.c.counters).toEqual(le.c.counters);
  });

  it("big-endian pcapng is read like little-endian", async () => {
    const r = await runSwitch(ix, {
      wire: captureRecords([rec(udp(VF1), T0)], { format: "pcapng", order: "be" }),
    });
    expect(r.got("VF-1")).toHaveLength(1);
  });

  it("pcapng with two Ethernet interfaces (µs and ns resolution): replayed in file order, as tcpreplay sends it; the backward stamp is noted", async () => {
    const a = udp(VF0, 40, 1);
    const b = udp(VF0, 40, 2);
    const c = udp(VF0, 40, 3);
    const file = captureRecords([rec(a, T0), rec(c, T0 + 3_000n), rec(b, T0 + 1_000n, { iface: 1 })], {
      format: "pcapng",
      tsresol: [6, 9],
    });
    const r = await runSwitch(ix, { wire: file });
    expect(r.got("VF-0").map(hex)).toEqual([a, c, b].map(hex));
    // Each resolution read right: the outputs keep the input stamps (µs pcap out).
    const ts = readCaptureFile(join(r.dir, "VF-0.pcap")).records.map((x) => x.ts);
    expect(ts).toEqual([T0, T0 + 3_000n, T0 + 1_000n].map((t) => (t / 1000n) * 1000n));
    expect(r.out).toContain(
      `note: --in wire=${file}: stamps 1 of its 3 frames earlier than the frame before them (out of order); replayed in file order`,
    );
  });

  it("a capture stamped backwards keeps its file order; inputs merge by their next frame's stamp (as mergecap)", async () => {
    const [x1, x2, y] = [udp(VF0, 40, 1), udp(VF0, 40, 2), udp(VF0, 40, 3)];
    const a = captureRecords([rec(x1, T0 + 2_000n), rec(x2, T0)]); // a clock step back
    const b = captureRecords([rec(y, T0 + 1_000n)]);
    const r = await runSwitch(ix, [`wire=${a}`, `wire=${b}`]);
    // Sorting by stamp would give x2, y, x1; a NIC receives a's frames as the file has them.
    expect(r.got("VF-0").map(hex)).toEqual([y, x1, x2].map(hex));
    expect(r.out).toContain(`--in wire=${a}: stamps 1 of its 2 frames earlier than the frame before them`);
    expect(r.out).not.toContain(`--in wire=${b}: stamps`);
  });

  it("pcapng mixing Ethernet and Linux cooked (SLL) interfaces: the SLL records are skipped, counted and named", async () => {
    const file = captureRecords(
      [
        rec(udp(VF0), T0),
        rec(udp(VF1), T0 + 1n, { iface: 1, linktype: 113 }),
        rec(udp(VF1), T0 + 2n, { iface: 1, linktype: 113 }),
      ],
      { format: "pcapng" },
    );
    const r = await runSwitch(ix, { wire: file });
    expect(r.got("VF-0")).toHaveLength(1);
    expect(r.got("VF-1")).toHaveLength(0);
    expect(r.c.skippedNonEthernet).toBe(2);
    expect(r.out).toContain(
      `note: --in wire=${file}: skipped 2 records of link type 113 (LINUX_SLL), not Ethernet (records 2, 3)`,
    );
  });

  it("a pcap whose link type is raw IP: nothing replayed, every record counted, exit 0, the note names the file", async () => {
    const file = captureRecords([rec(udp(VF0).subarray(14), T0, { linktype: 101 })]);
    const r = await runSwitch(ix, { wire: file });
    expect(r.c.functions.find((f: { name: string }) => f.name === "wire").offered).toBe(0);
    expect(r.c.skippedNonEthernet).toBe(1);
    expect(r.out).toContain(
      `--in wire=${file}: skipped 1 record of link type 101 (RAW), not Ethernet (record 1)`,
    );
  });

  it("the modified pcap of Kuznetsov's libpcap (magic a1b2cd34, 24-byte record headers) is read, both byte orders", async () => {
    // Was refused as "not a pcap or pcapng file"; libpcap and Wireshark read it.
    const frames = [udp(VF0, 40, 1), udp(VF1, 41, 2)];
    const modified = (le: boolean) => {
      const out = new Uint8Array(24 + frames.reduce((n, f) => n + 24 + f.length, 0));
      const v = new DataView(out.buffer);
      v.setUint32(0, 0xa1b2cd34, le);
      v.setUint16(4, 2, le);
      v.setUint16(6, 4, le);
      v.setUint32(16, 65535, le);
      v.setUint32(20, 1, le);
      let off = 24;
      frames.forEach((f, i) => {
        v.setUint32(off, 1_700_000_000 + i, le);
        v.setUint32(off + 4, 250, le);
        v.setUint32(off + 8, f.length, le);
        v.setUint32(off + 12, f.length, le);
        v.setUint32(off + 16, 2, le); // ifindex; protocol, packet type and pad follow
        out.set(f, off + 24);
        off += 24 + f.length;
      });
      const p = join(tmp, `modified-${le ? "le" : "be"}.pcap`);
      writeFileSync(p, out);
      return p;
    };
    for (const le of [true, false]) {
      const file = modified(le);
      const r = await runSwitch(ix, { wire: file });
      expect(r.got("VF-0").map(hex)).toEqual([hex(frames[0]!)]);
      expect(r.got("VF-1").map(hex)).toEqual([hex(frames[1]!)]);
      expect(readCaptureFile(join(r.dir, "VF-1.pcap")).records[0]!.ts).toBe(1_700_000_001_000_250_000n);
      const d = await cli("decode", "--json", file);
      expect(d.rc).toBe(0);
      expect(
        d.out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l).len),
      ).toEqual(frames.map((f) => f.length));
    }
  });

  it("decode lists each skipped record with its link type in JSON and text", async () => {
    const file = captureRecords([rec(udp(VF0), T0), rec(udp(VF0), T0 + 1n, { iface: 1, linktype: 276 })], {
      format: "pcapng",
    });
    const j = await cli("decode", "--json", file);
    expect(j.out.trim().split("\n")[1]).toBe(
      `{"frame":2,"len":${udp(VF0).length},"linktype":276,"skipped":"not Ethernet"}`,
    );
    const t = await cli("decode", file);
    expect(t.out).toContain("link type 276 (LINUX_SLL2): not Ethernet, skipped");
  });
});

describe("truncated captures (snaplen shorter than the frame)", () => {
  it("a frame cut to 100 bytes is replayed as captured; counters count what was replayed; the note names the record", async () => {
    const full = udp(VF0, 900);
    const file = captureRecords([
      rec(udp(VF0), T0),
      rec(full.subarray(0, 100), T0 + 1n, { origLen: full.length }),
    ]);
    const r = await runSwitch(ix, { wire: file });
    expect(r.got("VF-0").map((f) => f.length)).toEqual([udp(VF0).length, 100]);
    expect(r.c.snaplenCut).toBe(1);
    expect(r.c.counters.pools["VF-0"].rx_bytes).toBe(udp(VF0).length + 4 + 104);
    expect(r.out).toContain(
      `note: --in wire=${file}: 1 frame was cut by the capture's snaplen (record 2; the first has 100 of ${full.length} bytes)`,
    );
  });

  it("a frame cut inside its Ethernet header is a runt: dropped and counted, never read past", async () => {
    const full = udp(VF0);
    const r = await runSwitch(ix, {
      wire: captureRecords([rec(full.subarray(0, 10), T0, { origLen: full.length })]),
    });
    expect(r.c.frameDrops).toEqual({ runt: 1 });
    expect(r.c.counters.port.rx_runt_dropped).toBe(1);
  });

  it("a frame cut inside its IPv4 header is padded, delivered by its MAC, hashed to queue 0", async () => {
    const full = eth({ dst: VF0, src: EXT })
      .ipv4({ src: "66.9.149.187", dst: "161.142.100.80" })
      .tcp({ sport: 2794, dport: 1766 })
      .payload(200)
      .build();
    const r = await runSwitch(
      ix,
      { wire: captureRecords([rec(full.subarray(0, 70), T0, { origLen: full.length })]) },
      "--per-queue",
    );
    expect(r.queue("VF-0", 0)).toHaveLength(1);
  });

  it("a zero-length record from a VF is an MDD drop (tx_errors), not a crash", async () => {
    const r = await runSwitch(ix, { "VF-0": captureRecords([rec(new Uint8Array(0), T0, { origLen: 64 })]) });
    expect(r.c.frameDrops).toEqual({ "mdd-short": 1 });
    expect(r.c.counters.pools["VF-0"].tx_errors).toBe(1);
  });
});

describe("switch inputs and outputs", () => {
  it("an empty pcap (header only): exit 0, empty captures, zero counters, a note that says so", async () => {
    const file = capture([]);
    const r = await runSwitch(ix, { wire: file });
    expect(r.got("wire")).toEqual([]);
    expect(r.got("VF-0")).toEqual([]);
    expect(r.c.counters.port.rx_packets).toBe(0);
    expect(r.out).toContain(`note: --in wire=${file}: the capture holds no frames`);
  });

  it("a zero-byte file is refused, naming it", async () => {
    const file = join(tmp, "zero.pcap");
    writeFileSync(file, "");
    const r = await cli("switch", "-f", ix, "--in", `wire=${file}`, "--out", join(tmp, "o-zero"));
    expect(r.rc).toBe(1);
    expect(r.err).toMatch(new RegExp(`^iovsim: ${file}: .*at byte 0\\n$`));
  });

  it("a text file is refused as not a capture, naming it", async () => {
    const file = join(tmp, "notes.pcap");
    writeFileSync(file, "this is not a capture file at all\n");
    const r = await cli("switch", "-f", ix, "--in", `VF-0=${file}`, "--out", join(tmp, "o-text"));
    expect(r.rc).toBe(1);
    expect(r.err).toContain(file);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("--in for one port given twice with two captures: both replayed, merged by timestamp", async () => {
    const a = captureRecords([rec(udp(VF0, 40, 1), T0), rec(udp(VF0, 40, 3), T0 + 2000n)]);
    const b = captureRecords([rec(udp(VF0, 40, 2), T0 + 1000n)]); // µs pcap: 1 µs apart
    const r = await runSwitch(ix, [`wire=${a}`, `wire=${b}`]);
    expect(r.got("VF-0").map((f) => f[35])).toEqual([1, 2, 3]); // low byte of the UDP source port
    expect(r.c.functions.find((f: { name: string }) => f.name === "wire").offered).toBe(3);
  });

  it("--in for one port given twice with the same capture (also through a link) is refused", async () => {
    const a = capture([udp(VF0)]);
    const link = join(tmp, "same-capture.pcap");
    symlinkSync(a, link);
    // A hard link is the same file too (its path resolves to itself: it was replayed twice).
    const hard = join(tmp, "same-capture-hard.pcap");
    linkSync(a, hard);
    for (const second of [a, link, hard]) {
      const r = await cli(
        "switch",
        "-f",
        ix,
        "--in",
        `wire=${a}`,
        "--in",
        `wire=${second}`,
        "--out",
        join(tmp, "o-twice"),
      );
      expect(r.rc).toBe(1);
      expect(r.err).toBe(
        `iovsim: option '--in wire=${second}': the same capture is already given for wire (--in wire=${a}); its frames would be replayed twice\n`,
      );
    }
  });

  it("--in vf1=FILE and pf=FILE name VF-1 and the PF (as --promisc takes them); a repeat in another spelling is caught", async () => {
    // Was "no port 'vf1'" although --promisc vf1 worked.
    const f = capture([eth({ dst: VF0, src: VF1 }).ipv4().udp().build({ padTo: 60 })]);
    const r = await runSwitch(ix, [`vf1=${f}`]);
    expect(r.got("VF-0")).toHaveLength(1);
    expect(r.c.inputs).toEqual([{ port: "VF-1", file: f }]);
    const twice = await cli("switch", "-f", ix, "--in", `VF-1=${f}`, "--in", `vf-1=${f}`, "--json");
    expect(twice.rc).toBe(1);
    expect(twice.err).toContain("the same capture is already given for VF-1");
    const bad = await cli("switch", "-f", ix, "--in", `vf01=${f}`, "--json");
    expect(bad.err).toBe("iovsim: option '--in': no port 'vf01' on ix0 (ports: wire, PF, VF-0, VF-1)\n");
  });

  it("one capture replayed on two ports is fine: the wire and VF-1 each send it", async () => {
    const a = capture([eth({ dst: VF0, src: VF1 }).ipv4().udp().build({ padTo: 60 })]);
    const r = await runSwitch(ix, [`wire=${a}`, `VF-1=${a}`]);
    expect(r.got("VF-0")).toHaveLength(2);
  });

  it("--out naming an existing file: refused, the file left as it was", async () => {
    const file = join(tmp, "not-a-dir");
    writeFileSync(file, "keep me\n");
    const r = await cli("switch", "-f", ix, "--in", `wire=${capture([udp(VF0)])}`, "--out", file);
    expect(r.rc).toBe(1);
    expect(r.err).toBe(`iovsim: option '--out': cannot use '${file}' as a directory (not a directory)\n`);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  it("--format pcapng writes captures that read back with the same frames and nanosecond timestamps", async () => {
    const r = await runSwitch(
      ix,
      { wire: captureRecords([rec(udp(VF0), T0)], { nanosecond: true }) },
      "--format",
      "pcapng",
    );
    const back = readCaptureFile(join(r.dir, "VF-0.pcapng")).records;
    expect(back.map((x) => [x.ts, hex(x.data)])).toEqual([[T0, hex(udp(VF0))]]);
  });
});
