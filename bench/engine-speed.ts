// Simulator speed of the virtual-time engine (wall clock, this machine; not a simulated figure),
// on the calling thread, for iterating on the engine: the scenario of engine-speed.bench.ts
// (native path, 64 B, 14.88 Mpps offered = 10 GbE line rate). Each run prints the frames, the
// virtual time, the wall and process CPU time of the event loop (setup apart) and the factor
// × real time; then the medians. On a shared machine compare CPU medians, not single walls.
//   npx tsx bench/engine-speed.ts [virtual ms] [runs]

import { buildGraph, returnBuffersOnThisThread } from "../src/engine/graph.ts";
import { runGraph } from "../src/engine/run.ts";
import { ensureKernels, scenarioGraphOptions } from "../src/engine/simulate.ts";
import type { ScenarioSpec } from "../src/engine/types.ts";
import { lineRatePps } from "../src/experiment/rate.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

await ensureKernels();
const virtualMs = Number(process.argv[2] ?? 20);
const runs = Number(process.argv[3] ?? 9);
const spec = (ms: number): ScenarioSpec => ({
  path: "native",
  direction: "rx",
  traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
  ratePps: lineRatePps(64, 10),
  arrival: "constant",
  durationNs: ms * 1e6,
  seed: 1,
  profile: "bhyve",
  linkGbps: 10,
});
/** Builds the graph as simulate() does (setup), then times only its event loop. */
function run(ms: number) {
  const g = buildGraph(scenarioGraphOptions(spec(ms)));
  returnBuffersOnThisThread(g);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const state = runGraph(g);
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, virtualMs: state.endNs / 1e6, events: g.ctx.q.popped };
}
for (let i = 0; i < 4; i++) run(virtualMs); // the JIT's optimized code (JS and top-tier Wasm) before timing
const frames = Math.round(lineRatePps(64, 10) * virtualMs * 1e-3);
const walls: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = run(virtualMs);
  walls.push(r.wallMs);
  cpus.push(r.cpuMs);
  console.log(
    `run ${i + 1}: ~${frames} frames offered, ${r.events} events, ${virtualMs} ms virtual in ${r.wallMs.toFixed(1)} ms wall ` +
      `(process CPU ${r.cpuMs.toFixed(1)} ms) = ${(virtualMs / r.wallMs).toFixed(3)}× real time`,
  );
}
const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
console.log(
  `median: wall ${median(walls).toFixed(1)} ms = ${(virtualMs / median(walls)).toFixed(3)}× real time; ` +
    `CPU ${median(cpus).toFixed(1)} ms = ${(virtualMs / median(cpus)).toFixed(3)}× real time per CPU second; ` +
    `best CPU ${Math.min(...cpus).toFixed(1)} ms`,
);
