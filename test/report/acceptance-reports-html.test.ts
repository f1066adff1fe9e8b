// Every `--html FILE` read as a browser and a reader would: one well-formed document (doctype,
// one html/head/body, a title, the charset in the first 1024 bytes), nothing fetched (no URL, no
// script, links only to its own sections), every chart's Vega-Lite spec compiling without a
// warning with its quantitative axes titled with a unit, simulated figures labelled and the
// wall clock apart, the JSON's figures shown, and user-provided text escaped.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import * as vl from "vega-lite";
import { describe, expect, it, vi } from "vitest";
import { formatNumber } from "../../src/report/html/format.ts";
import { parseReportInput } from "../../src/report/html/index.ts";
import { buildSections } from "../../src/report/html/sections.ts";
import { smallMultiplesSpec } from "../../src/sweep/html.ts";
import { mergeSweep } from "../../src/sweep/merge.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import {
  hostileCopy,
  IN_PCAP,
  IXL0_CONF,
  RUNS,
  type RunName,
  runSweepHere,
  SWEEP_FIDELITY,
  SWEEP_NDR,
  SWEEP_RATE,
  SWEEP_STEERING,
} from "./acceptance-runs.ts";

// The report input each command hands to writeHtmlReport, to check its charts' specs.
const captured = vi.hoisted(() => new Map<string, unknown>());
vi.mock("../../src/report/html/index.ts", async (importOriginal) => {
  const mod = await importOriginal<typeof import("../../src/report/html/index.ts")>();
  return {
    ...mod,
    writeHtmlReport: async (file: string, input: Parameters<typeof mod.writeHtmlReport>[1]) => {
      captured.set(file, input);
      return mod.writeHtmlReport(file, input);
    },
  };
});

type Report = { html: string; json: Record<string, unknown>; input: unknown; file: string };
const reports = new Map<string, Promise<Report>>();
function report(name: RunName, argv: readonly string[] = RUNS[name]): Promise<Report> {
  const key = argv.join("\0");
  if (!reports.has(key))
    reports.set(
      key,
      (async () => {
        const file = join(tempDir("iovsim-report-acc-html-"), `${name}.html`);
        const r = await iovsim([...argv, "--json", "--html", file]);
        expect(r.code, r.err).toBe(0);
        return { html: readFileSync(file, "utf8"), json: JSON.parse(r.out), input: captured.get(file), file };
      })(),
    );
  return reports.get(key)!;
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

/** Structure and self-containment, for any report page. */
function checkPage(html: string): void {
  expect(html.startsWith("<!doctype html>\n")).toBe(true);
  for (const tag of [/<html[\s>]/g, /<head>/g, /<\/head>/g, /<body>/g, /<\/body>/g, /<title>/g, /<\/html>/g])
    expect(count(html, tag), String(tag)).toBe(1);
  expect(html.indexOf('<meta charset="utf-8">')).toBeGreaterThan(0);
  expect(html.indexOf('<meta charset="utf-8">')).toBeLessThan(1024); // where a browser looks for it
  expect(html).toMatch(/<html lang="en">/);
  expect(html).toMatch(/<title>[^<]+<\/title>/);
  expect(html.indexOf("<title>")).toBeLessThan(html.indexOf("</head>"));
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
  // Nothing fetched: no URL, no script, no external style, font or frame.
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<(script|iframe|object|embed|img)\b/i);
  expect(html).not.toMatch(/<link\b(?![^>]*rel="icon" href="data:,")/i);
  expect(html).not.toMatch(/@import|url\(/i);
  // Every element that is opened is closed, in order (void elements and self-closed SVG aside).
  const open: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/g, "");
  for (const [, close, name, self] of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)\b[^>]*?(\/?)>/g)) {
    const tag = name.toLowerCase();
    if (self || /^(meta|link|br|hr|img|input|col|wbr)$/.test(tag)) continue;
    if (!close) open.push(tag);
    else expect(open.pop(), `</${tag}>`).toBe(tag);
  }
  expect(open, "elements left open").toEqual([]);
  // Every id once; every link goes to one of them (or is the empty data: icon).
  const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
  expect(new Set(ids).size, "duplicate ids").toBe(ids.length);
  for (const [, attr, value] of html.matchAll(/\s(src|href)="([^"]*)"/g)) {
    if (attr === "href" && value === "data:,") continue;
    expect(attr, value).toBe("href");
    expect(value.startsWith("#") && ids.includes(value.slice(1)), `link ${value}`).toBe(true);
  }
}

type Encoding = Record<string, { type?: string; title?: unknown; aggregate?: string } | undefined>;

/** Every encoding of a spec (top level, layers, a facet's inner spec). */
function encodings(spec: Record<string, unknown>): Encoding[] {
  const own = spec.encoding ? [spec.encoding as Encoding] : [];
  const layers = ((spec.layer as Record<string, unknown>[]) ?? []).flatMap(encodings);
  const inner = spec.spec ? encodings(spec.spec as Record<string, unknown>) : [];
  return [...own, ...layers, ...inner];
}

// An axis title says its unit, or that it counts or indexes something.
const AXIS_UNIT = /Mpps|Gbps|µs|\bns\b|cycles|\(B\)|utilization|share|index|packets|replies|reply #|queues/;

/** Compiles a spec with vega-lite, failing on any warning; returns the quantitative axis titles. */
function compileChecked(spec: TopLevelSpec, what: string): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...a: unknown[]) => {
      warnings.push(a.join(" "));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
    error: (...a: unknown[]) => {
      throw new Error(`${what}: ${a.join(" ")}`);
    },
  };
  vl.compile(spec, { logger: logger as never });
  expect(warnings, what).toEqual([]);
  const titles: string[] = [];
  for (const ch of ["x", "y"]) {
    const defs = encodings(spec as unknown as Record<string, unknown>)
      .map((e) => e[ch])
      .filter((d) => d?.type === "quantitative");
    if (defs.length === 0) continue;
    const named = defs.map((d) => d?.title).filter((t): t is string => typeof t === "string");
    expect(named.length, `${what}: quantitative ${ch} without a title`).toBeGreaterThan(0);
    titles.push(...named);
  }
  for (const t of titles) expect(t, `${what}: an axis title without a unit`).toMatch(AXIS_UNIT);
  return titles;
}

/** The charts of a command's report input, as index.ts renders them. */
function chartsOf(input: unknown) {
  return buildSections(parseReportInput(input as never)).flatMap((s) =>
    s.parts.flatMap((p) => ("charts" in p ? p.charts : [])),
  );
}

const NAMES = Object.keys(RUNS) as RunName[];
const WITH_CHARTS: RunName[] = ["paths", "ping", "steering", "switch", "demo"];

describe.each(NAMES)("%s --html", (name) => {
  it("is one well-formed, self-contained page", async () => {
    checkPage((await report(name)).html);
  });

  it("labels simulated figures, and the simulator's wall clock apart and last", async () => {
    const { html } = await report(name);
    expect(html).toContain('<span class="label simulated">simulated</span>');
    const speed = html.indexOf('<section id="simulator-speed"');
    if (name === "fidelity" || name === "switch")
      expect(speed).toBe(-1); // no simulator block to show
    else {
      expect(speed).toBeGreaterThan(0);
      expect(html.indexOf("<section", speed + 1), "a section after the simulator speed").toBe(-1);
      expect(html.slice(speed)).toContain('<span class="label speed">simulator speed · wall clock</span>');
    }
  });
});

describe.each(WITH_CHARTS)("%s --html charts", (name) => {
  it("compile with vega-lite without a warning, quantitative axes titled with a unit, one SVG each", async () => {
    const { input, html } = await report(name);
    const charts = chartsOf(input);
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) {
      compileChecked(c.spec, c.id);
      expect(c.title, c.id).toMatch(/simulated|switch counters/);
    }
    expect(count(html, /<figure class="chart"/g)).toBe(charts.length);
    expect(count(html, /<svg\b[^>]*role="img"/g)).toBe(charts.length);
  });
});

describe("the same seed gives the same page, but for the simulator's wall clock", () => {
  const withoutSpeed = (html: string) =>
    html
      .replace(/<section id="simulator-speed"[\s\S]*?<\/section>/, "")
      .replace(/<li><a href="#simulator-speed">[^<]*<\/a><\/li>/, "");

  it.each(["paths", "ping", "steering", "switch", "fidelity"] as RunName[])(
    "%s --html twice to one file",
    async (name) => {
      const file = join(tempDir("iovsim-report-acc-twice-"), `${name}.html`);
      const pages: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await iovsim([...RUNS[name], "--html", file]);
        expect(r.code, r.err).toBe(0);
        pages.push(readFileSync(file, "utf8"));
      }
      expect(withoutSpeed(pages[1])).toBe(withoutSpeed(pages[0]));
      if (name !== "switch" && name !== "fidelity")
        expect(pages[0]).toContain('<section id="simulator-speed"');
    },
  );
});

describe("a chart that stacks cycles and ns", () => {
  it("paths: the cycles chart's axis says which rows are ns (wire, NIC, PCIe have no clock)", async () => {
    const { input } = await report("paths");
    const chart = chartsOf(input).find((c) => c.id.startsWith("cycles-"))!;
    const rows = (chart.spec as { data: { values: Array<{ row: string }> } }).data.values.map((v) => v.row);
    expect(rows.some((r) => r.includes("(ns)"))).toBe(true);
    expect(compileChecked(chart.spec, chart.id).join(" ")).toMatch(/CPU cycles, ns on rows marked \(ns\)/);
  });
});

describe("the report shows the JSON's figures", () => {
  const shown = (html: string, v: number) => expect(html).toContain(`>${formatNumber(v)}<`);

  it("paths: NDR and PDR per path, p99 per load point", async () => {
    const { html, json } = await report("paths");
    for (const p of json.paths as Array<Record<string, never>>) {
      shown(html, p.ndr_mpps);
      shown(html, p.pdr_mpps);
      for (const lp of p.load_points as Array<{ latency_us: { p99: number } }>)
        shown(html, lp.latency_us.p99);
    }
  });

  it("ping: the RTT summary", async () => {
    const { html, json } = await report("ping");
    const r = json.rtt_us as Record<string, number>;
    for (const k of ["min", "p50", "p99", "max"]) shown(html, r[k]);
  });

  it("steering: each row's NDR and Jain's index", async () => {
    const { html, json } = await report("steering");
    for (const r of json.results as Array<Record<string, number>>) {
      shown(html, r.ndr_mpps);
      shown(html, r.jain);
    }
  });

  it("fidelity: published and simulated per case, and its verdict", async () => {
    const { html, json } = await report("fidelity");
    for (const c of json.cases as Array<Record<string, never>>) {
      shown(html, (c.published as { value: number }).value);
      shown(html, c.simulated);
      expect(html).toContain(c.name);
    }
  });

  it("switch: each function's received count and the drops by reason", async () => {
    const { html, json } = await report("switch");
    for (const f of json.functions as Array<{ name: string; received: number }>)
      expect(html).toContain(f.name);
    for (const reason of Object.keys(json.frame_drops as object)) expect(html).toContain(reason);
  });

  it("demo: every path's NDR", async () => {
    const { html, json } = await report("demo");
    for (const p of (json.paths as { paths: Array<{ ndr_mpps: number }> }).paths) shown(html, p.ndr_mpps);
  });
});

describe("user-provided text in the report is escaped", () => {
  const RAW = /<script>alert|a&b </;

  it.each([
    ["paths", (conf: string) => ["paths", "-f", conf, "--path", "native", "--size", "64", "--count", "300"]],
    ["ping", (conf: string) => ["ping", "-f", conf, "--path", "native", "-c", "2"]],
    ["switch", (conf: string) => ["switch", "-f", conf, "--in", `wire=${IN_PCAP}`]],
  ] as const)("%s -f DIR/ixl0.conf with <script> and & in the directory name", async (name, argv) => {
    const conf = hostileCopy(IXL0_CONF, "ixl0.conf");
    const { html } = await report(name as RunName, argv(conf));
    checkPage(html);
    expect(html).not.toMatch(RAW);
    expect(html).toContain("a&amp;b &lt;script&gt;alert(&quot;x&quot;)");
  });

  it("ping --profile FILE whose name, description and a constant's source hold markup", async () => {
    const file = join(tempDir("iovsim-report-acc-"), "evil.json");
    const profile = JSON.parse(readFileSync("examples/profiles/bhyve-3.5ghz.json", "utf8"));
    profile.name = "evil<script>alert(1)&x";
    profile.description = 'desc <img src=x onerror=alert(2)> & "q"';
    profile.constants.cpu_ghz.source = "src <script>alert(3)</script>";
    writeFileSync(file, JSON.stringify(profile));
    const { html } = await report("ping", ["ping", "--path", "native", "-c", "1", "--profile", file]);
    checkPage(html);
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain("evil&lt;script&gt;alert(1)&amp;x");
    expect(html).toContain("desc &lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot;");
    expect(html).toContain("src &lt;script&gt;alert(3)&lt;/script&gt;");
  });

  it("steering --mix pcap:FILE with <script> and & in the file's directory", async () => {
    const pcap = hostileCopy("examples/trafficgen-gtpu.pcap", "gtpu.pcap");
    const argv = [
      "steering",
      "--mix",
      `pcap:${pcap}`,
      "--strategy",
      "single",
      "--queues",
      "1",
      "--frames",
      "500",
    ];
    const { html } = await report("steering", argv);
    checkPage(html);
    expect(html).not.toMatch(RAW);
    expect(html).toContain("a&amp;b &lt;script&gt;");
  });
});

describe("a large run still gives one report", () => {
  it("ping -c 2000: every echo charted, the page well formed", async () => {
    const { html, json } = await report("ping", [
      "ping",
      "--path",
      "native",
      "-c",
      "2000",
      "--interval-ms",
      "0.05",
    ]);
    expect(json.received).toBe(2000);
    checkPage(html);
    expect(count(html, /<figure class="chart"/g)).toBeGreaterThan(0);
  });

  it("steering over every strategy and 1..16 cores: one page with a chart per mix", async () => {
    const argv = [
      "steering",
      "--mix",
      "vxlan",
      "--queues",
      "1,2,4,8,16",
      "--frames",
      "500",
      "--no-ndr",
      "--rate",
      "20%",
    ];
    const { html, json } = await report("steering", argv);
    expect((json.results as unknown[]).length).toBeGreaterThanOrEqual(30);
    checkPage(html);
  });
});

describe("--html - (standard output)", () => {
  it.each(NAMES)("%s: refused before the run, naming the option; no file named '-' is made", async (name) => {
    const cwd = process.cwd();
    const r = await iovsim([...RUNS[name], "--html", "-"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--html -: the report goes to a file/);
    expect(r.out).toBe("");
    expect(existsSync(join(cwd, "-"))).toBe(false);
  });
});

describe("sweep merge --html", () => {
  const ndr = runSweepHere(SWEEP_NDR);
  const rate = runSweepHere(SWEEP_RATE);

  async function merged(dir: Promise<string>, extra: string[] = []) {
    const d = await dir;
    const file = join(tempDir("iovsim-report-acc-sweep-html-"), "sweep.html");
    const r = await iovsim(["sweep", "merge", d, "--html", file, ...extra]);
    expect(r.code, r.err).toBe(0);
    return { html: readFileSync(file, "utf8"), r, d };
  }

  it("is one well-formed, self-contained page whose small multiples compile and show NDR", async () => {
    const { html, d } = await merged(ndr);
    checkPage(html);
    const spec = smallMultiplesSpec((await mergeSweep(d)).merged)!;
    expect(compileChecked(spec, "sweep")).toContain("NDR (Mpps, simulated)");
    expect(html).toContain('<h2 id="small-multiples">');
    expect(html).toContain(`aria-label="NDR against frame size`);
  });

  it("at a fixed --rate (no NDR searched): panels show p99 latency at that load, not an empty NDR axis", async () => {
    const { html, d } = await merged(rate);
    checkPage(html);
    const m = (await mergeSweep(d)).merged;
    const spec = smallMultiplesSpec(m)!;
    expect(compileChecked(spec, "sweep rate")).toEqual([
      "frame size (B)",
      "p99 latency at the load (µs, simulated)",
    ]);
    const values = (spec as { data: { values: Array<Record<string, unknown>> } }).data.values;
    expect(values).toHaveLength(m.points.length);
    for (const v of values) expect(typeof v.p99_us_mid_load).toBe("number");
    expect(html).not.toContain("NDR (Mpps");
  });

  it.each([
    ["steering", SWEEP_STEERING],
    ["fidelity", SWEEP_FIDELITY],
  ])("of a %s sweep: one well-formed page, its results table labelled simulated", async (_name, text) => {
    const { html } = await merged(runSweepHere(text));
    checkPage(html);
    expect(html).toContain('<h2 id="results">Results <span class="label simulated">simulated</span>');
  });

  it("writes only the report with --html alone, and the JSON too with --json", async () => {
    const alone = await merged(ndr);
    expect(alone.r.out).toBe("");
    const both = await merged(ndr, ["--json"]);
    expect(JSON.parse(both.r.out).schema).toBe("iovsim.sweep.merge/1");
  });

  it("escapes the results directory's name (it is shown in the reproduce steps)", async () => {
    const d = await ndr;
    const { cpSync } = await import("node:fs");
    const hostile = join(tempDir("iovsim-report-acc-"), `r&d <script>alert(1)`);
    cpSync(d, hostile, { recursive: true });
    const file = join(tempDir("iovsim-report-acc-sweep-html-"), "s.html");
    const r = await iovsim(["sweep", "merge", hostile, "--html", file]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(file, "utf8");
    checkPage(html);
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("r&amp;d &lt;script&gt;alert(1)");
  });

  it.each([
    [
      "given twice",
      ["--html", "a.html", "--html", "b.html"],
      /option '--html' given twice \('a.html' and 'b.html'\)/,
    ],
    ["empty", ["--html", ""], /--html needs a file name/],
    ["standard output", ["--html", "-"], /--html -: the report goes to a file/],
    [
      "in a missing directory",
      ["--html", "no/such/dir/s.html"],
      /--html no\/such\/dir\/s.html: cannot write \(no such directory\)/,
    ],
  ])("--html %s: refused, nothing written", async (_what, opts, message) => {
    const d = await ndr;
    const cwd = tempDir("iovsim-report-acc-cwd-");
    const abs = opts.map((o, i) => (i % 2 === 1 && o !== "" && o !== "-" ? join(cwd, o) : o));
    const r = await iovsim(["sweep", "merge", d, ...abs]);
    expect(r.code).toBe(1);
    expect(r.err.replaceAll(`${cwd}/`, "")).toMatch(message);
    expect(r.out).toBe("");
    expect(existsSync(join(cwd, "a.html")) || existsSync(join(cwd, "no"))).toBe(false);
    expect(existsSync(join(process.cwd(), "-"))).toBe(false);
  });
});
