// The kernel's re-validation of an IOV_CONFIG nvlist against the PF's schema
// (pci_iov_schema_validate_config, control-plane.md §3.5), with schema defaults inserted.
// Unlike the kernel it reports every problem, so the offline validator can list them all.
import type { VfParams } from "./drivers/driver.ts";
import type { DeviceConfig, DeviceSchema, IovConfig, ParamSpec, ParamValue, PfSchema } from "./types.ts";
import { UINT_MAX, VF_VLAN_TRUNK } from "./types.ts";

export interface ConfigProblem {
  /** Undefined for the PF node. */
  vf?: number;
  key?: string;
  message: string;
}

export interface CheckedConfig {
  problems: ConfigProblem[];
  numVfs: number;
  pfParams: VfParams;
  /** One map per VF (IOV and DRIVER keys together, lower-cased, defaults applied). */
  vfParams: VfParams[];
}

/** Normalises one value to what drivers see (numbers, booleans, "xx:xx:.." MACs) or explains why it is invalid. */
export function checkValue(
  spec: ParamSpec,
  v: ParamValue,
): { value: boolean | number | string } | { error: string } {
  switch (spec.type) {
    case "bool":
      return typeof v === "boolean" ? { value: v } : { error: "expected a bool" };
    case "string":
      return typeof v === "string" ? { value: v } : { error: "expected a string" };
    case "vlan": {
      if (typeof v !== "number" && typeof v !== "bigint")
        return { error: "expected a VLAN number or trunk (4096)" };
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > VF_VLAN_TRUNK)
        return { error: `VLAN ${String(v)} is out of range 0..4095 (4096 = trunk)` };
      return { value: n };
    }
    case "unicast-mac": {
      let bytes: number[] | undefined;
      if (v instanceof Uint8Array) bytes = v.length === 6 ? [...v] : undefined;
      else if (typeof v === "string" && /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(v))
        bytes = v.split(":").map((h) => Number.parseInt(h, 16));
      if (!bytes) return { error: "expected a 6-byte MAC address" };
      if (bytes[0] & 1) return { error: "a multicast MAC address is not allowed" };
      return { value: bytes.map((b) => b.toString(16).padStart(2, "0")).join(":") };
    }
    default: {
      const max = UINT_MAX[spec.type];
      if (typeof v !== "number" && typeof v !== "bigint") return { error: `expected a ${spec.type}` };
      if (typeof v === "number" && !Number.isInteger(v)) return { error: `expected an integer ${spec.type}` };
      const b = BigInt(v);
      if (b < 0n || (max !== undefined && b > max))
        return { error: `${String(v)} is out of range for ${spec.type} (0..${max})` };
      return { value: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString() };
    }
  }
}

function checkNode(
  node: DeviceConfig,
  schema: DeviceSchema,
  where: string,
  vf: number | undefined,
  problems: ConfigProblem[],
): VfParams {
  const params: VfParams = new Map();
  const sections: Array<["iov" | "driver", ParamSpec[]]> = [
    ["iov", schema.iov],
    ["driver", schema.driver],
  ];
  for (const [part, specs] of sections) {
    const seen = new Set<string>();
    for (const [key, value] of node[part]) {
      const lower = key.toLowerCase();
      const spec = specs.find((s) => s.name.toLowerCase() === lower);
      if (!spec) {
        problems.push({
          vf,
          key,
          message: `${where}: '${key}' is not a ${part.toUpperCase()} parameter of this device`,
        });
        continue;
      }
      if (seen.has(lower)) {
        problems.push({ vf, key, message: `${where}: '${key}' is given more than once` });
        continue;
      }
      seen.add(lower);
      const r = checkValue(spec, value);
      if ("error" in r) problems.push({ vf, key, message: `${where}: ${spec.name}: ${r.error}` });
      else params.set(spec.name.toLowerCase(), r.value);
    }
    for (const spec of specs) {
      const name = spec.name.toLowerCase();
      if (params.has(name)) continue;
      if (spec.required)
        problems.push({
          vf,
          key: spec.name,
          message: `${where}: required parameter '${spec.name}' is missing`,
        });
      else if (spec.default !== undefined) params.set(name, spec.default);
    }
  }
  return params;
}

export function checkIovConfig(schema: PfSchema, config: IovConfig): CheckedConfig {
  const problems: ConfigProblem[] = [];
  const pfParams = checkNode(config.pf, schema.pf, "PF", undefined, problems);
  const n = pfParams.get("num_vfs");
  const numVfs = typeof n === "number" ? n : 0;
  if (typeof n === "number" && n < 1)
    problems.push({ key: "num_vfs", message: "PF: num_vfs must be at least 1" });
  if (config.vfs.length !== numVfs && typeof n === "number")
    problems.push({
      key: "num_vfs",
      message: `the configuration has ${config.vfs.length} VF node(s) but num_vfs is ${numVfs} (every VF-0..VF-${numVfs - 1} must be present, no others)`,
    });
  const vfParams = config.vfs.map((node, i) => checkNode(node, schema.vf, `VF-${i}`, i, problems));
  return { problems, numVfs, pfParams, vfParams };
}
