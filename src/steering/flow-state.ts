// Flow rules kept in the simulated host's state (`iovsim flow create|list|destroy`): per port,
// validated when read (a hand-edited state file with a bad rule is reported, never used).
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { HostState } from "../nic/host-model.ts";
import { VFIO_PCI } from "../nic/linux/drivers.ts";
import { findPciPf, pfBoundDriver, rebindAdvice } from "../nic/linux/index.ts";
import type { FlowRule } from "./flow-rules.ts";

const ruleSchema = z
  .object({
    id: z.number().int().min(0),
    field: z.enum(["gtpu-teid", "vxlan-vni", "esp-spi", "ipv4-dst", "udp-dport"]),
    lo: z.number().int().min(0),
    hi: z.number().int().min(0),
    queue: z.number().int().min(0).max(255),
  })
  .strict();
const flowStateSchema = z.record(z.string(), z.array(ruleSchema));

export function readFlowState(state: HostState): Record<string, FlowRule[]> {
  if (state.flow === undefined) return {};
  const r = flowStateSchema.safeParse(state.flow);
  if (!r.success)
    throw new UserError(
      "E_STATE",
      `state.json: $.flow: invalid flow rules (${r.error.issues[0]?.message ?? "?"})`,
    );
  return r.data;
}

export function portRules(state: HostState, port: string): FlowRule[] {
  return readFlowState(state)[port] ?? [];
}

export function setPortRules(state: HostState, port: string, rules: FlowRule[]): void {
  const all = readFlowState(state);
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
