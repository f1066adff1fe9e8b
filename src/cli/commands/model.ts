// `iovsim model show [PROFILE|--profile FILE] [--json]`: every constant of a cost profile with
// its value, unit, range, tag and source (and how the engine uses it).
import { UserError } from "../../errors.ts";
import { COST_SWITCHES } from "../../model/cost-switches.ts";
import {
  COST_NAMES,
  type CostConstant,
  type Costs,
  costProfileNames,
  loadCosts,
  variantBase,
} from "../../model/costs.ts";
import { HW_NAMES, type HwLimits, hwLimits } from "../../model/hw-limits.ts";
import { VF_TX_SHAPER_NAMES, type VfTxShaperName, vfTxShaperConstants } from "../../model/vf-rate.ts";
import { TX_SEGMENT } from "../../nic/frames.ts";
import { allProfiles, getProfile, type NicProfile } from "../../nic/profile.ts";
import { TX_QUEUE_OSES } from "../../nic/tx-queue.ts";
import { defineCommand, usageError } from "../registry.ts";

const HELP = `usage: iovsim model show [PROFILE] [--profile FILE] [--nic ID] [--json]
       iovsim model list

show   every constant of a cost profile: value, unit, range [low, high], tag
       (verified | secondary | derived | assumption) and source; --json adds how each is used
       then the hardware limits of a NIC (--nic ID, default ixl: the talk's X710) from its
       profile (src/nic/profiles/ID.json): switch capacity, PCIe per direction, TLP overhead,
       and its VF transmit rate limiter (max_tx_rate): granularity, bytes counted, burst,
       and its drivers' transmit-queue bounds (Linux and FreeBSD, PF and VF): the queue
       stops below stopFree free descriptors, wakes at wakeFree, never counts unused; and
       their completion write-back (descriptors or a head index, RS every N packets,
       WTHRESH) and descriptor sizes, which price the PCIe link's fetches and write-backs;
       and its frame sizes (largest frame, drivers' largest MTU and receive buffers by MTU,
       the OSes' transmit segments), which count a jumbo frame's descriptors (paths --mtu)
list   the built-in profiles and the switches a variant may add (NAME!SWITCH)
-h, --help   this text

PROFILE is a built-in name (default bhyve); --profile FILE reads a user's profile (same
format as src/model/costs/*.json, docs/formats/cost-profile.md; errors name FILE:LINE:COLUMN
of the entry at fault). Either may be a variant: NAME!SWITCH (model list shows the switches)
or NAME{constant=value,...} (inside the constant's range, a plain number: no unit, no
spaces); show then names the base profile, what each step sets, and which constants moved.
A file's values and range ends must be ones the engine can charge (0..10^9, flags 0 or 1,
miss rates at most 1: the format page lists them).
Where each constant comes from and what fidelity shows: docs/model.md.
`;

function table(names: readonly string[], constants: Record<string, CostConstant>): string[] {
  const rows = names.map((k) => {
    const c = constants[k];
    return [k, String(c.value), c.unit, `[${c.range[0]}, ${c.range[1]}]`, c.tag, c.source];
  });
  const head = ["constant", "value", "unit", "range", "tag", "source"];
  const w = head.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => [...r.slice(0, 5).map((x, i) => x.padEnd(w[i])), r[5]].join("  ");
  return [line(head), ...rows.map(line)];
}

/** The NIC's drivers' transmit-queue bounds, one row a figure: `linux.pf.stopFree (i40e)`. */
function txQueueRows(p: NicProfile): string[] {
  const names: string[] = [];
  const rows: Record<string, CostConstant> = {};
  for (const os of TX_QUEUE_OSES)
    for (const fn of ["pf", "vf"] as const) {
      const d = p.txQueue[os][fn];
      for (const k of ["stopFree", "wakeFree", "unused"] as const) {
        const name = `${os}.${fn}.${k} (${d.driver})`;
        const f = d[k];
        names.push(name);
        rows[name] = { ...f, unit: "descriptors", range: [f.value, f.value], use: "" };
      }
    }
  return table(names, rows);
}

/** The NIC's drivers' completion write-back policy and descriptor sizes, one row a figure:
 *  `linux.pf.tx.rsEvery (i40e)`, `linux.pf.tx.itrFlush=no (i40e)`, `linux.pf.rx.descBytes (i40e)`. */
function writeBackRows(p: NicProfile): string[] {
  const names: string[] = [];
  const rows: Record<string, CostConstant> = {};
  const row = (
    name: string,
    f: { value: number | string; tag: CostConstant["tag"]; source: string },
    unit: string,
  ) => {
    names.push(name);
    const v = typeof f.value === "number" ? f.value : 0;
    rows[name] = { value: v, tag: f.tag, source: f.source, unit, range: [v, v], use: "" };
  };
  for (const os of TX_QUEUE_OSES)
    for (const fn of ["pf", "vf"] as const) {
      const d = p.writeBack[os][fn];
      const at = (k: string) => `${os}.${fn}.${k} (${d.driver})`;
      row(at(`tx.report=${d.tx.report.value}`), { ...d.tx.report, value: "" }, "");
      row(at("tx.rsEvery"), d.tx.rsEvery, "packets");
      row(at("tx.wthresh"), d.tx.wthresh, "descriptors");
      row(at("tx.descBytes"), d.tx.descBytes, "bytes/descriptor");
      row(at(`tx.itrFlush=${d.tx.itrFlush.value ? "yes" : "no"}`), { ...d.tx.itrFlush, value: "" }, "");
      row(at("rx.wthresh"), d.rx.wthresh, "descriptors");
      row(at("rx.descBytes"), d.rx.descBytes, "bytes/descriptor");
    }
  // A report and a flush are kinds, not numbers: their value and range columns are left blank ("-").
  return table(names, rows).map((l) =>
    l.replace(/(=\w+ \([a-z0-9_]+\)\s+)0(\s+)(\s)\s*\[0, 0\]/, "$1-$2$3     "),
  );
}

/** The NIC's frame sizes, one row a figure: `frames.maxFrameBytes`, `freebsd.pf.maxMtu (ixl)`,
 *  `freebsd.pf.rxBuffer up to MTU 2026 (ixl)`; then the OSes' transmit segments. */
function framesRows(p: NicProfile): string[] {
  const names: string[] = [];
  const rows: Record<string, CostConstant> = {};
  const row = (
    name: string,
    value: number,
    unit: string,
    tag: CostConstant["tag"],
    source: string,
    range?: [number, number],
  ) => {
    names.push(name);
    rows[name] = { value, tag, source, unit, range: range ?? [value, value], use: "" };
  };
  const f = p.frames;
  if (f) {
    row("frames.maxFrameBytes", f.maxFrameBytes.value, "bytes", f.maxFrameBytes.tag, f.maxFrameBytes.source);
    for (const os of TX_QUEUE_OSES)
      for (const fn of ["pf", "vf"] as const) {
        const d = f[os][fn];
        row(`${os}.${fn}.maxMtu (${d.driver})`, d.maxMtu, "bytes", d.tag, d.source);
        for (const s of d.rxBuffers)
          row(
            `${os}.${fn}.rxBuffer ${s.upToMtu === undefined ? "above" : `up to MTU ${s.upToMtu}`} (${d.driver})`,
            s.bytes,
            "bytes",
            d.tag,
            d.source,
          );
        // The VF may go above MTU 1500 only once its PF has (ip link set answers EINVAL before).
        if (d.jumboNeedsPfJumbo)
          row(
            `${os}.${fn}.jumboNeedsPfJumbo (${d.driver})`,
            1500,
            "PF MTU to exceed",
            d.jumboNeedsPfJumbo.tag,
            d.jumboNeedsPfJumbo.source,
          );
      }
  }
  for (const os of TX_QUEUE_OSES) {
    const t = TX_SEGMENT[os];
    row(`${os}.txSegment (the stack's)`, t.bytes, "bytes/descriptor", t.tag, t.source, t.range);
  }
  return table(names, rows);
}

function showHw(h: HwLimits, shaper: Record<VfTxShaperName, CostConstant> | null, p: NicProfile): string {
  return [
    `hardware limits of NIC ${h.nic} (src/nic/profiles/${h.nic}.json; the engine's switch and PCIe resources)`,
    "",
    ...table(HW_NAMES, h.entries),
    "",
    ...(shaper
      ? [
          `VF transmit rate limiter of NIC ${h.nic} (its vfTxShaper: what ip link set DEV vf N max_tx_rate R programs; the engine's vfN-max-tx-rate)`,
          "",
          ...table(VF_TX_SHAPER_NAMES, shaper),
          "",
        ]
      : [
          `NIC ${h.nic} has no VF transmit rate limiter in its profile (max_tx_rate limits nothing in the data plane)`,
          "",
        ]),
    `transmit-queue bounds of NIC ${h.nic}'s drivers (its txQueue: a path's transmit driver takes the entry of the OS driving it, the cost profile's os, and of its function)`,
    "",
    ...txQueueRows(p),
    "",
    `completion write-back and descriptor sizes of NIC ${h.nic}'s drivers (its writeBack: the PCIe link fetches and writes back descriptors of these sizes and charges each write-back event to the packets it reports; a path takes the entry of the OS driving the ring and of its function)`,
    "",
    ...writeBackRows(p),
    "",
    p.frames
      ? `frame sizes of NIC ${h.nic} (its frames: paths --mtu is refused above a path's drivers' maxMtu; a frame of L bytes takes ceil(L / rxBuffer) receive descriptors at the path's MTU, and ceil(L / txSegment) transmit ones)`
      : `NIC ${h.nic} has no frames entry in its profile (its paths run at MTU 1500 only); the OSes' transmit segments`,
    "",
    ...framesRows(p),
    "",
  ].join("\n");
}

interface VariantStep {
  /** As written in the name: `!SWITCH` or `{k=v,...}`. */
  step: string;
  set: Record<string, number>;
  /** What a switch stands for (model list's text); none for a `{}` step. */
  why?: string;
}

/** The steps of a variant's name, in order (the name was checked by loadCosts). */
function variantSteps(ref: string, base: string): VariantStep[] {
  const steps: VariantStep[] = [];
  for (const m of ref.slice(base.length).matchAll(/!([^!{]*)|\{([^}]*)\}/g)) {
    if (m[1] !== undefined) {
      const sw = COST_SWITCHES[m[1]]!;
      steps.push({ step: m[0], set: { ...sw.set }, why: sw.why });
    } else
      steps.push({
        step: m[0],
        set: Object.fromEntries(m[2]!.split(",").map((kv) => [kv.split("=")[0]!, Number(kv.split("=")[1])])),
      });
  }
  return steps;
}

/** What a variant is: its base profile (and where that comes from), its steps, and the
 *  constants they moved from the base (none for a profile itself). */
function moved(p: Costs):
  | {
      base: string;
      base_origin: string;
      steps: VariantStep[];
      changed: Record<string, { from: number; to: number }>;
    }
  | undefined {
  const base = variantBase(p.ref);
  if (base === p.ref) return undefined;
  const b = loadCosts(base);
  const changed: Record<string, { from: number; to: number }> = {};
  for (const k of COST_NAMES) if (b.c[k] !== p.c[k]) changed[k] = { from: b.c[k], to: p.c[k] };
  return { base: b.name, base_origin: b.origin, steps: variantSteps(p.ref, base), changed };
}

function show(p: Costs): string {
  const tags = new Map<string, number>();
  const os = `host OS ${p.os.host}, guest OS ${p.os.guest} (their drivers' transmit-queue bounds come from the NIC profile)`;
  for (const k of COST_NAMES) tags.set(p.constants[k].tag, (tags.get(p.constants[k].tag) ?? 0) + 1);
  const v = moved(p);
  const changes = Object.entries(v?.changed ?? {}).map(([k, c]) => `${k} ${c.from} -> ${c.to}`);
  // Constants a step set to the value the base already had: named, so a switch's effect is
  // not read as lost.
  const kept = [...new Set(v?.steps.flatMap((s) => Object.keys(s.set)) ?? [])].filter(
    (k) => v?.changed[k] === undefined,
  );
  const sets = (s: VariantStep) =>
    Object.entries(s.set)
      .map(([k, x]) => `${k}=${x}`)
      .join(", ");
  // A variant is not one of model list's built-ins: the header says what it is built from.
  const header = v
    ? `profile ${p.name}: a variant of ${v.base_origin === "builtin" ? `the built-in profile ${v.base}` : `the profile file ${v.base_origin}`}`
    : `profile ${p.name} (${p.origin})`;
  return [
    header,
    p.description,
    os,
    ...(v?.steps.map(
      (s) => `${s.step} sets ${sets(s)}${s.why ? `: ${s.why}` : " (a value inside its range)"}`,
    ) ?? []),
    ...(v
      ? [
          `variant of ${v.base}: ${changes.length > 0 ? changes.join(", ") : "no constant moved"}`,
          ...(kept.length > 0
            ? [
                `set to the value ${v.base} has already: ${kept.map((k) => `${k} ${p.c[k as keyof Costs["c"]]}`).join(", ")}`,
              ]
            : []),
        ]
      : []),
    "",
    ...table(COST_NAMES, p.constants),
    "",
    `${COST_NAMES.length} constants: ${[...tags].map(([t, n]) => `${n} ${t}`).join(", ")}`,
    "",
  ].join("\n");
}

/** `model list` is laid out for this many columns (as the help texts). */
const LIST_WIDTH = 100;

/** `text` in lines of at most `width` columns (a word longer than that gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * `model list`: the built-in profiles, then the switches a variant may add, each section under
 * a heading, names in one column as wide as the longest (of both sections) and the text
 * wrapped beside them: a name longer than the old fixed pad pushed its row out of line.
 */
function listText(): string {
  const profiles = costProfileNames().map((n) => [n, loadCosts(n).description] as const);
  const switches = Object.entries(COST_SWITCHES).map(
    ([n, sw]) =>
      [
        n,
        `sets ${Object.entries(sw.set)
          .map(([k, x]) => `${k}=${x}`)
          .join(", ")}: ${sw.why}`,
      ] as const,
  );
  const col = Math.max(...[...profiles, ...switches].map(([n]) => n.length), "profile".length) + 2;
  const rows = (items: ReadonlyArray<readonly [string, string]>) =>
    items
      .map(([n, text]) =>
        wrap(text, LIST_WIDTH - col)
          .map((l, i) => `${(i === 0 ? n : "").padEnd(col)}${l}\n`)
          .join(""),
      )
      .join("");
  return (
    `${"profile".padEnd(col)}description\n${rows(profiles)}\n` +
    `${"switch".padEnd(col)}what PROFILE!SWITCH sets, and the era it stands for (e.g. kvm-exits!irqfd-2010)\n${rows(switches)}`
  );
}

export const command = defineCommand({
  name: "model",
  summary: "model show [PROFILE]: cost-profile constants with range, tag and source",
  help: HELP,
  options: [
    { flags: "--profile <file>", description: "a cost profile of your own (JSON)" },
    { flags: "--nic <id>", description: "the NIC whose hardware limits are shown (default ixl)" },
    { flags: "--json", description: "as JSON, with how each constant is used" },
  ],
  operands: "any",
  async run({ opts, operands }, ctx) {
    const [sub, ...rest] = operands;
    if (!sub) {
      ctx.err(HELP);
      return 1;
    }
    if (sub === "list") {
      if (rest.length > 0) throw new UserError("E_USAGE", `model list: unknown argument '${rest[0]}'`);
      const given = Object.keys(opts)[0];
      if (given) throw usageError("model", `option '--${given}' applies to model show only`);
      ctx.out(listText());
      return 0;
    }
    if (sub !== "show") throw new UserError("E_USAGE", `model: unknown subcommand '${sub}' (show, list)`);
    const json = opts.json === true;
    let name = opts.profile as string | undefined;
    const nic = (opts.nic as string | undefined) ?? "ixl";
    if (!getProfile(nic))
      throw new UserError(
        "E_USAGE",
        `--nic: unknown NIC profile '${nic}' (known: ${[...allProfiles().keys()].join(", ")})`,
      );
    if (name === "") throw new UserError("E_USAGE", "option '--profile' needs a file");
    for (const a of rest) {
      if (name === undefined) {
        if (!costProfileNames().includes(variantBase(a)))
          throw new UserError(
            "E_USAGE",
            `model show: unknown profile '${a}' (built-in: ${costProfileNames().join(", ")}; a file goes with --profile)`,
          );
        name = a;
      } else if (opts.profile !== undefined && rest.length === 1)
        throw new UserError(
          "E_USAGE",
          `model show: give a built-in PROFILE ('${a}') or --profile FILE ('${opts.profile}'), not both`,
        );
      else throw new UserError("E_USAGE", `model show: unexpected argument '${a}'`);
    }
    const p = loadCosts(name ?? "bhyve", opts.profile !== undefined ? "--profile" : "model show");
    const hw = hwLimits(getProfile(nic)!);
    const shaper = vfTxShaperConstants(getProfile(nic)!);
    if (json) {
      const constants = Object.fromEntries(COST_NAMES.map((k) => [k, p.constants[k]]));
      const hardware = {
        nic: hw.nic,
        limits: hw.entries,
        vf_tx_shaper: shaper,
        tx_queue: getProfile(nic)!.txQueue,
        write_back: getProfile(nic)!.writeBack,
        ...(getProfile(nic)!.frames ? { frames: getProfile(nic)!.frames } : {}),
        tx_segment: TX_SEGMENT,
      };
      ctx.out(
        `${JSON.stringify({ name: p.name, description: p.description, origin: p.origin, os: p.os, ...(moved(p) ? { variant: moved(p) } : {}), constants, hardware }, null, 2)}\n`,
      );
    } else ctx.out(`${show(p)}\n${showHw(hw, shaper, getProfile(nic)!)}`);
    return 0;
  },
});
