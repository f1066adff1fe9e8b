// docs/formats/cost-profile.md says how many constants a profile must define: the engine's
// list (COST_NAMES), which grows as the model does, so the page is checked against it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { COST_NAMES } from "../../src/model/costs.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

it("the format page's count of the constants a profile must define is the engine's", () => {
  const page = readFileSync(
    join(import.meta.dirname, "..", "..", "docs", "formats", "cost-profile.md"),
    "utf8",
  );
  const m = /every constant the engine reads \((\d+) of them/.exec(page);
  expect(m, "the sentence that gives the count").not.toBeNull();
  expect(Number(m![1])).toBe(COST_NAMES.length);
});

// "Using your profile" quotes native's NDR at 64 B with bhyve and with the 3.5 GHz example
// (it said 1.85 -> 2.20 after the runs had moved to 1.825 -> 2.18): read from the page, checked
// against the runs, each to the digits the page gives.
it("the page's native NDR at 64 B, bhyve and bhyve-3.5ghz, is what paths finds", async () => {
  const root = join(import.meta.dirname, "..", "..");
  const page = readFileSync(join(root, "docs", "formats", "cost-profile.md"), "utf8");
  const m = /loss-free rate of `native` at 64 B rises from ([\d.]+) to about ([\d.]+) Mpps/.exec(page);
  expect(m, "the sentence with the figures").not.toBeNull();
  const ndr = async (...extra: string[]) => {
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--workers",
      "1",
      ...extra,
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    return pathsJsonSchema.parse(JSON.parse(r.out)).paths[0].ndr_mpps!;
  };
  const digits = (s: string) => s.split(".")[1]?.length ?? 0;
  expect((await ndr()).toFixed(digits(m![1]))).toBe(m![1]);
  const fast = await ndr("--profile", join(root, "examples", "profiles", "bhyve-3.5ghz.json"));
  expect(fast.toFixed(digits(m![2]))).toBe(m![2]);
}, 60_000);
