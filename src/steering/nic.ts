// The NIC a steering run is on, from its profile alone (src/nic/profiles/ID.json): the port its
// VFs are created on, its line rate, the limits each strategy meets (queues per VF and their
// interrupts, VFs, the flow-rule table) and the receive packet buffer the NIC element holds
// frames in. So a new NIC is one JSON file: a profile that lacks a fact steering reads is refused naming the fact, and a
// strategy the NIC cannot run (no flow director, no tunnel-aware RSS) is refused with the
// profile's own sourced reason.
import { UserError } from "../errors.ts";
import { DEFAULT_HOST, type HostSpec, validateHostSpec } from "../nic/host-spec.ts";
import { getProfile, type NicProfile } from "../nic/profile.ts";
import { linkGbpsOf } from "../paths/setup.ts";
import { nicLimits, type StrategyId, type StrategyLimits, VF_RSS_STRATEGIES } from "./strategies.ts";
import { unknownNic } from "./unknown-nic.ts";
import { vectorsText } from "./vf-interrupts.ts";

export { vfQueueVectors } from "./vf-interrupts.ts";

/** Exit status of a run the NIC cannot do: a strategy it lacks, a fact its profile lacks. */
export const NIC_REFUSED_EXIT = 2;

export interface SteeringNic {
  /** NIC profile id (ixl, ix, igb, ice, ...). */
  id: string;
  /** The PF the VFs are created on (ixl0, ice0). */
  port: string;
  /** The simulated host: absent, the embedded default host (which has the port); else a host
   *  with this PF alone. */
  hostSpec?: HostSpec;
  linkGbps: number;
  limits: StrategyLimits;
  profile: NicProfile;
}

/** The facts steering reads from a profile beyond the ones every profile must have (RSS, limits). */
const FACTS = {
  packetBuffer:
    "the receive packet buffer (rxBytes, rxBytesRange, tag, source): the NIC element holds frames in it until their DMA is done, for every strategy",
  flow: "the flow-rule table (rules, patterns, source; rules 0 with the reason when the NIC has none): flow-rules steers by it",
} as const;
type Fact = keyof typeof FACTS;

function factsFor(strategies: readonly StrategyId[]): Fact[] {
  return strategies.includes("flow-rules") ? ["packetBuffer", "flow"] : ["packetBuffer"];
}

const hostCache = new Map<string, { port: string; spec?: HostSpec }>();

/** The port of a profile's PF: the default host's when it has one (ixl0, ix0, igb0), else
 *  `<driver>0` on a host of its own (ice0). */
function portOf(p: NicProfile): { port: string; spec?: HostSpec } {
  const have = hostCache.get(p.id);
  if (have) return have;
  const d = DEFAULT_HOST.devices.find((x) => "profile" in x && x.profile === p.id);
  const out = d
    ? { port: d.name }
    : (() => {
        const port = `${p.pf.driver}0`;
        const spec = validateHostSpec(
          {
            description: `steering host: ${port} (NIC profile ${p.id})`,
            devices: [{ name: port, selector: "pci0:1:0:0", profile: p.id, mac: `${p.pf.macOui}:00:00:01` }],
          },
          "steering host",
        );
        return { port, spec };
      })();
  hostCache.set(p.id, out);
  return out;
}

/**
 * The NIC of a steering run. An unknown profile is a usage error; a profile without a fact the
 * asked strategies read is refused (exit 2) naming the fact and where it goes.
 */
export function steeringNic(id: string, strategies: readonly StrategyId[] = []): SteeringNic {
  const p = getProfile(id);
  if (!p) throw unknownNic(id);
  const missing = factsFor(strategies).filter((f) => p[f] === undefined);
  if (missing.length > 0)
    throw new UserError(
      "E_NIC_PROFILE",
      `--nic ${id}: NIC profile ${id} lacks ${missing.map((f) => `'${f}' (${FACTS[f]})`).join(" and ")}, which steering reads; add ${missing.length === 1 ? "it" : "them"} to the profile with a source (src/nic/profiles/README.md)`,
      NIC_REFUSED_EXIT,
    );
  const { port, spec } = portOf(p);
  return {
    id,
    port,
    ...(spec ? { hostSpec: spec } : {}),
    linkGbps: linkGbpsOf(id),
    limits: nicLimits(id),
    profile: p,
  };
}

const vendor = (p: NicProfile) => `${p.pf.vendorName.replace(/ Corporation$/, "")} ${p.pf.deviceName}`;

/**
 * Why this NIC cannot run a strategy (null: it can), with the profile's source: flow-rules needs
 * a flow-rule table, inner-rss tunnel-aware RSS.
 */
export function strategyRefusal(nic: SteeringNic, strategy: StrategyId): string | null {
  const p = nic.profile;
  if (strategy === "flow-rules" && (p.flow?.rules ?? 0) === 0)
    return `${strategy} needs a flow-rule table (Flow Director), and ${nic.port} (${vendor(p)}) has none: ${p.flow?.source ?? "no flow entry"} (NIC profile ${nic.id}, flow.rules)`;
  if (strategy === "inner-rss" && !p.switch.innerRss) {
    const why = p.switch.sources.find((s) => /\bRSS\b/.test(s));
    return `${strategy} needs RSS on a tunnel's inner headers, and ${nic.port} (${vendor(p)}) hashes only the outer headers${why ? `: ${why}` : ""} (NIC profile ${nic.id}, switch.innerRss); spread the inner flows in software instead (--strategy sw-dispatch)`;
  }
  return null;
}

/**
 * The note for rows left out by the VF's interrupt budget (coreLimit: the RSS and flow-rule
 * strategies stop at the queues a VF's MSI-X vectors give an interrupt each): what a consumer
 * that needs none would have, which the model does not price. Undefined when no row was.
 */
export function vectorNote(
  nic: SteeringNic,
  rows: ReadonlyArray<{ strategy: StrategyId; queues: number; skipped: string | null }>,
): string | undefined {
  const v = nic.limits.vfVectors;
  if (!v || v.queues >= nic.limits.queuesPerVf) return undefined;
  const over = rows.filter(
    (r) => r.skipped !== null && VF_RSS_STRATEGIES.includes(r.strategy) && r.queues > v.queues,
  );
  if (over.length === 0) return undefined;
  const cores = [...new Set(over.map((r) => r.queues))].sort((a, b) => a - b);
  const strategies = [...new Set(over.map((r) => r.strategy))];
  return `${nic.port}: ${strategies.join(", ")} on ${cores.join(", ")} cores not run (n/a): every consumer core is priced as a kernel thread under interrupts (NAPI), and ${vectorsText(nic.id, v)} (of the VF's ${nic.limits.queuesPerVf}; a poll-mode consumer such as DPDK's needs no interrupt per queue: not modelled)`;
}
