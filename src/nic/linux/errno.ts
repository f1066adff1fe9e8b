// Linux errno names with glibc's strerror(3) texts. FreeBSD's table (../errno.ts) cannot be
// reused for this view: the texts differ ("Device busy" there, "Device or resource busy" here).

const LINUX_STRERROR = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EEXIST: "File exists",
  EINVAL: "Invalid argument",
  ENOSPC: "No space left on device",
  ERANGE: "Numerical result out of range",
  EOPNOTSUPP: "Operation not supported",
  EPROTONOSUPPORT: "Protocol not supported",
} as const;

export type LinuxErrno = keyof typeof LINUX_STRERROR;

export function linuxStrerror(e: LinuxErrno): string {
  return LINUX_STRERROR[e];
}

/** Outcome of a simulated syscall: success, or an errno (the kernel log lines are in dmesg). */
export type SysResult = { ok: true } | { ok: false; errno: LinuxErrno };

export const OK: SysResult = { ok: true };

export function fail(errno: LinuxErrno): SysResult {
  return { ok: false, errno };
}
