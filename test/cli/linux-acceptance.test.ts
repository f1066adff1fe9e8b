// A new user's walk through the Linux view, with cases the other tests do not cover: the
// kernel documentation's recipes (Documentation/PCI/pci-iov-howto.rst, networking/
// device_drivers/ethernet/intel/ixgbe.rst) as typed, the PF drivers' log lines for ip link's VF
// settings (i40e_ndo_set_vf_mac/_trust, ixgbe_ndo_set_vf_mac/_trust, igb_ndo_set_vf_mac/_trust),
// the net-sysfs attributes scripts read next to `address`, and modprobe -r of a NIC driver.
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";
import { freshState } from "../helpers/linux-host.ts";

const fresh = () => freshState("iovsim-linux-acc-");
const ok = { code: 0, out: "", err: "" };
/** The dmesg lines a command added (the boot lines and VF enumeration left out). */
async function newLog(s: string, run: () => Promise<unknown>): Promise<string[]> {
  const before = (await cli(s, "dmesg")).out.split("\n").length;
  await run();
  return (await cli(s, "dmesg")).out.split("\n").slice(before - 1, -1);
}

describe("ixgbe.rst and pci-iov-howto.rst recipes, as typed", () => {
  it("enable through /sys/class/net/$dev/device, configure with 'ip link set dev', disable with 0", async () => {
    const s = fresh();
    expect(await cli(s, "sysfs", "write", "/sys/class/net/ix0/device/sriov_numvfs", "2")).toEqual(ok);
    expect(await cli(s, "ip", "link", "set", "dev", "ix0", "vf", "0", "mac", "00:11:22:33:44:55")).toEqual(
      ok,
    );
    expect(await cli(s, "ip", "link", "set", "dev", "ix0", "vf", "1", "vlan", "100", "qos", "3")).toEqual(ok);
    expect(await cli(s, "ip", "link", "set", "dev", "ix0", "vf", "1", "spoofchk", "off")).toEqual(ok);
    expect(await cli(s, "ip", "link", "set", "dev", "ix0", "vf", "1", "trust", "on")).toEqual(ok);
    expect(await cli(s, "ip", "link", "set", "dev", "ix0", "vf", "0", "max_tx_rate", "100")).toEqual(ok);
    expect((await cli(s, "ip", "link", "show", "dev", "ix0")).out).toBe(
      "3: ix0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000\n" +
        "    link/ether 90:e2:ba:4c:12:30 brd ff:ff:ff:ff:ff:ff\n" +
        "    vf 0     link/ether 00:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff, tx rate 100 (Mbps), max_tx_rate 100Mbps, spoof checking on, link-state auto, trust off, query_rss off\n" +
        "    vf 1     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, vlan 100, qos 3, spoof checking off, link-state auto, trust on, query_rss off\n" +
        "    altname enp3s0f0\n",
    );
    // pci-iov-howto: the same file under the BDF; 0 disables, and reading it back says so.
    expect(await cli(s, "sysfs", "write", "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "0")).toEqual(ok);
    expect((await cli(s, "sysfs", "read", "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs")).out).toBe("0\n");
  });

  it("modprobe -r of a PF driver is refused, naming the unbind that takes a PF from it", async () => {
    const s = fresh();
    expect(await cli(s, "modprobe", "-r", "ixgbe")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: modprobe -r ixgbe: unloading the host's NIC drivers is not simulated (only vfio-pci); to take a PF from its driver, unbind it: iovsim sysfs write /sys/bus/pci/drivers/ixgbe/unbind 0000:03:00.0\n",
    });
    // modprobe of a loaded module changes nothing, its parameters included (max_vfs too).
    expect(await cli(s, "modprobe", "ixgbe", "max_vfs=2")).toEqual(ok);
    expect((await cli(s, "sysfs", "read", "/sys/class/net/ix0/device/sriov_numvfs")).out).toBe("0\n");
  });
});

describe("the PF drivers' log lines for ip link's VF settings", () => {
  it("mac (not the zero MAC), trust changes and port VLANs, in each driver's words", async () => {
    const s = fresh();
    for (const pf of ["ixl0", "ix0", "igb0"])
      expect((await cli(s, "sysfs", "write", `/sys/class/net/${pf}/device/sriov_numvfs`, "1")).code).toBe(0);
    const set =
      (pf: string, ...words: string[]) =>
      () =>
        cli(s, "ip", "link", "set", pf, "vf", "0", ...words);
    expect(await newLog(s, set("ixl0", "mac", "02:00:00:00:00:01", "trust", "on"))).toEqual([
      "i40e 0000:01:00.0: Setting MAC 02:00:00:00:00:01 on VF 0",
      "i40e 0000:01:00.0: Bring down and up the VF interface to make this change effective.",
      "i40e 0000:01:00.0: VF 0 is now trusted",
    ]);
    // No change, no line; the zero MAC (unset) logs nothing either.
    expect(await newLog(s, set("ixl0", "trust", "on", "mac", "00:00:00:00:00:00"))).toEqual([]);
    expect(await newLog(s, set("ixl0", "trust", "off"))).toEqual([
      "i40e 0000:01:00.0: VF 0 is now untrusted",
    ]);
    expect(await newLog(s, set("ix0", "mac", "02:00:00:00:00:02", "trust", "on"))).toEqual([
      "ixgbe 0000:03:00.0: setting MAC 02:00:00:00:00:02 on VF 0",
      "ixgbe 0000:03:00.0: Reload the VF driver to make this change effective.",
      "ixgbe 0000:03:00.0 ix0: VF 0 is trusted",
    ]);
    expect(await newLog(s, set("igb0", "mac", "02:00:00:00:00:03", "trust", "on"))).toEqual([
      "igb 0000:05:00.0: setting MAC 02:00:00:00:00:03 on VF 0",
      "igb 0000:05:00.0: Reload the VF driver to make this change effective.",
      "igb 0000:05:00.0: VF 0 is trusted",
    ]);
    expect(await newLog(s, set("igb0", "trust", "off"))).toEqual(["igb 0000:05:00.0: VF 0 is not trusted"]);
    // Port VLAN: ixgbe and igb log every one set (a priority tag too), i40e one with a VLAN ID.
    expect(await newLog(s, set("ix0", "vlan", "100", "qos", "5"))).toEqual([
      "ixgbe 0000:03:00.0: Setting VLAN 100, QOS 0x5 on VF 0",
    ]);
    expect(await newLog(s, set("igb0", "vlan", "0", "qos", "3"))).toEqual([
      "igb 0000:05:00.0: Setting VLAN 0, QOS 0x3 on VF 0",
    ]);
    expect(await newLog(s, set("ixl0", "vlan", "0", "qos", "3"))).toEqual([]);
    expect(await newLog(s, set("ixl0", "vlan", "7"))).toEqual([
      "i40e 0000:01:00.0: Setting VLAN 7, QOS 0x0 on VF 0",
    ]);
    // i40e says why it refuses a minimum rate; ixgbe refuses it silently.
    expect(await newLog(s, set("ixl0", "min_tx_rate", "10", "max_tx_rate", "100"))).toEqual([
      "i40e 0000:01:00.0: Invalid min tx rate (10) (greater than 0) specified for VF 0.",
    ]);
    expect(await newLog(s, set("ix0", "min_tx_rate", "10", "max_tx_rate", "100"))).toEqual([]);
    // A refused setting logs nothing of its own (VF 1 does not exist).
    expect(
      await newLog(s, () => cli(s, "ip", "link", "set", "ix0", "vf", "1", "mac", "02:00:00:00:00:09")),
    ).toEqual([]);
  });
});

describe("/sys/class/net/<dev>: the attributes that agree with ip link show", () => {
  it("PF up (flags 0x1003), VF netdev down (0x1002), netdevsim port down with NOARP (0x82)", async () => {
    const s = fresh();
    expect((await cli(s, "sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "1")).code).toBe(0);
    expect((await cli(s, "sysfs", "write", "/sys/bus/netdevsim/new_device", "0 1")).code).toBe(0);
    const read = async (dev: string, attr: string) =>
      (await cli(s, "sysfs", "read", `/sys/class/net/${dev}/${attr}`)).out;
    expect((await cli(s, "sysfs", "ls", "/sys/class/net/ixl0")).out).toBe(
      "addr_len\naddress\nbroadcast\ndevice\nflags\nifindex\nmtu\noperstate\ntx_queue_len\ntype\n",
    );
    expect([await read("ixl0", "flags"), await read("ixl0", "operstate"), await read("ixl0", "mtu")]).toEqual(
      ["0x1003\n", "up\n", "1500\n"],
    );
    expect([await read("iavf0", "flags"), await read("iavf0", "operstate")]).toEqual(["0x1002\n", "down\n"]);
    expect([await read("sim0", "flags"), await read("sim0", "operstate")]).toEqual(["0x82\n", "down\n"]);
    expect([
      await read("ixl0", "type"),
      await read("ixl0", "addr_len"),
      await read("ixl0", "broadcast"),
    ]).toEqual(["1\n", "6\n", "ff:ff:ff:ff:ff:ff\n"]);
    // lo: IFF_UP|IFF_LOOPBACK, ARPHRD_LOOPBACK, no parent device (no `device` link).
    expect((await cli(s, "sysfs", "ls", "/sys/class/net/lo")).out).toBe(
      "addr_len\naddress\nbroadcast\nflags\nifindex\nmtu\noperstate\ntx_queue_len\ntype\n",
    );
    expect(
      await Promise.all(
        ["flags", "type", "mtu", "operstate", "ifindex", "broadcast"].map((a) => read("lo", a)),
      ),
    ).toEqual(["0x9\n", "772\n", "65536\n", "unknown\n", "1\n", "00:00:00:00:00:00\n"]);
    expect(await cli(s, "sysfs", "write", "/sys/class/net/ixl0/operstate", "up")).toEqual({
      code: 1,
      out: "",
      err: "bash: /sys/class/net/ixl0/operstate: Permission denied\n",
    });
  });
});
