// Cost profiles of the virtual-time engine (src/model/costs/*.json, or a user's file): every
// constant has a value, a unit, a range [low, high] from its sources, the publication it comes
// from, a tag (verified | secondary | derived | assumption) and a sentence on how it is used.
// A profile may `extends` another and override some constants. Validated with zod; a bad file
// is reported with the JSON path of each problem (and line:column when it is not JSON).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UserError } from "../errors.ts";
import { isSpecialFile, readErrorReason } from "../input-file.ts";
import {
  jsonErrorOffset,
  jsonPathOffset,
  jsonSyntaxReason,
  lineColumn,
  refuseDuplicateKey,
} from "../nic/json-locate.ts";
import { COST_SWITCHES, REMOVED_SWITCHES, switchList } from "./cost-switches.ts";
import { VIRTIO_RING_SIZE } from "./virtio-ring.ts";

export const COST_TAGS = ["verified", "secondary", "derived", "assumption"] as const;
/** The OSes a profile's host and guest may run (whose drivers the NIC profiles describe). */
export const COST_OSES = ["freebsd", "linux"] as const;
export type CostOs = (typeof COST_OSES)[number];

/** One line of printable text: each of these fields is one cell of `model show`'s table (a line
 *  end in it split the row in two). */
const ONE_LINE = /^[^\p{Cc}]+$/u;
const ONE_LINE_MESSAGE = "one line of printable characters (no tab, line end or control character)";

const constantSchema = z
  .object({
    value: z.number().finite().nonnegative(),
    unit: z.string().min(1).regex(ONE_LINE, `a unit is ${ONE_LINE_MESSAGE}`),
    range: z.tuple([z.number().finite(), z.number().finite()]),
    tag: z.enum(COST_TAGS),
    source: z
      .string()
      .min(10, "a source names the publication (at least 10 characters)")
      .regex(ONE_LINE, `a source is ${ONE_LINE_MESSAGE}`)
      // A source names the publication itself, never a private summary of it.
      .refine((s) => !/anchors\.md/i.test(s), "cite the publication itself, not a summary file"),
    use: z
      .string()
      .min(5, "a use says what the engine charges it for (at least 5 characters)")
      .regex(ONE_LINE, `a use is ${ONE_LINE_MESSAGE}`),
  })
  .strict()
  .refine((c) => c.range[0] <= c.range[1], { message: "range low > high", path: ["range"] })
  .refine((c) => c.value >= c.range[0] && c.value <= c.range[1], {
    error: (iss) => outsideRange(iss.input as { value: number; range: number[] }),
    path: ["value"],
  });

/** A value outside its range, both named (what to change, without opening the file). */
function outsideRange(c: { value: number; range: readonly number[] }): string {
  return `value ${c.value} outside its range [${c.range.join(", ")}]`;
}

/** The constants the engine reads (every profile, after `extends`, has all of them). */
export const COST_NAMES = [
  "cpu_ghz",
  "host_irq_cycles",
  "drv_rx_batch_cycles",
  "drv_rx_pkt_cycles",
  "stack_rx_cycles",
  "stack_tx_cycles",
  "drv_tx_pkt_cycles",
  "tx_reap_pkt_cycles",
  "doorbell_cycles",
  "napi_budget",
  "itr_us",
  "nic_window_frames",
  "nic_window_ns",
  "pcie_rtt_ns",
  "iotlb_lookups_per_packet",
  "iotlb_miss_rate",
  "iotlb_miss_rate_hugepage",
  "hugepages",
  "iotlb_miss_ns",
  "exit_cycles",
  "injection_cycles",
  "posted_injection_cycles",
  "guest_irq_cycles",
  "posted_interrupts",
  "device_irq_via_host",
  "host_irq_on_vcpu",
  "eoi_exits",
  "wakeup_ns",
  "halt_poll_ns",
  "guest_idle_spins",
  "guest_idle_spin_cycles",
  "guest_idle_spin_threshold",
  "guest_stathz",
  "host_idle_spins",
  "thread_wakeup_ns",
  "kick_exit_cycles",
  "vhost_batch_cycles",
  "vhost_pkt_cycles",
  "vhost_pkt_weight",
  "vhost_byte_weight",
  "tap_handoff_lines",
  "tap_lock_lines",
  "vhost_publish_cycles",
  "copy_fixed_ns",
  "copy_gbytes_per_s",
  "bridge_cycles",
  "epair_cycles",
  "ip_forward_cycles",
  "tap_cycles",
  "pktgen_tap_cycles",
  "peer_turnaround_ns",
  "virtio_event_idx",
  "virtio_rx_refill_free",
  "vhost_signal_per_packet",
  "irqfd_msi_fastpath",
  "irqfd_bounce_cycles",
  "dispatch_parse_cycles",
  "xcore_transfer_cycles",
  "app_rx_cycles",
  "backpressure_retry_ns",
] as const;
export type CostName = (typeof COST_NAMES)[number];
const FLAGS: CostName[] = [
  "posted_interrupts",
  "device_irq_via_host",
  "host_irq_on_vcpu",
  "eoi_exits",
  "hugepages",
  "virtio_event_idx",
  "vhost_signal_per_packet",
  "irqfd_msi_fastpath",
];
const POSITIVE: CostName[] = [
  "cpu_ghz",
  "backpressure_retry_ns",
  "napi_budget",
  "nic_window_frames",
  "copy_gbytes_per_s",
  "guest_stathz",
];
/** Counts the engine loops over (frames per poll, descriptors per write-back): a fraction has no
 *  meaning there (a budget of 64.5 frames). */
const WHOLE: CostName[] = [
  "napi_budget",
  "nic_window_frames",
  "guest_idle_spins",
  "guest_idle_spin_threshold",
  "host_idle_spins",
  "virtio_rx_refill_free",
  "vhost_pkt_weight",
  "vhost_byte_weight",
];
/** Shares of the IOTLB look-ups that miss: more than all of them has no meaning. */
const FRACTIONS: CostName[] = ["iotlb_miss_rate", "iotlb_miss_rate_hugepage"];
/** The largest value (and range end) of any constant, in its unit: 10^9 cycles is a third of a
 *  second of one core's work per event, 10^9 ns a second, 10^9 us a quarter of an hour. Beyond it
 *  one event outlasts any run (a trial drains for 50 ms of virtual time) many times over, and
 *  virtual time, ns in a double, loses the resolution the figures are printed to. */
export const COST_MAX = 1e9;
/** The smallest clock (GHz) and copy rate (GB/s): below, one cycle or byte outlasts COST_MAX ns. */
export const COST_MIN_POSITIVE = 1e-3;

/**
 * Why `v` cannot be constant `k`'s value, or an end of its range (`fidelity --sensitivity` runs
 * each end, a `{k=v}` variant may set any value inside it): undefined when it can.
 */
function domainProblem(k: CostName, v: number, unit: string): string | undefined {
  if (v < 0) return "must be >= 0";
  if (FLAGS.includes(k) && v !== 0 && v !== 1) return "a flag is 0 or 1";
  if (POSITIVE.includes(k) && v <= 0) return "must be > 0";
  if (POSITIVE.includes(k) && v < COST_MIN_POSITIVE) return `must be at least ${COST_MIN_POSITIVE}`;
  if (WHOLE.includes(k) && !Number.isInteger(v)) return `a count of ${unit}, a whole number`;
  if (FRACTIONS.includes(k) && v > 1) return "a fraction of the look-ups, at most 1";
  // The guest re-posts once MORE than this many buffers are free: at the ring's size or above it
  // never does, and receive stops after one ring's worth (Linux bounds it by the ring itself:
  // num_free > min(budget, vring size) / 2).
  if (k === "virtio_rx_refill_free" && v >= VIRTIO_RING_SIZE)
    return `must stay below the virtio ring size (${VIRTIO_RING_SIZE} entries), or the guest never re-posts its receive buffers`;
  if (v > COST_MAX) return "at most 10^9 (the largest value the engine takes for any constant)";
  return undefined;
}

const fileSchema = z
  .object({
    // One line of printable text: the name heads the terminal's report line and the CSV rows
    // (a line end in it split the header in two).
    name: z.string().min(1).regex(ONE_LINE, `a name is ${ONE_LINE_MESSAGE}`),
    description: z.string().min(1),
    // "" is no profile: without this it read as no `extends` at all, and the file was refused
    // for the 55 constants it then lacked rather than for the empty name.
    extends: z.string().min(1, "name a built-in profile or a file (or leave extends out)").optional(),
    // The OS of the host and of the guest: the transmit drivers of a path are theirs, and run
    // with the bounds the NIC profile gives that OS's driver (src/nic/tx-queue.ts). Inherited
    // through `extends`; a profile that extends none names both.
    os: z
      .object({ host: z.enum(COST_OSES), guest: z.enum(COST_OSES) })
      .strict()
      .optional(),
    constants: z.record(z.string(), constantSchema),
  })
  .strict();

export type CostConstant = z.infer<typeof constantSchema>;

export interface Costs {
  name: string;
  description: string;
  origin: string;
  /** The name loadCosts resolves to this profile on any thread (a worker, a partition): a
   *  built-in's name or a file's absolute path, with its variant suffix (`!switch`, `{k=v}`). */
  ref: string;
  c: Record<CostName, number>;
  constants: Record<string, CostConstant>;
  /** The OS of the host and of the guest (whose drivers' transmit-queue bounds a path takes). */
  os: { host: CostOs; guest: CostOs };
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), "costs");

export function costProfileNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let s = "$";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return s;
}

/** `file:line:column` of the entry at `path` when the text is known, else just `file`. */
function locate(where: string, text: string | undefined, path: ReadonlyArray<PropertyKey>): string {
  if (text === undefined) return where;
  const { line, column } = lineColumn(text, jsonPathOffset(text, path));
  return `${where}:${line}:${column}`;
}

/**
 * Validates one parsed profile file (with its `extends` chain resolved by `load`). With the
 * file's `text`, every problem is reported as file:line:column of the entry at fault.
 */
export function parseCosts(data: unknown, where: string, load = loadCosts, text?: string): Costs {
  // Every problem of the file is reported in one run, in file order: the fields of each
  // constant (the schema), then what can still be checked of the rest (names, units, values and
  // range ends of the entries that have them), not only after the first kind is fixed.
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  const r = fileSchema.safeParse(data);
  if (!r.success) for (const i of r.error.issues) problems.push({ path: i.path, message: i.message });
  const file = (r.success ? r.data : data) as Partial<{
    extends: unknown;
    constants: unknown;
    os: unknown;
  }> | null;
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  const own: Record<string, unknown> = isObject(file) && isObject(file.constants) ? file.constants : {};
  let base: Record<string, CostConstant> = {};
  let baseOs: Costs["os"] | undefined;
  let baseKnown = true;
  const ext = isObject(file) ? file.extends : undefined;
  if (typeof ext === "string" && ext.length > 0) {
    try {
      const b = load(ext);
      base = b.constants;
      baseOs = b.os;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      problems.push({ path: ["extends"], message: why });
      baseKnown = false;
    }
  } else if (ext !== undefined) baseKnown = false;
  // The engine reads each value in one unit (bhyve's, which every profile extends or restates):
  // a value in another unit would be taken as if it were in that one.
  const units =
    where === `costs/${UNIT_REFERENCE}.json` ? base : { ...load(UNIT_REFERENCE).constants, ...base };
  for (const [k, v] of Object.entries(own)) {
    const unit = isObject(v) ? v.unit : undefined;
    if (!(COST_NAMES as readonly string[]).includes(k))
      problems.push({
        path: ["constants", k],
        message: `unknown constant (known: ${COST_NAMES.join(", ")})`,
      });
    else if (units[k] && typeof unit === "string" && units[k].unit !== unit)
      problems.push({
        path: ["constants", k, "unit"],
        message: `unit '${unit}' is not the one the engine reads ${k} in ('${units[k].unit}'): convert the value and range`,
      });
  }
  const c = {} as Record<CostName, number>;
  for (const k of COST_NAMES) {
    const mine = own[k];
    const v = (mine ?? base[k]) as Partial<Record<keyof CostConstant, unknown>> | undefined;
    if (!isObject(v)) {
      // Missing only when the whole chain is known (a broken `extends` is reported once, above).
      if (v === undefined && baseKnown && isObject(file) && isObject(file.constants))
        problems.push({ path: ["constants", k], message: "missing" });
      continue;
    }
    const unit = typeof v.unit === "string" ? v.unit : "";
    const value = typeof v.value === "number" && Number.isFinite(v.value) ? v.value : undefined;
    const why = value === undefined ? undefined : domainProblem(k, value, unit);
    if (why) problems.push({ path: ["constants", k, "value"], message: why });
    // The ends of a range are values too: a variant may take any value inside it.
    const range = Array.isArray(v.range) ? v.range : [];
    // The schema's own range checks (constantSchema) do not run on an entry with another
    // problem (a missing source): the same checks, so both are reported at once.
    const [low, high] = range;
    if (mine !== undefined && range.length === 2 && typeof low === "number" && typeof high === "number") {
      if (low > high) problems.push({ path: ["constants", k, "range"], message: "range low > high" });
      else if (value !== undefined && (value < low || value > high))
        problems.push({
          path: ["constants", k, "value"],
          message: outsideRange({ value, range: [low, high] }),
        });
    }
    if (mine !== undefined)
      range.forEach((end, i) => {
        const bad = typeof end === "number" && Number.isFinite(end) ? domainProblem(k, end, unit) : undefined;
        if (bad) problems.push({ path: ["constants", k, "range", i], message: bad });
      });
    if (value !== undefined) c[k] = value;
  }
  // A profile that extends none says which OS its host and guest run.
  if (ext === undefined && isObject(file) && file.os === undefined)
    problems.push({
      path: ["os"],
      message:
        'missing: a profile that extends none names the OS of its host and guest, e.g. "os": { "host": "freebsd", "guest": "freebsd" }',
    });
  if (problems.length > 0) {
    // In file order (the schema and the checks after it each go entry by entry); once each.
    const offset = (path: PropertyKey[]) => (text === undefined ? 0 : jsonPathOffset(text, path));
    const lines = problems
      .map((p, i) => ({ ...p, i, at: offset(p.path) }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((p) => `${locate(where, text, p.path)}: ${jsonPath(p.path)}: ${p.message}`);
    throw new UserError("E_PROFILE", `invalid cost profile\n${[...new Set(lines)].join("\n")}`);
  }
  if (!r.success) throw new Error("unreachable: a schema problem is a problem");
  const constants: Record<string, CostConstant> = { ...base, ...r.data.constants };
  const os = r.data.os ?? baseOs;
  if (!os) throw new Error("unreachable: a profile without os extends one that has it");
  return { name: r.data.name, description: r.data.description, origin: where, ref: where, c, constants, os };
}

/** The profile whose units are the engine's (every other built-in extends it). */
const UNIT_REFERENCE = "bhyve";

const cache = new Map<string, Costs>();
/** Files being loaded, outermost first: an `extends` back into one of them is a cycle. */
const loading: string[] = [];

/**
 * A built-in profile by name, or a user's JSON file by path (errors name file:line:column).
 * A file's `extends` names a built-in, or another file relative to the file's own directory.
 * Either may be followed by variant steps, applied left to right: `!SWITCH` (COST_SWITCHES) and
 * `{constant=value,...}` (values inside the constants' ranges). A variant is rebuilt from its
 * name alone, so the same name gives the same profile on any thread. `option` names where the
 * name came from in errors.
 */
export function loadCosts(nameOrFile = "bhyve", option = "--profile"): Costs {
  // '' names nothing: not "no such file" with an empty name after the option.
  if (nameOrFile === "")
    throw new UserError(
      "E_USAGE",
      `option '${option}' needs a profile name or a file, not an empty string (built-in profiles: ${costProfileNames().join(", ")})`,
    );
  const hit = cache.get(nameOrFile);
  if (hit) return hit;
  const cut = nameOrFile.search(/[!{]/);
  if (cut > 0) {
    const v = loadVariant(nameOrFile, cut, option);
    cache.set(nameOrFile, v);
    return v;
  }
  const builtin = costProfileNames();
  const isBuiltin = builtin.includes(nameOrFile);
  const file = isBuiltin ? join(DIR, `${nameOrFile}.json`) : nameOrFile;
  const where = isBuiltin ? `costs/${nameOrFile}.json` : nameOrFile;
  if (loading.includes(resolve(file)))
    throw new UserError(
      "E_PROFILE",
      `extends itself: ${[...loading.slice(loading.indexOf(resolve(file))), resolve(file)].map((f) => basename(f)).join(" -> ")}`,
    );
  let text: string;
  if (isSpecialFile(file))
    throw new UserError(
      "E_PROFILE",
      `${option} ${nameOrFile}: not a regular file (built-in profiles: ${builtin.join(", ")})`,
    );
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const why = readErrorReason(e);
    throw new UserError(
      "E_PROFILE",
      `${option} ${nameOrFile}: ${why} (built-in profiles: ${builtin.join(", ")}; a variant is NAME!SWITCH or NAME{constant=value})`,
    );
  }
  text = text.replace(/^\uFEFF/, ""); // a byte-order mark some editors write is not JSON's concern
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const off = jsonErrorOffset(text);
    const { line, column } = lineColumn(text, Math.max(0, off));
    throw new UserError("E_PROFILE", `${where}:${line}:${column}: not valid JSON: ${jsonSyntaxReason(e)}`);
  }
  refuseDuplicateKey(text, where);
  const extendsFrom = (name = "bhyve") => {
    const base = variantBase(name);
    const target = builtin.includes(base) || isAbsolute(base) ? name : join(dirname(file), name);
    // Neither a built-in nor a file: say so in the file's own words (the value as written, the
    // file it was looked for at), not as if the user had typed --profile.
    if (!builtin.includes(base) && !existsSync(variantBase(target)))
      throw new UserError(
        "E_PROFILE",
        `'${name}' is neither a built-in profile (${builtin.join(", ")}; a variant is NAME!SWITCH or NAME{constant=value}) nor a file (no ${resolve(variantBase(target))})`,
      );
    return loadCosts(target, "extends");
  };
  loading.push(resolve(file));
  let p: Costs;
  try {
    p = parseCosts(data, where, extendsFrom, text);
  } finally {
    loading.pop();
  }
  const out = isBuiltin ? { ...p, origin: "builtin", ref: nameOrFile } : { ...p, ref: resolve(file) };
  cache.set(nameOrFile, out);
  return out;
}

/** The profile a (possibly variant) name starts from: the text before its first `!` or `{`. */
export function variantBase(name: string): string {
  const cut = name.search(/[!{]/);
  return cut > 0 ? name.slice(0, cut) : name;
}

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[-+]?[0-9]+)?$/i;

/** `ref`'s base profile with its variant steps (from `cut` on) applied, checked like a file. */
function loadVariant(ref: string, cut: number, option: string): Costs {
  const base = ref.slice(0, cut);
  const suffix = ref.slice(cut);
  const bad = (why: string) => new UserError("E_PROFILE", `${option} ${ref}: ${why}`);
  if (!costProfileNames().includes(base) && !existsSync(base) && existsSync(ref))
    throw bad("a profile file whose name holds '!' or '{' cannot be named (they start a variant): rename it");
  const p = loadCosts(base, option);
  const changes: Partial<Record<CostName, number>> = {};
  // A switch or a constant given twice: refused, as a repeated list item elsewhere (the last
  // would silently win). A switch may still move a constant a {} step set (applied in order).
  const seenSwitches = new Set<string>();
  const seenConstants = new Set<string>();
  const step = /!([^!{]*)|\{([^}]*)\}/y;
  for (let at = 0; at < suffix.length; ) {
    step.lastIndex = at;
    const m = step.exec(suffix);
    if (!m) throw bad(`'${suffix.slice(at)}' is not a variant step (!SWITCH or {constant=value,...})`);
    at = step.lastIndex;
    if (m[1] !== undefined) {
      const sw = COST_SWITCHES[m[1]];
      const gone = REMOVED_SWITCHES[m[1]];
      if (!sw && gone) throw bad(gone);
      if (!sw) throw bad(`unknown switch '${m[1]}' (switches: ${switchList()})`);
      if (seenSwitches.has(m[1])) throw bad(`switch '${m[1]}' is given twice`);
      seenSwitches.add(m[1]);
      Object.assign(changes, sw.set);
      continue;
    }
    for (const pair of m[2]!.split(",")) {
      const [k, v, extra] = pair.split("=");
      if (k === undefined || v === undefined || extra !== undefined || k === "")
        throw bad(`'{${m[2]}}': each entry is constant=value`);
      if (!(COST_NAMES as readonly string[]).includes(k))
        throw bad(`unknown constant '${k}' (known: ${COST_NAMES.join(", ")})`);
      // A negative value is a number (its range refuses it below); 1e999 is none that fits.
      if (!NUMBER.test(v)) throw bad(`${k}=${v}: not a number`);
      if (!Number.isFinite(Number(v))) throw bad(`${k}=${v}: not a finite number`);
      if (seenConstants.has(k)) throw bad(`constant '${k}' is given twice`);
      seenConstants.add(k);
      changes[k as CostName] = Number(v);
    }
  }
  const constants = { ...p.constants };
  for (const k of Object.keys(changes).sort() as CostName[]) {
    const v = changes[k]!;
    const rec = constants[k]!;
    if (v < rec.range[0] || v > rec.range[1])
      throw bad(`${k} = ${v} lies outside its range [${rec.range.join(", ")}]`);
    const why = domainProblem(k, v, rec.unit);
    if (why) throw bad(`${k} = ${v}: ${why}`);
    constants[k] = { ...rec, value: v };
  }
  return { ...p, name: p.name + suffix, ref: p.ref + suffix, c: { ...p.c, ...changes }, constants };
}

/**
 * The name of a variant of a profile with some constants moved (sensitivity studies):
 * `base{k=v,...}`, which loadCosts resolves on any thread; the constants' records keep their
 * provenance, only the values change (each must stay inside its published range).
 */
export function costVariant(base: string, changes: Partial<Record<CostName, number>>): string {
  const suffix = variantSuffix(changes);
  if (suffix === "") return base;
  const name = `${base}${suffix}`;
  loadCosts(name); // checked (and cached) now, where the caller can say which study asked
  return name;
}

/** A copy of a profile with some constants replaced (tests, what-if studies). */
export function withCosts(p: Costs, changes: Partial<Record<CostName, number>>): Costs {
  return { ...p, ref: `${p.ref}${variantSuffix(changes)}`, c: { ...p.c, ...changes } };
}

/** The `{constant=value,...}` variant step for `changes` (sorted, so one set has one name); ""
 *  when there are none. */
function variantSuffix(changes: Partial<Record<CostName, number>>): string {
  const keys = Object.keys(changes).sort() as CostName[];
  return keys.length > 0 ? `{${keys.map((k) => `${k}=${changes[k]}`).join(",")}}` : "";
}
