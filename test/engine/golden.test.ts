// The engine's simulated output is pinned: every golden scenario (paths at several loads and
// profiles, pings, steering strategies) must give exactly the JSON recorded in
// test/fixtures/engine/golden.json, so work on simulator speed cannot change a simulated figure.
// A deliberate model change regenerates the file (scripts/engine-golden.ts) and says so.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { GOLDEN_SCENARIOS, simulated } from "./golden-scenarios.ts";

const golden = JSON.parse(
  readFileSync(new URL("../fixtures/engine/golden.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

describe("engine golden output (simulated figures identical to the recorded ones)", () => {
  it("records every scenario", () => {
    expect(Object.keys(golden).sort()).toEqual(Object.keys(GOLDEN_SCENARIOS).sort());
  });
  for (const [name, run] of Object.entries(GOLDEN_SCENARIOS))
    it(name, () => {
      expect(simulated(run())).toEqual(golden[name]);
    });
});
