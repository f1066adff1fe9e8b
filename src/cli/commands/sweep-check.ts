// `sweep plan` checks the points' command lines before anything runs: a sweep whose points the
// experiment would refuse (an unknown option, a bad axis value) is a usage error at plan time,
// not hours of failed points on a batch engine. The options are parsed as the experiment parses
// them; nothing is simulated.
import { UserError } from "../../errors.ts";
import { optionText, type SweepPlan, type SweepPoint } from "../../sweep/plan.ts";
import { type AxisValue, optionLocation, type SweepFile } from "../../sweep/spec.ts";
import { parseArgv } from "../registry.ts";
import { parseFidelityOptions } from "./fidelity.ts";
import { loadCommand } from "./index.ts";
import { parseCommandArgs, parsePathsOptions } from "./paths-options.ts";
import { parseSteeringArgs, traffics } from "./steering.ts";

/** A point runs as a child process with no standard input: a capture must be a file. */
function noStdin(option: string): UserError {
  return new UserError(
    "E_USAGE",
    `${option}: a sweep's points run with no standard input (each is its own process, run by a batch engine); give the capture as a file`,
  );
}

/** Parses one point's arguments as its experiment would; throws the experiment's UserError. */
export async function checkPointArgs(args: readonly string[]): Promise<void> {
  const [experiment, ...rest] = args;
  if (experiment === "paths") {
    const v = parseCommandArgs("paths", rest);
    if (v.pcap === "-") throw noStdin("--pcap -");
    parsePathsOptions(v);
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

/** Refuses a plan with a point its experiment would refuse, naming the point and the reason. */
export async function checkPlan(plan: SweepPlan, f: SweepFile): Promise<void> {
  for (const p of pointsToCheck(plan)) {
    try {
      await checkPointArgs(p.args);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      const coords = Object.entries(p.coords)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const at = culprit(e.message, p, f);
      throw new UserError(
        "E_SWEEP_FILE",
        `${at ? optionLocation(f, at.name, at.value) : f.file}: point ${p.index} (${coords}) would fail: iovsim ${p.args[0]} refuses it: ${e.message}`,
      );
    }
  }
}

/**
 * The option of the sweep file an experiment's refusal is about: the one whose --NAME it names
 * (the longest, so --trial-ms is not --trial), else the one whose value it quotes ('yes' from
 * `host: yes`); undefined when the message names neither (the file alone is named then).
 */
function culprit(
  message: string,
  p: SweepPoint,
  f: SweepFile,
): { name: string; value?: AxisValue } | undefined {
  const set: Array<[string, AxisValue]> = [...Object.entries(f.spec.options), ...Object.entries(p.coords)];
  const byName = set
    .filter(([k]) => new RegExp(`--${k}(?![a-z0-9-])`).test(message))
    .sort((a, b) => b[0].length - a[0].length)[0];
  const byValue = set.find(([, v]) => typeof v !== "boolean" && message.includes(`'${optionText(v)}'`));
  const hit = byName ?? byValue;
  return hit && { name: hit[0], value: hit[1] };
}

/**
 * `sweep run --workers N` is appended to every point: checked as the experiment parses it before
 * anything runs (a bad N, or an experiment without --workers, would fail every point). A point
 * the experiment refuses without it is left to the run, which reports that point's own error.
 */
export async function checkWorkers(plan: SweepPlan, workers: string): Promise<void> {
  for (const p of pointsToCheck(plan)) {
    try {
      await checkPointArgs(p.args);
    } catch (e) {
      if (e instanceof UserError) continue;
      throw e;
    }
    try {
      await checkPointArgs([...p.args, "--workers", workers]);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      throw new UserError(
        "E_USAGE",
        `sweep run: --workers ${workers}: iovsim ${p.args[0]} refuses it: ${e.message}`,
      );
    }
  }
}
