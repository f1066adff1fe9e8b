import { ensureKernels } from "../src/engine/simulate.ts";
import { simulateSteering } from "../src/steering/simulate.ts";
import { strategyGraph, STRATEGY_IDS } from "../src/steering/strategies.ts";
import { buildMix } from "../src/steering/traffic.ts";
await ensureKernels();
const traffic = buildMix({ mix: "gtpu", flows: 512, tunnels: 4, zipfS: 0, seed: 1 });
for (const st of STRATEGY_IDS) {
  const g = strategyGraph(st, 4, { symmetric: null, rules: [], nic: "ixl" });
  const r = simulateSteering({ graph: g, traffic, ratePps: 3e6, frames: 20000, seed: 1, profile: "bhyve" });
  console.log(st, r.perQueue.join("/"), r.jain.toFixed(3), "loss", r.lossRatio.toFixed(3), r.drops, "lat", r.latencyUs, "util", r.utilization.busiestCore.toFixed(2), r.utilization.dispatcher, r.bottleneck, r.conservation.problems, r.offeredMpps.toFixed(2), r.wireGbps.toFixed(2), r.simulator.wall_ms.toFixed(0));
}
