// Cost profiles: data files in ./profiles/ (or a user's file) validated with zod.
// Every constant carries a value, a unit and a `source` citing performance-anchors.md.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UserError } from "../errors.ts";

const constant = z
  .object({
    value: z.number().finite().nonnegative(),
    unit: z.string().min(1),
    source: z
      .string()
      .min(20, "a source must name the anchor and the publication")
      .regex(/performance-anchors\.md §\d/, "a source must cite performance-anchors.md §N"),
  })
  .strict();

const flag = constant.refine((c) => c.value === 0 || c.value === 1, {
  message: "a flag is 0 or 1",
  path: ["value"],
});
const positive = constant.refine((c) => c.value > 0, { message: "must be greater than 0", path: ["value"] });
const fraction = constant.refine((c) => c.value <= 1, {
  message: "a fraction is between 0 and 1",
  path: ["value"],
});

export const CONSTANT_NAMES = [
  "cpu_ghz",
  "stack_cycles",
  "irq_cycles",
  "doorbell_cycles",
  "pcie_rtt_ns",
  "itr_us",
  "exit_direct_cycles",
  "exit_handler_cycles",
  "exit_indirect_cycles",
  "injection_cycles",
  "eoi_exit_cycles",
  "kick_exit_cycles",
  "idle_wakeup_us",
  "halt_poll_us",
  "device_irq_via_host",
  "device_irq_exits",
  "eoi_exits",
  "bridge_lookup_cycles",
  "epair_hop_cycles",
  "tap_ns",
  "cacheline_transfer_ns",
  "vring_lines_per_packet",
  "copy_fixed_ns",
  "copy_gbytes_per_s",
  "iotlb_miss_rate",
  "iotlb_miss_ns",
  "workload_interrupts_per_sec",
] as const;
export type ConstantName = (typeof CONSTANT_NAMES)[number];

const constants = z
  .object({
    cpu_ghz: positive,
    stack_cycles: positive,
    irq_cycles: constant,
    doorbell_cycles: constant,
    pcie_rtt_ns: constant,
    itr_us: positive,
    exit_direct_cycles: constant,
    exit_handler_cycles: constant,
    exit_indirect_cycles: constant,
    injection_cycles: constant,
    eoi_exit_cycles: constant,
    kick_exit_cycles: constant,
    idle_wakeup_us: constant,
    halt_poll_us: constant,
    device_irq_via_host: flag,
    device_irq_exits: flag,
    eoi_exits: flag,
    bridge_lookup_cycles: constant,
    epair_hop_cycles: constant,
    tap_ns: constant,
    cacheline_transfer_ns: constant,
    vring_lines_per_packet: constant,
    copy_fixed_ns: constant,
    copy_gbytes_per_s: positive,
    iotlb_miss_rate: fraction,
    iotlb_miss_ns: constant,
    workload_interrupts_per_sec: constant,
  })
  .strict();

export const profileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1),
    constants,
  })
  .strict();

export type ProfileFile = z.infer<typeof profileSchema>;

/** A validated profile with plain numeric accessors. */
export interface CostProfile {
  name: string;
  description: string;
  /** Where it came from: "builtin" or a file path. */
  origin: string;
  c: Record<ConstantName, number>;
  file: ProfileFile;
}

const PROFILE_DIR = join(dirname(fileURLToPath(import.meta.url)), "profiles");

export function builtinProfileNames(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** JSON path of a zod issue, e.g. `$.constants.cpu_ghz.source`. */
function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let s = "$";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return s;
}

/** Validates parsed JSON; throws UserError naming `where` and the JSON path of every problem. */
export function parseProfile(data: unknown, where: string): CostProfile {
  const r = profileSchema.safeParse(data);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${where}: ${jsonPath(i.path)}: ${i.message}`);
    throw new UserError("E_PROFILE", `invalid cost profile\n${lines.join("\n")}`);
  }
  const c = {} as Record<ConstantName, number>;
  for (const k of CONSTANT_NAMES) c[k] = r.data.constants[k].value;
  return { name: r.data.name, description: r.data.description, origin: where, c, file: r.data };
}

/** Loads a built-in profile by name or a user's JSON file by path. */
export function loadProfile(nameOrFile = "bhyve"): CostProfile {
  const builtin = builtinProfileNames();
  if (builtin.includes(nameOrFile)) {
    const text = readFileSync(join(PROFILE_DIR, `${nameOrFile}.json`), "utf8");
    return { ...parseProfile(JSON.parse(text), `profiles/${nameOrFile}.json`), origin: "builtin" };
  }
  let text: string;
  try {
    text = readFileSync(nameOrFile, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new UserError(
      "E_PROFILE",
      `--profile ${nameOrFile}: ${why} (built-in profiles: ${builtin.join(", ")})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError("E_PROFILE", `${nameOrFile}: not valid JSON: ${(e as Error).message}`);
  }
  return parseProfile(data, nameOrFile);
}

/** A copy of a profile with some constants replaced (tests, what-if studies). */
export function withConstants(p: CostProfile, changes: Partial<Record<ConstantName, number>>): CostProfile {
  return { ...p, c: { ...p.c, ...changes } };
}
