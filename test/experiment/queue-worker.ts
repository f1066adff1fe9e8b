// TEST DOUBLE worker: runs the queue test double (not the engine) behind the same piscina
// protocol as src/workers/simulate-worker.ts, to test the pool without the engine.
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { simulateQueue } from "./queue-double.ts";

export default function run(spec: ScenarioSpec) {
  return simulateQueue({ capacityPps: 4e6, buffer: 64, frameBytes: 64, linkGbps: 10 }, spec);
}
