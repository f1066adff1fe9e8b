// docs/formats/cost-profile.md says how many constants a profile must define: the engine's
// list (COST_NAMES), which grows as the model does, so the page is checked against it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { COST_NAMES } from "../../src/model/costs.ts";

it("the format page's count of the constants a profile must define is the engine's", () => {
  const page = readFileSync(
    join(import.meta.dirname, "..", "..", "docs", "formats", "cost-profile.md"),
    "utf8",
  );
  const m = /every constant the engine reads \((\d+) of them/.exec(page);
  expect(m, "the sentence that gives the count").not.toBeNull();
  expect(Number(m![1])).toBe(COST_NAMES.length);
});
