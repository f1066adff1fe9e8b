// vfio-pci on the simulated Linux host: loaded with `iovsim modprobe` (a distribution ships it
// unloaded), bound by the usual recipes (driver_override + drivers_probe; new_id; bind), with
// the kernel's errors (drivers/pci/pci-driver.c new_id_store/remove_id_store, bus.c bind_store,
// vfio_pci.c's override_only ID table), and what pciconf, ip link, vm attach and ping --host see.
import { describe, expect, it } from "vitest";
import { readState } from "../../src/nic/state.ts";
import { pathHostFromState } from "../../src/paths/setup.ts";
import { cliIn as cli } from "../helpers/cli.ts";
import { pfWithVfs, ixlVfNames as vfNames, writeError as werr } from "../helpers/linux-host.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";
const VF0 = "/sys/bus/pci/devices/0000:01:02.0";
const VF1 = "/sys/bus/pci/devices/0000:01:02.1";
const VFIO = "/sys/bus/pci/drivers/vfio-pci";
const IAVF = "/sys/bus/pci/drivers/iavf";

async function hostWithVfs(n: number, autoprobe = "1", vfio = true): Promise<string> {
  const s = await pfWithVfs(IXL, n, { autoprobe, prefix: "iovsim-vfio-" });
  if (vfio) expect(await cli(s, "modprobe", "vfio-pci")).toEqual({ code: 0, out: "", err: "" });
  return s;
}

const write = (s: string, path: string, ...value: string[]) => cli(s, "sysfs", "write", path, ...value);
const ok = { code: 0, out: "", err: "" };
const ls = async (s: string, path: string) => (await cli(s, "sysfs", "ls", path)).out;

describe("modprobe vfio-pci", () => {
  it("is not loaded on a fresh host: no drivers/vfio-pci; modprobe loads it (vfio's init line in dmesg)", async () => {
    const s = await hostWithVfs(1, "1", false);
    expect(await ls(s, "/sys/bus/pci/drivers")).not.toContain("vfio-pci");
    expect(await write(s, `${VFIO}/new_id`, "8086 154c")).toEqual({
      code: 1,
      out: "",
      err: `bash: ${VFIO}/new_id: No such file or directory\n`,
    });
    expect(await cli(s, "modprobe", "vfio_pci")).toEqual(ok); // '-' and '_' alike
    expect(await ls(s, "/sys/bus/pci/drivers")).toContain("vfio-pci\n");
    expect(await ls(s, VFIO)).toBe("bind\nnew_id\nremove_id\nunbind\n");
    expect((await cli(s, "dmesg")).out).toContain("VFIO - User Level meta-driver version: 0.3\n");
    expect(await cli(s, "modprobe", "vfio-pci")).toEqual(ok); // already loaded: nothing happens
  });

  it("modprobe's own refusals: unknown module, -r of a module not loaded, unsimulated parameters", async () => {
    const s = await hostWithVfs(1, "1", false);
    expect(await cli(s, "modprobe", "foo")).toEqual({
      code: 1,
      out: "",
      err: "modprobe: FATAL: Module foo not found in directory /lib/modules/6.8.0-iovsim\n",
    });
    expect(await cli(s, "modprobe", "-r", "vfio-pci")).toEqual({
      code: 1,
      out: "",
      err: "modprobe: FATAL: Module vfio_pci is not in kernel.\n",
    });
    expect(await cli(s, "modprobe", "i40e")).toEqual(ok);
    expect((await cli(s, "modprobe", "-r", "i40e")).err).toMatch(/not simulated/);
    expect((await cli(s, "modprobe", "vfio-pci", "enable_sriov=1")).err).toMatch(
      /parameter 'enable_sriov' is not simulated/,
    );
    expect((await cli(s, "modprobe")).code).toBe(1);
  });

  it("ids= adds dynamic IDs at load (vfio_pci_fill_ids): unbound matching VFs bind, junk is logged and skipped", async () => {
    const s = await hostWithVfs(2, "1", false);
    expect((await write(s, `${VF1}/driver/unbind`, "0000:01:02.1")).code).toBe(0);
    expect(await cli(s, "modprobe", "vfio-pci", "ids=zz,8086:154c")).toEqual(ok);
    const log = (await cli(s, "dmesg")).out;
    expect(log).toContain('vfio_pci: invalid id string "zz"\n');
    expect(log).toContain("vfio_pci: add [8086:154c[ffffffff:ffffffff]] class 0x000000/00000000\n");
    // VF 0 keeps iavf (already bound); VF 1, unbound, is taken by vfio-pci.
    expect(await ls(s, VFIO)).toBe("0000:01:02.1\nbind\nnew_id\nremove_id\nunbind\n");
    expect(await ls(s, IAVF)).toMatch(/^0000:01:02\.0\n/);
  });

  it("modprobe -r vfio-pci leaves its VFs without a driver and forgets its IDs", async () => {
    const s = await hostWithVfs(1);
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect((await write(s, `${VFIO}/new_id`, "8086 154c")).code).toBe(0);
    expect((await cli(s, "sysfs", "ls", "-l", `${VF0}/driver`)).out).toContain("-> ../../drivers/vfio-pci");
    expect(await cli(s, "modprobe", "-r", "vfio-pci")).toEqual(ok);
    expect(await ls(s, VF0)).not.toMatch(/^driver$/m);
    expect(await ls(s, "/sys/bus/pci/drivers")).not.toContain("vfio-pci");
    expect(await cli(s, "modprobe", "vfio-pci")).toEqual(ok);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(werr("No such device")); // no ID left
  });
});

describe("the driver_override recipe", () => {
  it("driver_override vfio-pci, unbind, drivers_probe: the VF is vfio-pci's, with no netdev; the VM's in ping --host", async () => {
    const s = await hostWithVfs(2);
    expect(await write(s, `${VF0}/driver_override`, "vfio-pci")).toEqual(ok);
    expect(await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).toEqual(ok);
    expect(await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).toEqual(ok);
    expect((await cli(s, "sysfs", "ls", "-l", `${VF0}/driver`)).out).toBe(
      `lrwxrwxrwx ${VF0}/driver -> ../../drivers/vfio-pci\n`,
    );
    expect(await ls(s, VFIO)).toBe("0000:01:02.0\nbind\nnew_id\nremove_id\nunbind\n");
    expect(await ls(s, VF0)).not.toMatch(/^net$/m);
    expect(await vfNames(s)).toEqual(["none0", "iavf1"]);
    const links = (await cli(s, "ip", "link", "show")).out;
    expect(links).not.toMatch(/: iavf0:/);
    expect(links).toMatch(/: iavf1:/);
    expect((await cli(s, "ping", "--host", "--path", "vm-vf", "-c", "1")).code).toBe(0);
    expect((await cli(s, "ping", "--host", "--path", "jail-vf", "-c", "1")).code).toBe(0);
    // What paths/ping --host give each side: the VM the vfio-pci VF, the jail the iavf one.
    const ph = pathHostFromState((await readState(s))!);
    expect([ph.vmVf?.index, ph.jailVf?.index]).toEqual([0, 1]);
  });

  it("bind_store: vfio-pci matches only with driver_override or an ID; a bound VF is EBUSY; the PF too", async () => {
    const s = await hostWithVfs(1);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(werr("No such device"));
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(werr("Device or resource busy"));
    expect((await write(s, `${IXL}/driver_override`, "vfio-pci")).code).toBe(0);
    expect(await write(s, `${VFIO}/bind`, "0000:01:00.0")).toEqual(werr("Device or resource busy"));
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(ok);
    // Back to the host driver: unbind from vfio-pci, clear the override, probe.
    expect(await write(s, `${VFIO}/unbind`, "0000:01:02.0")).toEqual(ok);
    expect(await write(s, `${VFIO}/unbind`, "0000:01:02.0")).toEqual(werr("No such device"));
    expect((await write(s, `${VF0}/driver_override`, "")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    expect(await vfNames(s)).toEqual(["iavf0"]);
  });
});

describe("new_id and remove_id (drivers/pci/pci-driver.c)", () => {
  it("new_id: fewer than two hex fields EINVAL, an ID already matched EEXIST, driver_data not in the table EINVAL", async () => {
    const s = await hostWithVfs(1);
    expect(await write(s, `${VFIO}/new_id`, "8086:154c")).toEqual(werr("Invalid argument"));
    expect(await write(s, `${VFIO}/new_id`, "xyz")).toEqual(werr("Invalid argument"));
    expect(await write(s, `${VFIO}/new_id`, "8086 154c 8086 0 20000 ffff00 1")).toEqual(
      werr("Invalid argument"),
    );
    expect(await write(s, `${VFIO}/new_id`, "8086", "0x154c")).toEqual(ok);
    expect(await write(s, `${VFIO}/new_id`, "8086 154c")).toEqual(werr("File exists"));
    // iavf's own table has 8086:154c already.
    expect(await write(s, `${IAVF}/new_id`, "8086 154c")).toEqual(werr("File exists"));
    // The VF bound to iavf stays there: new_id binds only functions without a driver.
    expect(await vfNames(s)).toEqual(["iavf0"]);
    expect(await write(s, `${VFIO}/remove_id`, "8086")).toEqual(werr("Invalid argument"));
    expect(await write(s, `${VFIO}/remove_id`, "8086 1572")).toEqual(werr("No such device"));
    expect(await write(s, `${VFIO}/remove_id`, "8086 154c")).toEqual(ok);
    expect(await write(s, `${VFIO}/remove_id`, "8086 154c")).toEqual(werr("No such device"));
  });

  it("the common recipe: unbind from iavf, new_id; drivers_probe tries iavf first (registered before vfio-pci)", async () => {
    const s = await hostWithVfs(2);
    for (const bdf of ["0000:01:02.0", "0000:01:02.1"])
      expect((await write(s, `${IAVF}/unbind`, bdf)).code).toBe(0);
    expect(await write(s, `${VFIO}/new_id`, "8086 154c")).toEqual(ok);
    expect(await ls(s, VFIO)).toMatch(/^0000:01:02\.0\n0000:01:02\.1\n/);
    expect(await write(s, `${VFIO}/unbind`, "0000:01:02.1")).toEqual(ok);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.1")).code).toBe(0);
    expect(await vfNames(s)).toEqual(["none0", "iavf0"]);
  });

  it("with sriov_drivers_autoprobe 0 a matching new_id binds nothing (pci_device_can_probe); driver_override does", async () => {
    const s = await hostWithVfs(1, "0");
    expect(await write(s, `${VFIO}/new_id`, "8086 154c")).toEqual(ok);
    expect(await ls(s, VF0)).not.toMatch(/^driver$/m);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(werr("No such device"));
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect(await write(s, `${VFIO}/bind`, "0000:01:02.0")).toEqual(ok);
  });
});

describe("vm attach of a VF made through sysfs: the refusal fits the VF's state", () => {
  const attach = async (s: string) => {
    const r = await cli(s, "vm", "attach", "vm1", "pci0:1:0:16");
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/iovctl -D/);
    return r.err;
  };

  it("host driver bound: the vfio-pci recipe (with modprobe when vfio-pci is not loaded)", async () => {
    const s = await hostWithVfs(1, "1", false);
    expect(await attach(s)).toMatch(
      /On Linux a VM gets a VF bound to vfio-pci: iovsim modprobe vfio-pci; .*driver_override vfio-pci/,
    );
  });

  it("bound to vfio-pci, unbound through sysfs, made with autoprobe 0: each says so", async () => {
    const s = await hostWithVfs(1);
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect(await attach(s)).toMatch(/its host driver was unbound through sysfs/);
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    expect(await attach(s)).toMatch(/It is bound to vfio-pci, as a VM's VF is on Linux/);
    const s0 = await hostWithVfs(1, "0");
    expect(await attach(s0)).toMatch(/made with sriov_drivers_autoprobe 0/);
  });
});

describe("ping --host jail-vf with the only VF on vfio-pci", () => {
  it("is refused saying the VF is on vfio-pci and how to give it back its host driver (which then works)", async () => {
    const s = await hostWithVfs(1);
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    const r = await cli(s, "ping", "--host", "--path", "jail-vf", "-c", "1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /VF 0 is bound to vfio-pci\): give it back its host driver \(iovsim sysfs write \/sys\/bus\/pci\/drivers\/vfio-pci\/unbind 0000:01:02\.0; /,
    );
    expect(r.err).not.toMatch(/autoprobe/);
    // The steps it names, in order.
    expect((await write(s, `${VFIO}/unbind`, "0000:01:02.0")).code).toBe(0);
    expect((await write(s, `${VF0}/driver_override`, "")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    expect((await cli(s, "ping", "--host", "--path", "jail-vf", "-c", "1")).code).toBe(0);
  });
});
