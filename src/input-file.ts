// Text inputs a user names (-f iovctl.conf, --profile FILE) are read whole, so only a regular
// file (or a link to one) is read: a FIFO or a device (/dev/zero never ends) is refused, as
// libucl refuses it to iovctl -f ("not a regular file"). Directories keep their own message.
import { statSync } from "node:fs";

/** True when `path` exists and is neither a regular file nor a directory. */
export function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && !st.isFile() && !st.isDirectory();
  } catch {
    return false; // unreadable: reading it says why
  }
}
