// `sweep plan` checks the points' command lines before anything runs: a sweep whose points the
// experiment would refuse (an unknown option, a bad axis value) is a usage error at plan time,
// not hours of failed points on a batch engine. The options are parsed as the experiment parses
// them; nothing is simulated.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../errors.ts";
import { DEFAULT_HOST_SOURCE, resetHost } from "../../nic/host.ts";
import { readState } from "../../nic/state.ts";
import { optionText, type SweepPlan, type SweepPoint } from "../../sweep/plan.ts";
import {
  type AxisValue,
  HOST_EXPERIMENTS,
  hostLocation,
  optionLocation,
  type SweepFile,
} from "../../sweep/spec.ts";
import { parseArgv } from "../registry.ts";
import { parseFidelityOptions } from "./fidelity.ts";
import { loadCommand } from "./index.ts";
import { DEFAULTS, parseCommandArgs, parsePathsOptions } from "./paths-options.ts";
import { runConfig } from "./paths-source.ts";
import { parseSteeringArgs, traffics } from "./steering.ts";

/** A point runs as a child process with no standard input: a capture must be a file. */
function noStdin(option: string): UserError {
  return new UserError(
    "E_USAGE",
    `${option}: a sweep's points run with no standard input (each is its own process, run by a batch engine); give the capture as a file`,
  );
}

/** A point runs with a private, empty state directory (src/sweep/execute.ts): the embedded
 *  default host, no VFs. Checked the same: a directory that does not exist reads as that. */
const POINT_STATE = {
  stateDir: join(tmpdir(), `iovsim-sweep-check-${process.pid}-no-state`),
  stateSource: "option" as const,
};

/**
 * The state a point of `plan` starts from, for the checks: with the sweep file's host file, a
 * temporary one made from it as the point's is (`reset --host`), so a config naming a PF of
 * that host passes and a broken host file is refused at the file's `host`, before any point
 * runs. `done` removes it.
 */
async function pointState(
  plan: SweepPlan,
  f?: SweepFile,
): Promise<{ state: typeof POINT_STATE; done: () => Promise<void> }> {
  if (plan.host === undefined) return { state: POINT_STATE, done: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "iovsim-sweep-check-"));
  const done = () => rm(dir, { recursive: true, force: true });
  try {
    await resetHost(dir, plan.host);
  } catch (e) {
    await done();
    if (!(e instanceof UserError)) throw e;
    const at = f ? `${hostLocation(f)}: ` : "";
    throw new UserError("E_SWEEP_FILE", `${at}host: ${e.message}`);
  }
  return { state: { stateDir: dir, stateSource: "option" }, done };
}

/** Parses one point's arguments as its experiment would (on the point's `state`: the default
 *  host's unless the sweep names one); throws the experiment's UserError. */
export async function checkPointArgs(args: readonly string[], state = POINT_STATE): Promise<void> {
  const [experiment, ...rest] = args;
  if (experiment === "paths") {
    const v = parseCommandArgs("paths", rest);
    if (v.pcap === "-") throw noStdin("--pcap -");
    // Each point has a private, empty state (src/sweep/execute.ts): --host would find no VFs.
    if (v.host === true)
      throw new UserError(
        "E_USAGE",
        "--host: a sweep's points run each on a private, empty simulated host (no VFs; a sweep never touches yours, and the sweep file's host: FILE names only its devices), so --host has no VFs to measure; give the iovctl.conf instead (config: FILE)",
      );
    // The configuration as the point will read it (-f, --host) on the point's own empty state.
    parsePathsOptions(v, DEFAULTS, await runConfig("paths", v, state));
    return;
  }
  const command = await loadCommand(experiment);
  const options = command && "options" in command ? command.options : undefined;
  if (!options) throw new Error(`sweep: no option declarations for '${experiment}'`);
  const parsed = parseArgv(experiment, options as Parameters<typeof parseArgv>[1], rest);
  if (parsed === "help") return;
  if (experiment === "steering") {
    // The captures of --mix pcap:FILE are read as the run would read them (a missing file is
    // refused now, not at run time); standard input is not there for a point.
    const o = parseSteeringArgs(parsed.opts);
    await traffics(o, () => {
      throw noStdin(`--mix pcap:-`);
    });
  }
  if (experiment === "fidelity") parseFidelityOptions(parsed.opts);
}

/**
 * The points worth parsing: the first, and the first with each value of each axis (so every
 * value is tried at least once without parsing all of a 100,000-point product).
 */
export function pointsToCheck(plan: SweepPlan): SweepPoint[] {
  const chosen = new Map<number, SweepPoint>();
  const seen = new Set<string>();
  for (const p of plan.points) {
    const fresh = Object.entries(p.coords).filter(([k, v]) => !seen.has(`${k}=${v}`));
    if (chosen.size > 0 && fresh.length === 0) continue;
    for (const [k, v] of fresh) seen.add(`${k}=${v}`);
    chosen.set(p.index, p);
  }
  return [...chosen.values()];
}

/** The most refused points `sweep plan` lists; the rest are counted ("... and N more"). */
export const MAX_REFUSED_POINTS = 20;

/**
 * Refuses a plan with points its experiment would refuse: every one checked, as a compiler
 * lists its errors, each located and in file order; a refusal that repeats at the same place
 * (an option every point shares) is listed once, for its first point.
 */
export async function checkPlan(plan: SweepPlan, f: SweepFile): Promise<void> {
  const { state, done } = await pointState(plan, f);
  try {
    await checkPoints(plan, f, state);
  } finally {
    await done();
  }
}

async function checkPoints(plan: SweepPlan, f: SweepFile, state: typeof POINT_STATE): Promise<void> {
  const refused: Array<{ at: string; order: number[]; text: string }> = [];
  const seen = new Set<string>();
  // Each axis value is tried until a point with it passes (cleared) or it is the one a refusal
  // names (bad: points with it are not parsed again, so a second bad value is still reached
  // through a point without the first). Each check clears or condemns a value, or stops: at
  // most one check per distinct value, whatever the product's size.
  const cleared = new Set<string>();
  const bad = new Set<string>();
  for (const p of plan.points) {
    const values = Object.entries(p.coords).map(([k, v]) => `${k}=${v}`);
    if (values.some((v) => bad.has(v))) continue;
    if (refused.length + cleared.size > 0 && values.every((v) => cleared.has(v))) continue;
    try {
      await checkPointArgs(p.args, state);
      for (const v of values) cleared.add(v);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      const hit = culprit(e.message, p, f);
      const at = hit ? optionLocation(f, hit.name, hit.value) : f.file;
      const axisValue = hit && hit.name in p.coords ? `${hit.name}=${p.coords[hit.name]}` : undefined;
      // Not one axis value at fault (a fixed option, or unnamed): every point with these values
      // would say the same; those not yet cleared are not tried again.
      if (axisValue) bad.add(axisValue);
      else for (const v of values) if (!cleared.has(v)) bad.add(v);
      const once = `${at}\0${e.message}`;
      if (seen.has(once)) continue;
      seen.add(once);
      // file:line:column sorts by line, then column; the file alone (no place) goes last.
      const m = /:(\d+):(\d+)$/.exec(at);
      refused.push({
        at,
        order: m ? [Number(m[1]), Number(m[2]), p.index] : [Number.MAX_SAFE_INTEGER, 0, p.index],
        text: `${at}: point ${p.index} (${values.join(" ")}) would fail: iovsim ${p.args[0]} refuses it: ${e.message}`,
      });
      // A fixed option at fault fails every point the same way: said once, nothing more to learn.
      if (hit && !axisValue) break;
    }
  }
  if (refused.length === 0) return;
  refused.sort((a, b) => a.order[0]! - b.order[0]! || a.order[1]! - b.order[1]! || a.order[2]! - b.order[2]!);
  const shown = refused.slice(0, MAX_REFUSED_POINTS).map((r) => r.text);
  const more = refused.length - shown.length;
  if (more > 0) shown.push(`... and ${more} more point${more === 1 ? "" : "s"} it would refuse`);
  throw new UserError("E_SWEEP_FILE", shown.join("\n"));
}

/**
 * The option of the sweep file an experiment's refusal is about: the one whose --NAME starts it,
 * else the one whose --NAME it names (the longest, so --trial-ms is not --trial), else the one whose value it quotes ('yes' from
 * `host: yes`); undefined when the message names neither (the file alone is named then).
 */
function culprit(
  message: string,
  p: SweepPoint,
  f: SweepFile,
): { name: string; value?: AxisValue } | undefined {
  const set: Array<[string, AxisValue]> = [...Object.entries(f.spec.options), ...Object.entries(p.coords)];
  // The option a refusal starts with is the one it is about ('--size 9728: ... no --mtu carries
  // it ... leave path 'native' out with --path' is about --size), whatever else it names.
  const lead = set.find(([k]) => new RegExp(`^--${k}(?![a-z0-9-])`).test(message));
  const byName = set
    .filter(([k]) => new RegExp(`--${k}(?![a-z0-9-])`).test(message))
    .sort((a, b) => b[0].length - a[0].length)[0];
  const byValue = set.find(([, v]) => typeof v !== "boolean" && message.includes(`'${optionText(v)}'`));
  // A file the option names, refused at a place inside it (a profile's `extends`, a config's
  // line): "FILE:LINE:COLUMN: ..." on a line of the message.
  const byFile = set.find(
    ([, v]) =>
      typeof v === "string" &&
      message.split("\n").some((l) => l.startsWith(`${v}:`) && /^:\d+:\d+:/.test(l.slice(v.length))),
  );
  const hit = lead ?? byName ?? byValue ?? byFile;
  return hit && { name: hit[0], value: hit[1] };
}

/**
 * `sweep run --workers N` is appended to every point: checked as the experiment parses it before
 * anything runs (a bad N, or an experiment without --workers, would fail every point). A point
 * the experiment refuses without it is left to the run, which reports that point's own error.
 */
export async function checkWorkers(plan: SweepPlan, workers: string, f?: SweepFile): Promise<void> {
  const { state, done } = await pointState(plan, f);
  try {
    await checkWorkersOn(plan, workers, state);
  } finally {
    await done();
  }
}

async function checkWorkersOn(plan: SweepPlan, workers: string, state: typeof POINT_STATE): Promise<void> {
  for (const p of pointsToCheck(plan)) {
    try {
      await checkPointArgs(p.args, state);
    } catch (e) {
      if (e instanceof UserError) continue;
      throw e;
    }
    try {
      await checkPointArgs([...p.args, "--workers", workers], state);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      throw new UserError(
        "E_USAGE",
        `sweep run: --workers ${workers}: iovsim ${p.args[0]} refuses it: ${e.message}`,
      );
    }
  }
}

/**
 * A line for the user whose own state was made from a host file (`iovsim reset --host FILE`)
 * while the sweep names none: its points run on the embedded default host, which `paths -f`
 * in that state would not (it uses the state's host file). Said, not silently different;
 * undefined when there is nothing to say (or the state cannot be read: a sweep never reads it).
 */
export async function stateHostNote(plan: SweepPlan, stateDir: string): Promise<string | undefined> {
  if (plan.host !== undefined || !HOST_EXPERIMENTS.includes(plan.experiment) || stateDir === "") return;
  let source: string | undefined;
  try {
    source = (await readState(stateDir))?.hostSource;
  } catch {
    return;
  }
  if (source === undefined || source === DEFAULT_HOST_SOURCE) return;
  return `sweep ${plan.name}: note: your state's host file ${source} (iovsim reset --host) is not what the points run on: each runs on a private copy of the embedded default host; to run them on yours, name it in the sweep file (host: ${source})\n`;
}
