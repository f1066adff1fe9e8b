// `iovsim paths --pcap FILE` end to end (issues 8 item 3, 9 items 2 and 3): the RFC 2544 search
// and load points on a replayed capture, conservation on a broadcast capture, the warning when
// the switch filtered everything (table, JSON, CSV), malformed records counted, bad options refused.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { encodeCapture } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { iovsim } from "../helpers/cli.ts";
import { quickPathsReplay } from "../helpers/quick-replay.ts";

const captures = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump");
const QINQ = join(captures, "QinQpacket.pcap");
const DNS = join(captures, "dns_udp.pcap");

const paths = (...argv: string[]) => iovsim(["paths", ...argv]);

describe("paths --pcap", () => {
  it("QinQpacket.pcap with --rewrite-dst: NDR search and load points, conservation, delivered > 0", async () => {
    const r = await paths(
      "--path",
      "native",
      "--pcap",
      QINQ,
      "--rewrite-dst",
      "consumer",
      "--trial-ms",
      "0.1",
      "--precision",
      "10",
      "--json",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.replay).toMatchObject({
      format: "pcap",
      records: 249,
      frames: 249,
      timing: "paced",
      rewrite_dst: "consumer",
    });
    const p = j.paths[0];
    expect(p.size).toBe("pcap");
    expect(p.ndr_mpps).toBeGreaterThan(0);
    expect(p.load_points).toHaveLength(3);
    for (const lp of p.load_points) {
      expect(lp.conservation.ok).toBe(true);
      expect(lp.conservation.delivered).toBeGreaterThan(0);
      // Broadcast frames replicated to the three VFs: the copies are deliveries elsewhere.
      const elsewhere = Object.values(lp.conservation.delivered_elsewhere ?? {}).reduce((a, b) => a + b, 0);
      expect(lp.conservation.copies).toBe(3 * lp.conservation.sent);
      expect(elsewhere).toBeGreaterThan(0);
      expect(lp.replay?.to_consumer).toBe(lp.conservation.delivered);
      expect(lp.latency_us?.p50).toBeGreaterThan(0);
    }
    expect(j.warnings).toEqual([]);
  });

  it("a capture taken elsewhere: every frame filtered, said in the table, the JSON and on stderr with CSV", async () => {
    const args = ["--path", "native", "--pcap", DNS, "--rate", "1Mpps", "--trial-ms", "0.1"];
    const table = await paths(...args);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(
      /warning: native: every replayed frame \(100\) was dropped by the NIC switch's filters \(L2 filter 100\)/,
    );
    expect(table.out).toMatch(/--rewrite-dst consumer\|PF\|VF-<n>.*--promisc PORT/);
    const json = await paths(...args, "--json");
    const j = pathsJsonSchema.parse(JSON.parse(json.out));
    expect(j.paths[0].load_points[0].replay?.all_filtered).toBe(true);
    expect(j.paths[0].load_points[0].loss_ratio).toBe(1);
    expect(j.warnings[0]).toMatch(/--rewrite-dst/);
    expect(json.err).toMatch(/warning: native: every replayed frame/);
    const csv = await paths(...args, "--csv");
    expect(csv.out).toMatch(/^native,rx,pcap,/m);
    expect(csv.err).toMatch(/warning: native: every replayed frame.*--rewrite-dst/);
  });

  it("a malformed capture: records counted and dropped before the engine, the rest replayed", async () => {
    const file = join(captures, "malformed", "bgp_vpn_rt-oobr.pcap");
    const r = await iovsim([...quickPathsReplay(file), "--json"]);
    expect(r.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.replay?.dropped_before_engine).toEqual({ "empty record": 37 });
    expect(j.replay?.snaplen_cut).toBe(1);
    expect(j.paths[0].load_points[0].conservation.ok).toBe(true);
  });

  it("--pcap-timing capture: one load point at the capture's own rate", async () => {
    const r = await paths(
      "--path",
      "native",
      "--pcap",
      QINQ,
      "--pcap-timing",
      "capture",
      "--trial-ms",
      "1",
      "--json",
    );
    expect(r.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.replay?.capture_rate_pps).toBeGreaterThan(0);
    expect(j.paths[0].ndr_mpps).toBeNull();
    expect(j.paths[0].load_points).toHaveLength(1);
    expect(j.rate).toMatch(/^capture timing/);
    // QinQpacket.pcap is far below line rate: no note about the wire.
    expect(j.notes.join("\n")).not.toMatch(/above the 10 Gbit\/s line rate/);
  });

  /** A capture of 200 copies of one UDP frame cut to `bytes`, 20 per µs (20 Mpps), replayed at
   *  its own timestamps on native: the JSON document. */
  async function replayPacked(bytes: number) {
    const udp = eth({ dst: "02:00:00:00:00:10", src: "02:99:00:00:00:01" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp()
      .build();
    const frame = new Uint8Array(bytes);
    frame.set(udp.subarray(0, Math.min(bytes, udp.length)));
    const file = join(mkdtempSync(join(tmpdir(), "iovsim-pcap-packed-")), "fast.pcap");
    const records = Array.from({ length: 200 }, (_, i) => ({
      ts: BigInt(Math.floor(i / 20)) * 1000n,
      data: frame,
      origLen: frame.length,
      iface: 0,
      linktype: 1,
    }));
    writeFileSync(file, encodeCapture(records));
    const r = await paths(
      "--path",
      "native",
      "--pcap",
      file,
      "--rewrite-dst",
      "consumer",
      "--pcap-timing",
      "capture",
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    return pathsJsonSchema.parse(JSON.parse(r.out));
  }

  // A capture packed tighter than the link carries (20 frames per µs) was replayed at line rate
  // without a word: the captured timing the user asked for is not what ran.
  it("--pcap-timing capture faster than line rate: a note says the wire serializes the frames", async () => {
    const j = await replayPacked(60); // 60 bytes, as on a wire
    const p = j.paths[0];
    expect(p.load_points[0].offered_mpps).toBeLessThanOrEqual(p.line_rate_mpps as number);
    expect(j.notes.join("\n")).toMatch(
      /--pcap-timing capture: .*fast\.pcap's frames come 2\d\.\d+ Mpps on average, above the 10 Gbit\/s line rate of their sizes \(14\.88 Mpps\): the wire serializes them/,
    );
    // More than the host core takes: the note on that names the option that set the load
    // (it said 'at --rate capture timing (...)', an option the user had not given).
    expect(j.notes.join("\n")).toMatch(
      /native rx pcap: at the capture's own timestamps \(--pcap-timing capture, 2\.\d+e\+7 frames\/s on average\) host-core0's work/,
    );
    expect(j.notes.join("\n")).not.toContain("--rate");
  });

  // tcpdump on a sending host captures a short frame before the NIC pads it (an ARP is 42 B):
  // on the wire it takes a 64-byte frame's time, so replaying it cannot exceed 14.88 Mpps.
  it("frames shorter than 60 B are timed padded to the 64-byte minimum on the wire", async () => {
    const p = (await replayPacked(42)).paths[0];
    expect(p.frame_bytes).toBe(64);
    expect(p.line_rate_mpps).toBeCloseTo(14.881, 3);
    expect(p.load_points[0].offered_mpps).toBeLessThanOrEqual(14.8810000001);
  });

  it("--direction tx: each consumer sends the capture to the wire; unsupported paths left out with a note", async () => {
    const argv = [
      "--pcap",
      DNS,
      "--direction",
      "tx",
      "--rate",
      "1Mpps",
      "--trial-ms",
      "0.1",
      "--workers",
      "1",
    ];
    const r = await paths(...argv, "--json");
    expect(r.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.direction).toBe("tx");
    expect(j.paths.map((p) => p.name)).toEqual([
      "native",
      "jail-vf",
      "vm-vf",
      "passthrough",
      "virtio",
      "virtio-tap",
      "jail-epair",
    ]);
    expect(j.notes.join("\n")).toMatch(/--direction tx runs on .*; left out: vf-loopback \(/);
    expect(j.replay?.rewrite_src).toBeNull();
    const byPath = Object.fromEntries(j.paths.map((p) => [p.name, p.load_points[0]]));
    // The PF sends foreign sources; the VFs' anti-spoof drops them; behind the host bridge
    // (virtio, jail-epair) the capture's answer is for a source learned on the sending port.
    for (const p of ["native", "passthrough", "virtio", "virtio-tap", "jail-epair"]) {
      expect(byPath[p].replay?.to_consumer, p).toBeGreaterThan(0);
      expect(byPath[p].loss_ratio, p).toBe(0);
    }
    for (const p of ["jail-vf", "vm-vf"]) {
      expect(byPath[p].replay?.all_filtered, p).toBe(true);
      expect(byPath[p].conservation.ok, p).toBe(true);
    }
    expect(j.warnings).toHaveLength(5);
    expect(j.warnings[2]).toMatch(
      /^virtio: the host bridge dropped \d+ of \d+ replayed frames: .*--rewrite-src consumer/,
    );
    // virtio-tap transmits as virtio does (the same graph): the same bridge, the same figures.
    expect(j.warnings[3]).toBe(j.warnings[2]!.replace(/^virtio:/, "virtio-tap:"));
    expect(byPath["virtio-tap"]).toEqual(byPath.virtio);
    expect(j.warnings[0]).toMatch(
      /^jail-vf: no replayed frame reached the wire .*anti-spoof.*--rewrite-src consumer/,
    );
    const fixed = await paths(
      ...argv,
      "--path",
      "jail-vf,vm-vf,jail-epair",
      "--rewrite-src",
      "consumer",
      "--json",
    );
    const f = pathsJsonSchema.parse(JSON.parse(fixed.out));
    expect(f.warnings).toEqual([]);
    expect(f.replay?.rewrite_src).toBe("consumer");
    for (const p of f.paths) {
      expect(p.load_points[0].loss_ratio, p.name).toBe(0);
      expect(p.load_points[0].delivered_mpps, p.name).toBeCloseTo(1, 6);
      expect(p.load_points[0].latency_us?.p50, p.name).toBeGreaterThan(0);
    }
    const table = await paths(...argv, "--path", "vm-vf", "--rewrite-src", "consumer");
    expect(table.out).toMatch(
      /sent by each path's consumer to the wire, source MACs rewritten to consumer's/,
    );
  });

  it("refuses what does not apply, naming the option", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--rewrite-dst", "PF"], /--rewrite-dst needs --pcap FILE/],
      [["--pcap", DNS, "--size", "64"], /--size cannot be used with --pcap/],
      [["--pcap", DNS, "--direction", "both"], /one direction: --direction rx .* or tx .*, not both/],
      [["--pcap", DNS, "--direction", "tx", "--path", "vf-loopback"], /path 'vf-loopback' is not supported/],
      [
        ["--pcap", DNS, "--direction", "tx", "--rewrite-dst", "PF"],
        /--rewrite-dst applies to .*--direction rx/,
      ],
      [["--pcap", DNS, "--direction", "tx", "--promisc", "PF"], /--promisc applies to receiving/],
      [["--pcap", DNS, "--rewrite-src", "consumer"], /--rewrite-src applies to .*--direction tx/],
      [["--rewrite-src", "consumer", "--direction", "tx"], /--rewrite-src needs --pcap FILE/],
      [
        ["--pcap", DNS, "--direction", "tx", "--rewrite-src", "VF-9"],
        /option '--rewrite-src': no port 'VF-9'/,
      ],
      [
        ["--pcap", DNS, "--path", "vf-loopback"],
        /path 'vf-loopback' runs only tx, and --direction is rx by default: add --direction tx/,
      ],
      [["--pcap", DNS, "--pcap-timing", "capture", "--rate", "1Mpps"], /exclusive/],
      [["--pcap", DNS, "--pcap-timing", "fast"], /--pcap-timing: 'fast' is not paced or capture/],
      [["--pcap", DNS, "--rewrite-dst", "VF-9"], /option '--rewrite-dst': no port 'VF-9' on ixl0/],
      [["--pcap", DNS, "--rewrite-dst-all"], /--rewrite-dst-all needs --rewrite-dst/],
      [["--pcap", DNS, "--path", "jail-vf", "--promisc", "VF-0"], /VF-0 is untrusted.*allow-promisc/],
      [["--pcap", join(captures, "no-such.pcap")], /no-such\.pcap: cannot read \(no such file\)/],
    ];
    for (const [argv, msg] of cases) {
      const r = await paths(...argv);
      expect(r.code, argv.join(" ")).not.toBe(0);
      expect(r.err, argv.join(" ")).toMatch(msg);
      expect(r.err, argv.join(" ")).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});

describe("paths --pcap-timing capture: timestamps out of order", () => {
  const frame = eth({ dst: "02:00:00:00:00:10" }).ipv4().udp().build({ padTo: 60 });
  const captureAt = (name: string, tsUs: number[]) => {
    const file = join(mkdtempSync(join(tmpdir(), "iovsim-order-")), name);
    const records = tsUs.map((t) => ({
      ts: BigInt(t) * 1000n,
      data: frame,
      origLen: 60,
      iface: 0,
      linktype: 1,
    }));
    writeFileSync(file, encodeCapture(records));
    return file;
  };
  const run = (file: string) =>
    paths(
      "--path",
      "native",
      "--pcap",
      file,
      "--pcap-timing",
      "capture",
      "--rewrite-dst",
      "consumer",
      "--trial-ms",
      "0.1",
    );

  it("frames stamped before the frame ahead of them are said in a note, not bunched silently", async () => {
    const file = captureAt("disorder.pcap", [0, 50, 10, 90]);
    const r = await run(file);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `note: --pcap-timing capture: ${file} stamps 1 of its 4 frames earlier than the frame before them (out of order); each is sent right after that frame (no gap), in file order`,
    );
  });

  it("a capture stamped backwards has no rate, and the message says why (it had time between its frames)", async () => {
    const file = captureAt("backwards.pcap", [30, 20, 10]);
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: --pcap-timing capture: ${file} has timestamps that never advance (2 of its 3 frames are stamped earlier than the frame before them), so it gives no rate; replay it re-paced (the default) with --rate R or the NDR search\n`,
    );
  });
});

describe("paths --pcap --promisc", () => {
  it("a port given twice is refused, as switch --promisc twice is", async () => {
    const r = await paths(
      "--path",
      "native",
      "--pcap",
      DNS,
      "--promisc",
      "PF",
      "--promisc",
      "PF",
      "--rate",
      "10%",
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe("iovsim: option '--promisc PF' is given twice\n");
  });
});
