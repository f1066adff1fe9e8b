// errno names the simulated kernel returns, with FreeBSD's strerror(3) texts (lib/libc/gen/errlst.c).

const STRERROR = {
  EINVAL: "Invalid argument",
  EBUSY: "Device busy",
  ECHILD: "No child processes",
  ENOSPC: "No space left on device",
  ENXIO: "Device not configured",
  ENOENT: "No such file or directory",
  EMSGSIZE: "Message too long",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EEXIST: "File exists",
  EADDRINUSE: "Address already in use",
  EOPNOTSUPP: "Operation not supported",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ERANGE: "Result too large",
  ENAMETOOLONG: "File name too long",
} as const;

export type Errno = keyof typeof STRERROR;

/** FreeBSD sys/syslimits.h: a path of PATH_MAX (MAXPATHLEN) bytes or more, or a component longer than NAME_MAX, is ENAMETOOLONG. */
export const PATH_MAX = 1024;
export const NAME_MAX = 255;

export function strerror(e: Errno): string {
  return STRERROR[e];
}

/** An ioctl failure: `message` is strerror(errno), exactly what iovctl appends after `: `. */
export class KernelError extends Error {
  readonly errno: Errno;
  /** Why, in words (for iovsim's own diagnostics; iovctl prints only strerror). */
  readonly detail: string;
  constructor(errno: Errno, detail = "") {
    super(strerror(errno));
    this.name = "KernelError";
    this.errno = errno;
    this.detail = detail;
  }
}

/** A Node fs error (`err.code`) in FreeBSD strerror words, for messages about files the user named. */
export function fsStrerror(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code && code in STRERROR) return STRERROR[code as Errno];
  switch (code) {
    case "EPERM":
      return "Operation not permitted";
    case "ELOOP":
      return "Too many levels of symbolic links";
    case "EROFS":
      return "Read-only file system";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
