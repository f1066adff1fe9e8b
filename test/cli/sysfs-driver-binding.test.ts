// Driver binding through sysfs, as an administrator hands a VF to vfio-pci or back to its host
// driver: drivers/<drv>/bind and unbind (drivers/base/bus.c), drivers_probe, driver_override
// (drivers/pci/pci-sysfs.c, pci_device_can_probe for autoprobe 0), and what pciconf and the
// data plane (`ping --host`) then see.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn as cli, tempDir } from "../helpers/cli.ts";
import { freshState, pfWithVfs, ixlVfNames as vfNames, writeError as werr } from "../helpers/linux-host.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";
const VF0 = "/sys/bus/pci/devices/0000:01:02.0";
const IAVF = "/sys/bus/pci/drivers/iavf";

const hostWithVfs = (n: number, autoprobe = "1") => pfWithVfs(IXL, n, { autoprobe, prefix: "iovsim-bind-" });
const write = (s: string, path: string, value: string) => cli(s, "sysfs", "write", path, value);

describe("unbind and bind a VF's host driver", () => {
  it("unbind through the driver link: the VF loses its driver (pciconf noneN), bind gives it back", async () => {
    const s = await hostWithVfs(2);
    expect(await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).toEqual({ code: 0, out: "", err: "" });
    expect((await cli(s, "sysfs", "ls", VF0)).out).not.toMatch(/^driver$/m);
    expect((await cli(s, "sysfs", "ls", IAVF)).out).toBe("0000:01:02.1\nbind\nnew_id\nremove_id\nunbind\n");
    expect(await vfNames(s)).toEqual(["none0", "iavf1"]);
    // The PF still holds the VF's settings: ip link shows both VFs.
    expect((await cli(s, "ip", "link", "show", "ixl0")).out.match(/ {4}vf \d/g)).toHaveLength(2);
    expect(await write(s, `${IAVF}/bind`, "0000:01:02.0")).toEqual({ code: 0, out: "", err: "" });
    expect(await vfNames(s)).toEqual(["iavf0", "iavf1"]);
  });

  it("bus_find_device_by_name/driver_match_device: unknown or not bound here ENODEV, bound already EBUSY", async () => {
    const s = await hostWithVfs(1);
    expect(await write(s, `${IAVF}/unbind`, "0000:01:09.0")).toEqual(werr("No such device"));
    expect(await write(s, "/sys/bus/pci/drivers/ixgbevf/unbind", "0000:01:02.0")).toEqual(
      werr("No such device"),
    );
    expect(await write(s, `${IAVF}/bind`, "0000:01:02.0")).toEqual(werr("Device or resource busy"));
    expect(await write(s, `${IAVF}/unbind`, "0000:01:02.0")).toMatchObject({ code: 0 });
    // i40e's ID table has no VF device: no match.
    expect(await write(s, "/sys/bus/pci/drivers/i40e/bind", "0000:01:02.0")).toEqual(werr("No such device"));
    expect(await write(s, `${IAVF}/unbind`, "0000:01:02.0")).toEqual(werr("No such device"));
  });
});

describe("unbind and bind a PF's driver (i40e_remove/ixgbe_remove/igb_remove, then probe)", () => {
  const I40E = "/sys/bus/pci/drivers/i40e";
  const IX = "/sys/bus/pci/devices/0000:03:00.0";
  const stderr = (r: { err: string }) => r.err;

  it("the remove disables SR-IOV: every VF goes (host driver, vfio-pci or none), then ixl0; dmesg says so", async () => {
    const s = await hostWithVfs(3);
    expect((await cli(s, "ip", "link", "set", "ixl0", "vf", "0", "mac", "02:00:00:00:00:aa")).code).toBe(0);
    // VF 1 on vfio-pci, VF 2 unbound: both vanish with the others.
    expect((await cli(s, "modprobe", "vfio-pci")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/devices/0000:01:02.1/driver_override", "vfio-pci")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/devices/0000:01:02.1/driver/unbind", "0000:01:02.1")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.1")).code).toBe(0);
    expect((await write(s, `${IAVF}/unbind`, "0000:01:02.2")).code).toBe(0);
    expect(await cli(s, "sysfs", "write", "-v", `${I40E}/unbind`, "0000:01:00.0")).toEqual({
      code: 0,
      out: "",
      err: "iovsim: 0000:01:00.0: i40e unbound: its remove disabled SR-IOV (3 VFs removed) and unregistered ixl0\n",
    });
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("0\n");
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_totalvfs`)).out).toBe("64\n");
    const ls = (await cli(s, "sysfs", "ls", IXL)).out.split("\n");
    expect(ls).not.toContain("driver");
    expect(ls).not.toContain("net");
    expect(ls.filter((l) => l.startsWith("virtfn"))).toEqual([]);
    expect((await cli(s, "sysfs", "ls", I40E)).out).toBe("bind\nnew_id\nremove_id\nunbind\n");
    expect((await cli(s, "sysfs", "ls", "/sys/bus/pci/drivers/vfio-pci")).out).toBe(
      "bind\nnew_id\nremove_id\nunbind\n",
    );
    expect(await cli(s, "sysfs", "read", "/sys/bus/pci/devices/0000:01:02.0/vendor")).toEqual({
      code: 1,
      out: "",
      err: "cat: /sys/bus/pci/devices/0000:01:02.0/vendor: No such file or directory\n",
    });
    // No netdev: ip link neither shows nor sets it; the other PFs stay.
    expect(await cli(s, "ip", "link", "show", "ixl0")).toEqual({
      code: 1,
      out: "",
      err: 'Device "ixl0" does not exist.\n',
    });
    expect(stderr(await cli(s, "ip", "link", "set", "ixl0", "vf", "0", "trust", "on"))).toBe(
      'Cannot find device "ixl0"\n',
    );
    const links = (await cli(s, "ip", "link")).out;
    expect(links).not.toMatch(/ixl0|iavf/);
    expect(links).toMatch(/^3: ix0: /m);
    expect(await cli(s, "sysfs", "read", "/sys/class/net/ixl0/address")).toMatchObject({ code: 1 });
    expect(await cli(s, "devlink", "dev", "eswitch", "show", "pci/0000:01:00.0")).toEqual({
      code: 1,
      out: "",
      err: "devlink answers: No such device\n",
    });
  });

  it("the FreeBSD view agrees: pciconf lists the PF as none<N>, /dev/iov/ixl0 is gone", async () => {
    const s = await hostWithVfs(1);
    expect((await write(s, `${I40E}/unbind`, "0000:01:00.0")).code).toBe(0);
    const pciconf = (await cli(s, "pciconf", "-l")).out;
    expect(pciconf).toMatch(/^none0@pci0:1:0:0:\tclass=0x020000 /m);
    expect(pciconf).not.toMatch(/iavf|pci0:1:0:16/);
    expect(await cli(s, "pciconf", "-l", "ixl0")).toEqual({
      code: 1,
      out: "",
      err: "pciconf: Device not found\n",
    });
    expect(await cli(s, "pciconf", "-a", "pci0:1:0:0")).toEqual({
      code: 2,
      out: "pci0:1:0:0: not attached\n",
      err: "",
    });
    const noNode = "iovctl: Could not open device '/dev/iov/ixl0': No such file or directory\n";
    expect(await cli(s, "iovctl", "-S", "-d", "ixl0")).toEqual({ code: 1, out: "", err: noNode });
    expect(await cli(s, "iovctl", "-D", "-d", "ixl0")).toEqual({ code: 1, out: "", err: noNode });
    const conf = join(tempDir("iovsim-conf-"), "iov.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 2; }\n');
    expect((await cli(s, "validate", "-f", conf)).err).toContain(
      "Could not open device '/dev/iov/ixl0': No such file or directory (this host's PFs: ix0, igb0; ixl0 has no driver attached",
    );
  });

  it("without a driver sriov_numvfs is the PCI core's: ERANGE above TotalVFs, same value ok, else ENOENT", async () => {
    const s = await hostWithVfs(0);
    expect((await write(s, "/sys/bus/pci/drivers/ixgbe/unbind", "0000:03:00.0")).code).toBe(0);
    // pci_iov_remove put driver_max_VFs back to TotalVFs: ixgbe's 63 is 64 again.
    expect((await cli(s, "sysfs", "read", `${IX}/sriov_totalvfs`)).out).toBe("64\n");
    expect(await write(s, `${IX}/sriov_numvfs`, "65")).toEqual(werr("Numerical result out of range"));
    expect(await write(s, `${IX}/sriov_numvfs`, "0")).toEqual({ code: 0, out: "", err: "" });
    expect(await cli(s, "sysfs", "write", "-v", `${IX}/sriov_numvfs`, "64")).toEqual({
      code: 1,
      out: "",
      err: "pci 0000:03:00.0: no driver bound to device; cannot configure SR-IOV\nbash: echo: write error: No such file or directory\n",
    });
    expect((await cli(s, "sysfs", "read", `${IX}/sriov_numvfs`)).out).toBe("0\n");
    // sriov_drivers_autoprobe is the PCI core's too: still there, still writable.
    expect(await write(s, `${IX}/sriov_drivers_autoprobe`, "0")).toEqual({ code: 0, out: "", err: "" });
  });

  it("bind (or drivers_probe) brings the PF back with 0 VFs: netdev, /dev/iov node, driver limit", async () => {
    const s = await hostWithVfs(2);
    expect((await write(s, `${I40E}/unbind`, "0000:01:00.0")).code).toBe(0);
    expect(await write(s, `${I40E}/unbind`, "0000:01:00.0")).toEqual(werr("No such device"));
    expect(await write(s, "/sys/bus/pci/drivers/ixgbe/bind", "0000:01:00.0")).toEqual(werr("No such device"));
    expect(await write(s, `${I40E}/bind`, "0000:01:00.0")).toEqual({ code: 0, out: "", err: "" });
    expect(await write(s, `${I40E}/bind`, "0000:01:00.0")).toEqual(werr("Device or resource busy"));
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("0\n");
    // A new netdev: the next free ifindex (16, none registered since boot), not its old 2.
    expect((await cli(s, "ip", "link", "show", "ixl0")).out).toMatch(/^16: ixl0: /);
    expect((await cli(s, "sysfs", "read", "/sys/class/net/ixl0/ifindex")).out).toBe("16\n");
    expect((await cli(s, "pciconf", "-l", "ixl0")).out).toMatch(/^ixl0@pci0:1:0:0:/);
    expect((await cli(s, "iovctl", "-L", "-d", "ixl0")).code).toBe(0);
    expect((await write(s, `${IXL}/sriov_numvfs`, "1")).code).toBe(0);
    // ixgbe: drivers_probe finds it, and its probe lowers sriov_totalvfs to 63 again.
    expect((await write(s, "/sys/bus/pci/drivers/ixgbe/unbind", "0000:03:00.0")).code).toBe(0);
    expect(await write(s, "/sys/bus/pci/drivers_probe", "0000:03:00.0")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect((await cli(s, "sysfs", "read", `${IX}/sriov_totalvfs`)).out).toBe("63\n");
    expect((await cli(s, "sysfs", "ls", "-l", `${IX}/driver`)).out).toBe(
      `lrwxrwxrwx ${IX}/driver -> ../../drivers/ixgbe\n`,
    );
  });

  it("an unbound PF can go to vfio-pci (no netdev, sriov_numvfs ENOENT); modprobe -r leaves it unbound", async () => {
    const s = await hostWithVfs(0);
    expect((await write(s, "/sys/bus/pci/drivers/ixgbe/unbind", "0000:03:00.0")).code).toBe(0);
    expect((await cli(s, "modprobe", "vfio-pci")).code).toBe(0);
    expect((await write(s, `${IX}/driver_override`, "vfio-pci")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:03:00.0")).code).toBe(0);
    expect((await cli(s, "sysfs", "ls", "/sys/bus/pci/drivers/vfio-pci")).out).toMatch(/^0000:03:00\.0$/m);
    // vfio_pci_sriov_configure without enable_sriov: ENOENT, nothing logged.
    expect(await cli(s, "sysfs", "write", "-v", `${IX}/sriov_numvfs`, "2")).toEqual(
      werr("No such file or directory"),
    );
    expect((await cli(s, "ip", "link", "show", "ix0")).code).toBe(1);
    expect((await cli(s, "pciconf", "-l")).out).toMatch(/^none0@pci0:3:0:0:/m);
    expect((await cli(s, "modprobe", "-r", "vfio-pci")).code).toBe(0);
    expect((await cli(s, "sysfs", "ls", IX)).out).not.toMatch(/^driver$/m);
    expect((await write(s, `${IX}/driver_override`, "")).code).toBe(0);
    expect((await write(s, "/sys/bus/pci/drivers/ixgbe/bind", "0000:03:00.0")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "ix0")).out).toMatch(/^16: ix0: /);
  });

  it("refused, changing nothing: VFs iovctl -C made (EBUSY, dmesg names iovctl -D)", async () => {
    const s = freshState("iovsim-bind-");
    const conf = join(tempDir("iovsim-conf-"), "iov.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 2; }\n');
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect(await cli(s, "sysfs", "write", "-v", `${I40E}/unbind`, "0000:01:00.0")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: 0000:01:00.0: SR-IOV was enabled by iovctl -C (FreeBSD view); remove the VFs with iovctl -D\nbash: echo: write error: Device or resource busy\n",
    });
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("2\n");
    expect((await cli(s, "ip", "link", "show", "ixl0")).code).toBe(0);
    expect((await cli(s, "iovctl", "-D", "-d", "ixl0")).code).toBe(0);
    expect((await write(s, `${I40E}/unbind`, "0000:01:00.0")).code).toBe(0);
    // Now iovctl -C cannot open the PF's node: the FreeBSD driver is gone too.
    expect(await cli(s, "iovctl", "-C", "-f", conf)).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Could not open device '/dev/iov/ixl0': No such file or directory\n",
    });
  });

  it("paths/ping --host refuse a path on an unbound PF, naming the bind that gives it back", async () => {
    const s = await hostWithVfs(0);
    expect((await write(s, `${I40E}/unbind`, "0000:01:00.0")).code).toBe(0);
    const r = await cli(s, "ping", "--host", "--path", "native", "-c", "1");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "path 'native' needs ixl0's PF driver (i40e), and it is unbound on the simulated host",
    );
    expect(r.err).toContain("iovsim sysfs write /sys/bus/pci/drivers/i40e/bind 0000:01:00.0");
  });

  it("paths --host runs a direction that never reaches the NIC (virtio-tap rx: pktgen into the tap)", async () => {
    const s = await hostWithVfs(0);
    expect((await write(s, `${I40E}/unbind`, "0000:01:00.0")).code).toBe(0);
    const run = (direction: string) =>
      cli(
        s,
        "paths",
        "--host",
        "--path",
        "virtio-tap",
        "--direction",
        direction,
        "--size",
        "64",
        "--count",
        "10",
        "--rate",
        "1%",
        "--json",
      );
    const rx = await run("rx");
    expect(rx.code, rx.err).toBe(0);
    expect(JSON.parse(rx.out).paths[0].load_points[0].delivered_mpps).toBeGreaterThan(0);
    // Its transmit side leaves through the NIC's VEB: refused, naming the bind.
    const tx = await run("tx");
    expect(tx.code).toBe(1);
    expect(tx.err).toContain("path 'virtio-tap' needs ixl0's PF driver (i40e), and it is unbound");
  });
});

describe("<BDF>/net: the function's interface", () => {
  it("virtfnN/net names the VF's netdev while its driver is bound (as scripts read it), the PF's its own", async () => {
    const s = await hostWithVfs(2);
    expect((await cli(s, "sysfs", "ls", "/sys/class/net/ixl0/device/virtfn1/net")).out).toBe("iavf1\n");
    expect((await cli(s, "sysfs", "ls", `${IXL}/net`)).out).toBe("ixl0\n");
    expect((await cli(s, "sysfs", "read", "/sys/class/net/ixl0/device/virtfn1/net/iavf1/ifindex")).out).toBe(
      "101\n",
    );
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect(await cli(s, "sysfs", "ls", `${VF0}/net`)).toEqual({
      code: 2,
      out: "",
      err: `ls: cannot access '${VF0}/net': No such file or directory\n`,
    });
  });
});

describe("driver_override and drivers_probe", () => {
  it("reads (null) when unset; the vfio-pci recipe leaves the VF without a host driver (vfio-pci not loaded)", async () => {
    const s = await hostWithVfs(2);
    expect((await cli(s, "sysfs", "read", `${VF0}/driver_override`)).out).toBe("(null)\n");
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${VF0}/driver_override`)).out).toBe("vfio-pci\n");
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    expect(await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect(await vfNames(s)).toEqual(["none0", "iavf1"]);
    // With the override, iavf no longer matches; cleared ("\n"), it does again.
    expect(await write(s, `${IAVF}/bind`, "0000:01:02.0")).toEqual(werr("No such device"));
    expect((await write(s, `${VF0}/driver_override`, "")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${VF0}/driver_override`)).out).toBe("(null)\n");
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    expect(await vfNames(s)).toEqual(["iavf0", "iavf1"]);
    expect(await write(s, "/sys/bus/pci/drivers_probe", "0000:09:00.0")).toEqual(werr("No such device"));
  });

  it("with sriov_drivers_autoprobe 0 a VF probes only with a driver_override (pci_device_can_probe)", async () => {
    const s = await hostWithVfs(1, "0");
    expect(await vfNames(s)).toEqual(["none0"]);
    expect(await write(s, `${IAVF}/bind`, "0000:01:02.0")).toEqual(werr("No such device"));
    expect((await write(s, "/sys/bus/pci/drivers_probe", "0000:01:02.0")).code).toBe(0);
    expect(await vfNames(s)).toEqual(["none0"]);
    expect((await write(s, `${VF0}/driver_override`, "iavf")).code).toBe(0);
    expect((await write(s, `${IAVF}/bind`, "0000:01:02.0")).code).toBe(0);
    expect(await vfNames(s)).toEqual(["iavf0"]);
  });

  it("a VF's override goes with the VF: numvfs 0 then 1 starts it at (null)", async () => {
    const s = await hostWithVfs(1);
    expect((await write(s, `${VF0}/driver_override`, "vfio-pci")).code).toBe(0);
    expect((await write(s, `${IXL}/driver_override`, "i40e")).code).toBe(0);
    expect((await write(s, `${IXL}/sriov_numvfs`, "0")).code).toBe(0);
    expect((await write(s, `${IXL}/sriov_numvfs`, "1")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${VF0}/driver_override`)).out).toBe("(null)\n");
    expect((await cli(s, "sysfs", "read", `${IXL}/driver_override`)).out).toBe("i40e\n");
  });
});

describe("VFs made by iovctl -C (the FreeBSD view)", () => {
  it("a ppt(4) passthrough VF has no Linux driver or netdev; bind/unbind of any of them is EBUSY", async () => {
    const s = freshState("iovsim-bind-");
    const conf = join(import.meta.dirname, "..", "..", "examples", "ixl0.conf"); // VF 0 iavf, VFs 1-3 ppt
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect((await cli(s, "sysfs", "ls", IAVF)).out).toBe("0000:01:02.0\nbind\nnew_id\nremove_id\nunbind\n");
    expect((await cli(s, "sysfs", "ls", "/sys/bus/pci/devices/0000:01:02.1")).out).not.toMatch(
      /^(driver|net)$/m,
    );
    expect(await write(s, `${IAVF}/unbind`, "0000:01:02.0")).toEqual(werr("Device or resource busy"));
    expect(await write(s, `${IAVF}/bind`, "0000:01:02.1")).toEqual(werr("Device or resource busy"));
  });
});

describe("what the data plane sees", () => {
  it("a VF unbound from its host driver is no jail's (its netdev is gone): ping --host refuses the jail path", async () => {
    const s = await hostWithVfs(1);
    expect((await cli(s, "ping", "--host", "--path", "jail-vf", "-c", "1")).code).toBe(0);
    expect((await write(s, `${VF0}/driver/unbind`, "0000:01:02.0")).code).toBe(0);
    const r = await cli(s, "ping", "--host", "--path", "jail-vf", "-c", "1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs a VF for the jail with its driver bound/);
  });
});

describe("vm attach of a VF made through sysfs", () => {
  it("is refused with what Linux does instead (no host driver), not FreeBSD's passthrough advice", async () => {
    const s = await hostWithVfs(1);
    const r = await cli(s, "vm", "attach", "vm1", "pci0:1:0:16");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /pci0:1:0:16 \(0000:01:02\.0\) was made through sysfs \(the Linux view\).*driver\/unbind 0000:01:02\.0/,
    );
    expect(r.err).not.toMatch(/recreate the VFs|iovctl -D' detached/);
    expect((await cli(s, "vm", "list")).out).toBe("no VM holds a VF\n");
  });
});

describe("a VF iovctl -C made is the FreeBSD view's", () => {
  it("driver_override, bind, unbind and ip link set vf are refused (EBUSY), each with its dmesg line", async () => {
    const s = freshState("iovsim-bind-");
    const conf = join(tempDir("iovsim-conf-"), "iov.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 2; }\n');
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    const why = "SR-IOV was enabled by iovctl -C (FreeBSD view); remove the VFs with iovctl -D";
    const busy = "bash: echo: write error: Device or resource busy\n";
    // It was accepted: vfio-pci named as the only driver of a VF iavf holds for FreeBSD.
    expect(await cli(s, "sysfs", "write", "-v", `${VF0}/driver_override`, "vfio-pci")).toEqual({
      code: 1,
      out: "",
      err: `iovsim: 0000:01:02.0: driver_override: ${why}\n${busy}`,
    });
    expect((await cli(s, "sysfs", "read", `${VF0}/driver_override`)).out).toBe("(null)\n");
    expect((await cli(s, "sysfs", "write", "-v", `${IAVF}/unbind`, "0000:01:02.0")).err).toBe(
      `iovsim: 0000:01:02.0: unbind from iavf: ${why}\n${busy}`,
    );
    expect(await cli(s, "ip", "link", "set", "ixl0", "vf", "1", "trust", "on")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Device or resource busy\n",
    });
    expect((await cli(s, "dmesg")).out).toContain(`iovsim: 0000:01:00.0: ip link set ixl0 vf 1: ${why}\n`);
    expect(await vfNames(s)).toEqual(["iavf0", "iavf1"]);
  });
});
