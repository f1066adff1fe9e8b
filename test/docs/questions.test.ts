// The claims docs/questions.md makes about the profiles, checked against the profiles themselves
// (its commands run in test/docs/examples.test.ts): every built-in profile maps guest memory with
// 4 KiB pages, and examples/profiles/bhyve-hugepages.json is bhyve with only that changed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costProfileNames, loadCosts } from "../../src/model/costs.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");

describe("docs/questions.md: hugepages", () => {
  it("every built-in profile has hugepages off", () => {
    const names = costProfileNames();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(loadCosts(n).c.hugepages, n).toBe(0);
  });

  it("the example profile is bhyve with hugepages on and nothing else changed", () => {
    const bhyve = loadCosts("bhyve");
    const huge = loadCosts(join(root, "examples", "profiles", "bhyve-hugepages.json"));
    expect(huge.c.hugepages).toBe(1);
    expect({ ...huge.c, hugepages: 0 }).toEqual(bhyve.c);
  });
});

// The hugepages answer quotes the pcie-up work per packet of its two commands' runs; the figures
// went stale (55 -> 28 ns quoted, 51 -> 24 ns run) when the drivers' descriptor sizes and
// write-back moved them. The page's numbers are read from it and checked against the runs.
describe("docs/questions.md: hugepages, the pcie-up figures it quotes", () => {
  it("are the 10 % NDR load point's pcie-up ns per packet of its two commands", async () => {
    const page = readFileSync(join(root, "docs", "questions.md"), "utf8");
    const m = /`pcie-up` line of the load points halves, about (\d+) to (\d+) ns per packet/.exec(page);
    expect(m, "the sentence with the figures").not.toBeNull();
    const pcieUp = async (...extra: string[]) => {
      const r = await iovsim([
        "paths",
        "--path",
        "vm-vf",
        "--size",
        "64",
        "--workers",
        "1",
        ...extra,
        "--json",
      ]);
      expect(r.code, r.err).toBe(0);
      const lp = pathsJsonSchema.parse(JSON.parse(r.out)).paths[0].load_points[0];
      expect(lp.fraction_of_ndr).toBe(0.1);
      return lp.cpu.find((c) => c.resource === "pcie-up")!.cycles_per_packet;
    };
    const off = await pcieUp();
    const on = await pcieUp("--profile", join(root, "examples", "profiles", "bhyve-hugepages.json"));
    expect(Math.round(off)).toBe(Number(m![1]));
    expect(Math.round(on)).toBe(Number(m![2]));
    expect(on / off).toBeLessThan(0.6); // "halves"
  }, 60_000);
});
