// Atomic file replacement: a reader sees the old file or the new one, never a torn one, and a
// process killed mid-write leaves only a hidden temp file (named so it can be cleaned up).
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/**
 * mkdir -p, one level at a time. Node 20's `mkdir(dir, { recursive: true })` never returns when
 * mkdir(2) says ENOENT for a parent that exists (anything under /proc): a user's `--state
 * /proc/x` hung. Here every refusal is the errno of the level that failed.
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (st) {
      // mkdir -p on a file: EEXIST, as mkdir(2) says.
      if (!st.isDirectory() && missing.length === 0)
        throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${d}'`), { code: "EEXIST" });
      break;
    }
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing.reverse()) {
    await mkdir(m).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e; // made meanwhile by another process: fine
    });
  }
}

/** Temp files of writeFileAtomic are `.<name>.<pid>.<random>.tmp` beside the target. */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await makeDirs(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Make the rename itself durable (best effort: not every platform fsyncs directories).
  try {
    const d = await open(dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* directories cannot be fsync'd on some platforms */
  }
}

/** Removes temp files left by killed writers in `dir` (never the results themselves). */
export async function removeStaleTemps(dir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (isAtomicTemp(name)) {
      await unlink(join(dir, name)).catch(() => {});
      n++;
    }
  }
  return n;
}
