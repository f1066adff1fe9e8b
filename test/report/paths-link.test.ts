// Each path runs at the link speed of the port it crosses, from that port's NIC profile: with an
// igb0 configuration (1 GbE) the VF paths, native and the bridges run on igb0's wire, and
// passthrough on ix0's (10 GbE), in the engine, the search's ceiling, --rate % and every output.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { resolveRate } from "../../src/experiment/rate.ts";
import { parseCsv } from "../../src/report/csv.ts";
import { pathsConditions } from "../../src/report/html/conditions.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { PATHS_CSV_HEADER, pathsCsv } from "../../src/report/paths-csv.ts";
import { type PathsJson, pathsJsonSchema } from "../../src/report/paths-json.ts";
import { describeRun, linkText } from "../../src/report/paths-table.ts";
import { sweepConditionRows } from "../../src/sweep/conditions.ts";
import type { MergedSweep } from "../../src/sweep/merge.ts";
import { encodeCapture } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { baseSpec, simulated } from "../engine/base-spec.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { pathsDoc } from "./paths-doc.ts";

const IGB_CONF = 'PF { device : "igb0"; num_vfs : 2; }\nVF-1 { passthrough : true; }\n';
/** 64-byte line rates (Mpps): 1 GbE and 10 GbE (frame + 20 B preamble and gap). */
const LINE_1G = 1e9 / (84 * 8) / 1e6;
const LINE_10G = 10 * LINE_1G;

/** `paths ...argv`, which must succeed: its stdout. */
async function paths(argv: string[]): Promise<string> {
  const r = await iovsim(["paths", ...argv]);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

let conf: string;
const SEARCH = ["--size", "64", "--trial-ms", "0.2", "--workers", "1"];

beforeAll(async () => {
  await ensureKernels();
  conf = join(tempDir("iovsim-link-"), "igb.conf");
  writeFileSync(conf, IGB_CONF);
});

describe("a link speed per path", () => {
  it("the engine prices a path's wire at its own port's speed: passthrough on ix0 passes 1 GbE's line rate with an igb0 PF", () => {
    const config = { text: IGB_CONF, file: "igb.conf" };
    // No linkGbps in the spec: the default is the NIC profile of the port the path crosses.
    const pt = simulate(baseSpec({ path: "passthrough", ratePps: 1.8e6, config }));
    const native = simulate(baseSpec({ path: "native", ratePps: 1.8e6, config }));
    // ix0 at 10 GbE carries 1.8 Mpps of 64 B frames, as with the talk's ixl0 PF beside it;
    // igb0 at 1 GbE serializes at most 1.488 Mpps.
    expect(pt.delivered_pps).toBeGreaterThan(1.7e6);
    expect(simulated(pt)).toEqual(simulated(simulate(baseSpec({ path: "passthrough", ratePps: 1.8e6 }))));
    expect(native.offered_pps).toBeLessThan(LINE_1G * 1e6 * 1.001);
  });

  let j: PathsJson;
  let text: string;
  beforeAll(async () => {
    const argv = ["-f", conf, "--path", "native,passthrough", ...SEARCH];
    j = pathsJsonSchema.parse(JSON.parse(await paths([...argv, "--json"])));
    text = await paths(argv);
  });

  it("igb0 configuration: passthrough searches up to 10 GbE's 14.88 Mpps and passes 1 GbE's line rate", () => {
    const pt = j.paths.find((p) => p.name === "passthrough")!;
    const native = j.paths.find((p) => p.name === "native")!;
    expect(pt.link_gbps).toBe(10);
    expect(pt.line_rate_mpps).toBeCloseTo(LINE_10G, 6);
    expect(pt.ceiling_mpps).toBeCloseTo(LINE_10G, 6);
    // Above the 1.488 Mpps it was priced at when the whole run took igb0's speed.
    expect(pt.ndr_mpps!).toBeGreaterThan(LINE_1G * 1.5);
    expect(pt.bottleneck).not.toBe("wire");
    expect(native.link_gbps).toBe(1);
    expect(native.line_rate_mpps).toBeCloseTo(LINE_1G, 6);
    expect(native.bottleneck).toBe("wire");
    // The document's link stays its PF's (igb0), as before.
    expect(j.link_gbps).toBe(1);
    expect(j.nic).toBe("igb0");
  });

  it("the header names each link with its paths and port; the line rate cell its link; no approximation note", () => {
    expect(text).toContain(
      "1 Gbit/s link (PF igb0), passthrough on a 10 Gbit/s link (ix0), constant arrivals",
    );
    expect(text).toMatch(/│ 14\.881 +│[^\n]*\n[^\n]*│ \(10 Gbit\/s\) +│/);
    expect(text).toMatch(/│ 1\.488 +│[^\n]*\n[^\n]*│ \(1 Gbit\/s\) +│/);
    expect(text).not.toMatch(/one link speed per run|runs on ix0/);
  });

  it("CSV: each row's link_gbps is its path's (columns unchanged)", () => {
    const [head, ...rows] = parseCsv(pathsCsv(j));
    expect(head).toEqual([...PATHS_CSV_HEADER]);
    const at = (name: string) => head.indexOf(name);
    const byPath = new Map(rows.map((r) => [r[at("path")], r[at("link_gbps")]]));
    expect(Object.fromEntries(byPath)).toEqual({ native: "1", passthrough: "10" });
  });

  it("HTML conditions name the other link with its paths and port", async () => {
    const c = pathsConditions(j);
    expect(c.other_links).toEqual([{ link_gbps: 10, port: "ix0", paths: ["passthrough"] }]);
    const html = await renderHtmlReport({
      title: "iovsim paths",
      version: j.tool.version,
      command: "iovsim paths -f igb.conf",
      conditions: c,
      paths: j.paths,
    });
    // The terminal header's wording (one formatter, src/report/link-text.ts), in the conditions
    // row and in the page header.
    expect(html).toMatch(/1 Gbit\/s Ethernet \(igb0\); passthrough on a 10 Gbit\/s link \(ix0\); Gbit\/s/);
    expect(html).toContain("1 Gbit/s link (igb0); passthrough on a 10 Gbit/s link (ix0)");
  });

  it("a merged sweep's link condition lists every path's link speed", () => {
    const point = { index: 0, coords: {}, seed: 1, result: j };
    const m = { schema: "x", sweep: "s", experiment: "e", hash: "h", version: "v", axes: [], count: 1 };
    const rows = new Map(sweepConditionRows({ ...m, points: [point] } as unknown as MergedSweep));
    expect(rows.get("link")).toMatch(/^1 Gbit\/s, 10 Gbit\/s Ethernet \(PF igb0\)/);
  });

  it("--rate 100% is each path's own line rate", async () => {
    const out = pathsJsonSchema.parse(
      JSON.parse(
        await paths(["-f", conf, "--path", "native,passthrough", "--rate", "100%", ...SEARCH, "--json"]),
      ),
    );
    const offered = (name: string) => out.paths.find((p) => p.name === name)!.load_points[0].offered_mpps;
    expect(offered("passthrough")).toBeCloseTo(LINE_10G, 2);
    expect(offered("native")).toBeCloseTo(LINE_1G, 2);
  });

  it("--rate above one link's line rate but not the other's: passthrough runs it, native is refused naming igb0", async () => {
    const argv = ["-f", conf, "--rate", "5Mpps", ...SEARCH];
    await paths(["--path", "passthrough", ...argv]);
    const r = await iovsim(["paths", "--path", "native,passthrough", ...argv]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /--rate 5Mpps: above the line rate of 64-byte frames on a 1 Gbit\/s link \(1\.488 Mpps\): igb0's link, which native crosses/,
    );
  });

  it("--rate above two ports of the same speed: the refusal names the paths of the port at fault only", async () => {
    // ixl0 and ix0 are both 10 GbE: passthrough (ix0) is not on ixl0's link.
    const r = await iovsim([
      "paths",
      "--path",
      "native,passthrough,vm-vf",
      "--size",
      "64",
      "--rate",
      "20Mpps",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("(14.881 Mpps): ixl0's link, which native, vm-vf cross (");
    const alone = await iovsim(["paths", "--path", "passthrough", "--size", "64", "--rate", "20Mpps"]);
    expect(alone.err).toContain("ix0's link, which passthrough crosses (");
  });

  it("passthrough alone on an igb0 configuration gives the talk's passthrough figures (the same ix0 port)", async () => {
    const argv = ["--path", "passthrough", ...SEARCH, "--seed", "3", "--json"];
    const igb = pathsJsonSchema.parse(JSON.parse(await paths(["-f", conf, ...argv])));
    const talk = pathsJsonSchema.parse(JSON.parse(await paths(argv)));
    expect(igb.paths).toEqual(talk.paths);
    // Only ix0's wire ran: the document's NIC and link are ix0's.
    expect([igb.nic, igb.link_gbps]).toEqual(["ix0", 10]);
  });
});

describe("--pcap-timing capture faster than one link carries", () => {
  it("arrives at each path's own line rate: native at igb0's 1.488 Mpps, passthrough at the captured 5 Mpps", async () => {
    const udp = eth({ dst: "02:00:00:00:00:10", src: "02:99:00:00:00:01" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .udp()
      .build();
    const frame = udp.subarray(0, 60); // 64 bytes on the wire with FCS
    const file = join(tempDir("iovsim-link-pcap-"), "fast.pcap");
    // 5 frames per µs: 5 Mpps, above 1 GbE's 64-byte line rate and below 10 GbE's.
    const records = Array.from({ length: 200 }, (_, i) => ({
      ts: BigInt(Math.floor(i / 5)) * 1000n,
      data: frame,
      origLen: frame.length,
      iface: 0,
      linktype: 1,
    }));
    writeFileSync(file, encodeCapture(records));
    const argv = ["-f", conf, "--path", "native,passthrough", "--pcap", file, "--pcap-timing", "capture"];
    const j = pathsJsonSchema.parse(
      JSON.parse(await paths([...argv, "--rewrite-dst", "consumer", "--trial-ms", "0.2", "--json"])),
    );
    const offered = (name: string) => j.paths.find((p) => p.name === name)!.load_points[0].offered_mpps;
    expect(offered("native")).toBeLessThanOrEqual(LINE_1G + 1e-6);
    expect(offered("native")).toBeGreaterThan(LINE_1G * 0.95);
    expect(offered("passthrough")).toBeGreaterThan(4.5);
    const notes = j.notes.join("\n");
    expect(notes).toMatch(
      /above the 1 Gbit\/s line rate of their sizes on the link of native \(1\.488 Mpps\)/,
    );
    expect(notes).not.toMatch(/above the 10 Gbit\/s line rate/);
  });
});

describe("one link speed for every path: output as before", () => {
  it("the talk's configuration: one link in the header, one-line line rate cells, every entry at 10 Gbit/s", async () => {
    const argv = ["--path", "native,passthrough", ...SEARCH];
    const out = await paths(argv);
    expect(out).toContain(", 10 Gbit/s link (PF ixl0), constant arrivals");
    expect(out).not.toMatch(/Gbit\/s\)/);
    const j = pathsJsonSchema.parse(JSON.parse(await paths([...argv, "--json"])));
    expect(j.paths.map((p) => p.link_gbps)).toEqual([10, 10]);
    expect(pathsConditions(j).other_links).toBeUndefined();
  });

  it("a document without per-path links (written before) reads as one link", () => {
    const doc = pathsDoc();
    expect(doc.paths[0].link_gbps).toBeUndefined();
    expect(linkText(doc)).toBe("10 Gbit/s link");
    expect(describeRun(doc)).toMatch(/, 10 Gbit\/s link, constant arrivals/);
    // A path entry at another speed than the document's is named (no configuration: no port).
    const mixed = { ...doc, paths: [{ ...doc.paths[0], name: "passthrough", link_gbps: 25 }] };
    expect(linkText(mixed)).toBe("10 Gbit/s link, passthrough on a 25 Gbit/s link");
  });
});

describe("--rate above a path's line rate", () => {
  it("a capture's own timing is capped at each link's line rate; any other rate above it is refused", () => {
    const capture = { kind: "pps" as const, pps: 5e6, text: "capture timing", upToLine: true as const };
    expect(resolveRate(capture, 64, 1)).toBeCloseTo(LINE_1G * 1e6, 0);
    expect(resolveRate(capture, 64, 10)).toBe(5e6);
    expect(() => resolveRate({ kind: "pps", pps: 5e6, text: "5Mpps" }, 64, 1)).toThrow(
      /above the line rate of 64-byte frames on a 1 Gbit\/s link/,
    );
  });
});
