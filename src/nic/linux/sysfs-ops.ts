// The three things a shell does with /sys: cat a file, echo into it, ls a directory. Errors
// come back as errnos plus the stage that failed (opening vs writing), so the CLI can print
// them the way bash and coreutils do.
import type { HostState } from "../host-model.ts";
import type { LinuxErrno } from "./errno.ts";
import { resolve, type SysNode } from "./sysfs.ts";

export type ReadResult = { ok: true; text: string } | { ok: false; errno: LinuxErrno };
/** `open`: bash could not open the file for the redirection; `write`: the store returned an error. */
export type WriteResult = { ok: true } | { ok: false; stage: "open" | "write"; errno: LinuxErrno };
export interface LsEntry {
  name: string;
  kind: "dir" | "file" | "link";
  mode: number;
  target?: string;
}
export type LsResult = { ok: true; file: boolean; entries: LsEntry[] } | { ok: false; errno: LinuxErrno };

export function sysfsRead(state: HostState, path: string): ReadResult {
  const r = resolve(state, path);
  if (!r.ok) return { ok: false, errno: r.errno };
  if (r.node.kind === "dir") return { ok: false, errno: "EISDIR" };
  if (r.node.kind !== "file" || !r.node.read) return { ok: false, errno: "EACCES" };
  return { ok: true, text: r.node.read() };
}

/** `echo VALUE > PATH`: `buf` is exactly what is written (echo adds "\n"). */
export function sysfsWrite(state: HostState, path: string, buf: string): WriteResult {
  // bash opens with O_CREAT: a last component with a trailing '/' is EISDIR, whatever it names
  // (`file/.` is ENOTDIR: `file` is walked as a directory first).
  if (path.endsWith("/")) {
    const base = path.replace(/\/+$/, "");
    const parent = resolve(state, base.slice(0, base.lastIndexOf("/")) || "/");
    if (parent.ok && parent.node.kind === "dir") return { ok: false, stage: "open", errno: "EISDIR" };
  }
  const r = resolve(state, path);
  if (!r.ok)
    // sysfs directories cannot create files: the VFS refuses with EACCES.
    return { ok: false, stage: "open", errno: r.errno === "ENOENT" && r.parentExists ? "EACCES" : r.errno };
  if (r.node.kind === "dir") return { ok: false, stage: "open", errno: "EISDIR" };
  if (r.node.kind !== "file" || !r.node.write) return { ok: false, stage: "open", errno: "EACCES" };
  // `echo -n "" > PATH` opens the file and writes nothing (and sysfs_kf_write returns 0 for an
  // empty write): the store is never called.
  if (buf === "") return { ok: true };
  const w = r.node.write(buf);
  return w.ok ? { ok: true } : { ok: false, stage: "write", errno: w.errno };
}

function entryOf(name: string, node: SysNode): LsEntry {
  if (node.kind === "dir") return { name, kind: "dir", mode: 0o755 };
  if (node.kind === "link") return { name, kind: "link", mode: 0o777, target: node.target };
  return { name, kind: "file", mode: node.mode };
}

export function sysfsLs(state: HostState, path: string, long = false): LsResult {
  // GNU ls -l does not follow a symlink named on the command line (`ls -l virtfn0` shows the
  // link); without -l, or with a trailing '/', a link to a directory lists the directory.
  if (long) {
    const l = resolve(state, path, true);
    if (l.ok && l.node.kind === "link") return { ok: true, file: true, entries: [entryOf(path, l.node)] };
  }
  const r = resolve(state, path);
  if (!r.ok) return { ok: false, errno: r.errno };
  if (r.node.kind !== "dir") {
    const l = resolve(state, path, true);
    const node = l.ok ? l.node : r.node;
    return { ok: true, file: true, entries: [entryOf(path, node)] };
  }
  const entries = [...r.node.entries()].map(([n, node]) => entryOf(n, node));
  return {
    ok: true,
    file: false,
    entries: entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
