// `iovsim modprobe [-r] MODULE [param=value ...]`: load vfio-pci on the simulated Linux host (a
// distribution ships it as a module nobody loads until asked), or unload it. See
// docs/linux-mode.md "vfio-pci".
import { UserError } from "../../errors.ts";
import { withHost } from "../../nic/index.ts";
import { modprobeLoad, modprobeRemove } from "../../nic/linux/index.ts";
import { defineCommand } from "../registry.ts";

const HELP = `usage: iovsim modprobe MODULE [ids=VENDOR:DEVICE[:SUBVENDOR[:SUBDEVICE[:CLASS[:CLASS_MASK]]]][,...]]
       iovsim modprobe -r MODULE

Loads a kernel module on the simulated Linux host, as modprobe(8). The only module that is not
loaded at boot is vfio-pci (vfio_pci): after 'iovsim modprobe vfio-pci' the directory
/sys/bus/pci/drivers/vfio-pci exists (bind, unbind, new_id, remove_id), and a VF bound to it is
the VM's in 'paths --host' and 'ping --host'. ids= adds dynamic IDs at load, as vfio_pci_fill_ids
does (each binds the unbound functions it matches). The PF and VF drivers (i40e, iavf, ixgbe,
ixgbevf, igb, igbvf) and netdevsim are loaded: modprobe of them does nothing.

  -r          remove the module (vfio-pci: its VFs are left without a driver)
  -h, --help  this text

Exit status 1 with modprobe's messages: 'modprobe: FATAL: Module foo not found in directory
/lib/modules/6.8.0-iovsim' (a representative kernel release), 'modprobe: FATAL: Module
vfio_pci is not in kernel.' Divergence: vfio-pci's other parameters (enable_sriov,
disable_idle_d3, ...) and modprobe's other options are refused as not simulated; removing the
host's NIC drivers is not simulated: for a PF driver the refusal names the sysfs unbind that
takes each of its PFs from it (docs/linux-mode.md, docs/divergences.md).
`;

export const command = defineCommand({
  name: "modprobe",
  summary: "modprobe [-r] vfio-pci [ids=...]: load the VFIO PCI driver on the Linux view",
  help: HELP,
  options: [{ flags: "-r", description: "remove the module" }],
  operands: "any",
  async run({ opts, operands }, ctx) {
    const [module, ...params] = operands;
    if (!module)
      throw new UserError("E_USAGE", "modprobe: missing module name\nusage: iovsim modprobe [-r] MODULE");
    if (opts.r && params.length)
      throw new UserError("E_USAGE", `modprobe -r: unexpected argument '${params[0]}' (one MODULE)`);
    for (const p of params)
      if (!/^[A-Za-z0-9_]+=/.test(p))
        throw new UserError("E_USAGE", `modprobe: '${p}' is not a module parameter (name=value)`);
    const r = await withHost(ctx.stateDir, (h) =>
      opts.r ? modprobeRemove(h.state, module) : modprobeLoad(h.state, module, params),
    );
    if (r.ok) return 0;
    ctx.err(`${r.message}\n`);
    return 1;
  },
});
