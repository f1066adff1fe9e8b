// The claims docs/questions.md makes about the profiles, checked against the profiles themselves
// (its commands run in test/docs/examples.test.ts): every built-in profile maps guest memory with
// 4 KiB pages, and examples/profiles/bhyve-hugepages.json is bhyve with only that changed.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costProfileNames, loadCosts } from "../../src/model/costs.ts";

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
