// Writes test/fixtures/engine/golden.json: the full simulated output of the golden scenarios
// (test/engine/golden-scenarios.ts). Regenerate only on a deliberate model change, and say so
// in the commit; a speed change must leave the file as it is.
//   npx tsx scripts/engine-golden.ts
import { writeFileSync } from "node:fs";
import { ensureKernels } from "../src/engine/simulate.ts";
import { GOLDEN_SCENARIOS, simulated } from "../test/engine/golden-scenarios.ts";

await ensureKernels();
const out: Record<string, unknown> = {};
for (const [name, run] of Object.entries(GOLDEN_SCENARIOS)) out[name] = simulated(run());
const file = new URL("../test/fixtures/engine/golden.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
process.stdout.write(`wrote ${Object.keys(out).length} scenarios to ${file.pathname}\n`);
