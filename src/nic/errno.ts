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
} as const;

export type Errno = keyof typeof STRERROR;

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
