// Steering strategies as graphs (data): which VFs the NIC gets (through the control plane), how
// the NIC picks a queue (RSS level, symmetric hashing, flow rules), which resources exist and
// which element runs on which one, with the cost-profile entries each is charged. The same
// cost names as the packet paths (src/paths/path-graphs.ts): a consumer core pays what the
// native path's core pays for the same work. src/steering/simulate.ts builds and runs any such
// graph with one loop over src/steering/elements.ts; nothing there switches on a strategy.

import type { ResourceKind } from "../engine/resource.ts";
import { UserError } from "../errors.ts";
import type { CostName } from "../model/costs.ts";
import { getProfile } from "../nic/profile.ts";
import type { FlowRule } from "./flow-rules.ts";
import { ENDPOINT_MAC, instanceMac } from "./traffic.ts";
import { unknownNic } from "./unknown-nic.ts";
import { interruptWhy, type VfQueueVectors, vfQueueVectors } from "./vf-interrupts.ts";

export type StrategyId =
  | "single"
  | "outer-rss"
  | "inner-rss"
  | "mac-vf"
  | "mac-vf-instance"
  | "sw-dispatch"
  | "sw-spray"
  | "flow-rules";
export const STRATEGY_IDS: readonly StrategyId[] = [
  "single",
  "outer-rss",
  "inner-rss",
  "mac-vf",
  "mac-vf-instance",
  "sw-dispatch",
  "sw-spray",
  "flow-rules",
];
export const STRATEGY_SUMMARY: Record<StrategyId, string> = {
  single: "one queue, one core",
  "outer-rss": "Toeplitz on the outer headers through the RETA",
  "inner-rss": "tunnel-aware Toeplitz on the inner headers (E810 DDP / rte_flow RSS level 2)",
  "mac-vf": "one VF per core with its own MAC; the traffic is addressed to the one tunnel endpoint's MAC",
  "mac-vf-instance": "one VF per core with its own MAC, one generator instance (MAC) per VF: the talk's fix",
  "sw-dispatch": "one queue to a dispatcher core that parses deeply and hands frames to worker cores",
  "sw-spray":
    "one queue to a dispatcher core that sprays frames round robin to worker cores (no flow affinity)",
  "flow-rules":
    "exact-match rules (TEID / VNI / SPI; with --port, also IPv4/IPv6 addresses, UDP ports) to queues or drop, the rest by outer RSS",
};

import type { Symmetric } from "./symmetric.ts";

export type { Symmetric };

export interface CostSet {
  batch?: CostName[];
  packet?: CostName[];
}

/** One element of a steering graph. `in`/`out` name links: "q<k>" are the NIC's queues. */
export interface SteeringElement {
  kind: "wire" | "nic" | "rx-core" | "dispatcher" | "worker";
  name: string;
  on: string;
  in?: string;
  out?: string[];
  costs?: CostSet;
  /** dispatcher: round robin instead of the inner hash. */
  spray?: boolean;
}

export interface SteeringGraph {
  strategy: StrategyId;
  cores: number;
  /** NIC profile id the VFs are created on (src/steering/nic.ts). */
  nic: string;
  /** VFs created through iovctl on the port (MAC, queues). */
  vfs: Array<{ mac: string; queues: number }>;
  rssLevel: "outer" | "inner";
  symmetric: Symmetric | null;
  rules: FlowRule[];
  /** The destination MAC of flow f (per-instance addressing for mac-vf-instance). */
  macOfFlow: (flow: number) => string;
  resources: Array<{ name: string; kind: ResourceKind }>;
  elements: SteeringElement[];
  /** (pool, queue) of NIC link "q<k>" = VF pool, queue. */
  queues: Array<{ vf: number; queue: number }>;
}

// The receive driver + stack a core runs per poll and per packet (as the native path's core).
const RX_CORE: CostSet = {
  batch: ["drv_rx_batch_cycles", "doorbell_cycles"],
  packet: ["drv_rx_pkt_cycles", "stack_rx_cycles"],
};
// The dispatcher: its receive driver, the deep parse + hash, the hand-off (a line moved to the worker).
const DISPATCHER: CostSet = {
  batch: ["drv_rx_batch_cycles", "doorbell_cycles"],
  packet: ["drv_rx_pkt_cycles", "dispatch_parse_cycles", "xcore_transfer_cycles"],
};
// The spraying dispatcher does not parse: its driver and the hand-off.
const SPRAYER: CostSet = {
  batch: ["drv_rx_batch_cycles", "doorbell_cycles"],
  packet: ["drv_rx_pkt_cycles", "xcore_transfer_cycles"],
};
// A worker: the stack on a frame another core received (the slot and header lines come across).
const WORKER: CostSet = { packet: ["xcore_transfer_cycles", "stack_rx_cycles"] };

export interface StrategyLimits {
  queuesPerVf: number;
  vfs: number;
  flowRules: number;
  patterns: readonly string[];
  /** Table entries an IPv6 rule takes (the profile's flow.ipv6.entriesPerRule; 1 without it). */
  ipv6Entries: number;
  /** The VF's MSI-X vectors and the receive queues a kernel VF driver gives one each (null: the
   *  profile has no MSI-X line for its VF, no budget applied). */
  vfVectors: VfQueueVectors | null;
  /** The profile id, named in the limits' reasons. */
  nic: string;
}

/** What the NIC profile allows: queues per VF, VFs (pools), flow-rule capacity. */
export function nicLimits(nic: string): StrategyLimits {
  const p = getProfile(nic);
  if (!p) throw unknownNic(nic);
  return {
    // A profile with pool modes (82599: 64 pools of 2 queues, or 32 of 4) gives a function the
    // most its modes allow (ixgbe: num_rx_queues_per_pool, 4 with 32 pools); it read 1 for ix.
    queuesPerVf:
      p.limits.maxQueuesPerVf ??
      p.limits.queuesPerVf ??
      Math.max(1, ...(p.limits.poolModes ?? []).map((m) => m.queuesPerVf)),
    // TotalVFs and the driver's limit, as the profile states them: 82599 (ix) keeps one of its
    // 64 pools for the PF, so ixgbe allows 63 VFs; X710 (ixl) gives the PF its own VSI beside
    // 64 VFs. The switch model holds 128 pools.
    vfs: Math.min(p.sriov.totalVfs, p.limits.driverMaxVfs),
    flowRules: p.flow?.rules ?? 0,
    patterns: p.flow?.patterns ?? [],
    ipv6Entries: p.flow?.ipv6?.entriesPerRule ?? 1,
    vfVectors: vfQueueVectors(p),
    nic,
  };
}

/** The strategies that spread one VF's traffic over its queues, one core per queue. */
export const VF_RSS_STRATEGIES: readonly StrategyId[] = ["outer-rss", "inner-rss", "flow-rules"];

/**
 * Most cores a strategy can use on this NIC. The strategies over one VF's queues (RSS, flow
 * rules) stop at its queues per VF, and at the queues its MSI-X vectors give an interrupt of
 * their own: every consumer core is priced as a kernel thread under interrupts (NAPI), and
 * FreeBSD's VF driver runs no more queues than it has vectors for (iflib_msix_init). One VF per
 * core (mac-vf, mac-vf-instance) needs one queue interrupt per VF; the dispatchers one queue.
 */
export function coreLimit(id: StrategyId, lim: StrategyLimits): { max: number; why: string } {
  if (id === "mac-vf" || id === "mac-vf-instance") return { max: lim.vfs, why: `${lim.vfs} VFs` };
  if (id === "sw-dispatch" || id === "sw-spray") return { max: 64, why: "64 worker rings" };
  if (id === "single") return { max: 64, why: "" };
  const v = lim.vfVectors;
  if (v && v.queues < lim.queuesPerVf) return { max: v.queues, why: interruptWhy(lim.nic, v) };
  return { max: lim.queuesPerVf, why: `${lim.queuesPerVf} queues per VF` };
}

const WIRE_NIC = [
  { name: "wire-rx", kind: "wire" as const },
  { name: "nic", kind: "nic" as const },
  { name: "pcie-up", kind: "pcie" as const },
];

export function strategyGraph(
  id: StrategyId,
  n: number,
  o: { symmetric: Symmetric | null; rules: FlowRule[]; nic: string },
): SteeringGraph {
  const lim = nicLimits(o.nic);
  const cap = coreLimit(id, lim);
  if (!Number.isInteger(n) || n < 1 || n > cap.max)
    throw new UserError("E_USAGE", `--queues ${n}: ${id} on ${o.nic} takes 1..${cap.max} cores (${cap.why})`);
  const cores = Array.from({ length: n }, (_, k) => ({ name: `core${k}`, kind: "core" as const }));
  const wire: SteeringElement = { kind: "wire", name: "wire", on: "wire-rx", out: ["wire"] };
  const macVf = id === "mac-vf" || id === "mac-vf-instance";
  const dispatch = id === "sw-dispatch" || id === "sw-spray";
  const hwQueues = macVf ? n : id === "single" || dispatch ? 1 : n;
  const vfs = macVf
    ? Array.from({ length: n }, (_, k) => ({ mac: instanceMac(k), queues: 1 }))
    : [{ mac: ENDPOINT_MAC, queues: hwQueues }];
  const queues = macVf
    ? Array.from({ length: n }, (_, k) => ({ vf: k, queue: 0 }))
    : Array.from({ length: hwQueues }, (_, q) => ({ vf: 0, queue: q }));
  const qLinks = queues.map((_, k) => `q${k}`);
  const nicEl: SteeringElement = { kind: "nic", name: "nic", on: "nic", in: "wire", out: qLinks };
  const elements: SteeringElement[] = [wire, nicEl];
  const resources: SteeringGraph["resources"] = [...WIRE_NIC, ...cores];
  if (dispatch) {
    resources.push({ name: "dispatcher", kind: "dispatcher" });
    const workers = Array.from({ length: n }, (_, k) => `w${k}`);
    const spray = id === "sw-spray";
    elements.push({
      kind: "dispatcher",
      name: "dispatcher",
      on: "dispatcher",
      in: "q0",
      out: workers,
      costs: spray ? SPRAYER : DISPATCHER,
      spray,
    });
    for (const [k, w] of workers.entries())
      elements.push({ kind: "worker", name: `worker${k}`, on: `core${k}`, in: w, costs: WORKER });
  } else {
    for (const [k, q] of qLinks.entries())
      elements.push({ kind: "rx-core", name: `rx${k}`, on: `core${k}`, in: q, costs: RX_CORE });
  }
  return {
    strategy: id,
    cores: n,
    nic: o.nic,
    vfs,
    rssLevel: id === "inner-rss" ? "inner" : "outer",
    symmetric: id === "outer-rss" || id === "inner-rss" || id === "flow-rules" ? o.symmetric : null,
    rules: id === "flow-rules" ? o.rules : [],
    // Both directions of a conversation go to one instance (client and server sides paired).
    macOfFlow: id === "mac-vf-instance" ? (f) => instanceMac((f >> 1) % n) : () => ENDPOINT_MAC,
    resources,
    elements,
    queues,
  };
}
