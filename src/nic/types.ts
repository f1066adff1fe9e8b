// Public types of the control plane's library API (the contract the data plane and the
// packet paths build on). Keep additions backwards compatible.

/** Schema parameter types, exactly as FreeBSD's pci_iov_schema spells them. */
export const SCHEMA_TYPES = [
  "bool",
  "string",
  "uint8_t",
  "uint16_t",
  "uint32_t",
  "uint64_t",
  "unicast-mac",
  "vlan",
] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

/** The largest value of each unsigned schema type. */
export const UINT_MAX: Partial<Record<SchemaType, bigint>> = {
  uint8_t: 0xffn,
  uint16_t: 0xffffn,
  uint32_t: 0xffffffffn,
  uint64_t: 0xffffffffffffffffn,
};

/** VF_VLAN_TRUNK from sys/iov.h: "any VLAN". */
export const VF_VLAN_TRUNK = 4096;

/** A VF's effective configuration after DEFAULT copy and schema defaults (what the driver sees). */
export interface VfConfig {
  passthrough: boolean;
  /** Configured MAC (lower-case "xx:xx:xx:xx:xx:xx"), or null when the file set none. */
  macAddr: string | null;
  macAntiSpoof: boolean;
  allowSetMac: boolean;
  allowPromisc: boolean;
  /** Queue pairs the driver actually gave the VF (after clamping / pool mode). */
  numQueues: number;
  /** 0..4095 = access (port) VLAN, VF_VLAN_TRUNK = trunk, null = the driver has no vlan key. */
  vlan: number | null;
  /** 802.1p priority (PCP) of the port VLAN tag the NIC inserts (Linux `ip link ... qos Q`); 0 when absent. */
  vlanQos?: number;
  /** Every other driver key as configured (name -> value), for display. */
  extra: Record<string, boolean | number | string>;
}

/** One VF as it exists on the simulated PCI bus. */
export interface VfRecord {
  /** VF index i (VF-i in iovctl.conf). */
  index: number;
  /** Attached driver instance name: "iavf0", "ixv1", "igbvf0", "ppt0". */
  name: string;
  /** Driver name without unit: "iavf" | "ixv" | "igbvf" | "ppt". */
  driver: string;
  /** 16-bit routing ID: bus<<8 | devfn. */
  rid: number;
  /** pciconf selector, e.g. "pci0:1:0:16". */
  selector: string;
  /** The MAC the VF uses on the wire: macAddr if configured, else a deterministic locally administered one. */
  effectiveMac: string;
  config: VfConfig;
  /** Name of the VM a passthrough VF is attached to (bhyve), if any. */
  attachedVm: string | null;
  /**
   * False only after a failed IOV_DELETE detached this VF's driver (FreeBSD leaves such VFs
   * driverless until the next successful -D); absent or true = a driver is attached.
   */
  attached?: boolean;
}

/** RSS facts of a NIC profile that the data plane needs. */
export interface RssFacts {
  /** Redirection-table entries a VF hashes into (X710 VF 64; 82599/82576 128). */
  vfRetaSize: number;
  /** True when one table and key are shared by the PF and all VFs (82599, 82576). */
  retaShared: boolean;
  /** RSS hash key length in bytes (X710 52, 82599/82576 40). */
  keyBytes: number;
}

/** One PF and its SR-IOV state. */
export interface PfRecord {
  /** Device name, e.g. "ixl0". */
  name: string;
  /** NIC profile id: "ixl" | "ix" | "igb" (a file under src/nic/profiles/). */
  profile: string;
  selector: string;
  rid: number;
  totalVfs: number;
  firstVfOffset: number;
  vfStride: number;
  ari: boolean;
  /** PF's own MAC address. */
  mac: string;
  sriovEnabled: boolean;
  vfs: VfRecord[];
  /** PF driver name ("ixl", "ix", "igb"). */
  driver?: string;
  /** Driver host VFs attach to when not passthrough ("iavf", "ixv", "igbvf"). */
  vfDriver?: string;
  /** SR-IOV capability's VF Device ID. */
  vfDeviceId?: number;
  rss?: RssFacts;
}

/** One parameter of a driver/infrastructure schema (what IOV_GET_SCHEMA returns, plus our docs). */
export interface ParamSpec {
  name: string;
  type: SchemaType;
  required?: boolean;
  /** Typed like the parameter: bool -> boolean, uintN/vlan -> number, string/unicast-mac -> string. */
  default?: boolean | number | string;
  /** Human description (iovctl -S -v); FreeBSD's plain -S never prints it. */
  description?: string;
  /** Allowed range text for -S -v, e.g. "1..16 (clamped by the driver)". */
  range?: string;
}

/** A device's schema: infrastructure (IOV) parameters first, then driver (DRIVER) ones, in insertion order. */
export interface DeviceSchema {
  iov: ParamSpec[];
  driver: ParamSpec[];
}

export interface PfSchema {
  pf: DeviceSchema;
  vf: DeviceSchema;
}

/** A typed parameter value as packed in the config nvlist (MAC addresses are 6-byte binaries). */
export type ParamValue = boolean | number | bigint | string | Uint8Array;

/** One device node of the IOV_CONFIG nvlist. Keys keep the spelling used in the file. */
export interface DeviceConfig {
  driver: Array<[string, ParamValue]>;
  iov: Array<[string, ParamValue]>;
}

/** The config nvlist iovctl hands to the kernel: PF, then VF-0..VF-(n-1). */
export interface IovConfig {
  pf: DeviceConfig;
  vfs: DeviceConfig[];
}
