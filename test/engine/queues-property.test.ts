// Properties (invariants 1, 2 and 5 of the engine) with receive-side scaling: the shipped paths'
// consumers have one core, so here native and jail-vf run on hosts of 1..4 cores, jail-vf's VF
// with num-queues 1..4 (its driver uses one queue per CPU, at most its num-queues; native's PF
// one per CPU), at loads from idle to overload, with a sink-stall on one of the queues or not.
// Conservation, delivered <= offered <= line rate, busy fractions in [0, 1] and ordered latency
// percentiles must hold with several queues, interrupt vectors and cores as with one.
// fast-check's seed is fixed (PROPERTY_SEED): a failure prints a counterexample that replays.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { measureFromNs } from "../../src/engine/context.ts";
import { simulatedFaults } from "../../src/engine/faults.ts";
import { buildGraph, returnBuffersOnThisThread } from "../../src/engine/graph.ts";
import { runGraph } from "../../src/engine/run.ts";
import { collectRun, ensureKernels, scenarioGraphOptions } from "../../src/engine/simulate.ts";
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { ENGINE_PATHS, type EnginePath } from "../../src/paths/path-graphs.ts";
import { TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { conservationErrors, latencyOrderErrors, resourceErrors, wireBytes } from "./invariants.ts";
import { PROPERTY_SEED, rate, sizes } from "./scenario-arb.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** A shipped path on a host with `cores` cores (host-core0 .. host-core<cores-1>). */
function withCores(name: string, cores: number): EnginePath {
  const p = ENGINE_PATHS.find((x) => x.name === name)!;
  const extra = Array.from({ length: cores - 1 }, (_, i) => ({
    name: `host-core${i + 1}`,
    kind: "core" as const,
  }));
  return { ...p, resources: [...p.resources, ...extra] };
}

/** The talk's iovctl.conf with VF-0 (the jail's) reserving `n` queues. */
const conf = (n: number) =>
  TALK_IOVCTL_CONF.replace(
    "VF-0 {\n\tpassthrough : false;",
    `VF-0 {\n\tpassthrough : false;\n\tnum-queues : ${n};`,
  );

describe("receive-side scaling over random scenarios", () => {
  it("conservation, rates, busy fractions and latency order hold on every queue count", () => {
    let multi = 0;
    fc.assert(
      fc.property(
        fc.record({
          path: fc.constantFrom("native", "jail-vf"),
          cores: fc.integer({ min: 1, max: 4 }),
          numQueues: fc.integer({ min: 1, max: 4 }),
          sizes,
          flows: fc.integer({ min: 1, max: 256 }),
          ratePps: rate,
          arrival: fc.constantFrom("constant" as const, "poisson" as const),
          seed: fc.integer({ min: 1, max: 1000 }),
          stall: fc.option(fc.nat(), { nil: undefined }),
        }),
        (a) => {
          const spec: ScenarioSpec = {
            path: a.path,
            direction: "rx",
            traffic: defaultProfile({ sizes: a.sizes, flows: a.flows }),
            ratePps: a.ratePps,
            arrival: a.arrival,
            durationNs: 300_000,
            warmupNs: 60_000,
            seed: a.seed,
            profile: "bhyve",
            linkGbps: 10,
            config: { text: conf(a.numQueues), file: "iovctl.conf" },
          };
          const queues = a.path === "jail-vf" ? Math.min(a.cores, a.numQueues) : a.cores;
          if (a.stall !== undefined)
            spec.faults = [
              { kind: "sink-stall", queue: a.stall % queues, at: { fraction: 0.3 }, for: { fraction: 0.4 } },
            ];
          const g = buildGraph({
            ...scenarioGraphOptions(spec),
            path: withCores(a.path, a.cores),
            faults: simulatedFaults(spec.faults),
          });
          returnBuffersOnThisThread(g);
          const r = collectRun(g, spec, runGraph(g), 0, 0);
          expect(g.ctx.built.nic?.rxQueues, JSON.stringify(a)).toBe(queues);
          if (queues > 1) multi++;
          const errors = [...conservationErrors(r), ...resourceErrors(r), ...latencyOrderErrors(r)];
          const frame = 1e9 / (spec.durationNs - measureFromNs(spec.warmupNs ?? 0));
          const smallest =
            a.sizes.kind === "fixed"
              ? a.sizes.size
              : a.sizes.kind === "list"
                ? Math.min(...a.sizes.sizes)
                : 64;
          const line = 10e9 / 8 / wireBytes(smallest);
          if (r.delivered_pps > r.offered_pps + 1e-6)
            errors.push(`delivered ${r.delivered_pps} > offered ${r.offered_pps}`);
          if (r.offered_pps > line + 2 * frame) errors.push(`offered ${r.offered_pps} > line rate ${line}`);
          expect(errors, JSON.stringify(a)).toEqual([]);
          return true;
        },
      ),
      { numRuns: 60, seed: PROPERTY_SEED },
    );
    expect(multi).toBeGreaterThan(20);
  }, 120_000);
});
