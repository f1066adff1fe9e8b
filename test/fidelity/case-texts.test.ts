// Each fidelity case says which profiles and scenario it runs (the report's `profile:` and
// `scenario:` lines): checked against what its run() actually asks the engine for, on a
// recording environment (nothing simulated), so a text that drifts from the code fails here.
import { describe, expect, it } from "vitest";
import type { SimResult } from "../../src/engine/types.ts";
import { CASES } from "../../src/fidelity/cases.ts";
import type { CaseEnv } from "../../src/fidelity/env.ts";
import { variantBase } from "../../src/model/costs.ts";

interface Call {
  kind: "run" | "closedLoop" | "withApplication" | "ping";
  path: string;
  profile: string;
}

/** A stand-in result: the figures a case's details read, every count 0, a rate of 1 Mpps. */
function fakeResult(): SimResult {
  const zeros = new Proxy({}, { get: () => 0 });
  return {
    delivered_pps: 1e6,
    loss_ratio: 0,
    virtual_ns: 1e6,
    bottleneck: "none",
    resources: [],
    events: zeros,
    events_per_s: zeros,
    closed_loop: { acks_sent: 0 },
  } as unknown as SimResult;
}

async function callsOf(c: (typeof CASES)[number]): Promise<Call[]> {
  const calls: Call[] = [];
  const record = (kind: Call["kind"]) => (s: { path: string; profile: string }) => {
    calls.push({ kind, path: s.path, profile: s.profile });
    return fakeResult();
  };
  const env = {
    run: record("run"),
    closedLoop: record("closedLoop"),
    withApplication: record("withApplication"),
    pingMedianUs: (path: string, profile: string) => {
      calls.push({ kind: "ping", path, profile });
      return 10;
    },
  } as unknown as CaseEnv;
  await c.run(env);
  return calls;
}

describe("fidelity cases: the profile and scenario each one names are the ones it runs", () => {
  for (const c of CASES)
    it(c.name, async () => {
      const calls = await callsOf(c);
      expect(calls.length).toBeGreaterThan(0);
      // `fidelity --case NAME` prints one case: its text cannot lean on another's ("as above").
      expect(c.scenario).not.toMatch(/\bas above\b/);
      // The `profile:` line lists exactly the built-in profiles the runs start from.
      expect([...new Set(calls.map((x) => variantBase(x.profile)))].sort()).toEqual([...c.profiles].sort());
      // Every path the case runs is named in its scenario text ("the NAME scenario": that
      // case's text too).
      const text = c.scenario.replace(
        /\bthe ([a-z0-9.-]+) scenario\b/g,
        (all, name: string) => CASES.find((o) => o.name === name)?.scenario ?? all,
      );
      for (const p of new Set(calls.map((x) => x.path))) expect(text, p).toMatch(new RegExp(`\\b${p}\\b`));
      // A profile the scenario names as where a path runs is one the case runs it on.
      for (const m of text.matchAll(/\bpath (\S+) on ([a-z-]+)/g)) {
        const [, path, profile] = m;
        expect(
          calls.some((x) => x.path === path && variantBase(x.profile) === profile),
          `scenario says ${path} on ${profile}`,
        ).toBe(true);
      }
    });
});

describe("fidelity case details count in the singular", () => {
  it("eli-exitless: 1 VM exit in the whole run", async () => {
    const c = CASES.find((x) => x.name === "eli-exitless")!;
    const one = new Proxy({}, { get: () => 1 });
    const result = { ...fakeResult(), events: one } as unknown as SimResult;
    const env = { closedLoop: () => result } as unknown as CaseEnv;
    const { details } = await c.run(env);
    expect(details).toContain("1 VM exit in the whole run");
  });
});
