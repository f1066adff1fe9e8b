// Flow rules kept in the simulated host's state (`iovsim flow create|list|destroy`): per port,
// validated when read (a hand-edited state file with a bad rule is reported, never used).
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { HostState } from "../nic/host-model.ts";
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
