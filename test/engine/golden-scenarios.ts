// Scenarios whose full simulated output is pinned by test/fixtures/engine/golden.json (generated
// by scripts/engine-golden.ts from the engine before the speed work): the engine may get faster,
// never different. Everything simulated is compared; the wall-clock `simulator` block is not.
import { simulatePing } from "../../src/engine/ping.ts";
import { simulate } from "../../src/engine/simulate.ts";
import { simulateSteering } from "../../src/steering/simulate.ts";
import { type StrategyId, strategyGraph } from "../../src/steering/strategies.ts";
import { buildMix } from "../../src/steering/traffic.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { baseSpec as spec } from "./base-spec.ts";

export { simulated } from "./base-spec.ts";

/** Scenario name -> its simulation (path runs at one load, pings, steering strategies). */
export const GOLDEN_SCENARIOS: Record<string, () => unknown> = {
  "native rx 100 kpps poisson": () => simulate(spec({ ratePps: 1e5, arrival: "poisson" })),
  "native rx 1.5 Mpps": () => simulate(spec({ ratePps: 1.5e6 })),
  "native rx line rate 64 B": () => simulate(spec({ ratePps: 14.88e6, durationNs: 4e6, warmupNs: 0 })),
  "native rx imix 2 Mpps poisson": () =>
    simulate(
      spec({ ratePps: 2e6, arrival: "poisson", traffic: defaultProfile({ sizes: { kind: "imix" } }) }),
    ),
  "native tx 1 Mpps": () => simulate(spec({ direction: "tx" })),
  "native both 800 kpps": () => simulate(spec({ direction: "both", ratePps: 8e5 })),
  "jail-vf rx 1 Mpps": () => simulate(spec({ path: "jail-vf" })),
  "vm-vf rx 50 kpps poisson": () => simulate(spec({ path: "vm-vf", ratePps: 5e4, arrival: "poisson" })),
  "vm-vf rx 500 kpps poisson": () => simulate(spec({ path: "vm-vf", ratePps: 5e5, arrival: "poisson" })),
  "vm-vf rx 3 Mpps": () => simulate(spec({ path: "vm-vf", ratePps: 3e6 })),
  "vm-vf rx 1 Mpps kvm-posted": () => simulate(spec({ path: "vm-vf", profile: "kvm-posted" })),
  "vm-vf rx 1 Mpps kvm-exits": () => simulate(spec({ path: "vm-vf", profile: "kvm-exits" })),
  "vm-vf tx 1 Mpps": () => simulate(spec({ path: "vm-vf", direction: "tx" })),
  "vm-vf both 600 kpps poisson": () =>
    simulate(spec({ path: "vm-vf", direction: "both", ratePps: 6e5, arrival: "poisson" })),
  "passthrough rx 1 Mpps 512 B": () =>
    simulate(spec({ path: "passthrough", traffic: defaultProfile({ sizes: { kind: "fixed", size: 512 } }) })),
  "virtio rx 300 kpps poisson": () => simulate(spec({ path: "virtio", ratePps: 3e5, arrival: "poisson" })),
  "virtio rx 2 Mpps": () => simulate(spec({ path: "virtio", ratePps: 2e6 })),
  "virtio tx 500 kpps": () => simulate(spec({ path: "virtio", direction: "tx", ratePps: 5e5 })),
  "jail-epair rx 500 kpps": () => simulate(spec({ path: "jail-epair", ratePps: 5e5 })),
  "jail-epair tx 500 kpps": () => simulate(spec({ path: "jail-epair", direction: "tx", ratePps: 5e5 })),
  "vf-loopback tx 1 Mpps": () => simulate(spec({ path: "vf-loopback", direction: "tx" })),
  "ping native": () => simulatePing({ path: "native", count: 4, seed: 3, profile: "bhyve" }),
  "ping vm-vf": () => simulatePing({ path: "vm-vf", count: 4, seed: 3, profile: "bhyve" }),
  "ping virtio": () => simulatePing({ path: "virtio", count: 4, seed: 3, profile: "kvm-posted" }),
  ...Object.fromEntries(
    (
      [
        ["outer-rss", 4],
        ["sw-dispatch", 2],
        ["sw-spray", 4],
      ] as Array<[StrategyId, number]>
    ).map(([s, n]) => [
      `steering ${s} ${n}`,
      () =>
        simulateSteering({
          graph: strategyGraph(s, n, { symmetric: null, rules: [], nic: "ixl" }),
          traffic: buildMix({ mix: "gtpu", flows: 64, tunnels: 4, zipfS: 0, seed: 1 }),
          ratePps: 3e6,
          frames: 3000,
          seed: 1,
          profile: "bhyve",
        }),
    ]),
  ),
};
