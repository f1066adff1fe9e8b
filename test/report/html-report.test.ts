// The HTML report as text: self-contained (no URL, script or font), sections present exactly
// when their data is, simulated figures and simulator speed labelled and kept apart, input
// validated. The browser test (html-browser.test.ts) checks what a reader sees.
import { beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { inlineSvg } from "../../src/report/html/render-svg.ts";
import { parseReportInput, type ReportInputJson, type SensitivityRow } from "../../src/report/html/types.ts";
import { FULL_REPORT_SECTIONS, fullReportInput } from "./full-fixture.ts";

const fixture = fullReportInput();

/** The text of the <section id=...> element. */
function section(html: string, id: string): string {
  const m = html.match(new RegExp(`<section id="${id}"[\\s\\S]*?</section>`));
  return m ? m[0] : "";
}

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
}

const minimal: ReportInputJson = { version: "0.1.0", command: "iovsim paths --html r.html" };
const onePath = {
  name: "native",
  direction: "rx",
  size: 64,
  ndr_mpps: 1.2,
  pdr_mpps: 1.3,
  bottleneck: "host-core0",
  load_points: [
    {
      offered_mpps: 0.12,
      delivered_mpps: 0.12,
      loss_ratio: 0,
      latency_us: { p50: 8, p90: 10, p99: 14, p999: 20 },
      cpu: [{ resource: "host-core0", utilization: 0.1, cycles_per_packet: 2500 }],
    },
    {
      offered_mpps: 1.1,
      delivered_mpps: 1.1,
      loss_ratio: 0,
      latency_us: { p50: 30, p90: 45, p99: 80, p999: 120 },
      cpu: [{ resource: "host-core0", utilization: 0.9, cycles_per_packet: 2400 }],
    },
  ],
};

describe("HTML report from the full fixture", () => {
  let html: string;
  beforeAll(async () => {
    html = await renderHtmlReport(fixture);
  });

  it("is one self-contained document: no URL, script, font or external resource", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/https?:|ftp:|wss?:/i);
    expect(html).not.toMatch(/<script|<iframe|<object|<embed|<img/i);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
    expect(html).not.toMatch(/xmlns/);
    // Every src/href points inside the page or is a data: URL.
    const refs = [...html.matchAll(/\s(?:src|href|xlink:href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^(#|data:)/);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none'`);
  });

  it("has every section the data allows, simulator speed last", () => {
    expect(sectionIds(html)).toEqual(FULL_REPORT_SECTIONS);
  });

  it("renders every chart to an inline SVG with marks and a viewBox", () => {
    const figures = [...html.matchAll(/<figure class="chart"[\s\S]*?<\/figure>/g)].map((m) => m[0]);
    expect(figures).toHaveLength(24);
    for (const f of figures) {
      expect(f).toMatch(
        /<svg width="100%" style="max-width:\d+px" role="img" aria-label="[^"]+"[^>]*viewBox="/,
      );
      expect(f).toMatch(/class="mark-(rect|line|symbol|rule) role-mark/);
      expect(f).toMatch(/<path [^>]*d="M/);
    }
    const ids = [...html.matchAll(/<figure class="chart" id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("labels simulated figures and keeps simulator speed apart", () => {
    for (const id of ["throughput", "latency", "cpu", "cycles", "ping", "steering", "fidelity"]) {
      expect(section(html, id), id).toContain('<span class="label simulated">simulated</span>');
    }
    const speed = section(html, "simulator-speed");
    expect(speed).toContain('class="report-section simulator-speed"');
    expect(speed).toContain("simulator speed · wall clock");
    expect(speed).not.toContain('class="label simulated"');
    expect(speed).toContain("0.43"); // realtime_factor
    // The wall-clock figures appear in that section only.
    const rest = html.replace(speed, "");
    expect(rest).not.toContain("× real time (virtual s per wall s)");
    expect(rest).not.toContain("wall-clock time (s)");
  });

  it("shows the configuration, the profile's constants with range and source, the command and the version", () => {
    const conf = section(html, "configuration");
    expect(conf).toContain("examples/talk.conf");
    expect(conf).toContain("num_vfs : 3;");
    expect(conf).toMatch(
      /<th scope="row" class="text">stack_cycles<\/th><td>2,090<\/td><td class="text">cycles\/packet<\/td><td>1,045 – 4,180<\/td>/,
    );
    expect(conf).toContain("Emmerich et al.");
    expect(conf).toMatch(/<th scope="row" class="text">irq_cycles<\/th>.*not given/);
    const repro = section(html, "reproduce");
    expect(repro).toContain(
      "iovsim paths --config examples/talk.conf --profile bhyve --size 64,1518 --seed 1 --html report.html",
    );
    expect(repro).toContain("iovsim 0.1.0");
  });

  it("shows the fidelity table with pass and FAIL and counters per function", () => {
    const fid = section(html, "fidelity");
    expect(fid).toContain("2 of 3 cases within tolerance");
    expect(fid).toContain('<td class="text fail">FAIL</td>');
    expect(fid).toContain("-16.5 %");
    const counters = section(html, "counters");
    for (const fn of ["PF", "VF-0", "VF-1", "VF-2"]) expect(counters).toContain(`<th scope="col">${fn}</th>`);
    expect(counters).toContain("rx_no_desc");
    expect(counters).toContain("no-pool");
  });
});

describe("fidelity --sensitivity in the HTML report", () => {
  const rows = [
    {
      case: "eli",
      published: 0.98,
      simulated: 0.96,
      error: -0.02,
      tolerance: 0.04,
      pass: true,
      unit: "x bare metal",
    },
  ];
  const end = (value: number, simulated: number, pass: boolean) => ({ value, simulated, pass });
  const sensitivity: SensitivityRow[] = [
    {
      case: "eli",
      constant: "irq_cycles",
      ranges: { kvm: { value: 1200, range: [800, 2000] as [number, number] } },
      low: end(800, 0.97, true),
      high: end(2000, 0.93, false),
      holds: false,
    },
    {
      case: "eli",
      constant: "cpu_ghz",
      ranges: {
        kvm: { value: 2.93, range: [2, 3.5] as [number, number] },
        bhyve: { value: 2.6, range: [2, 3.5] as [number, number] },
      },
      low: end(2, 0.96, true),
      high: end(3.5, 0.96, true),
      holds: true,
    },
  ];

  it("shows each (case, constant) at both ends of its range, its verdict and the summary", async () => {
    const fid = section(await renderHtmlReport({ ...minimal, fidelity: { rows, sensitivity } }), "fidelity");
    expect(fid).toContain('<h3 id="sensitivity">Sensitivity: each constant at both ends of its range');
    expect(fid).toContain("1 of 2 (case, constant) pairs hold across the range");
    const body = fid.slice(fid.indexOf('id="sensitivity"'));
    const trs = [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => m[1]).slice(1); // after the head
    expect(trs).toHaveLength(2);
    expect(trs[0]).toContain('<td class="text">irq_cycles</td><td class="text">1,200 (kvm)</td>');
    expect(trs[0]).toContain('<td class="text">800 – 2,000</td>');
    expect(trs[0]).toContain('<td class="text pass">800 → 0.97 x bare metal pass</td>');
    expect(trs[0]).toContain('<td class="text fail">2,000 → 0.93 x bare metal FAIL</td>');
    expect(trs[0]).toContain('<td class="text fail">DEPENDS</td>');
    // Two profiles: both values, one range shown once.
    expect(trs[1]).toContain("2.93 (kvm) / 2.6 (bhyve)");
    expect(trs[1]).toContain('<td class="text">2 – 3.5</td><td class="text pass">');
    expect(trs[1]).toContain('<td class="text">holds</td>');
  });

  it("says which constants it did not move and why, as the terminal does", async () => {
    const notMoved = [
      { constants: ["vf_tx_burst_bytes"], reason: "no case limits a VF's transmit (max_tx_rate)" },
    ];
    const fid = section(
      await renderHtmlReport({
        ...minimal,
        fidelity: { rows, sensitivity, sensitivity_not_moved: notMoved },
      }),
      "fidelity",
    );
    expect(fid).toContain(
      "<p>Not moved (NIC profile constants, iovsim model show --nic): vf_tx_burst_bytes: no case limits a VF&#39;s transmit (max_tx_rate).</p>",
    );
  });

  it("is absent without --sensitivity, and its rows are validated", async () => {
    const fid = section(await renderHtmlReport({ ...minimal, fidelity: { rows } }), "fidelity");
    expect(fid).not.toContain("Sensitivity");
    expect(() =>
      parseReportInput({
        ...minimal,
        fidelity: { rows, sensitivity: [{ ...sensitivity[0], holds: "yes" }] },
      }),
    ).toThrow(/fidelity\.sensitivity\.0\.holds/);
  });
});

describe("HTML report from partial input", () => {
  it("has only the reproduce section when there are no results", async () => {
    const html = await renderHtmlReport(minimal);
    expect(sectionIds(html)).toEqual(["reproduce"]);
    expect(html).not.toContain("<figure");
  });

  it("leaves out the cycles section when no resource has a by-event breakdown, and is reproducible", async () => {
    const input = { ...minimal, profile: "bhyve", paths: [onePath], simulator: { realtime_factor: 2 } };
    const a = await renderHtmlReport(input);
    expect(sectionIds(a)).toEqual([
      "throughput",
      "latency",
      "cpu",
      "configuration",
      "reproduce",
      "simulator-speed",
    ]);
    expect(section(a, "configuration")).toContain("Cost profile: bhyve (its constants were not included");
    expect(await renderHtmlReport(input)).toBe(a);
  });

  it("charts a single load point (paths --rate R) of a mix as a point", async () => {
    const single = { ...onePath, size: "imix", load_points: [onePath.load_points[0]] };
    const html = await renderHtmlReport({ ...minimal, paths: [single] });
    const fig =
      html.match(/<figure class="chart" id="chart-latency-native-rx-imix"[\s\S]*?<\/figure>/)?.[0] ?? "";
    expect(fig).toMatch(/class="mark-symbol role-mark/);
    expect(section(html, "throughput")).toContain("native rx imix");
  });

  it("escapes every text it shows", async () => {
    const html = await renderHtmlReport({
      ...minimal,
      command: "iovsim paths --html '<b>x</b>.html'",
      title: "a <script>alert(1)</script> title",
      config: { file: "x.conf", text: 'PF { device : "</pre><script>alert(1)</script>"; }' },
    });
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("--html &#39;&lt;b&gt;x&lt;/b&gt;.html&#39;");
  });
});

describe("report input validation", () => {
  it("names the field at fault", () => {
    const bad = { ...minimal, paths: [{ ...onePath, ndr_mpps: -1 }] };
    expect(() => parseReportInput(bad, "results.json")).toThrow(
      /results\.json: not a valid report input:\n\s+paths\.0\.ndr_mpps:/,
    );
    expect(() => parseReportInput({ command: "x" })).toThrow(/version/);
    expect(() => parseReportInput({ ...minimal, fidelity: { rows: [{ case: "x" }] } })).toThrow(
      /fidelity\.rows\.0\.published/,
    );
  });

  it("accepts a constant's range as [lo, hi] or {min, max}, and ignores unknown keys", () => {
    const r = parseReportInput({
      ...minimal,
      extra: true,
      cost_profile: {
        name: "p",
        constants: {
          a: { value: 1, unit: "ns", range: [0.5, 2], source: "s" },
          b: { value: 1, unit: "ns", range: { min: 0.1, max: 3 }, source: "s" },
        },
      },
    });
    expect(r.cost_profile?.constants.a.range).toEqual([0.5, 2]);
    expect(r.cost_profile?.constants.b.range).toEqual([0.1, 3]);
    expect("extra" in r).toBe(false);
  });
});

describe("inlineSvg", () => {
  it("drops namespace URLs and the fixed size, keeps the viewBox", () => {
    const out = inlineSvg(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="200" viewBox="0 0 300 200"><use xlink:href="#a"/></svg>',
      'a "chart"',
    );
    expect(out).toBe(
      '<svg width="100%" style="max-width:300px" role="img" aria-label="a chart" viewBox="0 0 300 200"><use href="#a"/></svg>',
    );
    expect(() => inlineSvg("<div/>", "x")).toThrow(/<svg>/);
    expect(() => inlineSvg('<svg width="1"></svg>', "x")).toThrow(/viewBox/);
  });
});

describe("HTML steering table: dropped frames", () => {
  const row = {
    strategy: "flow-rules",
    traffic: "gtpu",
    queues: 2,
    per_queue: [993, 493],
    jain: 0.9,
    max_over_mean: 1.3,
    ndr_mpps: null,
    at: "rate" as const,
  };

  it("has a column of drops by reason where a result carries them (per_queue counts only the delivered)", async () => {
    const st = section(
      await renderHtmlReport({
        ...minimal,
        steering: {
          results: [
            { ...row, drops: { "flow-rule drop": 514 } },
            { ...row, queues: 1, drops: {} },
          ],
        },
      }),
      "steering",
    );
    expect(st).toContain("Per-queue share of the delivered frames");
    expect(st).toContain("dropped frames (simulated)");
    expect(st).toContain('<td class="text">514 flow-rule drop</td>');
    expect(st).toContain('<td class="text">0</td>');
  });

  it("has no such column for results without drops (older input)", async () => {
    const st = section(await renderHtmlReport({ ...minimal, steering: { results: [row] } }), "steering");
    expect(st).not.toContain("dropped frames");
  });
});
