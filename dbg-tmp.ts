import { consumerMac, nicFor } from "./src/paths/compare.ts";
import { PathEngine } from "./src/paths/engine.ts";
import { pathByName } from "./src/paths/graphs.ts";
import { runPath } from "./src/paths/run.ts";
import { setupHost, TALK_IOVCTL_CONF } from "./src/paths/setup.ts";
import { defaultProfile } from "./src/traffic/profiles.ts";
const ph = setupHost(TALK_IOVCTL_CONF);
const engine = await PathEngine.create(2);
const g = pathByName(process.argv[2] ?? "native")!;
for (const policy of ["pipeline", "balanced", "pipeline", "balanced"] as const) {
  const r = await runPath(engine, g, { traffic: defaultProfile({ dstMac: consumerMac(g, ph) }), workers: 2, seconds: 0.5, itrUs: 50, nic: nicFor(g, ph), schedule: policy });
  const c = r.conservation;
  console.log(policy, r.schedule.map(w => w.join("+")).join(" | "), c.ok, c.sent - c.delivered - c.inFlight, JSON.stringify(c.dropped), r.measuredMpps.toFixed(2));
}
await engine.close();
