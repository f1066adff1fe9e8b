// A vCPU that busy-waits for a paced sender's next frame, or whose guest idle thread spins, is
// busy but not working: the reports print its work (utilization and cycles per packet) and show
// the polling apart, so an idle vCPU does not read as loaded.
import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { pathsCsv } from "../../src/report/paths-csv.ts";
import type { PathsJson } from "../../src/report/paths-json.ts";
import { atRateTable, loadPointTable } from "../../src/report/paths-table.ts";
import { pathsDoc } from "./paths-doc.ts";

/** The fixture with its one CPU a vCPU that spends 48 % of the window polling. */
function pollingDoc(): PathsJson {
  const d = pathsDoc();
  for (const lp of d.paths[0].load_points) {
    lp.cpu = [
      {
        resource: "guest-vcpu0",
        kind: "vcpu",
        utilization: 0.602,
        work_utilization: 0.122,
        cycles_per_packet: 9078,
        cycles_per_packet_unit: "cycles",
        by_event: { stack_rx: 1500, irq: 466, send_wait: 5000, idle_spin: 2112 },
      },
    ];
    lp.bottleneck = "guest-vcpu0";
  }
  return d;
}

describe("polling is shown apart from work", () => {
  it("the load-point table prints work utilization and work per packet, polling beside them", () => {
    const t = loadPointTable(pollingDoc());
    expect(t).toContain("guest-vcpu0 12.2% work (+48.0% polling), 1966 cycles");
    expect(t).not.toMatch(/60\.2%|9078/);
  });

  it("a resource that does not poll keeps its plain figures", () => {
    expect(loadPointTable(pathsDoc())).toContain("host-core0 50.0%, 1500 cycles");
  });

  it("the bottleneck cell gives the work utilization", () => {
    const d = pollingDoc();
    d.rate = "1kpps";
    const t = atRateTable(d);
    expect(t).toContain("guest-vcpu0 12.2%");
    expect(t).not.toContain("60.2%");
  });

  it("the CSV adds the bottleneck's work and polling cycles per packet (the old columns keep their meaning)", () => {
    const [head, row] = pathsCsv(pollingDoc()).split("\r\n");
    const cells = Object.fromEntries(head.split(",").map((h, i) => [h, row.split(",")[i]]));
    expect(cells.point_bottleneck_cycles_per_packet).toBe("9078");
    expect(cells.point_bottleneck_utilization).toBe("0.602");
    expect(cells.point_bottleneck_work_cycles_per_packet).toBe("1966");
    expect(cells.point_bottleneck_poll_cycles_per_packet).toBe("7112");
  });

  it("the HTML report's CPU tables give work, polling apart", async () => {
    const d = pollingDoc();
    const html = await renderHtmlReport({
      title: "t",
      schema: d.schema,
      version: "0",
      command: "iovsim paths",
      profile: "bhyve",
      paths: d.paths,
    });
    const cpu = html.match(/<section id="cpu"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(cpu).toContain("12.2 % (+48.0 % polling)");
    expect(cpu).toContain("1,966 (+7,112 polling)");
    expect(cpu).not.toContain("60.2 %");
  });
});
