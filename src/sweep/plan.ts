// Expands a sweep into its points (the product of the axes, in a fixed order), gives each its
// seed and command line, and partitions the points into N balanced shards. Everything here is
// a pure function of the sweep file, so every machine computes the same points and shards.
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import {
  type AxisValue,
  axisValues,
  type Experiment,
  MAX_POINTS,
  type SweepFile,
  type SweepSpec,
  TAKES_SEED,
} from "./spec.ts";

export interface SweepPoint {
  /** Position in the sweep's order (0-based); names its result file. */
  index: number;
  /** The axis values of this point, in the sweep file's axis order. */
  coords: Record<string, AxisValue>;
  seed: number;
  /** Arguments after `iovsim`: the experiment, its options, --seed and --json. */
  args: string[];
  /** Relative cost (deterministic, from the options): used to balance shards and estimate time. */
  cost: number;
}

export interface SweepPlan {
  name: string;
  experiment: SweepSpec["experiment"];
  /** sha256 of the sweep file's text: results of another sweep (or an edited one) never mix. */
  hash: string;
  axes: string[];
  points: SweepPoint[];
  /** The host file each point's private state is made from (the sweep file's `host`); none:
   *  the embedded default host. */
  host?: string;
}

export { MAX_POINTS };

export function planSweep(f: SweepFile): SweepPlan {
  const s = f.spec;
  const axes = Object.keys(s.axes);
  const values = axes.map((a) => axisValues(s.axes[a]));
  const count = values.reduce((n, v) => n * v.length, 1);
  if (count > MAX_POINTS)
    throw new UserError("E_SWEEP_FILE", `${f.file}: the axes give ${count} points (more than ${MAX_POINTS})`);
  const points: SweepPoint[] = [];
  for (let index = 0; index < count; index++) {
    // Mixed radix over the axes, the last axis varying fastest.
    const coords: Record<string, AxisValue> = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      coords[axes[a]] = values[a][rest % values[a].length];
      rest = Math.floor(rest / values[a].length);
    }
    const ordered = Object.fromEntries(axes.map((a) => [a, coords[a]]));
    const seed = s.seed.policy === "fixed" ? s.seed.value : (s.seed.value + coordHash(ordered)) % 2 ** 31;
    const options = { ...s.options, ...ordered };
    points.push({
      index,
      coords: ordered,
      seed,
      args: commandLine(s.experiment, options, seed),
      cost: pointCost(s.experiment, options),
    });
  }
  return {
    name: s.name,
    experiment: s.experiment,
    hash: sha256(f.text),
    axes,
    points,
    ...(s.host !== undefined ? { host: s.host } : {}),
  };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A seed offset that depends on the coordinates only (not on the point's position). */
function coordHash(coords: Record<string, AxisValue>): number {
  return createHash("sha256").update(JSON.stringify(coords)).digest().readUInt32LE(0) % 2 ** 31;
}

function commandLine(experiment: Experiment, options: Record<string, AxisValue>, seed: number): string[] {
  const args: string[] = [experiment];
  for (const [k, v] of Object.entries(options)) {
    if (v === false) continue; // a switched-off flag is left out
    args.push(`--${k}`);
    if (v !== true) args.push(optionText(v));
  }
  if (TAKES_SEED[experiment]) args.push("--seed", String(seed));
  args.push("--json");
  return args;
}

/**
 * A value as its option's text. A number is written out in decimal: String(1e-7) is "1e-7",
 * which the experiments' options (a rate, a loss percentage) refuse as not a number.
 */
export function optionText(v: string | number): string {
  if (typeof v === "string" || !/e/i.test(String(v))) return String(v);
  return v.toLocaleString("en-US", { useGrouping: false, maximumSignificantDigits: 21 });
}

/** Frames a virtual ms of trial carries at 10 GbE line rate with 64 B frames: what a --count
 *  trial's frames weigh against a --trial-ms one's. Every point of a sweep gives the same
 *  options, so one sweep's points all count frames or all count ms; the unit only has to be
 *  the same across them. */
const FRAMES_PER_TRIAL_MS = 14_881;

/**
 * Relative cost of a point, for balancing only. For `paths`: paths x sizes x simulations x
 * the work of one trial (a throughput search runs about 12 trials, a fixed --rate one): its
 * virtual ms (--trial-ms), or with --count its frames, which the trial offers whatever its
 * rate (src/experiment/experiment.ts trialSpec), in ms at line rate.
 * Other experiments: 1 per point. Never measured, so every machine computes the same shards.
 */
export function pointCost(experiment: string, o: Record<string, AxisValue>): number {
  if (experiment !== "paths") return 1;
  const list = (v: AxisValue | undefined, dflt: number) =>
    v === undefined ? dflt : String(v).split(",").length;
  const trials = o.rate === undefined ? 12 : 1;
  const count = Number(o.count);
  const perTrial = count > 0 ? count / FRAMES_PER_TRIAL_MS : Number(o["trial-ms"] ?? 10) || 10;
  return list(o.path, 7) * list(o.size, 3) * trials * perTrial;
}

/**
 * Shard k of n (0-based): longest-processing-time-first over the deterministic costs (ties by
 * index), then the shard's points in sweep order. Every point is in exactly one shard.
 */
export function shardPoints(points: SweepPoint[], k: number, n: number): SweepPoint[] {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UserError("E_USAGE", `shard count ${n} must be a whole number >= 1`);
  if (!Number.isInteger(k) || k < 0 || k >= n)
    throw new UserError("E_USAGE", `shard ${k} is not in 0..${n - 1} (shards are numbered from 0 to N-1)`);
  const owner = shardOwners(points, n);
  return points.filter((p) => owner[p.index] === k);
}

/** The shard (0..n-1) of every point, by index: the partition `shardPoints` cuts. */
export function shardOwners(points: SweepPoint[], n: number): number[] {
  // Only the first min(n, points) shards can receive a point (each of the costliest points
  // goes to an empty one first): a huge N (a typo, 0/99999999999) allocates no more than that.
  const load = new Array<number>(Math.min(n, points.length)).fill(0);
  const owner = new Array<number>(points.length);
  const order = [...points].sort((a, b) => b.cost - a.cost || a.index - b.index);
  for (const p of order) {
    let best = 0;
    for (let s = 1; s < load.length; s++) if (load[s] < load[best]) best = s;
    owner[p.index] = best;
    load[best] += p.cost;
  }
  return owner;
}

/** K/N from a `--shard K/N` text. */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || !Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2])))
    throw new UserError("E_USAGE", `sweep: option '--shard' takes K/N (e.g. 0/4), not '${text}'`);
  return { k: Number(m[1]), n: Number(m[2]) };
}

/** Which shard a `sweep run` is, and where that came from (for its header and its errors). */
export interface ShardChoice {
  k: number;
  n: number;
  /** "--shard", "Slurm job array", "Kubernetes Indexed Job" or "default". */
  source: string;
  /** The option or variables it was read from, as an error names them. */
  detail: string;
}

/**
 * The shard to run: --shard K/N when given (the environment is then not read at all), else the
 * batch engine's environment, else 0/1 (the whole sweep). K and N are checked against each
 * other here, so an error names the option or the variables at fault.
 */
export function chooseShard(flag: string | undefined, env: NodeJS.ProcessEnv): ShardChoice {
  const choice: ShardChoice =
    flag !== undefined
      ? { ...parseShard(flag), source: "--shard", detail: `--shard ${flag}` }
      : (shardFromEnv(env) ?? { k: 0, n: 1, source: "default", detail: "the default shard 0/1" });
  const { k, n, detail } = choice;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UserError("E_USAGE", `${detail}: the shard count N must be a whole number >= 1, not ${n}`);
  if (!Number.isSafeInteger(k) || k < 0 || k >= n)
    throw new UserError(
      "E_USAGE",
      `${detail}: shard ${k} is not in 0..${n - 1} (shards are numbered from 0 to N-1)`,
    );
  return choice;
}

/** N from `sweep plan --shards N`: a whole number >= 1 (0 shards would place no point). */
export function parseShardCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text)))
    throw new UserError(
      "E_USAGE",
      `sweep plan: option '--shards' takes a whole number >= 1 (e.g. 4), not '${text}'`,
    );
  return Number(text);
}

/**
 * K and N from a batch engine's environment: Slurm job arrays (SLURM_ARRAY_TASK_ID, less
 * SLURM_ARRAY_TASK_MIN, divided by SLURM_ARRAY_TASK_STEP, out of SLURM_ARRAY_TASK_COUNT) or
 * Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, out of IOVSIM_SHARDS, which the Job sets to its
 * `completions`). Half of a pair is an error, never the whole sweep in every task: a Job that is
 * not Indexed sets IOVSIM_SHARDS alone, and each of its pods would run every point.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): ShardChoice | undefined {
  const int = (name: string) => {
    const v = env[name];
    if (v === undefined || v === "") return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw new UserError("E_USAGE", `sweep: ${name}='${v}' is not a whole number`);
    return Number(v);
  };
  const pair = (index: string, count: string, why: string) => {
    const k = int(index);
    const n = int(count);
    if (k !== undefined && n === undefined)
      throw new UserError("E_USAGE", `sweep: ${index} is set but ${count} is not${why}`);
    if (k === undefined && n !== undefined)
      throw new UserError("E_USAGE", `sweep: ${count} is set but ${index} is not${why}`);
    return k === undefined || n === undefined ? undefined : { k, n };
  };
  let slurm: ShardChoice | undefined;
  const s = pair("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "");
  if (s) {
    const min = int("SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = int("SLURM_ARRAY_TASK_STEP") ?? 1;
    const vars = [
      `SLURM_ARRAY_TASK_ID=${s.k}`,
      `SLURM_ARRAY_TASK_COUNT=${s.n}`,
      ...(env.SLURM_ARRAY_TASK_MIN ? [`SLURM_ARRAY_TASK_MIN=${min}`] : []),
      ...(env.SLURM_ARRAY_TASK_STEP ? [`SLURM_ARRAY_TASK_STEP=${step}`] : []),
    ].join(", ");
    const detail = `Slurm job array (${vars})`;
    // --array=0-6:2 numbers its tasks 0, 2, 4, 6: shards 0..3. A list (--array=1,3,7) has no
    // such rule: a task off the steps is refused (give --shard).
    if (step < 1 || (s.k - min) % step !== 0)
      throw new UserError(
        "E_USAGE",
        `${detail}: the task is not MIN + a multiple of STEP; use a contiguous array (--array=0-${s.n - 1}) or --shard K/N`,
      );
    slurm = { k: (s.k - min) / step, n: s.n, source: "Slurm job array", detail };
  }
  let k8s: ShardChoice | undefined;
  const j = pair(
    "JOB_COMPLETION_INDEX",
    "IOVSIM_SHARDS",
    " (a Kubernetes Job sharding a sweep is an Indexed Job, completionMode: Indexed, with IOVSIM_SHARDS = its completions)",
  );
  if (j)
    k8s = {
      ...j,
      source: "Kubernetes Indexed Job",
      detail: `Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${j.k}, IOVSIM_SHARDS=${j.n})`,
    };
  if (slurm && k8s && (slurm.k !== k8s.k || slurm.n !== k8s.n))
    throw new UserError(
      "E_USAGE",
      `sweep: two batch engines' shards disagree: ${slurm.detail} is ${slurm.k}/${slurm.n}, ${k8s.detail} is ${k8s.k}/${k8s.n}; give --shard K/N`,
    );
  return slurm ?? k8s;
}
