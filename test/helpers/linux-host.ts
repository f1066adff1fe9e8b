// Hosts as the Linux-view CLI tests set them up: sysfs writes through the CLI, each required to
// succeed, on a fresh state directory per host. One module, so each test keeps its own steps.
import { join } from "node:path";
import { expect } from "vitest";
import { cliIn, tempDir } from "./cli.ts";

/** A state directory not yet written (the default host until a command saves one). */
export const freshState = (prefix = "iovsim-linux-") => join(tempDir(prefix), "state");

/** A fresh host whose PF (`pf`: its /sys/bus/pci/devices directory) has `n` VFs; `autoprobe`,
 *  when given, is written to sriov_drivers_autoprobe first ("0": the VFs get no driver). */
export async function pfWithVfs(
  pf: string,
  n: number,
  opts: { autoprobe?: string; prefix?: string } = {},
): Promise<string> {
  const s = freshState(opts.prefix);
  if (opts.autoprobe !== undefined)
    expect((await cliIn(s, "sysfs", "write", `${pf}/sriov_drivers_autoprobe`, opts.autoprobe)).code).toBe(0);
  expect((await cliIn(s, "sysfs", "write", `${pf}/sriov_numvfs`, String(n))).code).toBe(0);
  return s;
}

/** A fresh host with netdevsim0 (one port), and `vfs` VFs on it when given. */
export async function netdevsimHost(vfs?: number, prefix?: string): Promise<string> {
  const s = freshState(prefix);
  expect((await cliIn(s, "sysfs", "write", "/sys/bus/netdevsim/new_device", "0 1")).code).toBe(0);
  if (vfs !== undefined)
    expect(
      (await cliIn(s, "sysfs", "write", "/sys/bus/netdevsim/devices/netdevsim0/sriov_numvfs", String(vfs)))
        .code,
    ).toBe(0);
  return s;
}

/** What bash prints when `echo VALUE > FILE` fails with `errno`: its exit status 1. */
export const writeError = (errno: string) => ({
  code: 1,
  out: "",
  err: `bash: echo: write error: ${errno}\n`,
});

/** The names pciconf -l gives the VFs on bus 1 (ixl0's), in its order ("none0" when unbound). */
export const ixlVfNames = async (s: string) =>
  (await cliIn(s, "pciconf", "-l")).out
    .split("\n")
    .filter((l) => l.includes("pci0:1:0:1"))
    .map((l) => l.split("@")[0]);
