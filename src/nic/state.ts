// Persistence of the simulated host between commands: <stateDir>/state.json, written atomically
// (temp file + fsync + rename + directory fsync), guarded by an O_EXCL lock file holding the
// owner's pid (stale locks of dead processes are taken over; waiting is bounded). A corrupt or
// unknown-version state file is reported, never silently replaced.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { link, lstat, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.ts";
import { makeDirs, writeFileAtomic } from "../fs-atomic.ts";
import { stateSectionChecks } from "../state-sections.ts";
import { fsStrerror } from "./errno.ts";
import { type HostState, noteStateFile, STATE_VERSION } from "./host-model.ts";
import { HostSpecSchema } from "./host-spec.ts";
import {
  jsonDuplicateKey,
  jsonErrorOffset,
  jsonPathOffset,
  jsonSyntaxReason,
  lineColumn,
} from "./json-locate.ts";
import { invariantProblems } from "./state-invariants.ts";

export const STATE_FILE = "state.json";
export const LOCK_FILE = "state.lock";
/** How long a command waits for another one to finish before giving up. */
export const LOCK_WAIT_MS = 15_000;

const vfConfigSchema = z
  .object({
    passthrough: z.boolean(),
    macAddr: z.string().nullable(),
    macAntiSpoof: z.boolean(),
    allowSetMac: z.boolean(),
    allowPromisc: z.boolean(),
    numQueues: z.number().int(),
    vlan: z.number().int().nullable(),
    vlanQos: z.number().int().min(0).max(7).optional(),
    extra: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])),
  })
  .strict();

const vfRecordSchema = z
  .object({
    index: z.number().int().min(0),
    name: z.string(),
    driver: z.string(),
    rid: z.number().int().min(0).max(0xffff),
    selector: z.string(),
    effectiveMac: z.string(),
    config: vfConfigSchema,
    attachedVm: z.string().nullable(),
    attached: z.boolean().optional(),
  })
  .strict();

// Strict at every level: a key this version does not know (a newer iovsim's, or a typo made by
// hand) is reported, never dropped unseen by the next write.
const stateSchema = z
  .object({
    version: z.literal(STATE_VERSION),
    hostSource: z.string(),
    spec: HostSpecSchema,
    pfs: z.record(
      z.string(),
      z
        .object({
          sriovEnabled: z.boolean(),
          numVfs: z.number().int().min(0).optional(),
          vfs: z.array(vfRecordSchema),
          driverState: z.record(z.string(), z.number()),
          configuredBy: z.enum(["iovctl", "sysfs"]).optional(),
          vfListOrder: z.number().int().min(1).optional(),
          attached: z.boolean().optional(),
        })
        .strict(),
    ),
    dmesg: z.array(z.string()),
    // Validated in detail by src/nic/linux/state.ts when the Linux view reads it.
    linux: z.unknown().optional(),
    // Flow rules per port (iovsim flow); validated by src/steering/flow-state.ts when read.
    flow: z.unknown().optional(),
  })
  .strict();

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

/** `at` (an offset in the file): the reason ends with `, at FILE:LINE:COLUMN`, for an editor to jump to. */
function corrupt(path: string, reason: string, text?: string, at?: number): UserError {
  const where = text !== undefined && at !== undefined && at >= 0 ? lineColumn(text, at) : undefined;
  return new UserError(
    "E_STATE_CORRUPT",
    `state file ${path} is corrupt: ${reason}${where ? `, at ${path}:${where.line}:${where.column}` : ""}; run 'iovsim reset' to start from a clean host`,
  );
}

/** "$.pfs.ix0.vfs[0].config.vlan: reason" → the keys and indices of its JSON path. */
function problemPath(problem: string): Array<string | number> {
  const m = /^\$((?:\.[^.[:\s]+|\[\d+\])*):/.exec(problem);
  if (!m) return [];
  return [...m[1].matchAll(/\.([^.[:\s]+)|\[(\d+)\]/g)].map((p) =>
    p[2] !== undefined ? Number(p[2]) : p[1],
  );
}

/** The nearest existing part of `path`'s directories when it is not a directory (ENOTDIR's culprit). */
function fileOnTheWay(path: string): string | undefined {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    try {
      const st = statSync(d, { throwIfNoEntry: false });
      if (st) return st.isDirectory() ? undefined : d;
    } catch {
      // ENOTDIR further up: keep climbing
    }
    if (dirname(d) === d) return undefined;
  }
}

/** Why state.json cannot be read, naming the file (and the file in the way of its directory). */
function unreadable(path: string, e: unknown): UserError {
  const inTheWay = (e as NodeJS.ErrnoException).code === "ENOTDIR" ? fileOnTheWay(path) : undefined;
  const why = inTheWay ? `${inTheWay} is a file, not a directory` : fsStrerror(e);
  return new UserError("E_STATE_READ", `cannot read state file ${path}: ${why}`);
}

/** The saved host, or undefined when none was saved yet (the caller uses the default host). */
export async function readState(dir: string): Promise<HostState | undefined> {
  const path = statePath(dir);
  let text: string;
  try {
    // A FIFO or a device is never read: a FIFO without a writer would block forever.
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && !st.isFile() && !st.isDirectory())
      throw new UserError(
        "E_STATE_READ",
        `cannot read state file ${path}: not a regular file; remove it, or run 'iovsim reset'`,
      );
    text = await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw unreadable(path, e);
  }
  // A byte-order mark some editors add is not JSON's concern (RFC 8259 §8.1 lets a parser skip it).
  text = text.replace(/^\uFEFF/, "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corrupt(path, `not valid JSON (${jsonSyntaxReason(e)})`, text, jsonErrorOffset(text));
  }
  const v = (json as { version?: unknown } | null)?.version;
  // An array is an object to typeof, but it is no state either.
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw corrupt(path, "not a JSON object");
  if (v === undefined) throw corrupt(path, 'no "version" field');
  // JSON.parse keeps a repeated key's last copy and drops the first unseen: a hand edit that
  // adds a setting already there would be ignored silently. Host files refuse it the same way.
  const dup = jsonDuplicateKey(text);
  if (dup) {
    const first = lineColumn(text, dup.first);
    throw corrupt(
      path,
      `duplicate key ${JSON.stringify(dup.key)} (first at line ${first.line}, column ${first.column}; JSON keeps only the last copy)`,
      text,
      dup.at,
    );
  }
  // A newer iovsim's state is not corrupt: say so, and that reset would discard it.
  if (typeof v === "number" && Number.isInteger(v) && v > STATE_VERSION)
    throw new UserError(
      "E_STATE_VERSION",
      `state file ${path} was written by a newer iovsim (state version ${v}; this one reads version ${STATE_VERSION}): run that iovsim, use another --state directory, or run 'iovsim reset' to discard it and start from a clean host`,
    );
  if (v !== STATE_VERSION)
    throw corrupt(
      path,
      `unknown version ${JSON.stringify(v)} (this iovsim reads version ${STATE_VERSION})`,
      text,
      jsonPathOffset(text, ["version"]),
    );
  const r = stateSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    // An unknown key is located at itself, not at the object holding it.
    const unknown = i.code === "unrecognized_keys" ? i.keys[0] : undefined;
    const at = unknown === undefined ? i.path : [...i.path, unknown];
    const reason = unknown === undefined ? i.message : "a key this iovsim does not know";
    throw corrupt(
      path,
      `${["$", ...at.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("")}: ${reason}`,
      text,
      jsonPathOffset(text, at),
    );
  }
  // Records the kernel could not have built: reported, never used (later steps would crash).
  const broken = invariantProblems(r.data as HostState);
  if (broken.length === 0)
    for (const [key, load] of stateSectionChecks()) {
      const value = (r.data as HostState)[key];
      if (value !== undefined) broken.push(...(await load())(value, r.data as HostState));
    }
  if (broken.length > 0)
    throw corrupt(
      path,
      `${broken[0]}${broken.length > 1 ? ` (and ${broken.length - 1} more)` : ""}`,
      text,
      jsonPathOffset(text, problemPath(broken[0])),
    );
  noteStateFile(r.data as HostState, path);
  return r.data as HostState;
}

/** Writes state.json atomically: a reader sees the old or the new file, never a torn one. */
export async function writeStateAtomic(dir: string, state: HostState): Promise<void> {
  try {
    await writeStateFile(dir, state);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError("E_STATE_WRITE", `cannot write state file ${statePath(dir)}: ${fsStrerror(e)}`);
  }
}

async function writeStateFile(dir: string, state: HostState): Promise<void> {
  // Temp file + fsync + rename + directory fsync: a reader never sees a torn state.json.
  await writeFileAtomic(statePath(dir), `${JSON.stringify(state, null, 1)}\n`);
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** The owner's start time (Linux: /proc/PID/stat field 22), so a reused pid is not mistaken for it. */
  start?: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A process's start time in clock ticks since boot (Linux), or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text);
    if (typeof o?.pid === "number" && typeof o?.host === "string") return o as LockOwner;
  } catch {
    /* empty or torn */
  }
  return undefined;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  const text = await readFile(lockPath, "utf8").catch(() => undefined); // vanished
  return text === undefined ? undefined : parseOwner(text);
}

/**
 * The lock file's text when its owner is gone: a dead pid on this machine, or a live pid whose
 * start time differs (the pid was reused). A lock file is created complete (written aside, then
 * linked into place), so an empty or unreadable one was left by a writer killed while an older
 * iovsim created it non-atomically, or is not ours: stale too. Undefined: held, or vanished
 * (retry).
 */
async function staleText(lockPath: string): Promise<string | undefined> {
  // Read once: a lock released between two reads would look unreadable, hence stale, and the
  // taker would then remove the next holder's temporary state file (its rename: ENOENT).
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch {
    return undefined; // vanished: not stale, retry
  }
  const owner = parseOwner(text);
  if (!owner) return text;
  if (owner.host !== hostname()) return undefined;
  if (!processAlive(owner.pid)) return text;
  const start = processStartTime(owner.pid);
  return owner.start !== undefined && start !== undefined && start !== owner.start ? text : undefined;
}

/**
 * Removes the lock file whose stale text was `stale`, and nothing else. Checking, then removing
 * by name is a race: a slower taker could remove the lock another taker has just created. So
 * the removal of one stale lock is itself exclusive: only the process that creates
 * `state.lock.takeover.<hash of its text>.<n>` may remove it, after reading it again under that
 * marker. While the stale lock is in place nobody else removes it (its owner is gone, every
 * other taker lacks the marker), so the text read under the marker is still there at unlink.
 * A marker whose creator died is skipped for the next n (the same race cannot recur: markers
 * are created with O_EXCL too). False when another taker is at it (nothing removed: the caller
 * waits as for a held lock); true when this call decided (removed it, or found it replaced).
 */
export async function removeStaleLock(lockPath: string, stale: string): Promise<boolean> {
  const id = createHash("sha256").update(stale).digest("hex").slice(0, 16);
  for (let n = 0; n < 16; n++) {
    const marker = `${lockPath}.takeover.${id}.${n}`;
    if (!(await tryCreateLock(marker))) {
      // Another taker holds it: alive, it will remove the lock (we wait); dead, try the next.
      if ((await staleText(marker)) !== undefined) continue;
      return false;
    }
    try {
      const now = await readFile(lockPath, "utf8").catch(() => undefined);
      if (now === stale) await unlink(lockPath).catch(() => {});
    } finally {
      await unlink(marker).catch(() => {});
    }
    return true;
  }
  return false;
}

/** Creates a lock file (or takeover marker) complete or not at all: written aside, then hard-linked into place. */
async function tryCreateLock(lockPath: string): Promise<boolean> {
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    start: processStartTime(process.pid),
  };
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}.new`;
  await writeFile(aside, JSON.stringify(me), { flag: "wx", mode: 0o644 });
  try {
    await link(aside, lockPath);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(aside).catch(() => {});
  }
}

/**
 * Under the lock: removes temporary files of writers that were killed (`.state.json.PID.*.tmp`
 * and lock files or takeover markers being created, `state.lock[.takeover.H.N].PID.*.new`) whose
 * process is gone, takeover markers whose creator died, and the `state.lock.stale.*` copies
 * older iovsim versions moved aside.
 */
async function removeLeftovers(dir: string): Promise<void> {
  const temp =
    /^(?:\.state\.json|state\.lock(?:\.takeover\.[0-9a-f]+\.\d+)?)\.(\d+)\.[0-9a-f]+\.(?:tmp|new)$/;
  const marker = /^state\.lock\.takeover\.[0-9a-f]+\.\d+$/;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, f);
    if (f.startsWith(`${LOCK_FILE}.stale.`)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (marker.test(f)) {
      if ((await staleText(path)) !== undefined) await unlink(path).catch(() => {});
      continue;
    }
    const m = temp.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    // Only the lock holder writes state.json: every other temporary state file is a dead
    // writer's. Lock files being created belong to contenders: only a dead one's are removed.
    if (f.endsWith(".tmp") || !processAlive(pid)) await unlink(path).catch(() => {});
  }
}

/** Runs fn while holding <dir>/state.lock (created with O_EXCL). */
export async function withStateLock<T>(dir: string, fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  await makeDirs(dir).catch((e: NodeJS.ErrnoException) => {
    // mkdir's EEXIST and ENOTDIR both mean a file is where a directory should be: name it.
    const inTheWay =
      e.code === "EEXIST" ? dir : e.code === "ENOTDIR" ? fileOnTheWay(join(dir, LOCK_FILE)) : undefined;
    const why = inTheWay ? `${inTheWay} is a file, not a directory` : fsStrerror(e);
    throw new UserError("E_STATE_DIR", `cannot create state directory ${dir}: ${why}`);
  });
  const lockPath = join(dir, LOCK_FILE);
  const deadline = Date.now() + waitMs;
  let delay = 5;
  for (;;) {
    try {
      if (await tryCreateLock(lockPath)) break;
    } catch (e) {
      throw new UserError("E_STATE_DIR", `cannot lock state directory ${dir}: ${fsStrerror(e)}`);
    }
    // iovsim's lock is always a regular file: a directory or a FIFO there is no other command's
    // lock (reading a FIFO would block forever, waiting on a directory never ends well).
    const held = await lstat(lockPath).catch(() => undefined);
    if (held && !held.isFile())
      throw new UserError(
        "E_STATE_DIR",
        `cannot lock state directory ${dir}: ${lockPath} is not a regular file (iovsim never makes one like it); remove it`,
      );
    const stale = await staleText(lockPath);
    if (stale !== undefined && (await removeStaleLock(lockPath, stale))) continue;
    if (Date.now() >= deadline) {
      const owner = await readOwner(lockPath);
      throw new UserError(
        "E_STATE_LOCKED",
        `state directory ${dir} is locked by ${owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : "another process"} (${lockPath}); if no iovsim command is running, remove that file`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
  try {
    await removeLeftovers(dir);
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}
