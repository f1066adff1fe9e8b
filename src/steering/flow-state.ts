// Flow rules kept in the simulated host's state (`iovsim flow create|list|destroy`): per port,
// validated when read (a hand-edited state file with a bad rule is reported, never used).
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { HostState } from "../nic/host-model.ts";
import { VFIO_PCI } from "../nic/linux/drivers.ts";
import { findPciPf, pfBoundDriver, rebindAdvice } from "../nic/linux/index.ts";
import type { FlowRule } from "./flow-rules.ts";

// A queue rule keeps the shape state files had before drop rules (`queue`, no `action`); a drop
// rule is `action: "drop"` with no queue: one of the two (checked below, where the error can
// name the rule's place).
const ruleSchema = z
  .object({
    id: z.number().int().min(0),
    field: z.enum(["gtpu-teid", "vxlan-vni", "esp-spi", "ipv4-dst", "udp-dport"]),
    lo: z.number().int().min(0),
    hi: z.number().int().min(0),
    queue: z.number().int().min(0).max(255).optional(),
    action: z.literal("drop").optional(),
  })
  .strict();
/** The largest value of each field (VNI 24 bits, UDP port 16, the rest 32). */
const FIELD_MAX: Record<FlowRule["field"], number> = {
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
    if (r.hi < r.lo)
      ctx.addIssue({ code: "custom", path: [i, "hi"], message: `range ${r.lo}-${r.hi} runs backwards` });
    if (r.hi > FIELD_MAX[r.field])
      ctx.addIssue({
        code: "custom",
        path: [i, "hi"],
        message: `${r.field} must be at most ${FIELD_MAX[r.field]}`,
      });
    if ((r.action === "drop") === (r.queue !== undefined))
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `a rule has 'queue' (to a queue) or 'action: "drop"', one of the two`,
      });
    if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `rule id ${r.id} twice` });
    seen.add(r.id);
  });
});
const flowStateSchema = z.record(z.string(), portRulesSchema);

/** `file`: the state file's path, named in the error (the caller knows its directory). */
export function readFlowState(state: HostState, file = "state.json"): Record<string, FlowRule[]> {
  if (state.flow === undefined) return {};
  const r = flowStateSchema.safeParse(state.flow);
  if (!r.success)
    throw new UserError(
      "E_STATE",
      `${file}: $.flow${(r.error.issues[0]?.path ?? []).map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("")}: invalid flow rules (${r.error.issues[0]?.message ?? "?"})`,
    );
  // The refinement above admits exactly the shapes of FlowRule (a queue, or action "drop").
  return r.data as Record<string, FlowRule[]>;
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
