// Per-simulation set-up cost (wall clock on this machine, never a simulated figure): the trials
// of one RFC 2544 search (vm-vf, 64 B, 1 ms trials, the rates `paths` tries), run on this thread
// `rounds` times over. Prints the median set-up (graph build: host, switch, layout, elements)
// and event-loop time per simulation, warm (this thread's engine and caches reused, the default)
// and cold (src/engine/warm.ts dropThreadEngine before each simulation: a fresh memory, no
// cached host or layout, as every simulation was before the warm engine).
//   npx tsx bench/setup.ts [rounds]
import { ensureKernels, simulate } from "../src/engine/simulate.ts";
import type { ScenarioSpec } from "../src/engine/types.ts";
import { dropThreadEngine } from "../src/engine/warm.ts";
import { defaultProfile } from "../src/traffic/profiles.ts";

const rounds = Number(process.argv[2] ?? 5);
const rates = [
  14_880_952, 7_440_476, 3_720_238, 1_860_119, 2_790_179, 2_325_149, 2_092_634, 1_976_377, 2_034_506,
];
const spec = (ratePps: number): ScenarioSpec => ({
  path: "vm-vf",
  direction: "rx",
  traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
  ratePps,
  arrival: "constant",
  durationNs: 1_000_000,
  seed: 1,
  profile: "bhyve",
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

await ensureKernels();
for (const mode of ["warm", "cold"] as const) {
  const setup: number[] = [];
  const run: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const rate of rates) {
      if (mode === "cold") dropThreadEngine();
      const s = simulate(spec(rate)).simulator;
      if (r === 0) continue; // the first round compiles the code
      setup.push(s.setup_ms ?? 0);
      run.push(s.wall_ms - (s.setup_ms ?? 0));
    }
  console.log(
    `${mode}: ${setup.length} simulations, median set-up ${median(setup).toFixed(2)} ms, median event loop + collection ${median(run).toFixed(2)} ms (wall clock)`,
  );
}
