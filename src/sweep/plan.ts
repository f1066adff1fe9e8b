// Expands a sweep into its points (the product of the axes, in a fixed order), gives each its
// seed and command line, and partitions the points into N balanced shards. Everything here is
// a pure function of the sweep file, so every machine computes the same points and shards.
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import {
  type AxisValue,
  axisValues,
  type Experiment,
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
}

/** Sweeps larger than this are almost certainly a mistake in a range. */
export const MAX_POINTS = 100_000;

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
  return { name: s.name, experiment: s.experiment, hash: sha256(f.text), axes, points };
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
    if (v !== true) args.push(String(v));
  }
  if (TAKES_SEED[experiment]) args.push("--seed", String(seed));
  args.push("--json");
  return args;
}

/**
 * Relative cost of a point, for balancing only. For `paths`: paths x sizes x simulations x
 * virtual ms per trial (a throughput search runs about 12 trials, a fixed --rate one).
 * Other experiments: 1 per point. Never measured, so every machine computes the same shards.
 */
export function pointCost(experiment: string, o: Record<string, AxisValue>): number {
  if (experiment !== "paths") return 1;
  const list = (v: AxisValue | undefined, dflt: number) =>
    v === undefined ? dflt : String(v).split(",").length;
  const trials = o.rate === undefined ? 12 : 1;
  const ms = Number(o["trial-ms"] ?? 10) || 10;
  return list(o.path, 7) * list(o.size, 3) * trials * ms;
}

/**
 * Shard k of n (0-based): longest-processing-time-first over the deterministic costs (ties by
 * index), then the shard's points in sweep order. Every point is in exactly one shard.
 */
export function shardPoints(points: SweepPoint[], k: number, n: number): SweepPoint[] {
  if (!Number.isInteger(n) || n < 1)
    throw new UserError("E_USAGE", `shard count ${n} must be a whole number >= 1`);
  if (!Number.isInteger(k) || k < 0 || k >= n)
    throw new UserError("E_USAGE", `shard ${k} is not in 0..${n - 1} (shards are numbered from 0 to N-1)`);
  const load = new Array<number>(n).fill(0);
  const owner = new Array<number>(points.length);
  const order = [...points].sort((a, b) => b.cost - a.cost || a.index - b.index);
  for (const p of order) {
    let best = 0;
    for (let s = 1; s < n; s++) if (load[s] < load[best]) best = s;
    owner[p.index] = best;
    load[best] += p.cost;
  }
  return points.filter((p) => owner[p.index] === k);
}

/** K/N from a `--shard K/N` text. */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new UserError("E_USAGE", `sweep: option '--shard' takes K/N (e.g. 0/4), not '${text}'`);
  return { k: Number(m[1]), n: Number(m[2]) };
}

/** N from `sweep plan --shards N`: a whole number >= 1 (0 shards would place no point). */
export function parseShardCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UserError(
      "E_USAGE",
      `sweep plan: option '--shards' takes a whole number >= 1 (e.g. 4), not '${text}'`,
    );
  return Number(text);
}

/**
 * K and N from a batch engine's environment: Slurm job arrays (SLURM_ARRAY_TASK_ID, offset by
 * SLURM_ARRAY_TASK_MIN, out of SLURM_ARRAY_TASK_COUNT) or Kubernetes Indexed Jobs
 * (JOB_COMPLETION_INDEX, out of IOVSIM_SHARDS, which the Job sets to its `completions`).
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): { k: number; n: number; source: string } | undefined {
  const int = (name: string) => {
    const v = env[name];
    if (v === undefined || v === "") return undefined;
    if (!/^\d+$/.test(v)) throw new UserError("E_USAGE", `sweep: ${name}='${v}' is not a whole number`);
    return Number(v);
  };
  const slurmId = int("SLURM_ARRAY_TASK_ID");
  if (slurmId !== undefined) {
    const n = int("SLURM_ARRAY_TASK_COUNT");
    if (n === undefined)
      throw new UserError("E_USAGE", "sweep: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    return { k: slurmId - (int("SLURM_ARRAY_TASK_MIN") ?? 0), n, source: "Slurm job array" };
  }
  const k8s = int("JOB_COMPLETION_INDEX");
  if (k8s !== undefined) {
    const n = int("IOVSIM_SHARDS");
    if (n === undefined)
      throw new UserError(
        "E_USAGE",
        "sweep: JOB_COMPLETION_INDEX is set but IOVSIM_SHARDS (the Job's completions) is not",
      );
    return { k: k8s, n, source: "Kubernetes Indexed Job" };
  }
  return undefined;
}
