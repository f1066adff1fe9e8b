// Atomic file replacement: a reader sees the old file or the new one, never a torn one, and a
// process killed mid-write leaves only a hidden temp file (named so it can be cleaned up).
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Temp files of writeFileAtomic are `.<name>.<pid>.<random>.tmp` beside the target. */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
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
