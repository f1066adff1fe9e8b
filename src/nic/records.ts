// PF and VF records as the driver leaves them, built directly (not through the kernel): for the
// switch's configuration T, the fuzz generators and the switch tests. One shape, so a new record
// field is added in one place.
import type { PfRecord, VfRecord } from "./types.ts";
import { VF_VLAN_TRUNK } from "./types.ts";

/** A VF record; `config` overrides the secure defaults (untrusted, anti-spoof on, trunk, 4 queues). */
export function vfRecord(
  index: number,
  mac: string,
  config: Partial<VfRecord["config"]> = {},
  driver = "iavf",
  name = `vf${index}`,
): VfRecord {
  return {
    index,
    name,
    driver,
    rid: 0x180 + index,
    selector: `pci0:1:0:${128 + index}`,
    effectiveMac: mac,
    config: {
      passthrough: false,
      macAddr: mac,
      macAntiSpoof: true,
      allowSetMac: false,
      allowPromisc: false,
      numQueues: 4,
      vlan: VF_VLAN_TRUNK,
      extra: {},
      ...config,
    },
    attachedVm: null,
  };
}

/** An SR-IOV-enabled PF record at pci0:1:0:0 with its VFs from offset 128, stride 1. */
export function pfRecord(
  profile: string,
  vfs: VfRecord[],
  o: { name?: string; mac?: string } = {},
): PfRecord {
  return {
    name: o.name ?? `${profile}0`,
    profile,
    selector: "pci0:1:0:0",
    rid: 0x100,
    totalVfs: 64,
    firstVfOffset: 128,
    vfStride: 1,
    ari: false,
    mac: o.mac ?? "02:00:00:00:00:01",
    sriovEnabled: true,
    vfs,
  };
}
