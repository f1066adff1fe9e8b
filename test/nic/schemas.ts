// Reference schemas of control-plane.md §9 (ixl0, ix0), written here from the spec so the
// parser tests do not depend on the NIC profiles' files.
import type { PfSchema } from "../../src/nic/types.ts";

const IOV_PF = [
  { name: "num_vfs", type: "uint16_t", required: true },
  { name: "device", type: "string", required: true },
] as const;

const VF_IOV = [{ name: "passthrough", type: "bool", default: false }] as const;

/** ixl0's and ix0's schemas differ only in the VF's last driver key (§9 lists both in full). */
function intelSchema(lastVfKey: PfSchema["vf"]["driver"][number]): PfSchema {
  return {
    pf: { iov: [...IOV_PF], driver: [] },
    vf: {
      iov: [...VF_IOV],
      driver: [
        { name: "mac-addr", type: "unicast-mac" },
        { name: "mac-anti-spoof", type: "bool", default: true },
        { name: "allow-set-mac", type: "bool", default: false },
        { name: "allow-promisc", type: "bool", default: false },
        lastVfKey,
      ],
    },
  };
}

export const IXL_SCHEMA: PfSchema = intelSchema({ name: "num-queues", type: "uint16_t", default: 4 });

export const IX_SCHEMA: PfSchema = intelSchema({ name: "vlan", type: "vlan", default: 4096 });

/** A schema exercising every type, including a required driver PF key and uint8/32/64. */
export const WIDE_SCHEMA: PfSchema = {
  pf: {
    iov: [...IOV_PF],
    driver: [
      { name: "mode", type: "string", required: true },
      { name: "u8", type: "uint8_t", default: 1 },
    ],
  },
  vf: {
    iov: [...VF_IOV],
    driver: [
      { name: "u32", type: "uint32_t" },
      { name: "u64", type: "uint64_t" },
      { name: "token", type: "string", required: true },
    ],
  },
};

export function schemaFor(device: string): PfSchema | undefined {
  if (device === "ixl0") return IXL_SCHEMA;
  if (device === "ix0") return IX_SCHEMA;
  if (device === "wide0") return WIDE_SCHEMA;
  return undefined;
}
