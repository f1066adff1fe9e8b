// `paths --html FILE`: one self-contained report of the run (throughput when a search ran,
// latency at the load points, CPU, the configuration and cost profile, the command).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const run = (args: string[]) => iovsim(args);

describe("paths --html", () => {
  it("writes the report of a search run and of a single load point", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-paths-html-"));
    const search = join(dir, "search.html");
    const r = await run([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--trial-ms",
      "0.5",
      "--workers",
      "1",
      "--html",
      search,
    ]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(search, "utf8");
    expect(html).toMatch(/NDR and PDR per path and frame size/);
    expect(html).toMatch(/Latency against offered load: native/);
    expect(html).toMatch(/embedded iovctl\.conf/);
    expect(html).toMatch(/host_irq_cycles/); // the cost profile's constants, with sources
    expect(html).not.toMatch(/https?:\/\//);
    const one = join(dir, "one.html");
    const r2 = await run([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "10%",
      "--workers",
      "1",
      "--html",
      one,
    ]);
    expect(r2.code, r2.err).toBe(0);
    const html2 = readFileSync(one, "utf8");
    expect(html2).not.toMatch(/NDR and PDR per path/); // no search ran: no throughput chart
    expect(html2).toMatch(/Latency against offered load: native/);
  }, 120_000);

  it("refuses an empty --html", async () => {
    const r = await run(["paths", "--html", ""]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--html needs a file name/);
  });
});
