// What a reader of benchmark reports (FD.io CSIT) looks for beside each figure: the test
// conditions (loss tolerance, resolution, trial duration, frame size, link with L1 overhead),
// Mpps and Gbit/s, latency at the fractions of NDR with average and maximum, row headers, a
// chart palette that tells every event kind apart, the NDR named on the latency chart, and the
// seed and profile under the command that reproduces the run.
import { describe, expect, it } from "vitest";
import { demoJsonSchema, demoReportInput } from "../../src/report/demo-json.ts";
import { cyclesChart, eventKinds, latencyChart } from "../../src/report/html/charts.ts";
import { pathsConditions } from "../../src/report/html/conditions.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { renderSvg } from "../../src/report/html/render-svg.ts";
import { parseReportInput, type ReportInputJson } from "../../src/report/html/types.ts";
import type { PathsJson } from "../../src/report/paths-json.ts";
import { type PingCommandJson, pingReportPart } from "../../src/report/ping-json.ts";
import { pathsDoc } from "./paths-doc.ts";

function section(html: string, id: string): string {
  return html.match(new RegExp(`<section id="${id}"[\\s\\S]*?</section>`))?.[0] ?? "";
}

/** What `iovsim paths --html` hands the report (src/cli/commands/paths.ts). */
function reportOf(j: PathsJson): ReportInputJson {
  return {
    title: "iovsim paths",
    schema: j.schema,
    version: j.tool.version,
    command: "iovsim paths --path native --size 64 --seed 7 --html 'my report.html'",
    profile: j.profile.name,
    conditions: pathsConditions(j),
    paths: j.paths,
  };
}

describe("test conditions beside NDR/PDR", () => {
  it("state the loss tolerances, resolution, trial durations, frame sizes, link (L1) and seed", async () => {
    const html = await renderHtmlReport(reportOf(pathsDoc()));
    const t = section(html, "throughput");
    expect(t).toContain("PDR the highest with loss up to 0.50 %");
    expect(t).toMatch(/NDR loss tolerance<\/th><td class="text wrap">0 % \(no frame lost\)/);
    expect(t).toMatch(/PDR loss tolerance<\/th><td class="text wrap">0\.5 % of the frames offered/);
    expect(t).toMatch(/search resolution<\/th><td class="text wrap">1 % of line rate/);
    expect(t).toMatch(
      /trial duration<\/th><td class="text wrap">search: 1 ms of virtual time per trial; .*final trials of 11\.32 ms/,
    );
    expect(t).toMatch(/frame sizes<\/th><td class="text wrap">64 B \(with FCS\)/);
    expect(t).toMatch(
      /link<\/th><td class="text wrap">10 Gbit\/s Ethernet; Gbit\/s figures are Layer 1: frame \+ 20 B of preamble and inter-frame gap/,
    );
    expect(t).toMatch(/seed<\/th><td class="text wrap">7</);
    // The chart's legend names the PDR's loss limit too.
    expect(t).toMatch(/<text[^>]*>PDR \(loss ≤ 0\.50 %\)<\/text>/);
  });

  it("give NDR and PDR in Mpps and in Gbit/s (L1), with line rate and the final trial's length", async () => {
    const t = section(await renderHtmlReport(reportOf(pathsDoc())), "throughput");
    const head = t.match(/<table>[\s\S]*?<\/thead>/g)?.at(-1) ?? "";
    expect(head).toContain("NDR Gbit/s L1 (simulated)");
    expect(head).toContain("PDR Gbit/s L1 (simulated)");
    expect(head).toContain("line rate Mpps");
    expect(head).toContain("final trial ms");
    expect(t).toContain(
      '<tr><th scope="row" class="text">native</th><td class="text">rx</td><td>64 B</td><td>1.847</td><td>1.241</td><td>1.9</td><td>1.277</td><td>14.88</td><td>11.32</td><td class="text">host-core0</td></tr>',
    );
  });

  it("are in the page header and under the command that reproduces the run", async () => {
    const html = await renderHtmlReport(reportOf(pathsDoc()));
    expect(html).toContain('<p class="meta">iovsim 0.1.0 · cost profile bhyve · 10 Gbit/s link · seed 7</p>');
    const r = section(html, "reproduce");
    expect(r).toContain("iovsim paths --path native --size 64 --seed 7 --html &#39;my report.html&#39;");
    expect(r).toContain("iovsim 0.1.0 · result schema iovsim.paths/2 · cost profile bhyve · seed 7");
  });

  it("name a NIC where the command knows it, and say 'one load point' for --rate", async () => {
    const html = await renderHtmlReport({
      version: "0.1.0",
      command: "iovsim paths --rate 10%",
      conditions: { link_gbps: 10, nic: "ixl0", seed: 1, trial_ms: 1, rate: "10%" },
      paths: [{ name: "native", direction: "rx", size: 64, ndr_mpps: null, pdr_mpps: null }],
    });
    expect(html).toContain("10 Gbit/s link (ixl0) · seed 1");
    const t = section(html, "throughput");
    expect(t).toContain("one load point at 10% (no throughput search)");
    expect(t).toMatch(/frame sizes<\/th><td class="text wrap">64 B \(with FCS\)</);
    const replay = await renderHtmlReport({
      version: "0.1.0",
      command: "iovsim paths --pcap in.pcap --rate 10%",
      conditions: { rate: "10%" },
      paths: [{ name: "native", direction: "rx", size: "pcap", ndr_mpps: null, pdr_mpps: null }],
    });
    expect(section(replay, "throughput")).toMatch(
      /frame sizes<\/th><td class="text wrap">a capture&#39;s frames, as captured</,
    );
    expect(t).not.toContain("loss tolerance");
    // No search ran: the section says so instead of describing one, and the latency charts
    // have no NDR line for the text to point at.
    expect(t).toContain("No RFC 2544 throughput search in this run");
    expect(t).not.toContain("RFC 2544 throughput search on offered load");
    expect(t).not.toContain("partial-drop threshold");
    expect(section(html, "latency")).not.toContain("dashed line marks the NDR");
    expect(section(await renderHtmlReport(reportOf(pathsDoc())), "latency")).toContain(
      "the dashed line marks the NDR",
    );
  });

  it("say a closed loop's window and sending cap, not 'one load point at 100%' (--window)", async () => {
    const doc = pathsDoc();
    const j: PathsJson = {
      ...doc,
      rate: "100%",
      search: null,
      load: { loop: "closed", window: 8 },
      paths: doc.paths.map((x) => ({
        ...x,
        ndr_mpps: null,
        pdr_mpps: null,
        ndr_gbps: null,
        pdr_gbps: null,
        load_points: x.load_points.slice(0, 1).map((lp) => ({ ...lp, fraction_of_ndr: null })),
      })),
    };
    const html = await renderHtmlReport(reportOf(j));
    // The load column names the closed loop, not --rate (which the run was not given).
    for (const id of ["latency", "cpu"]) {
      expect(section(html, id)).toContain('<td class="text">closed loop, window 8</td>');
      expect(section(html, id)).not.toContain(">--rate<");
    }
    const t = section(html, "throughput");
    expect(t).toMatch(
      /method<\/th><td class="text wrap">closed loop \(TCP-like\), one load point: the sender on the wire keeps at most 8 frames sent and not yet read by the consumer&#39;s application, sending up to 100% of line rate; the delivered rate is what the receiver sustains \(no throughput search\)</,
    );
    expect(t).not.toContain("one load point at 100%");
  });

  it("are validated like every other input field", () => {
    expect(() =>
      parseReportInput({ version: "1", command: "iovsim paths", conditions: { pdr_loss: 5 } }),
    ).toThrow(/conditions\.pdr_loss/);
  });
});

describe("latency at the fractions of NDR", () => {
  it("names each point's fraction of NDR and gives average and maximum beside the percentiles", async () => {
    const l = section(await renderHtmlReport(reportOf(pathsDoc())), "latency");
    expect(l).toContain("at 10 %, 50 %, 90 % of each path&#39;s NDR");
    expect(l).toMatch(
      /<th scope="col" class="text">load<\/th>.*<th scope="col">avg µs<\/th><th scope="col">p50 µs<\/th>.*<th scope="col">p99\.9 µs<\/th><th scope="col">max µs<\/th>/,
    );
    expect(l).toContain(
      '<tr><th scope="row" class="text">native rx 64 B</th><td class="text">50 % NDR</td><td>0.9235</td><td>0.9235</td><td>0.000 %</td><td>31.25</td><td>30</td><td>40</td><td>50</td><td>55</td><td>61.5</td></tr>',
    );
  });

  it("names the dashed NDR line on the chart itself", async () => {
    const svg = await renderSvg(latencyChart(parseReportInput(reportOf(pathsDoc())).paths![0]).spec, "t");
    expect(svg).toMatch(/<text[^>]*>NDR<\/text>/);
  });
});

describe("CPU cost per packet and the bottleneck at each load point", () => {
  it("names the point's fraction of NDR, each resource's cycles per packet and the bottleneck", async () => {
    const c = section(await renderHtmlReport(reportOf(pathsDoc())), "cpu");
    const cycles = c.slice(c.indexOf("Work per delivered packet"));
    expect(cycles).toMatch(
      /<th scope="col" class="text">load<\/th><th scope="col">offered Mpps<\/th><th scope="col">host-core0<\/th><th scope="col" class="text">bottleneck<\/th>/,
    );
    expect(cycles).toContain(
      '<tr><th scope="row" class="text">native rx 64 B</th><td class="text">90 % NDR</td><td>1.662</td><td>1,500</td><td class="text">host-core0</td></tr>',
    );
    expect(c.slice(c.indexOf("Events per second"))).toContain(
      '<tr><th scope="row" class="text">native rx 64 B</th><td class="text">10 % NDR</td><td>0.1847</td><td>1,000</td>',
    );
    // The charts' load legend says which fraction of NDR each colour is.
    expect(c).toContain("90 % NDR (1.66 Mpps)");
  });
});

/** pathsDoc with a minimum latency and per-resource units: a core (cycles) and the wire (ns). */
function docWithMinAndUnits(): PathsJson {
  const d = pathsDoc();
  for (const lp of d.paths[0].load_points) {
    lp.latency_us = lp.latency_us === null ? null : { ...lp.latency_us, min: 2.5 };
    lp.cpu = [
      { ...lp.cpu[0], cycles_per_packet_unit: "cycles" },
      {
        resource: "wire",
        kind: "wire",
        utilization: 0.1,
        work_utilization: 0.1,
        cycles_per_packet: 67.2,
        cycles_per_packet_unit: "ns",
        by_event: { serialize: 67.2 },
      },
    ];
  }
  return d;
}

describe("minimum latency and per-resource units", () => {
  it("the latency table gives min before avg when the results carry it", async () => {
    const l = section(await renderHtmlReport(reportOf(docWithMinAndUnits())), "latency");
    expect(l).toContain("minimum, average, percentiles and maximum");
    expect(l).toMatch(/<th scope="col">min µs<\/th><th scope="col">avg µs<\/th><th scope="col">p50 µs<\/th>/);
    expect(l).toContain("<td>0.000 %</td><td>2.5</td><td>31.25</td><td>30</td>");
  });

  it("labels each resource's per-packet column with its unit (cycles, or ns without a clock)", async () => {
    const c = section(await renderHtmlReport(reportOf(docWithMinAndUnits())), "cpu");
    const work = c.slice(c.indexOf("Work per delivered packet"));
    expect(work).toMatch(
      /<th scope="col">host-core0 \(cycles\)<\/th><th scope="col">wire \(ns\)<\/th><th scope="col" class="text">bottleneck<\/th>/,
    );
    // Utilization is a share: its columns carry no unit.
    const util = c.slice(
      c.indexOf("Work utilization, polling apart (simulated)"),
      c.indexOf("Work per delivered packet"),
    );
    expect(util).toContain('<th scope="col">host-core0</th><th scope="col">wire</th>');
  });

  it("a resource whose unit differs between load points says it in each cell", async () => {
    const d = docWithMinAndUnits();
    d.paths[0].load_points[0].cpu[1].cycles_per_packet_unit = "cycles";
    const c = section(await renderHtmlReport(reportOf(d)), "cpu");
    const work = c.slice(c.indexOf("Work per delivered packet"));
    expect(work).toContain('<th scope="col">wire</th>');
    expect(work).toContain("67.2 cycles");
    expect(work).toContain("67.2 ns");
  });
});

describe("tables and charts a reader can tell apart", () => {
  it("every table has column headers and names each row with a row header", async () => {
    const html = await renderHtmlReport(reportOf(pathsDoc()));
    const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
    expect(tables.length).toBeGreaterThan(3);
    for (const t of tables) {
      expect(t).toMatch(/<thead><tr>(<th scope="col"[^>]*>[^<]*<\/th>)+<\/tr><\/thead>/);
      for (const row of t.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>.*?<\/tr>/g) ?? [])
        expect(row).toMatch(/^<tr><th scope="row"/);
    }
  });

  it("gives each of the 26 event kinds of a run over every path its own colour", async () => {
    const kinds = Array.from({ length: 26 }, (_, i) => `kind${String(i).padStart(2, "0")}`);
    const path = parseReportInput({
      version: "1",
      command: "x",
      paths: [
        {
          name: "virtio",
          direction: "rx",
          size: 64,
          ndr_mpps: 1,
          pdr_mpps: 1,
          load_points: [
            {
              offered_mpps: 0.5,
              delivered_mpps: 0.5,
              loss_ratio: 0,
              latency_us: null,
              cpu: [
                {
                  resource: "host-core0",
                  utilization: 0.5,
                  cycles_per_packet: 1400,
                  by_event: Object.fromEntries(kinds.map((k) => [k, 100])),
                },
              ],
            },
          ],
        },
      ],
    }).paths!;
    expect(eventKinds(path)).toEqual(kinds);
    const chart = cyclesChart(path[0], kinds);
    const svg = await renderSvg(chart!.spec, chart!.title);
    // The bars' fills: one per kind, none shared.
    const fills = [...svg.matchAll(/<path aria-label="[^"]*event kind: (kind\d+)"[^>]*fill="([^"]+)"/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(new Set(fills.map((f) => f[0])).size).toBe(kinds.length);
    expect(new Set(fills.map((f) => f[1])).size).toBe(kinds.length);
  });
});

describe("demo --html", () => {
  it("states the paths' test conditions with the PF the demo configured, and each steering run's bottleneck", async () => {
    const j = demoJsonSchema.parse({
      schema: "iovsim.demo/1",
      tool: { name: "iovsim", version: "0.1.0" },
      config: { file: "embedded iovctl.conf", text: 'PF { device : "ixl0"; num_vfs : 1; }' },
      pf: "ixl0",
      vfs: [],
      paths: pathsDoc(),
      steering: {
        cores: 4,
        flows: 1024,
        frames_per_run: 8000,
        profile: "bhyve",
        runs: [
          {
            regime: "one-tunnel",
            traffic: "gtpu",
            strategy: "outer-rss",
            strategy_name: "outer RSS",
            per_core_frames: [8000, 0, 0, 0],
            jain: 0.25,
            max_over_mean: 4,
            ndr_mpps: 1.8,
            bottleneck: "core0",
            latency_us: { p50: 30, p99: 50 },
          },
        ],
      },
      problems: [],
    });
    const input = demoReportInput(j, { command: "iovsim demo --html d.html" });
    expect(input.conditions).toEqual({ ...pathsConditions(j.paths), nic: "ixl0" });
    const html = await renderHtmlReport(input);
    expect(html).toContain("10 Gbit/s link (ixl0) · seed 7");
    expect(section(html, "throughput")).toContain("PDR loss tolerance");
    expect(section(html, "steering")).toMatch(/<td class="text">core0<\/td>/);
  });
});

describe("ping --html", () => {
  it("states the seed in the header and under the reproduce command", async () => {
    const part = pingReportPart({
      schema: "iovsim.ping/1",
      seed: 9,
      path: "vm-vf",
      rtt_us: { min: 20, avg: 20, max: 20, stddev: 0, p50: 20, p99: 20 },
      transmitted: 1,
      received: 1,
      echoes: [{ seq: 0, rtt_us: 20 }],
      simulator: { frames: 2, wall_s: 0.1 },
    } as unknown as PingCommandJson);
    expect(part.conditions).toEqual({ seed: 9 });
    const html = await renderHtmlReport({
      version: "0.1.0",
      command: "iovsim ping --path vm-vf -c 1 --seed 9",
      ...part,
    });
    expect(html).toContain('<p class="meta">iovsim 0.1.0 · seed 9</p>');
    expect(section(html, "reproduce")).toContain("result schema iovsim.ping/1 · seed 9");
  });
});
