// `iovsim vm attach|detach|list`: bhyve VMs holding passthrough VFs. A ppt(4) VF given to a
// running VM refuses to detach, so `iovctl -D` fails with Device busy (control-plane.md §4.5).
import { UserError } from "../../errors.ts";
import { loadHost, withHost } from "../../nic/index.ts";
import { linuxVmRefusal } from "../../nic/linux/index.ts";
import { parseSelector } from "../../nic/pci.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim vm attach <vmname> <vf-device|selector>
       iovsim vm detach <vmname|vf-device|selector>
       iovsim vm list

Simulates running bhyve VMs that own passthrough VFs (bhyve -s <slot>,passthru,B/S/F).
Only a VF created with 'passthrough: true' (attached to ppt(4), e.g. ppt0) can be given to a
VM, and each VF to one VM at a time. While a VM holds a VF, 'iovctl -D' on its PF fails with
'Device busy' and dmesg shows '<pf>: Could not disable SR-IOV: failed to detach VF pptN'.

  attach    give the VF (ppt0, or a selector as pciconf takes it: pci0:1:0:17, pci1:0:17) to the VM
  detach    release one VF, or every VF of the named VM (the VM stopped)
  list      VM, VF, selector, PF and the bhyve passthru slot spec
  -h, --help  this text

A VF made through sysfs (the Linux view) is refused with what Linux does instead: bind it to
vfio-pci (iovsim modprobe vfio-pci, then driver_override and drivers_probe); a VF bound to
vfio-pci or left without a host driver is the VM's in 'paths --host' and 'ping --host'.

Divergence: VMs are names only; nothing boots. bhyve itself is not simulated
(docs/control-plane.md; a walk-through: docs/guide/bhyve-passthrough.md).
`;

export const command = defineCommand({
  name: "vm",
  summary: "vm attach|detach|list: give a passthrough VF to a named bhyve VM",
  help: HELP,
  options: [],
  operands: "any",
  async run({ operands }, ctx) {
    const [sub, ...rest] = operands;
    const usage = "usage: iovsim vm attach <vmname> <vf-device|selector> | detach <vmname|vf> | list";
    switch (sub) {
      case "attach": {
        if (rest.length > 2)
          throw new UserError("E_USAGE", `vm attach: unexpected argument '${rest[2]}'\n${usage}`);
        if (rest.length !== 2)
          throw new UserError("E_USAGE", `vm attach needs <vmname> and <vf-device|selector>\n${usage}`);
        // A VF made through sysfs is never a ppt(4) device: the Linux view says what it offers
        // instead, for the state that VF is in (host driver, vfio-pci, unbound, autoprobe 0).
        const vf = await withHost(ctx.stateDir, (h) =>
          h.attachVm(rest[0]!, rest[1]!, (pf, v) =>
            linuxVmRefusal(h.state, pf, v, parseSelector(v.selector)?.domain ?? 0),
          ),
        );
        ctx.out(`${vf.name} (${vf.selector}) attached to VM '${rest[0]}'\n`);
        return 0;
      }
      case "detach": {
        if (rest.length > 1)
          throw new UserError("E_USAGE", `vm detach: unexpected argument '${rest[1]}'\n${usage}`);
        if (rest.length !== 1)
          throw new UserError("E_USAGE", `vm detach needs <vmname|vf-device|selector>\n${usage}`);
        const vfs = await withHost(ctx.stateDir, (h) => h.detachVm(rest[0]));
        for (const vf of vfs) ctx.out(`${vf.name} (${vf.selector}) detached\n`);
        return 0;
      }
      case "list": {
        if (rest.length) throw new UserError("E_USAGE", `vm list takes no arguments\n${usage}`);
        const host = await loadHost(ctx.stateDir);
        const rows = host.vms();
        if (rows.length === 0) {
          ctx.out("no VM holds a VF\n");
          return 0;
        }
        ctx.out("VM\tVF\tSELECTOR\tPF\tBHYVE\n");
        for (const { vm, pf, vf } of rows) {
          const [, bus, slot, fn] = vf.selector.replace(/^pci\d+:/, "x:").split(":");
          ctx.out(`${vm}\t${vf.name}\t${vf.selector}\t${pf}\tpassthru,${bus}/${slot}/${fn}\n`);
        }
        return 0;
      }
      default:
        throw new UserError("E_USAGE", sub ? `vm: unknown subcommand '${sub}'\n${usage}` : usage);
    }
  },
});
