// Text inputs a user names (-f iovctl.conf, --profile FILE) are read whole, so only a regular
// file (or a link to one) is read: a FIFO or a device (/dev/zero never ends) is refused, as
// libucl refuses it to iovctl -f ("not a regular file"). Directories keep their own message.
import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";

/** True when `path` exists and is neither a regular file nor a directory. */
export function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && !st.isFile() && !st.isDirectory();
  } catch {
    return false; // unreadable: reading it says why
  }
}

/** Why a file could not be read, in words (the errno's code when there are none). */
export function readErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a file is in the way of its directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "ENAMETOOLONG":
      return "file name too long";
    case "EIO":
      return "input/output error";
    case "ENXIO":
    case "ENODEV":
      return "no such device";
    default:
      return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** How a failed read of a file is said after its name: `no such file`, `is a directory`, or `cannot read (why)`. */
export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "EISDIR" ? readErrorReason(e) : `cannot read (${readErrorReason(e)})`;
}

/**
 * One key per file, whatever path names it: the device and inode of what the path leads to
 * (`a.pcap`, `./a.pcap`, a symbolic link, a hard link all give one key), else (not there, not
 * readable) the path resolved. Used to refuse one capture given twice.
 */
export function sameFileKey(file: string): string {
  try {
    const st = statSync(file);
    return `ino:${st.dev}:${st.ino}`;
  } catch {
    try {
      return realpathSync(file);
    } catch {
      return resolve(file);
    }
  }
}
