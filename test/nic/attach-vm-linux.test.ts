// Host.attachVm on a VF made through sysfs (the Linux view): never blamed on 'iovctl -D'; the
// Linux view's wording when the caller passes it, a generic one otherwise.
import { describe, expect, it } from "vitest";
import { Host } from "../../src/nic/index.ts";
import { linuxVmRefusal, sysfsWrite } from "../../src/nic/linux/index.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";

function linuxHost(autoprobe: string): Host {
  const h = Host.fresh();
  expect(sysfsWrite(h.state, `${IXL}/sriov_drivers_autoprobe`, `${autoprobe}\n`)).toEqual({ ok: true });
  expect(sysfsWrite(h.state, `${IXL}/sriov_numvfs`, "1\n")).toEqual({ ok: true });
  return h;
}

describe("attachVm: a driverless VF made through sysfs", () => {
  it("without the Linux view's text: says it was made through sysfs, not that iovctl -D detached it", () => {
    const h = linuxHost("0");
    expect(() => h.attachVm("vm", "pci0:1:0:16")).toThrow(
      /^pci0:1:0:16 was made through sysfs \(the Linux view\)/,
    );
    expect(() => h.attachVm("vm", "pci0:1:0:16")).not.toThrow(/iovctl -D/);
  });

  it("with it: the VF's state (autoprobe 0) and the vfio-pci recipe", () => {
    const h = linuxHost("0");
    const explain = (pf: string, vf: Parameters<typeof linuxVmRefusal>[2]) =>
      linuxVmRefusal(h.state, pf, vf, 0);
    expect(() => h.attachVm("vm", "pci0:1:0:16", explain)).toThrow(
      /made with sriov_drivers_autoprobe 0.*iovsim modprobe vfio-pci; iovsim sysfs write \/sys\/bus\/pci\/devices\/0000:01:02\.0\/driver_override vfio-pci/,
    );
    expect(h.vms()).toEqual([]);
  });
});
