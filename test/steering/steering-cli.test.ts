import { linkSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { splitMixes } from "../../src/cli/commands/steering.ts";
import { encodeCapture } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);
const WHY_FILTERED =
  "the NIC's filters dropped every frame (nic: VLAN filter 500): no load reaches a core, no NDR";

/** One queue, no NDR search, --rate 1 % of the capture's frames, as JSON. */
const steerCapture = (pcap: string, frames: number) =>
  cli(
    ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single", "--queues", "1", "--rate", "1%"].concat([
      "--no-ndr",
      "--frames",
      String(frames),
      "--json",
    ]),
  );

describe("iovsim steering", () => {
  it("--json: results per strategy and core count, NDR, latency, profile, version, simulator apart", async () => {
    const r = await cli([
      "steering",
      "--mix",
      "gtpu",
      "--strategy",
      "single,inner-rss",
      "--queues",
      "1,2",
      "--flows",
      "128",
      "--tunnels",
      "1",
      "--frames",
      "1500",
      "--precision",
      "10",
      "--json",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.schema).toBe("iovsim.steering/2");
    expect(j.profile).toBe("bhyve");
    expect(typeof j.version).toBe("string");
    expect(Object.keys(j.simulator).sort()).toEqual(["events", "frames", "simulations", "wall_s"]);
    expect(j.results).toHaveLength(4);
    for (const x of j.results) {
      for (const k of [
        "strategy",
        "traffic",
        "queues",
        "per_queue",
        "jain",
        "max_over_mean",
        "reordered",
        "drops",
        "ndr_mpps",
        "latency_us",
      ])
        expect(x).toHaveProperty(k);
      expect(x.per_queue).toHaveLength(x.queues);
      expect(x.ndr_mpps).toBeGreaterThan(0);
      expect(x.ndr_mpps).toBeLessThanOrEqual(x.line_rate_mpps);
      expect(x.latency_us.p99).toBeGreaterThanOrEqual(x.latency_us.p50);
      // The exact minimum: a measured frame's latency, never above the median.
      expect(x.latency_us.min).toBeGreaterThan(0);
      expect(x.latency_us.min).toBeLessThanOrEqual(x.latency_us.p50);
    }
    const inner2 = j.results.find(
      (x: { strategy: string; queues: number }) => x.strategy === "inner-rss" && x.queues === 2,
    );
    const single2 = j.results.find(
      (x: { strategy: string; queues: number }) => x.strategy === "single" && x.queues === 2,
    );
    expect(inner2.ndr_mpps).toBeGreaterThan(single2.ndr_mpps);
  });

  it("table: the NDR chart, per-queue bars and the simulator line; n/a beyond the NIC's limits", async () => {
    const r = await cli([
      "steering",
      "--mix",
      "vxlan",
      "--strategy",
      "outer-rss",
      "--queues",
      "2,64",
      "--tunnels",
      "1",
      "--rate",
      "50%",
      "--no-ndr",
      "--frames",
      "1000",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "n/a: ixl: at most 4 cores (4 queue interrupts per VF: 5 MSI-X vectors (NIC profile ixl, vf.caps) less the admin queue's (FreeBSD iflib_msix_init))",
    );
    expect(r.out).toContain("per-queue load (at --rate)");
    // The table's per-trial columns say at which load they were measured.
    // The table's per-trial columns are named, with the load each mix was offered.
    expect(r.out).toMatch(
      /Jain, max\/mean, reord, split pairs, latency, busiest core, dispatcher and drops are measured at --rate, the offered load asked for \(simulated, offered: vxlan \d+\.\d{3} Mpps\)/,
    );
    expect(r.out).toMatch(/simulator speed \(wall clock on this machine, not a simulated figure\)/);
    // Latency: the exact minimum (as --json and --csv give it) before p50 and p99.
    expect(r.out).toContain("lat min/p50/p99 us");
    const row = r.out.split("\n").find((l) => /outer-rss\s*│\s*2\s*│/.test(l)) ?? "";
    const lat = /│\s*(\d+\.\d)\/(\d+\.\d)\/(\d+\.\d)\s*│/.exec(row);
    expect(lat, row).not.toBeNull();
    const [min, p50, p99] = (lat as RegExpExecArray).slice(1).map(Number);
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(p50);
    expect(p50).toBeLessThanOrEqual(p99);
  });

  it("replays any capture as a mix (flows from the parsed tuples)", async () => {
    const pcap = join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "vxlan.pcap");
    const r = await cli([
      "steering",
      "--mix",
      `pcap:${pcap}`,
      "--strategy",
      "inner-rss",
      "--queues",
      "2",
      "--rate",
      "10%",
      "--no-ndr",
      "--frames",
      "800",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out).results[0];
    expect(x.traffic).toBe(`pcap:${pcap}`);
    expect(x.per_queue.reduce((a: number, b: number) => a + b, 0)).toBe(800);
    expect(x.conservation_ok).toBe(true);
  });

  // VXLAN-GPE (UDP 4790) carries one outer tuple per VTEP pair, like VXLAN: the inner headers
  // are what spreads it. Before the parser knew 4790, inner-rss and sw-dispatch put all on one core.
  it("a VXLAN-GPE capture (Ethernet, IPv4 and IPv6 payloads) is spread by its inner headers", async () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 96; i++) {
      const o = eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" })
        .ipv4({ src: "192.0.2.1", dst: "192.0.2.101" })
        .udp({ sport: 49152 });
      const g = [o.vxlanGpe(100).eth({}).ipv4({}), o.vxlanGpe(100).ipv4({}), o.vxlanGpe(100).ipv6({})][i % 3];
      frames.push(
        g
          .tcp({ sport: 1000 + i, dport: 80 })
          .payload(16)
          .build(),
      );
    }
    const pcap = writeFrames(join(tempDir("iovsim-steering-gpe-"), "gpe.pcap"), frames);
    const r = await cli(
      [
        "steering",
        "--mix",
        `pcap:${pcap}`,
        "--strategy",
        "outer-rss,inner-rss,sw-dispatch",
        "--queues",
        "4",
      ].concat(["--rate", "10%", "--no-ndr", "--frames", "960", "--json"]),
    );
    expect(r.code, r.err).toBe(0);
    const by = Object.fromEntries(
      JSON.parse(r.out).results.map((x: { strategy: string; per_queue: number[] }) => [
        x.strategy,
        x.per_queue,
      ]),
    );
    expect(by["outer-rss"].filter((n: number) => n > 0)).toHaveLength(1);
    for (const s of ["inner-rss", "sw-dispatch"]) {
      expect(
        by[s].every((n: number) => n > 120),
        `${s}: ${by[s]}`,
      ).toBe(true);
      expect(by[s].reduce((a: number, b: number) => a + b, 0)).toBe(960);
    }
  });

  // A capture taken with a snaplen (tcpdump -s 96): its frames replay at the captured size, so
  // the line rate and Gbps count fewer bytes than the wire carried. switch --in said so;
  // steering said nothing.
  it("a capture whose frames a snaplen cut says so in the mix's note", async () => {
    const full = eth({ dst: "02:5e:00:00:00:00", src: "00:11:22:33:44:55" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1, dport: 2 })
      .payload(200)
      .build();
    const pcap = join(tempDir("iovsim-steering-snaplen-"), "cut.pcap");
    writeFileSync(
      pcap,
      encodeCapture(
        [0, 1, 2].map((i) => ({
          ts: BigInt(i) * 1000n,
          data: i === 1 ? full : full.subarray(0, 96),
          origLen: full.length,
          iface: 0,
          linktype: 1,
        })),
        { format: "pcap" },
      ),
    );
    const r = await steerCapture(pcap, 600);
    expect(r.code, r.err).toBe(0);
    const note = (JSON.parse(r.out).notes as string[]).join("\n");
    expect(note).toContain(
      "2 frames were cut by the capture's snaplen (the first has 96 of 242 bytes): replayed as captured, so frame sizes and line rate count the captured bytes, not the wire's",
    );
  });

  // A user's capture of tagged frames: the steering VFs join no VLAN, so the switch's VLAN filter
  // drops them. They were once counted nowhere: conservation failed and the run exited 2.
  it("a capture's VLAN-tagged frames the switch filters are dropped with their reason, conservation kept", async () => {
    const pcap = writeFrames(join(tempDir("iovsim-steering-vlan-"), "tagged.pcap"), [
      eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" })
        .vlan(100)
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport: 1234, dport: 5678 })
        .build(),
    ]);
    const r = await steerCapture(pcap, 500);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out).results[0];
    expect(x.conservation_ok).toBe(true);
    expect(x.drops).toEqual({ "nic: VLAN filter": 500 });
    // The table shows no latency or spread for a row that delivered nothing (not 0.0 us).
    const table = await cli(
      ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single", "--queues", "1"].concat([
        "--rate",
        "1%",
        "--no-ndr",
        "--frames",
        "500",
      ]),
    );
    const row = table.out.split("\n").find((l) => /│ single\s*│ 1\s*│/.test(l)) ?? "";
    expect(row, table.out).toMatch(/│ - +│ - +│ 0 +│ 0 +│ - \(none delivered\) +│/);
  });

  // One 5-tuple captured untagged (3 small frames) and VLAN-tagged (1 larger frame): the replay
  // offers every frame with its weight, not the flow's first frame for all of them, so a quarter
  // of the offered frames are tagged (the switch's VLAN filter drops those) and the sizes vary.
  it("a flow whose captured frames differ (tagged, untagged, sizes) replays each frame with its weight", async () => {
    const frame = (tagged: boolean, payload: number) => {
      const b = eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" });
      return (tagged ? b.vlan(100) : b)
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport: 1234, dport: 5678 })
        .payload(payload)
        .build();
    };
    const small = frame(false, 18);
    const big = frame(true, 900);
    const pcap = writeFrames(join(tempDir("iovsim-steering-shapes-"), "shapes.pcap"), [
      small,
      small,
      big,
      small,
    ]);
    const r = await steerCapture(pcap, 2000);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.notes).toContain(
      `pcap:${pcap}: 4 frames replayed, 1 flow, 2 distinct frames (popularity as captured)`,
    );
    expect(j.mixes[0].min_bytes).toBe(small.length + 4);
    expect(j.mixes[0].max_bytes).toBe(big.length + 4);
    const x = j.results[0];
    expect(x.conservation_ok).toBe(true);
    // A seeded draw of weights 3:1 over 2000 frames: about 500 tagged ones filtered.
    const filtered = x.drops["nic: VLAN filter"] ?? 0;
    expect(filtered).toBeGreaterThan(400);
    expect(filtered).toBeLessThan(600);
  });

  // The NIC's filters drop a capture's tagged frame at every load: that is the NIC's decision on
  // the frame, not loss (as a drop rule's frames, and as paths --pcap counts them). Counted as
  // loss, one tagged frame in a capture left every strategy with "n/a: no lossless load found".
  it("a capture's frames the NIC filters are not loss: the NDR search finds a lossless load", async () => {
    const frame = (tagged: boolean) => {
      const b = eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" });
      return (tagged ? b.vlan(100) : b)
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport: 1234, dport: 5678 })
        .build();
    };
    const pcap = writeFrames(join(tempDir("iovsim-steering-filtered-"), "mixed.pcap"), [
      frame(false),
      frame(false),
      frame(false),
      frame(true),
    ]);
    const r = await cli(
      ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single", "--queues", "1"].concat([
        "--rate",
        "1%",
        "--frames",
        "800",
        "--precision",
        "10",
        "--json",
      ]),
    );
    expect(r.code, r.err).toBe(0);
    const x = JSON.parse(r.out).results[0];
    expect(x.drops["nic: VLAN filter"]).toBeGreaterThan(0);
    expect(x.loss_ratio).toBe(0);
    expect(x.ndr_mpps).toBeGreaterThan(0);
  });

  // --mix is a comma list: a capture whose name holds a comma was once split into 'pcap:run' and
  // an unknown mix '2.pcap'. A typo after a capture is still an unknown mix.
  it("--mix pcap:FILE whose file name holds a comma is that file", async () => {
    const frame = eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp({ sport: 1234, dport: 5678 })
      .build();
    const pcap = writeFrames(join(tempDir("iovsim-steering-comma-"), "run,2.pcap"), [frame]);
    const r = await steerCapture(pcap, 500);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).results[0].traffic).toBe(`pcap:${pcap}`);
    const typo = await cli(["steering", "--mix", `pcap:${pcap},vxaln`, "--strategy", "single"]);
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/^iovsim: --mix: unknown mix 'vxaln'/);
  });

  // pcap:a.pcap,pcap:./a.pcap simulated the one capture twice, as two mixes.
  it("--mix naming one capture twice (another path, a link, a hard link) is refused", async () => {
    const dir = tempDir("iovsim-steering-twice-");
    const a = writeFrames(join(dir, "a.pcap"), [eth({ dst: "02:00:00:00:01:00" }).ipv4().udp().build()]);
    symlinkSync("a.pcap", join(dir, "sym.pcap"));
    linkSync(a, join(dir, "hard.pcap"));
    for (const second of [`${dir}/./a.pcap`, join(dir, "sym.pcap"), join(dir, "hard.pcap")]) {
      const r = await cli(["steering", "--mix", `pcap:${a},pcap:${second}`, "--strategy", "single"]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `iovsim: --mix: 'pcap:${second}' is the same capture as 'pcap:${a}' (each item is one case of the run)\n`,
      );
    }
  });

  it("--mix 'imix, pcap:FILE' (a space after the comma) keeps a comma in FILE's name too", () => {
    const pcap = writeFrames(join(tempDir("iovsim-steering-comma-"), "run,2.pcap"), [
      eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" }).ipv4().udp().build(),
    ]);
    expect(splitMixes(`imix, pcap:${pcap}`)).toEqual(["imix", `pcap:${pcap}`]);
    expect(splitMixes(`pcap:${pcap}, imix`)).toEqual([`pcap:${pcap}`, "imix"]);
  });

  // A run whose search found no lossless load once printed the per-queue heading over blank lines
  // (and a blank NDR chart): there is nothing to draw.
  it("no NDR found: no empty per-queue or NDR chart sections", async () => {
    const r = await cli(
      ["steering", "--strategy", "single", "--queues", "1"].concat(["--precision", "50", "--frames", "500"]),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/n\/a: no lossless load found/);
    expect(r.out).not.toMatch(/per-queue load/);
    expect(r.out).not.toMatch(/\n\n\n/);
  });

  // ...but a capture whose every frame the filters drop measures nothing: no frame reaches a
  // core at any load. Counted lossless, it had an NDR at line rate with none delivered.
  it("a capture whose every frame the NIC filters has no NDR, and says why", async () => {
    const tagged = () =>
      eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" })
        .vlan(100)
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport: 1234, dport: 5678 })
        .build();
    const pcap = writeFrames(join(tempDir("iovsim-steering-filtered-"), "tagged.pcap"), [tagged(), tagged()]);
    const argv = ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single", "--queues", "1"];
    const r = await cli([...argv, "--frames", "500", "--precision", "10", "--json"]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const x = j.results[0];
    // As every row with no lossless load: skipped, with no NDR (null, as docs/steering-json.md
    // says; it was 0 Mpps), and flagged.
    expect(x.ndr_mpps).toBeNull();
    expect(x.all_filtered).toBe(true);
    expect(x.skipped).toBe(WHY_FILTERED);
    // Said once, in the row: no note repeats it.
    expect(j.notes.filter((n: string) => n.includes("dropped every frame"))).toEqual([]);
    // The HTML report once left such rows out, with the notes: nothing said why it was empty.
    const html = join(tempDir("iovsim-steering-filtered-html-"), "r.html");
    const h = await cli([...argv, "--frames", "500", "--precision", "10", "--html", html]);
    expect(h.code, h.err).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("Rows without figures");
    expect(page).toContain(WHY_FILTERED.replaceAll("'", "&#39;"));
    expect(page).toContain(`pcap:${pcap}: 2 frames replayed`);
  });

  // At --rate the row has figures (none delivered) and an NDR search with no lossless load: the
  // text table showed NDR 0.00 and nothing said why; JSON had no flag.
  it("at --rate, a capture whose every frame the NIC filters: null NDR, flagged, one note per mix", async () => {
    const tagged = (sport: number) =>
      eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" })
        .vlan(100)
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport, dport: 5678 })
        .build();
    const dir = tempDir("iovsim-steering-filtered-rate-");
    const pcap = writeFrames(join(dir, "tagged.pcap"), [tagged(1), tagged(2)]);
    const argv = ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single,outer-rss", "--queues", "2"];
    const more = ["--frames", "500", "--precision", "10", "--rate", "5%"];
    const r = await cli([...argv, ...more, "--json", "--html", join(dir, "r.html")]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    for (const x of j.results) {
      expect(x.skipped).toBeNull();
      expect(x.all_filtered).toBe(true);
      expect(x.ndr_mpps).toBeNull();
      expect(x.drops).toEqual({ "nic: VLAN filter": 500 });
    }
    const note = `pcap:${pcap}: ${WHY_FILTERED}`;
    expect(j.notes.filter((n: string) => n.includes("dropped every frame"))).toEqual([note]);
    // The page charts no share or fairness of a row that delivered nothing (it charted 0 %
    // shares and a Jain of 0): the row is listed with its drops, the note said once.
    const page = readFileSync(join(dir, "r.html"), "utf8");
    expect(page.split(note.replaceAll("'", "&#39;")).length - 1).toBe(1);
    expect(page).toContain("no frame delivered at --rate (drops: nic: VLAN filter 500)");
    expect(page).not.toContain('<figure class="chart"');
    const t = await cli([...argv, ...more]);
    expect(t.out.split(note).length - 1).toBe(1);
    expect(t.out).not.toMatch(/│ 0\.00 /);
  });

  it("a capture's frames that cannot be replayed are counted with their reason, not dropped silently", async () => {
    // 38 records: one 255-byte frame, 37 cut to 0 bytes by the capture (a tcpdump fuzz case).
    const pcap = join(
      import.meta.dirname,
      "..",
      "fixtures",
      "captures",
      "tcpdump",
      "malformed",
      "bgp_vpn_rt-oobr.pcap",
    );
    const r = await cli(
      ["steering", "--mix", `pcap:${pcap}`, "--strategy", "single", "--queues", "1"].concat([
        "--rate",
        "10%",
        "--no-ndr",
        "--frames",
        "500",
        "--json",
      ]),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).notes).toContain(
      `pcap:${pcap}: 1 frame replayed, 1 flow (popularity as captured); left out: 37 shorter than an Ethernet header (14 B); 1 frame was cut by the capture's snaplen (the first has 255 of 262144 bytes): replayed as captured, so frame sizes and line rate count the captured bytes, not the wire's`,
    );
    // The same count by reason beside the mix's size, where a program reads it.
    expect(JSON.parse(r.out).mixes[0].dropped_before_engine).toEqual({
      "shorter than an Ethernet header (14 B)": 37,
    });
  });

  it("an NDR at line rate is the line rate, never above it (Mpps and Gbit/s)", async () => {
    const r = await cli([
      "steering",
      "--mix",
      "plain",
      "--strategy",
      // One VF per instance: RSS stops at the X710 VF's 4 queue interrupts, below line rate.
      "mac-vf-instance",
      "--queues",
      "16",
      "--frames",
      "2000",
      "--json",
    ]);
    const [x] = JSON.parse(r.out).results;
    expect(x.ndr_mpps).toBe(x.line_rate_mpps);
    expect(x.ndr_gbps).toBeLessThanOrEqual(10);
  });

  it("--rate in Gbit/s is that rate for every mix, each at its own frame size", async () => {
    const r = await cli([
      "steering",
      "--mix",
      "plain,vxlan",
      "--strategy",
      "inner-rss",
      "--queues",
      "4",
      "--frames",
      "2000",
      "--rate",
      "9Gbps",
      "--no-ndr",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out).results as Array<{
      traffic: string;
      wire_gbps: number;
      offered_mpps: number;
    }>;
    expect(rows.map((x) => x.traffic)).toEqual(["plain", "vxlan"]);
    // Each mix's frames have their own size, so the same Gbit/s is a different Mpps for each.
    for (const x of rows) expect(x.wire_gbps).toBeCloseTo(9, 6);
    expect(rows[1]!.offered_mpps).toBeLessThan(rows[0]!.offered_mpps);
    // Above one mix's line rate is refused naming that mix.
    const over = await cli([
      "steering",
      "--mix",
      "vxlan,plain",
      "--queues",
      "4",
      "--rate",
      "10Mpps",
      "--no-ndr",
    ]);
    expect(over.code).toBe(1);
    expect(over.err).toMatch(/--rate 10Mpps: above the 10 Gbit\/s line rate of mix vxlan/);
  });

  it("options it does not support are errors naming the option", async () => {
    for (const [argv, msg] of [
      [["--pcap", "x.pcap"], /unknown option '--pcap'/],
      [["--mix", "ipx"], /--mix: unknown mix 'ipx'/],
      [["--strategy", "rss"], /--strategy: unknown strategy 'rss'/],
      // An item given twice ran (and printed) the same rows twice.
      [["--strategy", "single,inner-rss,single"], /--strategy: 'single' is given twice/],
      [["--queues", "1,4,1"], /--queues: '1' is given twice/],
      // Nothing within the NIC's limits: an empty table and status 0 before.
      [
        ["--strategy", "outer-rss", "--queues", "32,64"],
        /--queues 32,64: beyond ixl0 for every strategy asked \(outer-rss: at most 4 cores, 4 queue interrupts per VF: .*\): nothing to simulate/,
      ],
      [["--mix", "gtpu,vxlan,gtpu"], /--mix: 'gtpu' is given twice/],
      // Options that shape generated traffic were ignored with captures (and --tunnels with
      // plain traffic, which has no tunnel): refused, naming the option.
      [
        ["--mix", "pcap:x.pcap", "--flows", "10"],
        /--flows shapes generated traffic, and --mix pcap:x\.pcap replays captures/,
      ],
      [["--mix", "pcap:x.pcap", "--zipf", "1"], /--zipf shapes generated traffic/],
      [["--mix", "pcap:x.pcap", "--tunnels", "2"], /--tunnels shapes generated traffic/],
      [
        ["--mix", "plain", "--tunnels", "3"],
        /--tunnels applies to tunnelled traffic \(every mix but plain\), and --mix plain has none/,
      ],
      // --ip: a version it does not generate, or one that changes no frame of the mixes asked.
      [["--ip", "5"], /--ip: '5' is not an IP version \(4, 6, 6in4/],
      [["--ip", "v6"], /--ip: 'v6' is not an IP version/],
      [["--mix", "pcap:x.pcap", "--ip", "6"], /--ip shapes generated traffic/],
      [["--mix", "plain,mpls,qinq", "--ip", "4in6"], /--ip 4in6: changes no frame of --mix plain,mpls,qinq/],
      [["--mix", "esp", "--ip", "6in4"], /--ip 6in4: changes no frame of --mix esp/],
      [["--queues", "0"], /--queues: '0' is not an integer in 1..64/],
      [["--rate", "fast"], /--rate: 'fast' is not a rate/],
      [["--rate", "20Mpps", "--no-ndr"], /above the 10 Gbit\/s line rate/],
      [["--no-ndr"], /--no-ndr needs --rate/],
      [["--symmetric", "xor"], /--symmetric: 'xor'/],
      // The seed range of paths and ping (a 31-bit seed), not one more.
      [["--seed", "2147483648"], /--seed: '2147483648' is not an integer in 0..2147483647/],
      // A capture that cannot be used is the user's error (it was an internal one, status 70).
      [
        ["--mix", "pcap:/nonexistent.pcap", "--rate", "1Mpps", "--no-ndr"],
        /^iovsim: --mix pcap:\/nonexistent\.pcap: cannot read \(no such file\)\n$/,
      ],
      [["--mix", "pcap:", "--rate", "1Mpps", "--no-ndr"], /--mix: 'pcap:' needs a file name/],
      // A capture with no usable frame names the option, as every other capture error does.
      [
        [
          "--mix",
          `pcap:${join(import.meta.dirname, "..", "fixtures", "captures", "tcpdump", "malformed", "dns-badlabel.pcap")}`,
          "--rate",
          "1Mpps",
          "--no-ndr",
        ],
        /^iovsim: --mix pcap:\S+dns-badlabel\.pcap: no frame of 14\.\.1514 bytes to replay/,
      ],
      [["--port", "ixl0", "--strategy", "inner-rss"], /--port only applies to --strategy flow-rules/],
      // Options that would change nothing are refused, not ignored.
      [
        ["--rate", "1Mpps", "--no-ndr", "--precision", "5"],
        /--precision tunes the NDR search, and --no-ndr skips it/,
      ],
      [
        ["--strategy", "single,mac-vf", "--symmetric", "sorted"],
        /--symmetric applies to the RSS strategies \(outer-rss, inner-rss, flow-rules\), and --strategy single,mac-vf has none/,
      ],
    ] as const) {
      const r = await cli(["steering", ...argv]);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.err).toMatch(msg);
    }
  });
});
