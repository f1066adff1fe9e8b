// Option parsing for `paths`, `ping` and `demo`. Each command declares the options it supports;
// anything else is an error naming the option (never silently ignored).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { checkFaultsApply, type FaultSpec, parseFaults } from "../../engine/faults.ts";
import { pathElements } from "../../engine/simulate.ts";
import type { Arrival, Direction } from "../../engine/types.ts";
import { UserError } from "../../errors.ts";
import type { ExperimentCase, TrialSettings } from "../../experiment/experiment.ts";
import { parseRate, type RateSpec, resolveRate } from "../../experiment/rate.ts";
import { isSpecialFile, readFailure } from "../../input-file.ts";
import { type Costs, loadCosts } from "../../model/costs.ts";
import { vfTxShaping } from "../../model/vf-rate.ts";
import { getProfile } from "../../nic/index.ts";
import { htmlOutputFile, type RunInput, refuseOutputOverInputs } from "../../output-file.ts";
import { loopbackUnreachable } from "../../paths/loopback-reach.ts";
import { ENGINE_PATH_NAMES, type EnginePath, enginePath, vfRolesOf } from "../../paths/path-graphs.ts";
import { portVlanNote, VLAN_TAG_BYTES, wireVlanOf } from "../../paths/port-vlan.ts";
import {
  type PathConfig,
  type PathHost,
  pathLinkGbps,
  portOf,
  secondPortMissing,
  setupHost,
  TALK_IOVCTL_CONF,
  vfSettingsOf,
  wholePfRefusal,
} from "../../paths/setup.ts";
import {
  averageSize,
  buildTemplates,
  defaultProfile,
  ENCAPS,
  type Encap,
  type L4,
  MAX_FRAME_BYTES,
  type TrafficProfile,
} from "../../traffic/profiles.ts";
import { refuseRepeatedItems } from "../list-option.ts";
import { type OptionDecl, parseArgv } from "../registry.ts";
import { checkStateHost, otherPfsNote, type PathRun } from "./paths-host.ts";
import {
  checkFramesFitMtu,
  checkPathMtu,
  checkSentCaptureFitsMtu,
  pathMtuLimits,
  runMtu,
  stateMtus,
} from "./paths-mtu.ts";
import {
  checkReplayOptionUse,
  parseReplayOptions,
  type ReplayOptions,
  replayCases,
  replayRuns,
} from "./paths-replay.ts";

type CommandName = "paths" | "ping" | "demo";
/** `short`: the one-letter spelling, in the commands of `shortIn` only (default: every command
 *  that has the option): `-c` is ping's count, and `paths` does not list it. */
type OptionSpec = {
  type: "string" | "boolean";
  short?: string;
  shortIn?: readonly CommandName[];
  multiple?: boolean;
};

export const ALL_OPTIONS = {
  path: { type: "string", multiple: true },
  size: { type: "string" },
  mtu: { type: "string" },
  direction: { type: "string" },
  rate: { type: "string" },
  arrival: { type: "string" },
  "trial-ms": { type: "string" },
  count: { type: "string", short: "c", shortIn: ["ping"] },
  "interval-ms": { type: "string" },
  // ping(8)'s -i WAIT, in seconds (ping only; --interval-ms is the same in milliseconds).
  interval: { type: "string", short: "i", shortIn: ["ping"] },
  "pdr-loss": { type: "string" },
  precision: { type: "string" },
  profile: { type: "string" },
  config: { type: "string", short: "f" },
  host: { type: "boolean" },
  pcap: { type: "string" },
  "pcap-timing": { type: "string" },
  "rewrite-dst": { type: "string" },
  "rewrite-dst-all": { type: "boolean" },
  "rewrite-src": { type: "string" },
  promisc: { type: "string", multiple: true },
  encap: { type: "string" },
  flows: { type: "string" },
  proto: { type: "string" },
  seed: { type: "string" },
  workers: { type: "string" },
  partitions: { type: "string" },
  json: { type: "boolean" },
  csv: { type: "boolean" },
  html: { type: "string" },
  chart: { type: "boolean" },
  "inject-fault": { type: "string", multiple: true },
  application: { type: "boolean" },
  window: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof ALL_OPTIONS;
export type Values = Partial<Record<OptionName, string | string[] | boolean>>;

/** Options each command supports. */
export const COMMAND_OPTIONS: Record<CommandName, readonly OptionName[]> = {
  paths: [
    "path",
    "size",
    "mtu",
    "direction",
    "rate",
    "arrival",
    "trial-ms",
    "count",
    "pdr-loss",
    "precision",
    "profile",
    "config",
    "host",
    "pcap",
    "pcap-timing",
    "rewrite-dst",
    "rewrite-dst-all",
    "rewrite-src",
    "promisc",
    "encap",
    "flows",
    "proto",
    "seed",
    "workers",
    "partitions",
    "json",
    "csv",
    "html",
    "chart",
    "inject-fault",
    "application",
    "window",
    "help",
  ],
  ping: [
    "path",
    "count",
    "interval-ms",
    "interval",
    "profile",
    "config",
    "host",
    "seed",
    "json",
    "csv",
    "html",
    "help",
  ],
  demo: ["size", "mtu", "trial-ms", "profile", "seed", "workers", "json", "csv", "html", "help"],
};

/** Options of the old `paths` that moved: a hint instead of the plain "unknown option". */
export const RENAMED: Record<string, string> = {
  seconds: "--seconds is gone: trials run in virtual time, see --trial-ms (or --count)",
};

/**
 * The command's rows of the table above as registry option declarations (commander flags):
 * the table stays the one place an option is added. -h/--help is the registry's own.
 */
export function commandOptions(command: keyof typeof COMMAND_OPTIONS): OptionDecl[] {
  return COMMAND_OPTIONS[command]
    .filter((n) => n !== "help")
    .map((n) => {
      const o: OptionSpec = ALL_OPTIONS[n];
      const value = o.type === "string" ? " <value>" : "";
      const short = o.short && (o.shortIn ?? [command]).includes(command) ? `-${o.short}, ` : "";
      return { flags: `${short}--${n}${value}`, repeatable: o.multiple };
    });
}

/**
 * The command's options only, parsed by the registry (src/cli/registry.ts): anything else is
 * `CMD: unknown option '--x' (see iovsim CMD --help)`. `help` is true for -h/--help.
 */
export function parseCommandArgs(command: keyof typeof COMMAND_OPTIONS, args: string[]): Values {
  const r = parseArgv(command, commandOptions(command), args, { hints: RENAMED });
  return r === "help" ? { help: true } : (r.opts as Values);
}

export function num(
  v: string | undefined,
  opt: string,
  def: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (v === undefined) return def;
  const n = Number(v);
  // Decimal notation only, as --size and --rate: Number() would also take 0x10, 1e3 or ' 7 '
  // and run with a value the user did not write.
  const decimal = integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  if (!decimal.test(v) || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UserError(
      "E_USAGE",
      `${opt}: '${v}' is not ${integer ? "an integer" : "a number"} in ${min}..${max}`,
    );
  }
  return n;
}

/** A percentage as `0.5` or `0.5%` (bounds in percent), returned as a ratio (0.005); `def` is a ratio. */
function percent(v: string | undefined, opt: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  return num(v.replace(/%$/, ""), opt, def, min, max) / 100;
}

/** --pdr-loss: a loss limit below 100 % (at 100 every load passes, and PDR is line rate
 *  whatever the path does). */
function pdrLoss(v: string | undefined, def: number): number {
  // The range says what is accepted (100 itself is refused below, with its own reason), as the
  // help's "0 <= PCT < 100".
  const text = v?.replace(/%$/, "");
  if (text !== undefined && (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || Number(text) > 100))
    throw new UserError("E_USAGE", `--pdr-loss: '${v}' is not a number in 0 <= PCT < 100`);
  const f = percent(v, "--pdr-loss", def, 0, 100);
  if (f >= 1)
    throw new UserError(
      "E_USAGE",
      `--pdr-loss: '${v}' lets every load pass (no load loses more than 100 %), so PDR would be line rate whatever the path does; give a limit below 100 (default ${def * 100})`,
    );
  return f;
}

/** `64`, `64,512,1518`, `imix` or a mix (`64,imix`): each item is one case. */
export function parseSizeList(text: string, option = "--size"): Array<number | "imix"> {
  const items = text.split(",").map((s) => s.trim());
  const sizes = items.map((s) => {
    if (s === "imix") return "imix";
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 64 || n > MAX_FRAME_BYTES)
      throw new UserError(
        "E_USAGE",
        `${option}: '${s}' is not a valid frame size (64..${MAX_FRAME_BYTES} bytes, or 'imix'; above 1518 the path needs --mtu)`,
      );
    return n;
  });
  refuseRepeatedItems(option, sizes);
  return sizes;
}

export const PATH_NAMES: readonly string[] = ENGINE_PATH_NAMES;

/** Directions a path can run: a path without a receive side only transmits; one without a
 *  transmit side (it forwards, with no consumer of its own) only receives. */
export function directionsOf(path: string): Direction[] {
  const p = enginePath(path);
  if (p?.rx && p.tx) return ["rx", "tx", "both"];
  return p?.rx ? ["rx"] : ["tx"];
}

/**
 * `--path a,b` (repeatable): names checked, empty names refused. Empty list = every path.
 * `listed`: the paths an error lists (a command that takes fewer, as ping, names only those).
 */
export function parsePathNames(
  given: string[] | undefined,
  listed: readonly string[] = PATH_NAMES,
): string[] {
  if (given === undefined) return [];
  // 'native, vm-vf' (a space after the comma) is the list the user meant, as --size and
  // steering's lists read it: it was "unknown path ' vm-vf'".
  const names = given.flatMap((s) => s.split(",").map((n) => n.trim()));
  for (const n of names) {
    if (n === "") throw new UserError("E_USAGE", `--path: empty path name (paths: ${listed.join(", ")})`);
    if (!enginePath(n))
      throw new UserError("E_USAGE", `--path: unknown path '${n}' (paths: ${listed.join(", ")})`);
  }
  refuseRepeatedItems("--path", names);
  return names;
}

/** Path x direction pairs. `both` runs a transmit-only path (vf-loopback) as tx and a
 *  forwarding path (jail-epair-fwd) as rx, with a note. */
export function selectPaths(
  names: string[],
  direction: Direction,
  directionGiven = true,
): { runs: Array<{ path: string; direction: Direction }>; notes: string[] } {
  const notes: string[] = [];
  const runs: Array<{ path: string; direction: Direction }> = [];
  for (const n of names.length > 0 ? names : PATH_NAMES) {
    const dirs = directionsOf(n);
    if (dirs.includes(direction)) runs.push({ path: n, direction });
    else if (direction === "both" && dirs.includes("tx")) {
      runs.push({ path: n, direction: "tx" });
      notes.push(`${n} only transmits (no receive direction): run as tx under --direction both`);
    } else if (direction === "both") {
      runs.push({ path: n, direction: "rx" });
      notes.push(
        `${n} only forwards what it receives (no consumer that sends): run as rx under --direction both`,
      );
    } else if (names.length > 0) {
      // Without --direction the user asked for no direction: say rx is the default, and what to add.
      throw new UserError(
        "E_USAGE",
        directionGiven
          ? `--direction ${direction}: path '${n}' runs only ${dirs.join(", ")}`
          : `path '${n}' runs only ${dirs.join(", ")}, and --direction is ${direction} by default: add --direction ${dirs[0]}`,
      );
    }
  }
  return { runs, notes };
}

/** The iovctl.conf text (-f FILE or the talk's, embedded). */
/** The name the talk's iovctl.conf goes by when no -f is given. */
export const EMBEDDED_CONFIG_NAME = "embedded iovctl.conf";

export function readConfig(file: string | undefined): { text: string; file: string; fromFile?: true } {
  if (file === undefined) return { text: TALK_IOVCTL_CONF, file: EMBEDDED_CONFIG_NAME };
  if (isSpecialFile(file)) throw new UserError("E_USAGE", `-f ${file}: not a regular file`);
  try {
    return { text: readFileSync(file, "utf8"), file, fromFile: true };
  } catch (e) {
    // In words, as the other inputs say it (`cannot read (permission denied)`), never Node's message.
    if (typeof (e as NodeJS.ErrnoException).code !== "string") throw e;
    throw new UserError("E_USAGE", `-f ${file}: ${readFailure(e)}`);
  }
}

/**
 * Creates the VFs on a fresh in-memory host, on this thread, before any simulation: a kernel
 * refusal or a configuration that lacks what a chosen path needs is a located user error here,
 * never an internal error in a worker.
 */
export function checkHost(conf: PathConfig, runs: PathRun[]): PathHost {
  if (conf.hostState) return checkStateHost(conf, runs);
  const ph = setupConfigHost(conf);
  checkConfigPaths(
    ph,
    conf,
    runs.map((r) => r.path),
  );
  return ph;
}

/**
 * checkHost for the default path list (no --path): a path the configuration has no VF for is
 * left out, with the reason, instead of refusing the whole run; a kernel refusal still refuses.
 */
export function checkHostLeavingOut(
  conf: PathConfig,
  runs: PathRun[],
): { host: PathHost; leftOut: Array<{ path: string; reason: string }> } {
  const host = conf.hostState ? checkStateHost(conf, []) : setupConfigHost(conf);
  const leftOut: Array<{ path: string; reason: string }> = [];
  for (const r of runs) {
    const p = r.path;
    if (leftOut.some((l) => l.path === p)) continue;
    try {
      if (conf.hostState) checkStateHost(conf, [r]);
      else checkConfigPaths(host, conf, [p]);
    } catch (e) {
      if (!(e instanceof UserError) || e.code !== "E_CONFIG") throw e;
      leftOut.push({ path: p, reason: e.message });
    }
  }
  return { host, leftOut };
}

/** The VFs of an iovctl.conf, created on a fresh in-memory host (a kernel refusal: located). */
function setupConfigHost(conf: PathConfig): PathHost {
  return setupHost(conf.text, conf.file, conf.host?.spec, conf.fromFile === true, conf.host?.file);
}

/** Refuses the first of `paths` (names of ENGINE_PATHS, or any EnginePath) that needs a VF the
 *  configuration's host does not have. */
export function checkConfigPaths(ph: PathHost, conf: PathConfig, paths: Array<string | EnginePath>): void {
  // A VF the driver refused (ix `vlan : 0`: a warning, iovctl -C still exits 0) is not on the
  // host: say so, or "has none" reads wrong for a file that declares one.
  const asked = ph.vfsAsked ?? ph.vfs.length;
  const has =
    asked > ph.vfs.length
      ? `the VFs it made have none: the driver created ${ph.vfs.length} of the ${asked} VFs the file asks for (iovsim validate -f ${conf.file} says why)`
      : "this configuration has none";
  const need = (path: string, what: string, ok: boolean) => {
    if (!ok)
      throw new UserError(
        "E_CONFIG",
        `${conf.file}: path '${path}' needs ${what}, and ${has} (choose other paths with --path)`,
      );
  };
  for (const named of paths) {
    // The VF roles the path's NIC binding uses (its consumer's pool, its loopback peer).
    const path = typeof named === "string" ? enginePath(named) : named;
    const p = typeof named === "string" ? named : named.name;
    const roles = path ? vfRolesOf(path) : [];
    if (roles.includes("host-vf"))
      need(p, "a VF with 'passthrough : false' (for the jail)", ph.jailVf !== undefined);
    if (roles.includes("ppt-vf"))
      need(p, "a VF with 'passthrough : true' (for the VM)", ph.vmVf !== undefined);
    // VF-to-VF loopback between VFs the NIC's switch cannot connect (their VLANs...) carries nothing.
    const unreachable = path ? loopbackUnreachable(path, ph, "file") : null;
    if (unreachable) throw new UserError("E_CONFIG", `${conf.file}: ${unreachable}`);
    // Whole-PF passthrough: of a PF the host lacks, or of the PF whose VFs the file made.
    const hostName = conf.host ? `the host of host file ${conf.host.file}` : "the embedded default host";
    const missing = path ? secondPortMissing(ph, path.nic, p, hostName) : undefined;
    if (missing) throw new UserError("E_CONFIG", missing);
    const whole = path ? wholePfRefusal(ph, path.nic, p, conf.file) : undefined;
    if (whole) throw new UserError("E_CONFIG", whole);
  }
}

/**
 * The cases' frame sizes on the wire: a port-VLAN VF's frames carry the NIC's 802.1Q tag there
 * (4 bytes each way), so line rate and Gbit/s are those of the tagged frames. A capture replayed
 * from the wire (rx) is sent as captured; one the consumer sends (tx) is tagged by the NIC.
 * Returns the notes that say so, one per path.
 */
export function addWireVlanBytes(cases: ExperimentCase[], ph: PathHost, file: string): string[] {
  const notes: string[] = [];
  for (const c of cases) {
    const path = enginePath(c.path);
    if (!path || !wireVlanOf(path, ph)) continue;
    const replayedFromWire = c.replay !== undefined && c.direction === "rx";
    if (!replayedFromWire) {
      c.frameBytes += VLAN_TAG_BYTES;
      c.wireTagBytes = VLAN_TAG_BYTES;
    }
    const note = portVlanNote(path, ph, file, replayedFromWire);
    if (note && !notes.includes(note)) notes.push(note);
  }
  return notes;
}

/**
 * Each case runs at the link speed of the port its path crosses (src/paths/setup.ts portOf):
 * the SR-IOV PF's for its VFs, the PF itself and the bridges on it, the second port's for
 * whole-PF passthrough. The generator's wire pacing (traffic.rateGbps) follows it.
 */
export function setCaseLinks(cases: ExperimentCase[], ph: PathHost): void {
  for (const c of cases) {
    const nic = enginePath(c.path)?.nic;
    const link = nic ? pathLinkGbps(ph, nic) : ph.linkGbps;
    c.linkGbps = link;
    if (c.traffic.rateGbps !== link) c.traffic = { ...c.traffic, rateGbps: link };
  }
}

export interface PathsOptions {
  cases: ExperimentCase[];
  paths: string[];
  direction: Direction;
  rate?: RateSpec;
  trial: TrialSettings;
  precision: number;
  pdrLoss: number;
  workers: number;
  /** 2: each simulation on two threads (src/engine/parallel/), one simulation at a time. */
  partitions: 1 | 2;
  profile: Costs;
  pathHost: PathHost;
  json: boolean;
  csv: boolean;
  /** Also write a self-contained HTML report to this file. */
  html?: string;
  /** --chart: latency against offered load drawn below the table (paths only). */
  chart: boolean;
  /** The iovctl.conf the run used (shown in the HTML report), or the saved host (--state). */
  config: PathConfig;
  notes: string[];
  /** --pcap: the capture replayed instead of generated frames. */
  replay?: ReplayOptions;
  /** --inject-fault (src/engine/faults.ts); empty: none. */
  faults: FaultSpec[];
  /** The search ends with final trials long enough for the path's queues (no --trial-ms or
   *  --count given: the user's trial length wins). src/experiment/trial-length.ts. */
  finalTrials: boolean;
  /** --window N: a closed loop (the sender keeps at most N frames sent and not yet read). */
  window?: number;
  /** --encap, --flows, --proto (defaults filled in) of the generated frames; null with --pcap
   *  (the capture's frames are replayed as they are). */
  traffic: { encap: Encap; flows: number; proto: L4 } | null;
}

/** Defaults: short virtual trials, so the whole comparison finishes within a minute. */
export const DEFAULTS = { trialMs: 1, precision: 0.01, pdrLoss: 0.005, sizes: "64,512,1518" };

export function defaultWorkers(cores: number): number {
  return Math.max(1, Math.min(2, cores));
}

/** `hostConf`: the configuration runConfig chose (paths-source.ts: --host, or -f/the talk's on the
 *  state's host file); without it, -f/the talk's on the embedded default host. */
export function parsePathsOptions(values: Values, defaults = DEFAULTS, hostConf?: PathConfig): PathsOptions {
  const v = values as Record<string, string | undefined> & { path?: string[] };
  const direction = (v.direction ?? "rx") as Direction;
  if (!["rx", "tx", "both"].includes(direction))
    throw new UserError("E_USAGE", `--direction: '${direction}' is not rx, tx or both`);
  checkReplayOptionUse(v);
  const names = parsePathNames(v.path);
  const selected = selectPaths(names, direction, v.direction !== undefined);
  // --pcap: one direction; tx on the paths whose timing follows the frames (paths-replay.ts).
  const chosen = v.pcap !== undefined ? replayRuns(selected, direction, names.length > 0) : selected;
  const notes = chosen.notes;
  let runs = chosen.runs;
  const arrival = (v.arrival ?? "constant") as Arrival;
  if (!["constant", "poisson"].includes(arrival))
    throw new UserError("E_USAGE", `--arrival: '${arrival}' is not constant or poisson`);
  const proto = v.proto ?? "udp";
  if (!["udp", "tcp", "icmp"].includes(proto))
    throw new UserError("E_USAGE", `--proto: '${proto}' is not udp, tcp or icmp`);
  const encap = v.encap ?? "none";
  if (!ENCAPS.includes(encap as Encap))
    throw new UserError("E_USAGE", `--encap: '${encap}' is not one of ${ENCAPS.join(", ")}`);
  if (v["trial-ms"] !== undefined && v.count !== undefined)
    throw new UserError(
      "E_USAGE",
      "--trial-ms and --count are exclusive: a trial offers either a virtual duration or a number of frames",
    );
  const seed = num(v.seed, "--seed", 1, 0, 2 ** 31 - 1, true);
  const conf: PathConfig = hostConf ?? readConfig(v.config);
  const profile = loadCosts(v.profile ?? "bhyve");
  // Paths named with --path must run (or the run is refused); of the default list, those the
  // configuration has no VF for are left out with a note: every configuration the control plane
  // accepts runs the paths it can.
  let pathHost: PathHost;
  if (names.length > 0) pathHost = checkHost(conf, runs);
  else {
    const checked = checkHostLeavingOut(conf, runs);
    pathHost = checked.host;
    for (const l of checked.leftOut) notes.push(`${l.path} left out (no --path named it): ${l.reason}`);
    runs = runs.filter((r) => !checked.leftOut.some((l) => l.path === r.path));
    if (runs.length === 0)
      refuseNoneLeft(
        "E_CONFIG",
        conf.hostState ? "--host" : v.config !== undefined ? `-f ${v.config}` : "the talk's iovctl.conf",
        checked.leftOut.map((l) => l.reason),
      );
  }
  const otherPfs = conf.hostState ? otherPfsNote(pathHost) : undefined;
  if (otherPfs) notes.push(otherPfs);
  const base: TrafficProfile = defaultProfile({
    flows: num(v.flows, "--flows", 64, 1, 65535, true),
    l4: proto as L4,
    encap: encap as Encap,
    seed,
    rateGbps: pathHost.linkGbps,
  });
  const replay = v.pcap !== undefined ? parseReplayOptions(v, pathHost, runs, conf) : undefined;
  const cases: ExperimentCase[] = replay ? replayCases(runs, base, replay) : [];
  if (replay) notes.push(...replay.notes);
  // The paths' MTU (--mtu; 1500 by default): one a driver on a path refuses is refused, and so is
  // a frame size it cannot carry (paths-mtu.ts).
  const runPaths = runs.map((r) => r.path);
  const mtu = runMtu(v.mtu, conf.hostState ? stateMtus(pathHost, runPaths) : [], notes, runPaths);
  checkPathMtu(
    mtu,
    runs.map((r) => r.path),
    pathHost,
    profile,
  );
  const longest: Array<{ item: string; longest: number }> = [];
  for (const size of replay ? [] : parseSizeList(v.size ?? defaults.sizes)) {
    const traffic: TrafficProfile = {
      ...base,
      sizes: size === "imix" ? { kind: "imix" } : { kind: "fixed", size },
    };
    const templates = buildTemplates(traffic);
    const frameBytes = averageSize(templates);
    longest.push({ item: String(size), longest: Math.max(...templates.templates.map((t) => t.size)) });
    // e.g. 64-byte frames raised to hold VXLAN headers: said, never silent.
    for (const n of templates.notes) if (!notes.includes(n)) notes.push(n);
    for (const r of runs) cases.push({ ...r, size, frameBytes, traffic });
  }
  checkFramesFitMtu(
    longest,
    mtu,
    v.mtu !== undefined ? "option" : mtu !== 1500 ? "state" : "default",
    pathMtuLimits(runPaths, pathHost, profile),
  );
  if (replay && runs.some((r) => r.direction !== "rx"))
    checkSentCaptureFitsMtu(
      replay.json.file,
      replay.capture.frames,
      mtu,
      v.mtu !== undefined ? "option" : mtu !== 1500 ? "state" : "default",
    );
  notes.push(...addWireVlanBytes(cases, pathHost, conf.file));
  setCaseLinks(cases, pathHost);
  // Cases grouped by path, then size (the order the table shows them).
  const order = new Map(runs.map((r, i) => [r.path, i]));
  cases.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
  const count = v.count === undefined ? undefined : num(v.count, "--count", 0, 1, 100_000_000, true);
  const faults = parseFaults((values["inject-fault"] as string[] | undefined) ?? []);
  for (const r of runs) {
    const path = enginePath(r.path)!;
    const kindOf = (on: string) => path.resources.find((x) => x.name === on)?.kind;
    const els = pathElements(r.path, r.direction).map((e) => e.el);
    checkFaultsApply(
      faults,
      r.path,
      els.some((e) => (e.kind === "sink" || e.kind === "guest-rx") && kindOf(e.on) !== "wire"),
      els.some((e) => e.kind === "gen" && kindOf(e.on) === "wire"),
    );
  }
  const window = parseWindow(v, Boolean(values.application), direction, runs, names.length > 0, notes);
  const rate =
    replay?.rate ??
    (v.rate === undefined ? (window !== undefined ? parseRate("100%") : undefined) : parseRate(v.rate));
  checkSearchOptionUse(v, rate !== undefined, window !== undefined);
  checkChartUse(values, rate !== undefined);
  const durationNs = Math.round(num(v["trial-ms"], "--trial-ms", defaults.trialMs, 0.01, 60_000) * 1e6);
  if (rate && v.rate !== undefined) refuseAboveLineRate(rate, cases, pathHost);
  if (rate && v.rate !== undefined && count === undefined)
    for (const c of cases) checkTrialOffersFrames(rate, c, durationNs);
  if (rate && v.rate !== undefined && count === undefined && arrival === "constant") {
    const said = new Set<string>();
    for (const c of cases) {
      const note = wholeFramesNote(rate, c, durationNs);
      if (note !== undefined && !said.has(note)) notes.push(note);
      if (note !== undefined) said.add(note);
    }
  }
  if (replay?.rate?.kind === "pps" && count === undefined) {
    const note = shortCaptureTrialNote(replay.rate.pps, durationNs);
    if (note) notes.push(note);
  }
  const simulated = faults.filter((f) => f.kind !== "worker-exit");
  // The application reads what the consumer receives: a run that only transmits gave the same
  // figures with and without it.
  if (values.application && runs.every((r) => r.direction === "tx"))
    throw new UserError(
      "E_USAGE",
      "--application: the application reads the frames its consumer receives, and --direction tx receives none (use rx or both)",
    );
  if (values.application) {
    // A forwarding path has no consumer whose application could read: its figures are the same
    // with and without --application (the note claimed an application read its frames).
    const forwarding = [...new Set(runs.map((r) => r.path))].filter((p) => !hasCpuConsumer(p));
    if (names.length > 0 && forwarding.length > 0)
      throw new UserError(
        "E_USAGE",
        `--application: path '${forwarding[0]}' forwards what it receives and has no consumer whose application would read it (choose other paths with --path, or leave out --application)`,
      );
    notes.push(
      `--application: an application on the consumer's CPU reads every received frame (app_rx_cycles ${profile.c.app_rx_cycles} cycles each plus its payload copied at copy_gbytes_per_s ${profile.c.copy_gbytes_per_s} GB/s, below the interrupt and the stack)${forwarding.length > 0 ? `; ${forwarding.join(", ")} forward what they receive (no consumer) and run without one` : ""}`,
    );
  }
  const partitions = num(v.partitions, "--partitions", 1, 1, 2, true) as 1 | 2;
  if (partitions === 2)
    checkPartitioned(v, runs, faults.length > 0, replay !== undefined, names.length > 0, notes);
  // --window and --partitions 2 drop the paths they cannot run (when none was named): the cases too.
  const closed = cases.filter((c) => runs.some((r) => r.path === c.path));
  const precision = percent(v.precision, "--precision", defaults.precision, 0.01, 50);
  if (rate === undefined) notes.push(...limitBelowStepNotes(closed, pathHost, precision));
  return {
    cases: closed,
    paths: runs.map((r) => r.path),
    direction,
    rate,
    trial: {
      arrival,
      durationNs,
      ...(count !== undefined ? { count } : {}),
      seed,
      // Workers load the profile themselves: a file is passed as an absolute path.
      profile: profile.ref,
      config: conf,
      linkGbps: pathHost.linkGbps,
      ...(simulated.length > 0 ? { faults: simulated } : {}),
      ...(values.application ? { application: true } : {}),
      ...(window !== undefined ? { window } : {}),
      ...(mtu !== 1500 ? { mtu } : {}),
    },
    precision,
    pdrLoss: pdrLoss(v["pdr-loss"] as string | undefined, defaults.pdrLoss),
    workers:
      partitions === 2 ? 1 : num(v.workers, "--workers", defaultWorkers(availableCores()), 1, 64, true),
    partitions,
    profile,
    pathHost,
    json: Boolean(values.json),
    csv: Boolean(values.csv),
    chart: Boolean(values.chart),
    html: htmlFile(v.html, [
      { named: `-f ${v.config}`, file: v.config },
      { named: `--profile ${v.profile}`, file: profile.origin === "builtin" ? undefined : profile.origin },
      { named: `--pcap ${v.pcap}`, file: v.pcap },
      { named: "the simulated host's state, which the run reads", file: conf.stateFile },
    ]),
    config: conf,
    notes,
    ...(replay ? { replay } : {}),
    faults,
    finalTrials: v["trial-ms"] === undefined && count === undefined,
    ...(window !== undefined ? { window } : {}),
    traffic: replay ? null : { encap: base.encap, flows: base.flows, proto: base.l4 },
  };
}

/**
 * A --rate above a case's line rate (that of the link its path crosses) is refused, naming the
 * port and the paths on it: with links of different speeds, a rate one carries another may not.
 */
function refuseAboveLineRate(rate: RateSpec, cases: ExperimentCase[], ph: PathHost): void {
  for (const c of cases) {
    try {
      resolveRate(rate, c.frameBytes, c.linkGbps as number);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      // The paths on this case's port (not every path at the same speed: two ports may have it).
      const port = (path: string) => {
        const nic = enginePath(path)?.nic;
        return nic ? portOf(ph, nic) : ph.pf;
      };
      const onLink = [...new Set(cases.filter((x) => port(x.path) === port(c.path)).map((x) => x.path))];
      throw new UserError(
        e.code,
        `${e.message}: ${port(c.path)}'s link, which ${onLink.join(", ")} ${onLink.length === 1 ? "crosses" : "cross"} (give a lower --rate or a % of line rate, or choose other paths with --path)`,
      );
    }
  }
}

/**
 * --chart draws each path's latency against the load points of its NDR search on the terminal
 * table: with machine-readable output, or with one load point (--rate, --window, a capture at
 * its own timing), there is nothing for it to draw, so it is refused rather than ignored.
 */
function checkChartUse(values: Values, oneLoadPoint: boolean): void {
  if (!values.chart) return;
  const other = values.json ? "--json" : values.csv ? "--csv" : undefined;
  if (other)
    throw new UserError(
      "E_USAGE",
      `--chart draws on the terminal table, not with ${other} (--html FILE writes the same charts as SVG)`,
    );
  if (oneLoadPoint) {
    const why =
      values.window !== undefined
        ? "--window"
        : values.rate !== undefined
          ? "--rate"
          : "--pcap-timing capture";
    throw new UserError(
      "E_USAGE",
      `--chart draws latency against the load points at 10/50/90 % of NDR; ${why} measures one load point (leave out --chart, or ${why})`,
    );
  }
}

/**
 * A --rate so low that a trial of --trial-ms offers less than one frame would still send one,
 * and report an offered load many times the one asked for: refused, with the way out.
 */
function checkTrialOffersFrames(rate: RateSpec, c: ExperimentCase, durationNs: number): void {
  const frames = (resolveRate(rate, c.frameBytes, c.linkGbps as number) * durationNs) / 1e9;
  if (frames >= 1) return;
  throw new UserError(
    "E_USAGE",
    `--rate ${rate.text}: a ${durationNs / 1e6} ms trial offers ${Number(frames.toPrecision(2))} frames of ${c.size === "imix" ? "the imix" : `${c.size} bytes`}, less than one (give --count N frames, or a longer --trial-ms)`,
  );
}

/**
 * A --rate whose trial holds a fraction of a frame beyond whole ones (1500pps for 1 ms: 1.5):
 * the sender makes whole frames, the first at the trial's start (2 there), so the offered rate
 * reads above the one asked (0.002 Mpps, 33 % more). Said when that is more than 1 %, with the
 * way to the rate asked (--count N: the trial then lasts N / the rate).
 */
function wholeFramesNote(rate: RateSpec, c: ExperimentCase, durationNs: number): string | undefined {
  const pps = resolveRate(rate, c.frameBytes, c.linkGbps as number);
  const frames = (pps * durationNs) / 1e9;
  // Constant gaps from 0: the slots in [0, trial) are ceil(frames), within rounding of a whole.
  const whole = Math.abs(frames - Math.round(frames)) < 1e-6 ? Math.round(frames) : Math.ceil(frames);
  const over = whole / frames - 1;
  if (!(over > 0.01)) return undefined;
  return `--rate ${rate.text}: a ${durationNs / 1e6} ms trial holds ${Number(frames.toPrecision(3))} frames of ${c.size === "imix" ? "the imix" : `${c.size} bytes`} at that rate; its sender makes whole frames, the first at the trial's start (${whole}), so the offered rate reads ${(over * 100).toFixed(0)} % above the rate asked (give --count N frames for the rate asked exactly, or a longer --trial-ms)`;
}

/**
 * A capture replayed at its own timing whose mean gap is longer than the trial: the trial offers
 * its first frame only, so the offered rate reads one frame per trial, not the capture's rate.
 * Said in a note (with the trial that holds one frame), never silent.
 */
function shortCaptureTrialNote(capturePps: number, durationNs: number): string | undefined {
  const frames = (capturePps * durationNs) / 1e9;
  if (frames >= 1) return undefined;
  return `--pcap-timing capture: a ${durationNs / 1e6} ms trial holds ${Number(frames.toPrecision(2))} of the capture's frames at its mean rate (${Number(capturePps.toPrecision(4))} frames/s), so it offers the first frame only and the offered rate is not the capture's: give --count N frames, or --trial-ms ${Number((1e3 / capturePps).toPrecision(2))} or more`;
}

/** --precision and --pdr-loss tune the NDR/PDR search: with one load point (--rate, or a
 *  capture at its own timing) there is no search, so they are refused, not ignored. */
function checkSearchOptionUse(
  v: Record<string, string | undefined>,
  oneLoadPoint: boolean,
  closedLoop = false,
): void {
  if (!oneLoadPoint) return;
  const why = closedLoop ? "--window" : v.rate !== undefined ? "--rate" : "--pcap-timing capture";
  for (const o of ["precision", "pdr-loss"])
    if (v[o] !== undefined)
      throw new UserError(
        "E_USAGE",
        `--${o} tunes the NDR/PDR search, and ${why} simulates one load point without one (leave out --${o}, or ${why})`,
      );
}

/**
 * --window N: a closed loop (TCP-like, ScenarioSpec.window) between the sender on the wire and
 * the application that reads every frame on the consumer's CPU: at most N frames sent and not
 * yet read. It needs that application (--application), the receive direction, generated frames
 * and, on each path, a sender on the wire and a consumer on a CPU: a path without them is
 * refused when named, left out with a note otherwise (every path the direction has).
 */
function parseWindow(
  v: Record<string, string | undefined>,
  application: boolean,
  direction: Direction,
  runs: Array<{ path: string; direction: Direction }>,
  named: boolean,
  notes: string[],
): number | undefined {
  if (v.window === undefined) return undefined;
  const window = num(v.window, "--window", 0, 1, 1_000_000, true);
  const no = (why: string) => new UserError("E_USAGE", `--window ${v.window}: ${why}`);
  if (!application)
    throw no("a closed loop needs --application (the application's reads are what open the window)");
  if (direction !== "rx")
    throw no(`a closed loop runs the receive direction only (got --direction ${direction})`);
  if (v.pcap !== undefined)
    throw no("a closed loop sends generated frames, not a capture (leave out --pcap)");
  if (v.partitions !== undefined && v.partitions !== "1")
    throw no("a closed loop runs on one thread (leave out --partitions)");
  // A count's trial lasts count / rate, and a closed loop's pace is the receiver's: it would
  // offer a fraction of the count (36 of --count 1000 at --window 8, native, 64 B).
  if (v.count !== undefined)
    throw no(
      "a closed loop sends at the receiver's pace, so --count gives it no trial length (give --trial-ms instead)",
    );
  const keep: typeof runs = [];
  const leftOut: Array<{ path: string; why: string }> = [];
  for (const r of runs) {
    const why = closedLoopGap(r.path);
    if (why === null) keep.push(r);
    else if (named) throw no(`path '${r.path}' ${why}`);
    else leftOut.push({ path: r.path, why });
  }
  if (keep.length === 0 && leftOut.length > 0)
    refuseNoneLeft(
      "E_USAGE",
      `--window ${v.window}`,
      leftOut.map((l) => `${l.path} ${l.why}`),
    );
  for (const l of leftOut) notes.push(`--window: ${l.path} left out: it ${l.why}`);
  runs.splice(0, runs.length, ...keep);
  return window;
}

/** Whether a path's receive side ends at a consumer on a CPU (where an application reads). */
function hasCpuConsumer(path: string): boolean {
  const p = enginePath(path)!;
  const kindOf = (on: string) => p.resources.find((x) => x.name === on)?.kind;
  const cpu = (on: string) => kindOf(on) === "core" || kindOf(on) === "vcpu";
  return (p.rx ?? []).some((e) => (e.kind === "sink" || e.kind === "guest-rx") && cpu(e.on));
}

/** Why a path cannot run a closed loop (null: it can): the sender must be on the wire (the
 *  engine holds back only a wire generator) and the consumer on a CPU (where the reads are). */
function closedLoopGap(path: string): string | null {
  const p = enginePath(path)!;
  const kindOf = (on: string) => p.resources.find((x) => x.name === on)?.kind;
  const rx = p.rx ?? [];
  if (!rx.some((e) => e.kind === "gen" && kindOf(e.on) === "wire"))
    return "has no sender on the wire to hold back (its frames come from a host thread)";
  if (!hasCpuConsumer(path))
    return "has no consumer on a CPU whose application reads the frames (it forwards them)";
  return null;
}

/** --partitions 2 cuts each simulation at the wire (its generator on a second thread): what
 *  has no wire generator, or what the partitioned run does not carry yet, is refused. */
function checkPartitioned(
  v: Record<string, string | undefined>,
  runs: Array<{ path: string; direction: Direction }>,
  faults: boolean,
  replay: boolean,
  named: boolean,
  notes: string[],
): void {
  const no = (why: string) => new UserError("E_USAGE", `--partitions 2: ${why}`);
  if (v.workers !== undefined && v.workers !== "1")
    throw no("runs one simulation at a time on two threads; give --workers 1 or leave it out");
  if (faults) throw no("--inject-fault is not supported on the partitioned run");
  if (replay) throw no("--pcap is not supported on the partitioned run");
  const keep: typeof runs = [];
  const leftOut: Array<{ path: string; why: string }> = [];
  for (const r of runs) {
    const path = enginePath(r.path)!;
    const onWire = (on: string) => path.resources.find((x) => x.name === on)?.kind === "wire";
    const cut = (d: Direction) => pathElements(r.path, d).some((e) => e.el.kind === "gen" && onWire(e.el.on));
    if (cut(r.direction)) {
      keep.push(r);
      continue;
    }
    // Advice that fits: another direction of this path is cut at the wire, or none is.
    const other = directionsOf(r.path).filter((d) => d !== r.direction && d !== "both" && cut(d));
    const why = `${r.path} ${r.direction} has no wire generator to cut at (${
      other.length > 0
        ? `use --direction ${other.join(" or ")} or both`
        : "its frames never come from the wire: choose other paths with --path, or leave out --partitions"
    })`;
    if (named) throw no(why);
    leftOut.push({ path: r.path, why });
  }
  if (keep.length === 0 && leftOut.length > 0)
    refuseNoneLeft(
      "E_USAGE",
      "--partitions 2",
      leftOut.map((l) => l.why),
    );
  for (const l of leftOut) notes.push(`--partitions 2: ${l.path} left out: ${l.why}`);
  runs.splice(0, runs.length, ...keep);
}

/**
 * Every path of the default list was left out (no --path named one): a run of nothing would
 * print empty tables and exit 0, so it is refused with why each was left out, naming `option`.
 */
function refuseNoneLeft(code: "E_USAGE" | "E_CONFIG", option: string, reasons: string[]): never {
  throw new UserError(
    code,
    `${option}: no path left to run: every path was left out (no --path named one):\n  ${reasons.join("\n  ")}`,
  );
}

export function htmlFile(v: string | undefined, inputs: RunInput[] = []): string | undefined {
  const file = htmlOutputFile(v);
  refuseOutputOverInputs(file, "--html", inputs);
  return file;
}

function availableCores(): number {
  return availableParallelism();
}

/**
 * A VF transmit limit (ip link ... max_tx_rate) the search cannot resolve: when the frames the
 * limit lets through per second (at Layer 1, the case's frame size) are under two resolution
 * steps, NDR lands on 0 or one step, so a note says which --precision would show it.
 */
export function limitBelowStepNotes(cases: ExperimentCase[], ph: PathHost, precision: number): string[] {
  const notes: string[] = [];
  const profile = getProfile(ph.host.pf(ph.pf)?.profile ?? "");
  for (const c of cases) {
    if (c.direction === "rx" || typeof c.size !== "number") continue;
    const b = enginePath(c.path)?.nic;
    const vf = b?.pool === "host-vf" ? ph.jailVf : b?.pool === "ppt-vf" ? ph.vmVf : undefined;
    const shaping = vf && profile ? vfTxShaping(profile, vfSettingsOf(ph, vf.index).maxTxRateMbps) : null;
    if (!vf || !shaping) continue;
    const l1Bits = (c.frameBytes + 20) * 8;
    const limitPps = (shaping.programmedMbps * 1e6) / l1Bits;
    const stepPps = (precision * (c.linkGbps ?? ph.linkGbps) * 1e9) / l1Bits;
    if (limitPps >= 2 * stepPps) continue;
    const finer = Math.max(0.01, Math.floor((limitPps / stepPps / 10) * precision * 1e4) / 100);
    notes.push(
      `${c.path} ${c.direction} ${c.size}: VF ${vf.index}'s max_tx_rate (${shaping.programmedMbps} Mbit/s: ${(limitPps / 1e6).toFixed(3)} Mpps of ${c.size} B frames) is under two steps of the search (${(stepPps / 1e6).toFixed(3)} Mpps), so NDR and PDR resolve it coarsely; --precision ${finer} resolves it to a tenth`,
    );
  }
  return notes;
}
