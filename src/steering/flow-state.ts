// Flow rules kept in the simulated host's state (`iovsim flow create|list|destroy`): per port,
// validated when read (a hand-edited state file with a bad rule is reported, never used).
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { HostState } from "../nic/host-model.ts";
import { VFIO_PCI } from "../nic/linux/drivers.ts";
import { findPciPf, pfBoundDriver, rebindAdvice } from "../nic/linux/index.ts";
import {
  chainError,
  type FlowRule,
  isAddressField,
  itemsOf,
  type NumericField,
  PATTERN_ITEMS,
  portRuleQueues,
  queueOutOfRange,
} from "./flow-rules.ts";
import { canonicalIpv6 } from "./ipv6-text.ts";

/** The largest rule ID: a rule's location is ethtool_rx_flow_spec.location, a __u32. */
export const FLOW_RULE_ID_MAX = 0xffffffff;

// A queue rule keeps the shape state files had before drop rules (`queue`, no `action`); a drop
// rule is `action: "drop"` with no queue: one of the two (checked below, where the error can
// name the rule's place). A numeric field has `lo` and `hi`; an IPv6 field (`ipv6-src`,
// `ipv6-dst`) has `addr` instead (the address as inet_ntop prints it), so state files written
// before IPv6 rules read unchanged. `items` is the pattern's item chain (its packet type, and
// what `flow list` prints back); a state file written before it has none: such a rule is read
// as the rule its listing showed then (`gtpu teid 5`, the keyed item alone), which names no IP
// version and so matches either, as it did.
const ruleSchema = z
  .object({
    // ethtool_rx_flow_spec.location: a u32 (ethtool -N ... delete reads it up to INT_MAX).
    id: z.number().int().min(0).max(FLOW_RULE_ID_MAX),
    field: z.enum(["gtpu-teid", "vxlan-vni", "esp-spi", "ipv4-dst", "udp-dport", "ipv6-src", "ipv6-dst"]),
    lo: z.number().int().min(0).optional(),
    hi: z.number().int().min(0).optional(),
    addr: z.string().optional(),
    queue: z.number().int().min(0).max(255).optional(),
    action: z.literal("drop").optional(),
    items: z.array(z.enum(PATTERN_ITEMS)).optional(),
  })
  .strict();
/** The largest value of each numeric field (VNI 24 bits, UDP port 16, the rest 32). */
const FIELD_MAX: Record<NumericField, number> = {
  "gtpu-teid": 0xffffffff,
  "vxlan-vni": 0xffffff,
  "esp-spi": 0xffffffff,
  "ipv4-dst": 0xffffffff,
  "udp-dport": 0xffff,
};

// What `flow create` would have refused is refused when read, too: a hand-edited rule with a
// backwards range counted negative entries ("-4 of 8192") and steering ran it.
const portRulesSchema = z.array(ruleSchema).superRefine((rules, ctx) => {
  const seen = new Set<number>();
  rules.forEach((r, i) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path: [i, ...path], message });
    if (isAddressField(r.field)) {
      if (r.lo !== undefined || r.hi !== undefined)
        issue([r.lo !== undefined ? "lo" : "hi"], `an ${r.field} rule has 'addr', not 'lo'/'hi'`);
      if (r.addr === undefined) issue(["addr"], `an ${r.field} rule needs 'addr' (an IPv6 address)`);
      else if (canonicalIpv6(r.addr) === undefined)
        issue(["addr"], `'${r.addr}' is not an IPv6 address inet_pton(AF_INET6) reads`);
    } else {
      if (r.addr !== undefined) issue(["addr"], `a ${r.field} rule has 'lo' and 'hi', not 'addr'`);
      if (r.lo === undefined || r.hi === undefined)
        issue([r.lo === undefined ? "lo" : "hi"], `a ${r.field} rule needs 'lo' and 'hi'`);
      else {
        if (r.hi < r.lo) issue(["hi"], `range ${r.lo}-${r.hi} runs backwards`);
        if (r.hi > FIELD_MAX[r.field]) issue(["hi"], `${r.field} must be at most ${FIELD_MAX[r.field]}`);
      }
    }
    if (r.items !== undefined) {
      const bad = chainError(r.items, r.field);
      if (bad) issue(bad.index < r.items.length ? ["items", bad.index] : ["items"], bad.message);
    }
    if ((r.action === "drop") === (r.queue !== undefined))
      issue([], `a rule has 'queue' (to a queue) or 'action: "drop"', one of the two`);
    if (seen.has(r.id)) issue(["id"], `rule id ${r.id} twice`);
    seen.add(r.id);
  });
});
const flowStateSchema = z.record(z.string(), portRulesSchema);

/**
 * Every broken rule of a state file's `flow` section, as "$.flow...: reason" (the state loader
 * reports the first, located; registered in src/cli/state-sections.ts). Besides the rules' own
 * shape: their port is a PF of the host (a rule lives in its PF driver).
 */
export function flowSectionProblems(value: unknown, state: HostState): string[] {
  const r = flowStateSchema.safeParse(value);
  const path = (p: PropertyKey[]) =>
    p.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("");
  if (!r.success)
    return r.error.issues.map((i) => `$.flow${path(i.path)}: invalid flow rules (${i.message})`);
  const profiles = new Map(
    state.spec.devices.flatMap((d) => ("profile" in d ? [[d.name, String(d.profile)] as const] : [])),
  );
  const out: string[] = [];
  for (const [port, rules] of Object.entries(r.data)) {
    const profile = profiles.get(port);
    if (profile === undefined) {
      out.push(`$.flow.${port}: no PF '${port}' on this host (flow rules live in a PF driver)`);
      continue;
    }
    // The rules live in the PF driver: unbinding it (the Linux view) freed them.
    if (rules.length > 0 && state.pfs[port]?.attached === false)
      out.push(
        `$.flow.${port}: ${rules.length} rule${rules.length === 1 ? "" : "s"} on ${port}, whose PF driver is unbound (its remove freed them)`,
      );
    // The most queues the port's function ever has: on 82599 a rule flow create took before
    // VFs took half the PF's queues stays (ixgbe keeps it, and skips it when it restores the
    // filters); past that bound no command makes a rule.
    const queues = portRuleQueues(profile);
    rules.forEach((rule, i) => {
      if (rule.queue !== undefined && rule.queue >= queues)
        out.push(`$.flow.${port}[${i}].queue: ${queueOutOfRange(rule.queue, port, profile, queues)}`);
    });
  }
  return out;
}

/** `file`: the state file's path, named in the error (the caller knows its directory). */
export function readFlowState(state: HostState, file = "state.json"): Record<string, FlowRule[]> {
  if (state.flow === undefined) return {};
  const r = flowStateSchema.safeParse(state.flow);
  if (!r.success)
    throw new UserError(
      "E_STATE",
      `${file}: $.flow${(r.error.issues[0]?.path ?? []).map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("")}: invalid flow rules (${r.error.issues[0]?.message ?? "?"})`,
    );
  // The refinement above admits exactly the shapes of FlowRule (a queue, or action "drop"; a
  // range, or an address). An address is kept as inet_ntop prints it (a hand-written
  // "2001:DB8::1" matches what the frame's "2001:db8::1" is).
  const out: Record<string, FlowRule[]> = {};
  for (const [port, rules] of Object.entries(r.data))
    out[port] = rules.map((x) => {
      const rule = (x.addr !== undefined ? { ...x, addr: canonicalIpv6(x.addr)! } : x) as FlowRule;
      return { ...rule, items: itemsOf(rule) };
    });
  return out;
}

export function portRules(state: HostState, port: string, file?: string): FlowRule[] {
  return readFlowState(state, file)[port] ?? [];
}

export function setPortRules(state: HostState, port: string, rules: FlowRule[], file?: string): void {
  const all = readFlowState(state, file);
  if (rules.length === 0) delete all[port];
  else all[port] = rules;
  state.flow = all;
}

/**
 * Why PORT has no netdev for flow rules when the Linux view has its PF driver unbound (or the PF
 * bound to vfio-pci), with the bind that gives it back; undefined while the driver is bound.
 * ethtool then fails with ENODEV ("No such device"): the rules live in the driver.
 */
export function unboundPortReason(state: HostState, port: string): string | undefined {
  if (state.pfs[port]?.attached !== false) return undefined;
  const pf = findPciPf(state, port);
  if (!pf) return undefined;
  const vfio = pfBoundDriver(state, pf) === VFIO_PCI;
  const driver = pf.facts.pfDriver;
  return `${port} has no netdev: its PF driver (${driver}) is unbound on the simulated host${vfio ? " (the PF is bound to vfio-pci)" : ""}, so ethtool gets "No such device"; bind it again with ${rebindAdvice(state, pf)}`;
}
