// `iovsim pciconf -l [-cv] [device|selector]`: FreeBSD pciconf(8)'s listing of the simulated PCI bus.
// Option handling follows pciconf.c (getopt "aBbcDehlrwVvx", usage text, getdevice/parsesel errors).
import { type Host, loadHost } from "../../nic/index.ts";
import { parseSelector } from "../../nic/pci.ts";
import {
  deviceAttached,
  findDeviceByName,
  formatPciconf,
  type PciconfFilter,
} from "../../nic/pciconf-format.ts";
import type { CommandContext } from "../context.ts";
import { defineRawCommand } from "../registry.ts";

const USAGE =
  "usage: pciconf -l [-BbcevV] [device]\n" +
  "       pciconf -a device\n" +
  "       pciconf -r [-b | -h] device addr[:addr2]\n" +
  "       pciconf -w [-b | -h] device addr value\n" +
  "       pciconf -D [-b | -h | -x] device bar [start [count]]\n";

const HELP = `usage: iovsim pciconf -l [-cev] [device|selector]
       iovsim pciconf -a device|selector

FreeBSD pciconf(8) on the simulated host: one line per PCI device in pciconf's exact format
(name@pciD:B:S:F, class, rev, hdr, vendor, device, subvendor, subdevice). VFs appear on their
PF's bus after 'iovsim iovctl -C' with the driver that attached (iavfN, ixvN, igbvfN, pptN),
listed as the kernel's device list holds them: after the devices found at boot, in the order
they were created.

  -l          list devices (the only mode simulated)
  -v          add vendor/device names and class/subclass
  -c          add the capability lists, including the SR-IOV extended capability
              (IOV enabled, NumVFs/TotalVFs, First VF RID Offset, VF RID Stride, VF Device ID,
              page sizes, iov bar lines while VFs exist)
  -e          add the PCI, PCI-e and AER error bits: none is ever set on a simulated device,
              so nothing is added
  -a          whether a driver is attached: "DEVICE: attached" (exit 0) or "DEVICE: not
              attached" (exit 2, e.g. a VF left detached by a failed iovctl -D)
  device      a device name (ixl0, iavf1) or a selector (pci0:1:0:16, pci1:0:16)
  -h, --help  this text (-h only when alone: with other options it is FreeBSD's -h)

Divergences: -r, -w, -D, -B, -b, -V and -x are not simulated (they fail with a clear
message); -h alone prints this help (FreeBSD prints the usage); a second device is an error
(FreeBSD ignores both and lists every device); the non-SR-IOV capability lines are
representative of the real cards, not read from hardware; vendor/device names come from the
NIC profiles (pci.ids spelling). More: docs/control-plane.md; every divergence:
docs/divergences.md.
`;

export const command = defineRawCommand({
  name: "pciconf",
  summary: "pciconf -l [-v] [-c] [-e] / -a: the simulated PCI bus",
  help: HELP,
  rawArgv:
    "FreeBSD getopt(3) with pciconf's option letters and messages; --help, and -h given alone (FreeBSD: the usage, exit 1), print this help.",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    if (args.includes("--help") || (args.length === 1 && args[0] === "-h")) {
      ctx.out(HELP);
      return 0;
    }
    const flags = new Set<string>();
    // -b, -h and -x each set the access width: the last one given wins.
    let width = 4;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i];
      if (a === "--") {
        i++;
        break;
      }
      if (!a.startsWith("-") || a === "-") break;
      for (const c of a.slice(1)) {
        if (!"aBbcDehlrwVvx".includes(c)) {
          ctx.err(`pciconf: illegal option -- ${c}\n${USAGE}`);
          return 1;
        }
        flags.add(c);
        if (c === "b") width = 1;
        else if (c === "h") width = 2;
        else if (c === "x") width = 8;
      }
    }
    const operands = args.slice(i);
    // pciconf's own operand check, before any mode runs (-l then lists, whatever else is set).
    const n = operands.length;
    if (
      (flags.has("w") && n !== 3) ||
      (flags.has("r") && n !== 2) ||
      (flags.has("a") && n !== 1) ||
      (flags.has("D") && (n < 2 || n > 4)) ||
      (width === 8 && !flags.has("D"))
    ) {
      ctx.err(USAGE);
      return 1;
    }
    if (!flags.has("l") && flags.has("a")) return attachedMode(operands[0], ctx);
    if (!flags.has("l")) {
      const mode = ["r", "w", "D"].find((m) => flags.has(m));
      if (mode) {
        ctx.err(
          `iovsim: pciconf -${mode} is not simulated (only pciconf -l [-cev] [device] and pciconf -a device)\n`,
        );
        return 1;
      }
      ctx.err(USAGE);
      return 1;
    }
    // -e prints a device's PCI, PCI-e and AER error status bits (usr.sbin/pciconf/err.c) and
    // nothing when none is set: the simulated devices never set one, so it adds no lines.
    const unsupported = ["B", "b", "V"].filter((f) => flags.has(f));
    if (unsupported.length) {
      ctx.err(`iovsim: pciconf -l -${unsupported.join("")} is not simulated (only -c, -e and -v)\n`);
      return 1;
    }
    if (operands.length > 1) {
      // FreeBSD's pciconf does not check: with two operands it lists every device. One device
      // at most, or the usage (iovsim divergence, so that a second name is never ignored).
      ctx.err(`iovsim: pciconf -l takes at most one device (got '${operands[1]}' too)\n${USAGE}`);
      return 1;
    }
    const host = await loadHost(ctx.stateDir);
    let filter: PciconfFilter | undefined;
    const name = operands[0];
    if (name !== undefined) {
      const sel = getsel(host, name, ctx);
      if (typeof sel === "number") return sel;
      filter = sel;
    }
    ctx.out(formatPciconf(host, { verbose: flags.has("v"), caps: flags.has("c") }, filter));
    return 0;
  },
});

/** pciconf.c getsel(): a selector (it has a colon) by parsesel(), else a device by getdevice(). */
function getsel(host: Host, name: string, ctx: CommandContext): PciconfFilter | number {
  if (name.includes(":")) {
    const sel = parseSelector(name);
    if (!sel) {
      ctx.err(`pciconf: cannot parse selector ${name}\n`);
      return 1;
    }
    return { selector: sel };
  }
  // getdevice(): the unit is the run of digits at the end, the driver name what precedes it.
  if (name === "") {
    ctx.err("pciconf: Empty device name\n");
    return 1;
  }
  const m = /^(.*[^0-9])([0-9]+)$/s.exec(name);
  if (!m) {
    ctx.err("pciconf: Invalid device name\n");
    return 1;
  }
  // struct pci_match_conf's pd_name holds PCI_MAXNAMELEN (16) characters.
  if (m[1].length > PCI_MAXNAMELEN) {
    ctx.err("pciconf: Device name is too long\n");
    return 1;
  }
  // strtol saturates at LONG_MAX; no device has such a unit either way.
  const unit = BigInt(m[2]) > LONG_MAX ? LONG_MAX : BigInt(m[2]);
  const address = findDeviceByName(host, m[1], unit);
  if (!address) {
    ctx.err("pciconf: Device not found\n");
    return 1;
  }
  return { selector: address };
}

const PCI_MAXNAMELEN = 16;
const LONG_MAX = 0x7fffffffffffffffn;

/**
 * `pciconf -a device`: chkattached() prints "NAME: attached" (exit 0) or "NAME: not attached"
 * (exit 2, e.g. a VF left detached by a failed iovctl -D); the PCIOCATTACHED ioctl fails with
 * ENODEV for a selector that names no device.
 */
async function attachedMode(name: string, ctx: CommandContext): Promise<number> {
  const host = await loadHost(ctx.stateDir);
  const sel = getsel(host, name, ctx);
  if (typeof sel === "number") return sel;
  const attached = deviceAttached(host, sel);
  if (attached === undefined) {
    ctx.err("pciconf: ioctl(PCIOCATTACHED): Operation not supported by device\n");
    return 1;
  }
  ctx.out(`${name}: ${attached ? "" : "not "}attached\n`);
  return attached ? 0 : 2;
}
