// The results directory of a sweep: `sweep.json` (which sweep, which tool version), and one
// file per point under `points/` (atomic: a half-written result never counts), or a
// `.failed.json` record with the failure's message.
import { readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { removeStaleTemps, writeFileAtomic } from "../fs-atomic.ts";
import { asWriteError } from "../output-file.ts";
import type { SweepPlan, SweepPoint } from "./plan.ts";

export interface SweepManifest {
  name: string;
  experiment: string;
  /** sha256 of the sweep file's text. */
  hash: string;
  version: string;
  count: number;
  axes: string[];
  /** The sweep file itself, so `merge` and `status` need nothing but the directory. */
  text: string;
}

export interface PointResult {
  sweep: string;
  hash: string;
  version: string;
  index: number;
  coords: SweepPoint["coords"];
  seed: number;
  args: string[];
  /** The experiment's own JSON output. */
  result: unknown;
}

export interface PointFailure {
  index: number;
  coords: SweepPoint["coords"];
  args: string[];
  exitCode: number | null;
  message: string;
}

const pointName = (index: number) => `${String(index).padStart(6, "0")}.json`;
const failedName = (index: number) => `${String(index).padStart(6, "0")}.failed.json`;
export const pointsDir = (dir: string) => join(dir, "points");

export function manifestFor(plan: SweepPlan, version: string, text: string): SweepManifest {
  return {
    name: plan.name,
    experiment: plan.experiment,
    hash: plan.hash,
    version,
    count: plan.points.length,
    axes: plan.axes,
    text,
  };
}

export async function readManifest(dir: string): Promise<SweepManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "sweep.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new UserError("E_SWEEP_DIR", `${dir}: not a directory (a file is in the way)`);
    throw new UserError("E_SWEEP_DIR", `${join(dir, "sweep.json")}: ${(e as Error).message}`);
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new UserError("E_SWEEP_DIR", `${join(dir, "sweep.json")}: not a sweep manifest (invalid JSON)`);
  }
  // A hand-edited or foreign sweep.json: refused by name, never read field by field (a `null`
  // one was "no sweep.json" and was overwritten by `run`; `{}` an internal error).
  const missing = MANIFEST_FIELDS.filter(([k, type]) => !hasField(m, k, type)).map(([k]) => k);
  if (missing.length > 0)
    throw new UserError(
      "E_SWEEP_DIR",
      `${join(dir, "sweep.json")}: not a sweep manifest (${m !== null && typeof m === "object" && !Array.isArray(m) ? `no valid ${missing.join(", ")}` : "not a JSON object"})`,
    );
  return m as SweepManifest;
}

const MANIFEST_FIELDS: ReadonlyArray<[keyof SweepManifest, "string" | "number" | "array"]> = [
  ["name", "string"],
  ["experiment", "string"],
  ["hash", "string"],
  ["version", "string"],
  ["count", "number"],
  ["axes", "array"],
  ["text", "string"],
];

function hasField(o: unknown, key: string, type: "string" | "number" | "array"): boolean {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return false;
  const v = (o as Record<string, unknown>)[key];
  return type === "array" ? Array.isArray(v) : typeof v === type;
}

/**
 * Claims DIR for this sweep: writes sweep.json, or checks that the one there is the same sweep
 * run by the same tool version (results of two sweeps or two versions never mix).
 */
export async function openResultsDir(dir: string, m: SweepManifest): Promise<void> {
  const have = await readManifest(dir);
  if (have) {
    if (have.hash !== m.hash)
      throw new UserError(
        "E_SWEEP_MIXED",
        `${dir} holds results of another sweep ('${have.name}', ${have.hash.slice(0, 12)}); use another --out`,
      );
    if (have.version !== m.version)
      throw new UserError(
        "E_SWEEP_MIXED",
        `${dir} holds results of ${have.version}, this is ${m.version}; use another --out`,
      );
  } else {
    // The first write into --out: a directory that cannot be made or written is the user's.
    await writeFileAtomic(join(dir, "sweep.json"), `${JSON.stringify(m, null, 1)}\n`).catch((e) => {
      throw asWriteError(e, dir, "--out");
    });
  }
  await removeStaleTemps(pointsDir(dir));
}

/**
 * Index -> parsed result for every complete point file. A result of another sweep or tool
 * version is refused (two sweeps never mix); a file that is not a point result at all (torn by
 * a copy, emptied by a full disk, edited) is in `unreadable` with the reason, and counts as not
 * done: `run` runs that point again and replaces it, `status` and `merge` name it.
 */
export async function readPointFiles(
  dir: string,
  m: SweepManifest,
): Promise<{ results: Map<number, PointResult>; unreadable: Map<number, string> }> {
  const results = new Map<number, PointResult>();
  const unreadable = new Map<number, string>();
  for (const name of await listPoints(dir)) {
    const m2 = /^(\d{6})\.json$/.exec(name);
    if (!m2) continue;
    const index = Number(m2[1]);
    const file = join(pointsDir(dir), name);
    let r: PointResult;
    try {
      r = JSON.parse(await readFile(file, "utf8")) as PointResult;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      unreadable.set(
        index,
        `${file}: ${code ? `cannot read: ${code}` : "not a point result (invalid JSON)"}`,
      );
      continue;
    }
    if (r === null || typeof r !== "object" || Array.isArray(r) || typeof r.hash !== "string") {
      unreadable.set(index, `${file}: not a point result (no sweep hash)`);
      continue;
    }
    if (r.hash !== m.hash || r.version !== m.version)
      throw new UserError(
        "E_SWEEP_MIXED",
        `${file}: a result of another sweep or tool version (${r.sweep} ${r.version})`,
      );
    if (r.index !== index) throw new UserError("E_SWEEP_DIR", `${file}: holds point ${r.index}`);
    results.set(r.index, r);
  }
  return { results, unreadable };
}

/** Index -> parsed result for every complete point file (see readPointFiles). */
export async function readResults(dir: string, m: SweepManifest): Promise<Map<number, PointResult>> {
  return (await readPointFiles(dir, m)).results;
}

export async function readFailures(dir: string): Promise<Map<number, PointFailure>> {
  const out = new Map<number, PointFailure>();
  for (const name of await listPoints(dir)) {
    if (!/^\d{6}\.failed\.json$/.test(name)) continue;
    try {
      const f = JSON.parse(await readFile(join(pointsDir(dir), name), "utf8")) as PointFailure;
      out.set(f.index, f);
    } catch {
      /* a failure record is advisory: a torn one is ignored */
    }
  }
  return out;
}

async function listPoints(dir: string): Promise<string[]> {
  return (await readdir(pointsDir(dir)).catch(() => [] as string[])).sort();
}

export async function writeResult(dir: string, r: PointResult): Promise<void> {
  await writePointFile(join(pointsDir(dir), pointName(r.index)), `${JSON.stringify(r)}\n`);
  await unlink(join(pointsDir(dir), failedName(r.index))).catch(() => {});
}

export async function writeFailure(dir: string, f: PointFailure): Promise<void> {
  await writePointFile(join(pointsDir(dir), failedName(f.index)), `${JSON.stringify(f, null, 1)}\n`);
}

/**
 * A point's file, atomically. A write the system refuses (a full or read-only file system, a
 * file named `points` in the way) is the user's to fix, named by path: it was an internal error.
 */
async function writePointFile(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text).catch((e) => {
    // mkdir of points/ over a regular file says EEXIST: a file in the way of the directory.
    const code = (e as NodeJS.ErrnoException).code;
    throw asWriteError(code === "EEXIST" ? Object.assign(new Error(), { code: "ENOTDIR" }) : e, file);
  });
}
