// The virtio path's transmit saturated (64 B at 10 GbE line rate, kvm-posted) with some
// constants moved: what the virtio-net and vhost transmit tests compare.
import { simulate } from "../../src/engine/simulate.ts";
import type { SimResult } from "../../src/engine/types.ts";
import { type CostName, costVariant } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

export function virtioTxOverload(changes: Partial<Record<CostName, number>>): SimResult {
  return simulate({
    path: "virtio",
    direction: "tx",
    traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
    ratePps: 14_880_000,
    arrival: "constant",
    durationNs: 2_000_000,
    warmupNs: 400_000,
    seed: 1,
    profile: costVariant("kvm-posted", changes),
  });
}
