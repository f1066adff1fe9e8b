// `paths --direction both` reports each direction apart at every load point (FD.io CSIT's
// per-direction figures of bidirectional tests): the JSON's optional per_direction, the
// terminal's └ rx / └ tx rows, the CSV's rx_* and tx_* columns appended after the old ones, and
// a note saying which direction the trial just above NDR lost in. Real runs on the engine:
// native, bhyve, 64 B, 1 ms trials; one search and one --rate point above NDR where only the
// receive direction loses.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { type ExperimentCase, runExperiment } from "../../src/experiment/experiment.ts";
import { parseRate } from "../../src/experiment/rate.ts";
import { inlineRunner } from "../../src/experiment/runner.ts";
import { parseCsv } from "../../src/report/csv.ts";
import { pathsConditions } from "../../src/report/html/conditions.ts";
import { formatNumber } from "../../src/report/html/format.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { PATHS_CSV_HEADER, pathsCsv } from "../../src/report/paths-csv.ts";
import {
  buildPathsJson,
  directionLossNotes,
  type PathsJson,
  pathsJsonSchema,
  simulatorJson,
} from "../../src/report/paths-json.ts";
import { describeRun, loadPointTable, pathsHuman } from "../../src/report/paths-table.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

const nativeBoth: ExperimentCase = {
  path: "native",
  direction: "both",
  size: 64,
  frameBytes: 64,
  traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
};
const trial = {
  arrival: "constant" as const,
  durationNs: 1_000_000,
  seed: 1,
  profile: "bhyve",
  linkGbps: 10,
};

async function doc(rate?: string): Promise<PathsJson> {
  const exp = await runExperiment({
    cases: [nativeBoth],
    trial,
    ...(rate ? { rate: parseRate(rate) } : {}),
    precision: 0.01,
    pdrLoss: 0.005,
    runner: inlineRunner(simulate),
  });
  return pathsJsonSchema.parse(
    buildPathsJson(
      exp,
      [],
      {
        version: "test",
        profile: { name: "bhyve", origin: "builtin" },
        linkGbps: 10,
        direction: "both",
        arrival: "constant",
        trialMs: 1,
        count: null,
        search: rate ? null : { precision: 0.01, pdrLoss: 0.005 },
        rate: rate ?? null,
        seed: 1,
        notes: [],
        warnings: [],
      },
      simulatorJson([], 1, 1),
    ),
  );
}

let searched: PathsJson;
let atRate: PathsJson;

beforeAll(async () => {
  await ensureKernels();
  searched = await doc();
  // 2.5 Mpps: at 1.5 the receive path keeps its load (receive first) and only tx falls short.
  atRate = await doc("2.5Mpps");
}, 300_000);

/** The combined point is what its two directions make together. */
function expectCombined(lp: PathsJson["paths"][number]["load_points"][number]): void {
  const d = lp.per_direction;
  if (!d) throw new Error("no per_direction");
  expect(d.rx.delivered_mpps + d.tx.delivered_mpps).toBeCloseTo(lp.delivered_mpps, 9);
  expect(d.rx.offered_mpps + d.tx.offered_mpps).toBeCloseTo(lp.offered_mpps, 9);
  const [l, rx, tx] = [lp.latency_us, d.rx.latency_us, d.tx.latency_us];
  if (!l || !rx || !tx) throw new Error("a latency is null");
  expect(l.min).toBe(Math.min(rx.min as number, tx.min as number));
  expect(l.max).toBe(Math.max(rx.max, tx.max));
}

describe("paths --direction both, per direction", () => {
  it("JSON: every load point carries rx and tx figures that make the combined ones", () => {
    const p = searched.paths[0];
    expect(p.load_points).toHaveLength(3);
    for (const lp of p.load_points) expectCombined(lp);
    // Receive waits for interrupt moderation and the poll; transmit starts at the stack.
    const mid = p.load_points[1].per_direction!;
    expect(mid.rx.latency_us!.mean).toBeGreaterThan(mid.tx.latency_us!.mean);
  });

  it("a note says which direction the trial just above NDR lost in; NDR itself is judged on both", () => {
    const note = searched.notes.find((n) =>
      n.startsWith("native both 64: the trial that failed just above NDR"),
    );
    // Its rate, its length (1 ms trials, no final phase here) and its loss per direction.
    expect(note).toMatch(
      /just above NDR \([\d.]+ Mpps, 1 ms\) lost (in (rx only|tx only|both directions): rx [\d.]+ %, tx [\d.]+ %|nothing in either direction)/,
    );
  });

  it("a failure that lost nothing says why it failed, and that it was the final trial of its length", () => {
    // vm-vf both 64 (simulated): the final trial at 1.544 Mpps lost nothing in its 28.5 ms but
    // its vCPU was busy all the trial; the note read "lost in neither direction" and nothing
    // said it was a failure, so NDR below a trial that lost nothing looked contradictory.
    const trialAt = (pps: number, saturated: string | null) => ({
      ratePps: pps,
      lossRatio: 0,
      bottleneck: "guest-vcpu0",
      saturated,
      final: true,
      deliveredShare: 1,
      lossByDirection: { rx: 0, tx: 0 },
      lengthNs: 28_518_400,
    });
    const c = {
      case: { ...nativeBoth, path: "vm-vf" },
      linkGbps: 10,
      lineRatePps: 14_880_952,
      ndrPps: 697_545,
      pdrPps: 697_545,
      searchNdrPps: 697_545,
      searchPdrPps: 697_545,
      nonMonotonic: false,
      inversion: null,
      trials: [
        { ...trialAt(930_060, "guest-vcpu0"), final: false, lengthNs: 1e6 },
        trialAt(697_545, null),
        trialAt(846_355, "guest-vcpu0"),
        trialAt(771_950, "guest-vcpu0"),
      ],
      loadPoints: [],
      finalTrialNs: 28_518_400,
      shortNdrPps: 697_545,
      shortPdrPps: 697_545,
    };
    const [note] = directionLossNotes({ cases: [c], simulations: [], violations: [] });
    expect(note).toBe(
      "vm-vf both 64: the final trial that failed just above NDR (1.544 Mpps, 28.5 ms) lost nothing in either direction (rx 0.00 %, tx 0.00 %) but failed because guest-vcpu0 was busy for the whole trial, so its backlog grows for as long as the load lasts (Mpps of both directions together; NDR and PDR judge the loss over both)",
    );
  });

  it("above capacity, native loses in the receive direction only, and the JSON and CSV say so", () => {
    const lp = atRate.paths[0].load_points[0];
    expectCombined(lp);
    const d = lp.per_direction!;
    expect(d.rx.loss_ratio).toBeGreaterThan(0.01);
    expect(d.tx.loss_ratio).toBe(0);
    const lost = d.rx.offered_mpps * d.rx.loss_ratio + d.tx.offered_mpps * d.tx.loss_ratio;
    expect(lp.loss_ratio).toBeCloseTo(lost / lp.offered_mpps, 9);
    const [head, row] = parseCsv(pathsCsv(atRate));
    const cell = (c: string) => Number(row[head.indexOf(c)]);
    expect(cell("rx_loss_ratio")).toBe(d.rx.loss_ratio);
    expect(cell("tx_loss_ratio")).toBe(0);
    expect(cell("rx_delivered_mpps") + cell("tx_delivered_mpps")).toBeCloseTo(cell("delivered_mpps"), 9);
    expect(cell("rx_max_us")).toBe(d.rx.latency_us!.max);
  });

  // --rate is offered in each direction: the 'both' row's offered is their sum (2.5 + 2.5), and
  // the heading, the run's description and the HTML method said 'at --rate 2.5Mpps' alone.
  it("at --rate, the text and the HTML say the rate is offered in each direction", async () => {
    expect(describeRun(atRate)).toContain(`one load point at --rate ${atRate.rate} in each direction.`);
    expect(pathsHuman(atRate)).toContain(`At --rate ${atRate.rate} in each direction (one load point`);
    const html = await renderHtmlReport({
      version: "test",
      command: "iovsim paths --direction both --rate 2.5Mpps",
      conditions: pathsConditions(atRate),
      paths: atRate.paths,
    });
    expect(html).toContain(`one load point at ${atRate.rate} in each direction (no throughput search)`);
  });

  it("terminal: an └ rx and an └ tx row under each load point, with their own latency", () => {
    const text = loadPointTable(searched);
    const rows = text.split("\n");
    expect(rows.filter((r) => r.startsWith("│") && r.includes("└ rx"))).toHaveLength(3);
    expect(rows.filter((r) => r.startsWith("│") && r.includes("└ tx"))).toHaveLength(3);
    const rx = searched.paths[0].load_points[0].per_direction!.rx;
    const rxRow = rows.findIndex((r) => r.includes("└ rx"));
    expect(rows[rxRow]).toContain(`${rx.offered_mpps.toFixed(3)} / ${rx.delivered_mpps.toFixed(3)}`);
    expect(rows[rxRow + 1]).toContain(
      `min ${rx.latency_us!.min!.toFixed(1)}, avg ${rx.latency_us!.mean.toFixed(1)}`,
    );
    expect(text).toContain("└ rx / └ tx: the load point above, each direction on its own");
  });

  it("CSV: the old columns keep their places, the per-direction ones come after; empty for one direction", () => {
    const OLD =
      "path,direction,size,ndr_mpps,ndr_gbps,pdr_mpps,pdr_gbps,bottleneck,load_fraction_of_ndr,offered_mpps,delivered_mpps,loss_ratio,p50_us,p90_us,p99_us,p999_us,profile,seed,faults,frame_bytes,line_rate_mpps,pdr_loss_ratio,precision_of_line_rate,trial_ms,trial_frames,final_trial_ms,link_gbps,arrival,point_bottleneck,point_bottleneck_utilization,point_bottleneck_cycles_per_packet,mean_us,max_us,point_bottleneck_per_packet_unit,min_us".split(
        ",",
      );
    expect(PATHS_CSV_HEADER.slice(0, OLD.length)).toEqual(OLD);
    expect(PATHS_CSV_HEADER.slice(OLD.length, OLD.length + 20)).toEqual(
      ["rx", "tx"].flatMap((d) =>
        [
          "offered_mpps",
          "delivered_mpps",
          "loss_ratio",
          "min_us",
          "mean_us",
          "p50_us",
          "p90_us",
          "p99_us",
          "p999_us",
          "max_us",
        ].map((c) => `${d}_${c}`),
      ),
    );
    const oneWay = structuredClone(searched);
    for (const lp of oneWay.paths[0].load_points) delete lp.per_direction;
    const [head, ...rows] = parseCsv(pathsCsv(oneWay));
    // Appended after them: the --rate text and the rest of the load point (paths-csv.test.ts).
    expect(PATHS_CSV_HEADER[OLD.length + 20]).toBe("rate");
    for (const r of rows)
      for (const c of head.slice(OLD.length, OLD.length + 20)) expect(r[head.indexOf(c)], c).toBe("");
  });

  it("HTML: rx and tx rows under each load point's combined one in the latency table; the notes under the test conditions", async () => {
    const html = await renderHtmlReport({
      version: "test",
      command: "iovsim paths --direction both --path native --size 64",
      conditions: pathsConditions(searched),
      paths: searched.paths,
      notes: searched.notes,
    });
    const latency = html.match(/<section id="latency"[\s\S]*?<\/section>/)?.[0] ?? "";
    const body = latency.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0] ?? "";
    const dirs = [
      ...body.matchAll(/<tr><th scope="row" class="text">native[^<]*<\/th><td class="text">([^<]*)<\/td>/g),
    ].map((m) => m[1]);
    expect(dirs).toEqual(Array(3).fill(["both (together)", "rx", "tx"]).flat());
    const rx = searched.paths[0].load_points[0].per_direction!.rx;
    const rxRow = body.split("\n").find((r) => r.includes('<td class="text">rx</td>')) ?? "";
    expect(rxRow).toContain(
      `<td>${formatNumber(rx.offered_mpps)}</td><td>${formatNumber(rx.delivered_mpps)}</td>`,
    );
    expect(rxRow).toContain(`<td>${formatNumber(rx.latency_us!.max)}</td></tr>`);
    const throughput = html.match(/<section id="throughput"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(throughput).toMatch(
      /<h3 id="notes">Notes<\/h3>[\s\S]*native both 64: the trial that failed just above NDR/,
    );
  });
});
