// Reads the files a UCL `.include` names, as libucl's ucl_include_file_single does: the path is
// taken as written (relative paths against the process's working directory, not the including
// file's), realpath(3) first (a missing file fails there, with its errno), then only a regular
// file is read (ucl_fetch_file refuses anything else, so /dev/zero is never read).
import { readFileSync, realpathSync, statSync } from "node:fs";
import { fsStrerror } from "./errno.ts";
import type { IncludeRead, UclSource } from "./ucl.ts";

function readInclude(path: string): IncludeRead {
  let realpath: string;
  try {
    realpath = realpathSync(path);
  } catch (e) {
    return { ok: false, missing: true, why: fsStrerror(e) };
  }
  try {
    if (!statSync(realpath).isFile()) return { ok: false, missing: false, why: "not a regular file" };
    return { ok: true, realpath, text: readFileSync(realpath, "utf8") };
  } catch (e) {
    return { ok: false, missing: false, why: fsStrerror(e), strerror: fsStrerror(e) };
  }
}

/** What parseUcl needs to run `.include` in the file `file` (the path the user gave). */
export function uclFileSource(file: string): UclSource | undefined {
  try {
    return { realpath: realpathSync(file), read: readInclude };
  } catch {
    return undefined; // the caller reports the unreadable file itself
  }
}
