// Pings through the engine (src/engine/ping.ts: real ICMP echoes in virtual time) for `ping`,
// `paths` and the demo: one per path that has both directions, summarized as ping(8) does.
import { type PingResult, simulatePing } from "../../engine/ping.ts";
import { summarizeRtts } from "../../experiment/ping-stats.ts";
import type { PingJson, SimulatorPart } from "../../report/paths-json.ts";
import { directionsOf, type PathsOptions } from "./paths-options.ts";

/** Echoes per path in `paths` and the demo (an idle pinger, 1 s of virtual time apart). */
export const PATHS_PING_COUNT = 10;

export interface PingRunSpec {
  path: string;
  count: number;
  intervalNs: number;
  seed: number;
  profile: string;
  config: { text: string; file: string };
}

export function runPing(s: PingRunSpec): PingResult {
  return simulatePing({
    path: s.path,
    count: s.count,
    intervalNs: s.intervalNs,
    seed: s.seed,
    profile: s.profile,
    config: s.config,
  });
}

export function pingPart(r: PingResult): SimulatorPart {
  return { frames: r.simulator.frames, events: r.simulator.events, virtual_ns: r.virtual_ns };
}

export function pingJson(r: PingResult): PingJson {
  const s = summarizeRtts(r.rtt_us);
  return { path: r.path, transmitted: r.sent, received: r.received, rtt_us: s };
}

/** One ping per selected path that can answer (both directions), on this thread. */
export function pingPaths(o: PathsOptions): { entries: PingJson[]; parts: SimulatorPart[] } {
  const entries: PingJson[] = [];
  const parts: SimulatorPart[] = [];
  for (const path of [...new Set(o.paths)]) {
    if (!directionsOf(path).includes("both")) continue;
    const r = runPing({
      path,
      count: PATHS_PING_COUNT,
      intervalNs: 1e9,
      seed: o.trial.seed,
      profile: o.trial.profile,
      config: o.trial.config ?? { text: "", file: "" },
    });
    entries.push(pingJson(r));
    parts.push(pingPart(r));
  }
  return { entries, parts };
}
