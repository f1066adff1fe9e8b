// Atomic file replacement: a reader sees the old file or the new one, never a torn one, and a
// process killed mid-write leaves only a hidden temp file (named so it can be cleaned up).
import { randomBytes } from "node:crypto";
import { constants, realpathSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";
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

/**
 * The file a write to `file` replaces, as replaceFileSync and replaceFilesSync resolve it: a
 * symbolic link followed to its target, a name not there yet (or a dangling link) as it is;
 * with what is there now (undefined: nothing). Throws the stat's errno error (EACCES, ELOOP...).
 */
function replaceTarget(file: string): { target: string; st: Stats | undefined } {
  // A name that leads to no regular file (a pipe, a device) is written through as named:
  // realpath of /dev/stdout on a pipe is /proc/PID/fd/pipe:[N], a name that does not exist,
  // so the write was staged beside it and failed ('no such directory').
  const named = statSync(file, { throwIfNoEntry: false });
  if (named && !named.isFile() && !named.isDirectory()) return { target: file, st: named };
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // not there yet (or a dangling link): the name itself is written
  }
  return { target, st: statSync(target, { throwIfNoEntry: false }) };
}

/**
 * The descriptor a name of this process's own open files stands for (/dev/stdout, /dev/fd/N,
 * /proc/self/fd/N), else undefined. Such a name is written through the descriptor: opening it
 * again fails where it is a socket (ENXIO: a supervisor's or Node's spawn 'pipe' is one).
 */
function ownDescriptor(file: string): number | undefined {
  const named: Record<string, number> = { "/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2 };
  if (file in named) return named[file];
  const m = /^\/(?:dev\/fd|proc\/self\/fd)\/(\d+)$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** Writes a target that is no regular file (a pipe, a device) in place, as `> FILE` does. */
function writeInPlace(target: string, data: string | Uint8Array): void {
  const fd = ownDescriptor(target);
  if (fd === undefined) writeFileSync(target, data);
  else writeFileSync(fd, data);
}

/**
 * Writes a file a user named (a report, a capture) so that a reader sees the old contents or
 * the new, never a torn file: a temp file beside it, renamed over it. Two kinds of name are not
 * replaced: a symbolic link is followed (the file it points to is replaced, the link stays),
 * and a target that is not a regular file (a FIFO, a terminal, /dev/null, /dev/stdout) is
 * written in place, as `> FILE` does. Renaming over those would put a plain file where the
 * pipe or device was, and as root replace /dev/null itself.
 */
export function replaceFileSync(file: string, data: string | Uint8Array): void {
  const { target, st } = replaceTarget(file);
  if (st && !st.isFile() && !st.isDirectory()) {
    writeInPlace(target, data);
    return;
  }
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true }); // no half-written temporary left behind
    } catch {
      // the temporary was never a plain file: nothing of ours to remove
    }
    throw e;
  }
}

/** A write of replaceFilesSync that failed: `file` is the target as the caller named it, `cause`
 *  the errno error, `replaced` the files of the set already replaced when it failed (empty but
 *  for a device target written in place, or a rename failing half way). */
export class FileSetWriteError extends Error {
  readonly file: string;
  readonly code: string | undefined;
  replaced: readonly string[] = [];
  constructor(file: string, cause: unknown) {
    super(`${file}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "FileSetWriteError";
    this.file = file;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** One file of a set replaceFilesSync writes. */
export interface FileToReplace {
  path: string;
  data: string | Uint8Array;
}

/**
 * Replaces a set of files (a run's captures and counters) all or none, as far as a file system
 * allows: every file is first written to a temporary beside its target; only when all were
 * written are they renamed into place. A write that fails (a full disk, a name that cannot be
 * created) removes the temporaries written so far and throws: every old file is left as it was.
 * (A rename that fails half way through the second phase can still leave a mix; renames in
 * one directory fail only when the directory itself changed under the run.)
 * Targets are resolved as replaceFileSync resolves them: a symbolic link is followed, and a
 * target that is no regular file (a FIFO, /dev/null) is written in place, before the renames.
 * `write` is the file-writing call (injected by tests to make one write fail).
 */
export function replaceFilesSync(
  files: readonly FileToReplace[],
  write: (path: string, data: string | Uint8Array) => void = writeFileSync,
): void {
  // A target that is one of this process's descriptors is written through it (writeInPlace),
  // unless a test injected its own write.
  const writeTarget = write === writeFileSync ? writeInPlace : write;
  const staged: Array<{ tmp: string; target: string; file: string }> = [];
  const inPlace: Array<{ target: string; data: string | Uint8Array; file: string }> = [];
  const removeStaged = () => {
    for (const s of staged) {
      try {
        rmSync(s.tmp, { force: true });
      } catch {
        // not a plain file of ours: leave it
      }
    }
  };
  try {
    for (const f of files) {
      let target: string;
      let st: Stats | undefined;
      try {
        ({ target, st } = replaceTarget(f.path));
        // A directory under the name would refuse the rename, after others were renamed.
        if (st?.isDirectory())
          throw Object.assign(new Error(`EISDIR: illegal operation on a directory, '${target}'`), {
            code: "EISDIR",
          });
      } catch (e) {
        throw new FileSetWriteError(f.path, e);
      }
      if (st && !st.isFile()) {
        inPlace.push({ target, data: f.data, file: f.path });
        continue;
      }
      const tmp = join(
        dirname(target),
        `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
      );
      // Listed before the write: a write that fails part way leaves a temporary to remove.
      staged.push({ tmp, target, file: f.path });
      try {
        write(tmp, f.data);
      } catch (e) {
        throw new FileSetWriteError(f.path, e);
      }
    }
  } catch (e) {
    removeStaged();
    throw e;
  }
  // A target that cannot be staged (a FIFO, a device) is written before any rename: its failure
  // (/dev/full) still leaves every other file as it was.
  const replaced: string[] = [];
  try {
    for (const p of inPlace) {
      try {
        writeTarget(p.target, p.data);
      } catch (e) {
        throw new FileSetWriteError(p.file, e);
      }
      replaced.push(p.file);
    }
  } catch (e) {
    removeStaged();
    if (e instanceof FileSetWriteError) e.replaced = replaced;
    throw e;
  }
  let renamed = 0;
  try {
    for (const s of staged) {
      try {
        renameSync(s.tmp, s.target);
      } catch (e) {
        throw new FileSetWriteError(s.file, e);
      }
      replaced.push(s.file);
      renamed++;
    }
  } catch (e) {
    staged.splice(0, renamed); // those are in place now: only the others are temporaries
    removeStaged();
    if (e instanceof FileSetWriteError) e.replaced = replaced;
    throw e;
  }
}
