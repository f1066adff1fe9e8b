// `iovctl -S` output (usr.sbin/iovctl/iovctl.c print_schema), byte for byte, and our `-S -v`
// extension: a description and range under each parameter and the PF's SR-IOV limits.
import type { DeviceSchema, ParamSpec, PfSchema } from "./types.ts";
import { SCHEMA_TYPES, VF_VLAN_TRUNK } from "./types.ts";

export interface PfLimitsView {
  totalVfs: number;
  driverMaxVfs: number;
  notes: string[];
}

export interface SchemaText {
  /** What reaches stdout (FreeBSD prints line by line, so output before an error stays). */
  text: string;
  /** Set when a parameter has a type iovctl does not know (`Unexpected type in schema: '<t>'`). */
  error?: string;
}

const KNOWN_TYPES = new Set<string>(SCHEMA_TYPES);

function formatMac(v: unknown): string {
  if (v instanceof Uint8Array) return [...v].map((b) => b.toString(16).padStart(2, "0")).join(":");
  return String(v)
    .split(":")
    .map((f) => f.toLowerCase().padStart(2, "0"))
    .join(":");
}

function formatDefault(spec: ParamSpec): string {
  const v = spec.default;
  switch (spec.type) {
    case "bool":
      return v ? "true" : "false";
    case "unicast-mac":
      return formatMac(v);
    case "vlan":
      return Number(v) === VF_VLAN_TRUNK ? "trunk" : String(v);
    default:
      return String(v);
  }
}

function suffix(spec: ParamSpec): string {
  if (spec.required) return " (required)";
  if (spec.default !== undefined) return ` (default = ${formatDefault(spec)})`;
  return " (optional)";
}

/** Lines for one block; stops at the first unknown type like print_schema's errx(). */
function block(schema: DeviceSchema, verbose: boolean, extra: (spec: ParamSpec) => string[]): SchemaText {
  let text = "";
  for (const spec of [...schema.iov, ...schema.driver]) {
    if (!KNOWN_TYPES.has(spec.type)) return { text, error: `Unexpected type in schema: '${spec.type}'` };
    text += `\t${spec.name} : ${spec.type}${suffix(spec)}\n`;
    if (verbose) {
      const lines = [spec.description ?? "(no description in the driver profile)"];
      if (spec.range) lines.push(`range: ${spec.range}`);
      lines.push(...extra(spec));
      for (const l of lines) text += `\t\t${l}\n`;
    }
  }
  return { text };
}

/**
 * The schema listing. With `verbose` (our -v), each parameter gets its description and
 * range on tab-tab indented lines and PF.num_vfs gets the device's VF limits.
 */
export function formatSchema(schema: PfSchema, verbose = false, limits?: PfLimitsView): SchemaText {
  const pfExtra = (spec: ParamSpec): string[] => {
    if (!limits || spec.name !== "num_vfs") return [];
    return [
      `VFs on this PF: at most ${limits.driverMaxVfs} (TotalVFs ${limits.totalVfs}, then driver and bus limits)`,
      ...limits.notes,
    ];
  };
  let text = "The following configuration parameters may be configured on the PF:\n";
  const pf = block(schema.pf, verbose, pfExtra);
  text += pf.text;
  if (pf.error) return { text, error: pf.error };
  text += "\nThe following configuration parameters may be configured on a VF:\n";
  const vf = block(schema.vf, verbose, () => []);
  text += vf.text;
  return vf.error ? { text, error: vf.error } : { text };
}
