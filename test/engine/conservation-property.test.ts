// Properties (invariants 1 and 5 of the engine): over random valid scenarios (every path and
// direction, every built-in profile and the fidelity cases' switches, sizes 64..1518 and IMIX,
// idle to overload, Poisson or constant, applications, closed loops, injected faults):
// - conservation: every frame offered, plus every replication copy, ends delivered, dropped with
//   a counted reason, or in flight, with no counter negative or fractional;
// - resources: busy fractions in [0, 1] (work <= busy), cycles per packet finite and >= 0, and
//   some CPU charged when frames were delivered.
// fast-check's seed is fixed (PROPERTY_SEED): a failure prints a counterexample that replays.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildGraph, returnBuffersOnThisThread } from "../../src/engine/graph.ts";
import { runGraph } from "../../src/engine/run.ts";
import { collectRun, ensureKernels, scenarioGraphOptions, simulate } from "../../src/engine/simulate.ts";
import { UserError } from "../../src/errors.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { conservationErrors, resourceErrors } from "./invariants.ts";
import { PROPERTY_SEED, profileName, resolved, runOrRefused, scenario } from "./scenario-arb.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** Runs `check` on the result of every scenario the engine accepts; returns how many ran. */
function holdsOver(numRuns: number, check: (r: ReturnType<typeof simulate>) => string[]): number {
  let ran = 0;
  fc.assert(
    fc.property(scenario(), (s) => {
      const r = runOrRefused(() => simulate(resolved(s)));
      if (r === null) return true; // refused with a UserError: not run, so nothing to conserve
      ran++;
      expect(check(r), JSON.stringify(s)).toEqual([]);
      return true;
    }),
    { numRuns, seed: PROPERTY_SEED },
  );
  return ran;
}

describe("engine invariants over random scenarios", () => {
  it("a refused scenario is refused with a UserError whose advice is not what it already does", () => {
    let refused = 0;
    fc.assert(
      fc.property(scenario(), (s) => {
        try {
          simulate(resolved(s));
        } catch (e) {
          expect(e, JSON.stringify(s)).toBeInstanceOf(UserError);
          refused++;
          const advice = /use --direction (rx or both|tx)/.exec((e as Error).message)?.[1];
          if (advice === "rx or both") expect(s.direction, (e as Error).message).toBe("tx");
          if (advice === "tx") expect(s.direction).not.toBe("tx");
        }
        return true;
      }),
      { numRuns: 150, seed: PROPERTY_SEED + 3 },
    );
    expect(refused).toBeGreaterThan(3);
  }, 120_000);

  it("a generated frame size outside 64..9728 B (60-byte runts, frames above every NIC's jumbo limit) is refused, naming it", () => {
    fc.assert(
      fc.property(
        scenario({ extras: false }),
        fc.oneof(fc.integer({ min: 1, max: 63 }), fc.integer({ min: 9729, max: 16384 })),
        (s, size) => {
          const bad = { ...resolved(s), traffic: { ...s.traffic, sizes: { kind: "fixed" as const, size } } };
          expect(() => simulate(bad)).toThrow(UserError);
          expect(() => simulate(bad)).toThrow(new RegExp(`frame size ${size} is outside 64..9728`));
          return true;
        },
      ),
      { numRuns: 30, seed: PROPERTY_SEED + 5 },
    );
  });

  it("conservation: offered + copies = delivered + drops + in flight, counters whole and >= 0", () => {
    const ran = holdsOver(150, conservationErrors);
    // Most generated scenarios are runnable: the property is not vacuous.
    expect(ran).toBeGreaterThan(120);
  }, 120_000);

  it("conservation holds at any moment of a run, with frames still in flight on the rings", () => {
    let inFlight = 0;
    fc.assert(
      fc.property(scenario(), fc.double({ min: 0.3, max: 1.2, noNaN: true }), (s0, at) => {
        const s = resolved(s0);
        const g = runOrRefused(() => buildGraph(scenarioGraphOptions(s)));
        if (g === null) return true;
        returnBuffersOnThisThread(g);
        // Stopped before the drain (run.ts DRAIN_NS): what is queued is counted in flight.
        const r = collectRun(g, s, runGraph(g, s.durationNs * at), 0, 0);
        if (r.conservation.inFlight > 0) inFlight++;
        expect(conservationErrors(r), JSON.stringify({ ...s0, at })).toEqual([]);
        return true;
      }),
      { numRuns: 100, seed: PROPERTY_SEED + 6 },
    );
    expect(inFlight).toBeGreaterThan(20);
  }, 120_000);

  it("no CPU is busy for longer than the run's virtual time", () => {
    let ran = 0;
    fc.assert(
      fc.property(scenario(), (s) => {
        const r = runOrRefused(() => simulate(resolved(s)));
        // cycles_per_packet is per frame of the offered traffic; a closed loop's ACK frames are
        // delivered too (conservation), so the total is not recovered from it there.
        if (r === null || r.closed_loop || r.conservation.delivered === 0) return true;
        ran++;
        const ghz = loadCosts(profileName(s.profile)).c.cpu_ghz;
        for (const u of r.resources.filter(
          (x) => x.kind === "core" || x.kind === "vcpu" || x.kind === "vhost",
        )) {
          const busyNs = (u.cycles_per_packet * r.conservation.delivered) / ghz;
          expect(busyNs, `${u.resource}: ${JSON.stringify(s)}`).toBeLessThanOrEqual(
            r.virtual_ns * (1 + 1e-9),
          );
        }
        return true;
      }),
      { numRuns: 100, seed: PROPERTY_SEED + 4 },
    );
    expect(ran).toBeGreaterThan(60);
  }, 120_000);

  it("resources: utilization in [0, 1], cycles per packet finite and >= 0", () => {
    const ran = holdsOver(100, resourceErrors);
    expect(ran).toBeGreaterThan(80);
  }, 120_000);
});
