// `fidelity --sensitivity` says which constants with ranges it leaves where they are: the NIC
// profile's (`model show --nic`). The VF transmit limiter's apply to no case today (none limits
// a VF's max_tx_rate), which the run finds out from the resources its simulations used; a case
// that did run a limiter is named, its verdict said not to be checked across their ranges.
import { describe, expect, it } from "vitest";
import type { FidelityCase } from "../../src/fidelity/cases.ts";
import { CaseEnv, DEFAULT_TRIALS } from "../../src/fidelity/env.ts";
import { formatFidelity } from "../../src/fidelity/format.ts";
import { runFidelity } from "../../src/fidelity/run.ts";
import { HW_NAMES } from "../../src/model/hw-limits.ts";
import { VF_TX_SHAPER_NAMES } from "../../src/model/vf-rate.ts";
import { buildFidelityJson, fidelityJsonSchema } from "../../src/report/fidelity-json.ts";

const TRIALS = { ...DEFAULT_TRIALS, trialNs: 200_000 };

/** A case of one short native receive run (no VF, so no limiter), or one that says it ran one. */
function fakeCase(name: string, limiter: boolean): FidelityCase {
  return {
    name,
    publication: "a test's own case",
    published: { text: "delivered rate", value: 1, unit: "Mpps", tolerance: [0, 100] },
    profiles: ["bhyve"],
    scenario: "native rx, 64 B",
    why: "exercises the sensitivity report",
    dependsOn: [],
    async run(env) {
      const r = env.run({ path: "native", profile: "bhyve", size: 64 }, 100_000);
      // A limiter is a resource of kind "shaper" in a run; no fidelity scenario can set a VF's
      // max_tx_rate, so this case stands for one that would.
      if (limiter) env.resourceKinds.add("shaper");
      return { simulated: r.delivered_pps / 1e6, details: "" };
    },
  };
}

describe("fidelity --sensitivity: the NIC profile's constants are said not to be moved", () => {
  it("the environment notes the kinds of resource its runs used, memoized runs included", () => {
    const env = new CaseEnv(TRIALS);
    env.run({ path: "native", profile: "bhyve", size: 64 }, 100_000);
    expect(env.resourceKinds.has("core")).toBe(true);
    expect(env.resourceKinds.has("shaper")).toBe(false);
    env.resourceKinds.clear();
    env.run({ path: "native", profile: "bhyve", size: 64 }, 100_000);
    expect(env.resourceKinds.has("core")).toBe(true);
  });

  it("no case runs a VF limiter: its constants apply to none; the hardware limits are named too", async () => {
    const r = await runFidelity({ cases: [fakeCase("a", false)], trials: TRIALS, sensitivity: true });
    expect(r.notMoved).toEqual([
      {
        constants: [...VF_TX_SHAPER_NAMES],
        reason:
          "no case limits a VF's transmit (max_tx_rate), so no case depends on the VF transmit limiter's constants",
      },
      { constants: [...HW_NAMES], reason: expect.stringContaining("hardware limits") },
    ]);
    const text = formatFidelity(r);
    expect(text).toContain(
      "Not moved (NIC profile constants, iovsim model show --nic):\n  vf_tx_granularity, vf_tx_counted_bytes, vf_tx_burst_bytes: no case limits a VF's transmit",
    );
    const j = fidelityJsonSchema.parse(buildFidelityJson(r, "test"));
    expect(j.sensitivity_not_moved?.[0]?.constants).toEqual([...VF_TX_SHAPER_NAMES]);
    // Without --sensitivity there is no study, so nothing to say about it.
    const plain = await runFidelity({ cases: [fakeCase("a", false)], trials: TRIALS });
    expect(formatFidelity(plain)).not.toContain("Not moved");
    expect(buildFidelityJson(plain, "test").sensitivity_not_moved).toBeNull();
  }, 60_000);

  it("a case that ran a limiter is named: its verdict is not checked across those ranges", async () => {
    const r = await runFidelity({
      cases: [fakeCase("a", false), fakeCase("limited", true)],
      trials: TRIALS,
      sensitivity: true,
    });
    expect(r.notMoved?.[0]?.reason).toBe(
      "not moved, though limited ran a VF transmit limiter: its verdict is not checked across these constants' ranges",
    );
  }, 60_000);
});
