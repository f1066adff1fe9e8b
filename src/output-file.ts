// Output files a user names (--html FILE, --out DIR's files): a path that cannot be written is a
// user's mistake, reported as `OPTION FILE: cannot write (why)` with status 1, never an internal
// error with a stack trace. Checked before a long run starts, and again when writing.
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "./errors.ts";

/** Why an errno stops a write, in words (the code itself when there are none). */
export function writeErrorReason(code: string | undefined): string {
  switch (code) {
    case "EISDIR":
      return "it is a directory";
    case "ENOENT":
      return "no such directory";
    case "ENOTDIR":
      return "a file is in the way of its directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on device";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "file name too long";
    default:
      return code ?? "unknown error";
  }
}

function prefix(option: string | undefined, file: string): string {
  return option ? `${option} ${file}` : file;
}

/** A failed write as a UserError naming the file (and the option); other errors pass through. */
export function asWriteError(e: unknown, file: string, option?: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return e;
  return new UserError("E_OUT", `${prefix(option, file)}: cannot write (${writeErrorReason(code)})`);
}

/**
 * Refuses, before any work, an output file that cannot be created: a directory, a missing or
 * non-directory parent, no write permission. (Root passes the permission check, as the write
 * itself would.)
 */
export function checkOutputFile(file: string, option: string): void {
  const fail = (code: string): never => {
    throw new UserError("E_USAGE", `${option} ${file}: cannot write (${writeErrorReason(code)})`);
  };
  const stat = (p: string) => {
    try {
      return statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      return fail((e as NodeJS.ErrnoException).code ?? "ENOENT"); // ENOTDIR: a file on the way
    }
  };
  const target = stat(file);
  if (target?.isDirectory()) fail("EISDIR");
  const parent = dirname(resolve(file));
  const dir = stat(parent);
  if (!dir) fail("ENOENT");
  else if (!dir.isDirectory()) fail("ENOTDIR");
  try {
    accessSync(target ? file : parent, constants.W_OK);
  } catch (e) {
    fail((e as NodeJS.ErrnoException).code ?? "EACCES");
  }
}

/** The value of `--html FILE`: a file name that can be written, checked before the run. */
export function htmlOutputFile(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === "") throw new UserError("E_USAGE", "--html needs a file name");
  // Standard output carries the text, --json or --csv: "-" would become a file named "-".
  if (v === "-")
    throw new UserError(
      "E_USAGE",
      "--html -: the report goes to a file, not standard output; name one (e.g. --html report.html, or ./- for a file named '-')",
    );
  checkOutputFile(v, "--html");
  return v;
}

/** A file the run reads, and how the command line named it (for the message: `-f x.conf`). */
export interface RunInput {
  named: string;
  file: string | null | undefined;
}

/** The file a path names once links are followed; a file not there yet: its resolved directory's entry. */
export function samePathKey(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

/**
 * Refuses an output file (--html FILE) that is one of the run's own inputs, also through a link:
 * the input is read first and the run would succeed, but the user's capture or configuration
 * would be replaced by the report.
 */
export function refuseOutputOverInputs(output: string | undefined, option: string, inputs: RunInput[]): void {
  if (output === undefined) return;
  const key = samePathKey(output);
  for (const i of inputs) {
    if (!i.file || i.file === "-") continue; // standard input is no file
    if (samePathKey(i.file) === key)
      throw new UserError(
        "E_USAGE",
        `${option} ${output}: that is this run's input (${i.named}), which the report would replace; choose another file`,
      );
  }
}
