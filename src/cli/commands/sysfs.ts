// `iovsim sysfs read|write|ls PATH [VALUE]`: the Linux view of the simulated host through /sys
// (and the debugfs files of netdevsim and iovsim), printed the way `cat`, bash's `echo VALUE >
// PATH` and `ls` print on Linux. See docs/linux-mode.md.
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import { type LsEntry, linuxStrerror, sysfsLs, sysfsRead, sysfsWrite } from "../../nic/linux/index.ts";
import { defineCommand, usageError } from "../registry.ts";

const HELP = `usage: iovsim sysfs read PATH              (like: cat PATH)
       iovsim sysfs write [-n] [-v] PATH VALUE   (like: echo VALUE > PATH)
       iovsim sysfs ls [-l] PATH                 (like: ls PATH)

The Linux view of the same simulated host that iovctl and pciconf show (docs/linux-mode.md).

  /sys/bus/pci/devices/<DDDD:BB:DD.F>/   one per PCI function; a PF's BDF comes from its RID
        (ixl0 at pci0:1:0:0 is 0000:01:00.0, its VF 0 0000:01:02.0), with
        sriov_totalvfs sriov_numvfs sriov_offset sriov_stride sriov_vf_device
        sriov_drivers_autoprobe virtfnN -> ../<VF>, and physfn -> ../<PF> on each VF
  /sys/bus/pci/devices/<BDF>/driver_override   (null), or the only driver that may bind it
  /sys/bus/pci/drivers/<drv>/bind|unbind       a BDF: give a VF back its host driver / take it
        away (a VF without one is the VM's in paths/ping --host); unbinding a PF's driver
        removes its VFs and its interface (sriov_numvfs then ENOENT), bind brings it back
  /sys/bus/pci/drivers/<drv>/new_id|remove_id  "VENDOR DEVICE ..." (hex): a dynamic ID
  /sys/bus/pci/drivers/vfio-pci/               after 'iovsim modprobe vfio-pci' (not loaded at
        boot); a VF bound to it has no netdev and is the VM's in paths/ping --host
  /sys/bus/pci/drivers_probe                   a BDF: bind it to the first driver that probes it
  /sys/class/net/<dev>/device            -> the PF (e.g. /sys/class/net/ixl0/device/sriov_numvfs)
  /sys/bus/netdevsim/new_device          "ID [PORTS]" creates netdevsim<ID> (port 0 is sim<ID>)
  /sys/bus/netdevsim/del_device          "ID"
  /sys/bus/netdevsim/devices/netdevsim<ID>/sriov_numvfs
  /sys/kernel/debug/netdevsim/netdevsim<ID>/max_vfs   (default 4)
  /sys/kernel/debug/iovsim/<BDF>/fail_vf_add          iovsim fault injection: the VF index whose
        add fails with ENOMEM (-1 = off), to see Linux roll back every VF
  /sys/kernel/debug/iovsim/<BDF>/vf_enable_limit      the PF driver enables at most this many VFs
        (0 = no limit): "N VFs requested; only M enabled"

sriov_numvfs follows drivers/pci/iov.c: junk or > 65535 -> EINVAL, > sriov_totalvfs -> ERANGE,
the same value -> nothing happens, no PF driver -> ENOENT, N while M (both non-zero) -> EBUSY,
0 -> all VFs removed, and a VF that fails to add rolls back all of them. Kernel log lines go to 'iovsim dmesg'.

  -n    write VALUE without the trailing newline (echo -n)
  -v    after a write, also print the kernel log lines it produced (stderr)
  -l    ls: mode, and where symlinks point
  -h, --help  this text

Errors are printed like bash and coreutils on Linux, exit status 1 (ls: 2):
  bash: echo: write error: Device or resource busy
  bash: /sys/.../sriov_totalvfs: Permission denied
  cat: /sys/.../nonexistent: No such file or directory
Divergence: bash names itself "bash" here (an interactive login shell prints "-bash");
/sys/bus/pci/devices/* are directories, not symlinks into /sys/devices; sriov_vf_total_msix,
remove, reset and rescan are absent, and a driver's directory has no module or uevent; a PF's
driver will not unbind while iovctl -C VFs exist (EBUSY: they are the FreeBSD view's), and the
unbind and bind log lines are iovsim's summaries, not the drivers' own; vfio-pci binds on a
host with an IOMMU (no "no IOMMU group" failure); new_id takes driver_data 0 only; netdevsim's
new_device is the 2-field version ("ID PORTS"), a third field is read past and ignored
(docs/linux-mode.md, docs/divergences.md).
`;

const MODE_CHARS = "rwxrwxrwx";
function modeString(e: LsEntry): string {
  const t = e.kind === "dir" ? "d" : e.kind === "link" ? "l" : "-";
  let s = t;
  for (let i = 0; i < 9; i++) s += e.mode & (1 << (8 - i)) ? MODE_CHARS[i] : "-";
  return s;
}

export const command = defineCommand({
  name: "sysfs",
  summary: "sysfs read|write|ls PATH: the Linux view (sriov_numvfs, netdevsim) of the host",
  help: HELP,
  options: [
    { flags: "-n", description: "write VALUE without the trailing newline (echo -n)" },
    { flags: "-v", description: "after a write, also print the kernel log lines it produced" },
    { flags: "-l", description: "ls: mode, and where symlinks point" },
  ],
  operands: "any",
  async run({ opts, operands: args }, ctx) {
    if (args.length === 0) {
      ctx.err(HELP);
      return 1;
    }
    const [verb, ...operands] = args;
    const flags = new Set(Object.keys(opts));
    const usage = (msg: string) => new UserError("E_USAGE", `sysfs: ${msg}\n${HELP.split("\n\n")[0]}`);
    // Each flag belongs to one action: elsewhere it is an error, never ignored.
    const allowed = verb === "write" || verb === "echo" ? "nv" : verb === "ls" ? "l" : "";
    const known = ["read", "cat", "write", "echo", "ls"].includes(verb);
    for (const f of flags)
      if (known && !allowed.includes(f))
        throw usageError("sysfs", `option '-${f}' does not apply to ${verb}`);
    if (verb === "read" || verb === "cat") {
      if (operands.length !== 1) throw usage("read needs exactly one PATH");
      const path = operands[0];
      const r = sysfsRead((await loadHost(ctx.stateDir)).state, path);
      if (!r.ok) {
        ctx.err(`cat: ${path}: ${linuxStrerror(r.errno)}\n`);
        return 1;
      }
      ctx.out(r.text);
      return 0;
    }
    if (verb === "write" || verb === "echo") {
      if (operands.length < 2) throw usage("write needs PATH and VALUE");
      const [path, ...words] = operands;
      const buf = words.join(" ") + (flags.has("n") ? "" : "\n");
      const { result, log } = await withHost(ctx.stateDir, (host) => {
        const before = host.state.dmesg.length;
        const result = sysfsWrite(host.state, path, buf);
        return { result, log: host.state.dmesg.slice(before) };
      });
      if (flags.has("v") && log.length) ctx.err(`${log.join("\n")}\n`);
      if (result.ok) return 0;
      ctx.err(
        result.stage === "write"
          ? `bash: echo: write error: ${linuxStrerror(result.errno)}\n`
          : `bash: ${path}: ${linuxStrerror(result.errno)}\n`,
      );
      return 1;
    }
    if (verb === "ls") {
      if (operands.length !== 1) throw usage("ls needs exactly one PATH");
      const path = operands[0];
      const r = sysfsLs((await loadHost(ctx.stateDir)).state, path, flags.has("l"));
      if (!r.ok) {
        ctx.err(`ls: cannot access '${path}': ${linuxStrerror(r.errno)}\n`);
        return 2;
      }
      const lines = r.entries.map((e) =>
        flags.has("l") ? `${modeString(e)} ${e.name}${e.target ? ` -> ${e.target}` : ""}` : e.name,
      );
      if (lines.length) ctx.out(`${lines.join("\n")}\n`);
      return 0;
    }
    throw usage(`unknown action '${verb}' (read, write, ls)`);
  },
});
