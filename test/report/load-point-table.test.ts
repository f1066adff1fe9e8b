// The load-point table names the largest drop reason of a point that lost frames.
import { describe, expect, it } from "vitest";
import { RX_BUFFER_FULL } from "../../src/engine/result.ts";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import type { PathsJson } from "../../src/report/paths-json.ts";
import { loadPointTable, throughputTable } from "../../src/report/paths-table.ts";

const point = (loss: number, dropped: Record<string, number>) => ({
  fraction_of_ndr: null,
  offered_mpps: 0.6,
  offered_gbps: 7.4,
  delivered_mpps: 0.6 * (1 - loss),
  loss_ratio: loss,
  latency_us: { p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1 },
  cpu: [],
  bottleneck: "pcie-up",
  events_per_s: { interrupts: 0, vm_exits: 0, injections: 0, wakeups: 0, kicks: 0, notifications: 0 },
  conservation: { sent: 1000, delivered: 1000, dropped, in_flight: 0, copies: 0, ok: true },
});

const doc = (lp: ReturnType<typeof point>) =>
  ({
    load: { loop: "open" },
    paths: [{ name: "native", direction: "rx", size: 1518, load_points: [lp] }],
  }) as unknown as PathsJson;

describe("load-point table", () => {
  it("a point that lost frames shows its largest drop reason under the loss", () => {
    const t = loadPointTable(doc(point(0.48, { [RX_BUFFER_FULL]: 463, "NIC switch: no descriptor": 2 })));
    expect(t).toMatch(/48\.0%/);
    expect(t).toMatch(/463 NIC: rx packet buffer full/);
    expect(t).not.toMatch(/no descriptor/);
  });

  it("a point without loss shows no reason", () => {
    const t = loadPointTable(doc(point(0, { "NIC switch: L2 filter": 3 })));
    expect(t).not.toMatch(/L2 filter/);
  });
});

describe("load-point table: the load column of a run's one load point", () => {
  // A replay at the capture's own timestamps was labelled '--rate', an option the run was not
  // given (the HTML report's load column says the same as this table).
  it("names --rate, a closed loop's window or the capture's timing, whichever set the load", () => {
    const at = (extra: Record<string, unknown>) =>
      loadPointTable({ ...doc(point(0, {})), ...extra } as unknown as PathsJson);
    expect(at({})).toMatch(/│ --rate /);
    expect(at({ load: { loop: "closed", window: 8 } })).toMatch(/│ closed loop │[\s\S]*│ window 8/);
    const capture = at({ replay: { timing: "capture" } });
    expect(capture).toMatch(/│ capture │[\s\S]*│ timing /);
    expect(capture).not.toContain("--rate");
  });
});

describe("load-point latency", () => {
  it("gives average and maximum under the percentiles, and says so in the header", () => {
    const t = loadPointTable(doc(point(0, {})));
    expect(t).toMatch(/p50 \/ p90 \/ p99 \/ p99\.9\s*│[^\n]*\n[^\n]*min, avg, max/);
    expect(t).toMatch(/1\.0 \/ 2\.0 \/ 3\.0 \/ 4\.0\s*│[^\n]*\n[^\n]*avg 1\.0, max 5\.0/);
  });

  it("gives the exact minimum before the average when the point carries it", () => {
    const lp = point(0, {});
    const t = loadPointTable(doc({ ...lp, latency_us: { ...lp.latency_us, min: 0.5 } } as typeof lp));
    expect(t).toMatch(/1\.0 \/ 2\.0 \/ 3\.0 \/ 4\.0\s*│[^\n]*\n[^\n]*min 0\.5, avg 1\.0, max 5\.0/);
  });
});

// --encap vxlan --size 64 ran 112-byte frames: the size column said 64 beside NDR Gbps and a
// line rate computed on 112 B (3.773 Mpps shown as 3.98 Gbps, which 64 B gives as 2.54), and
// the HTML's frame sizes said "64 B (with FCS)". Both now show what ran beside what was asked.
describe("the size column where --encap or --proto raised the frames", () => {
  const entry = (size: number | string, frame: number) => ({
    name: "native",
    direction: "rx",
    size,
    frame_bytes: frame,
    ndr_mpps: 3.773,
    ndr_gbps: (3.773 * (frame + 20) * 8) / 1000,
    pdr_mpps: 3.773,
    pdr_gbps: (3.773 * (frame + 20) * 8) / 1000,
    line_rate_mpps: 1e4 / ((frame + 20) * 8),
    ceiling_mpps: 1e4 / ((frame + 20) * 8),
    no_wire: null,
    bottleneck: "host-core0",
    load_points: [],
  });
  const j = (p: ReturnType<typeof entry>) =>
    ({ load: { loop: "open" }, link_gbps: 10, paths: [p] }) as unknown as PathsJson;

  it("text: '64→112', and the plain size where nothing was raised (1518, imix)", () => {
    expect(throughputTable(j(entry(64, 112)))).toMatch(/│ native │ rx {2}│ 64→112 │ 3\.773 /);
    expect(throughputTable(j(entry(1518, 1518)))).toMatch(/│ native │ rx {2}│ 1518 │/);
    expect(throughputTable(j(entry("imix", 361.8333)))).toMatch(/│ native │ rx {2}│ imix │/);
  });

  it("HTML: the throughput row and the frame sizes condition", async () => {
    const p = entry(64, 112);
    const html = await renderHtmlReport({
      version: "test",
      command: "iovsim paths --encap vxlan --size 64",
      conditions: { link_gbps: 10, trial_ms: 1, precision_of_line_rate: 0.01, pdr_loss: 0.005 },
      paths: [p],
    });
    expect(html).toContain("<td>64 B → 112 B</td><td>3.773</td>");
    expect(html).toMatch(/frame sizes<\/th><td class="text wrap">64 B → 112 B \(with FCS\)</);
  });
});
