// The Linux view at the library level: kstrto parsers, BDF mapping, sriov_numvfs (spec §6.2,
// §8 items 35 and 37), netdevsim (§6.5, item 36, §9.5), VF settings feeding the data plane,
// and how the FreeBSD and Linux views share one host.
import { describe, expect, it } from "vitest";
import { Host } from "../../src/nic/index.ts";
import { bdfOfRid, predictableName } from "../../src/nic/linux/bdf.ts";
import {
  findNetdev,
  findNsim,
  setEswitchMode,
  setVf,
  sysfsLs,
  sysfsRead,
  sysfsWrite,
  type VfRequest,
  vfConfigOf,
} from "../../src/nic/linux/index.ts";
import { kstrtobool, kstrtoul, sscanfUints } from "../../src/nic/linux/kstrto.ts";
import type { IovConfig } from "../../src/nic/types.ts";
import { programSwitch } from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { eth } from "../../src/traffic/frames.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";
const IX = "/sys/bus/pci/devices/0000:03:00.0";
const NSIM = "/sys/bus/netdevsim/devices/netdevsim0";
const MAXVFS = "/sys/kernel/debug/netdevsim/netdevsim0/max_vfs";

function host() {
  return Host.fresh();
}
const write = (h: Host, path: string, value: string) => sysfsWrite(h.state, path, `${value}\n`);
const read = (h: Host, path: string) => {
  const r = sysfsRead(h.state, path);
  if (!r.ok) throw new Error(`read ${path}: ${r.errno}`);
  return r.text;
};
const errnoOf = (r: ReturnType<typeof sysfsWrite>) => (r.ok ? "ok" : r.errno);
function setvf(h: Host, dev: string, req: VfRequest) {
  const nd = findNetdev(h.state, dev);
  if (!nd) throw new Error(`no ${dev}`);
  const r = setVf(h.state, nd, req);
  return r.ok ? "ok" : r.errno;
}
function nsimHost(): Host {
  const h = host();
  expect(write(h, "/sys/bus/netdevsim/new_device", "0 1").ok).toBe(true);
  return h;
}

describe("kernel parsers", () => {
  it("kstrtou16: base 0, '+', one trailing newline, EINVAL on junk, ERANGE above u16", () => {
    expect(kstrtoul("2\n", 0, 0xffff)).toEqual({ ok: true, value: 2 });
    expect(kstrtoul("0x10", 0, 0xffff)).toEqual({ ok: true, value: 16 });
    expect(kstrtoul("010\n", 0, 0xffff)).toEqual({ ok: true, value: 8 });
    expect(kstrtoul("+3", 0, 0xffff)).toEqual({ ok: true, value: 3 });
    for (const junk of ["", "\n", "-1", " 2", "2 ", "2\n\n", "abc", "0x", "1.5", "08"])
      expect(kstrtoul(junk, 0, 0xffff), JSON.stringify(junk)).toEqual({ ok: false, errno: "EINVAL" });
    expect(kstrtoul("65536", 0, 0xffff)).toEqual({ ok: false, errno: "ERANGE" });
    expect(kstrtoul("99999999999999999999999", 0, 0xffff)).toEqual({ ok: false, errno: "ERANGE" });
    expect(kstrtoul("0x4", 10, 0xffffffff)).toEqual({ ok: false, errno: "EINVAL" });
  });
  it("kstrtobool and sscanf %u", () => {
    expect(kstrtobool("on\n")).toEqual({ ok: true, value: true });
    expect(kstrtobool("N")).toEqual({ ok: true, value: false });
    expect(kstrtobool("maybe")).toEqual({ ok: false, errno: "EINVAL" });
    expect(sscanfUints("  3   2 junk", 2)).toEqual([3, 2]);
    expect(sscanfUints("3 x", 2)).toEqual([3]);
    expect(sscanfUints("-1", 2)).toEqual([]);
  });
});

describe("BDF mapping", () => {
  it("Linux splits devfn into device.function whatever ARI says", () => {
    expect(bdfOfRid(0x0100)).toBe("0000:01:00.0");
    expect(bdfOfRid(0x0110)).toBe("0000:01:02.0"); // ixl0 VF 0 = FreeBSD pci0:1:0:16
    expect(bdfOfRid(0x0382)).toBe("0000:03:10.2"); // ix0 VF 1 = pci0:3:0:130
    expect(bdfOfRid(0x0581, 1)).toBe("0001:05:10.1");
    expect(predictableName(0x0100)).toBe("enp1s0f0");
  });
  it("every PF of the host has a directory named after its RID; VFs link both ways", () => {
    const h = host();
    const ls = sysfsLs(h.state, "/sys/bus/pci/devices");
    expect(ls.ok && ls.entries.map((e) => e.name)).toEqual(
      expect.arrayContaining(["0000:01:00.0", "0000:03:00.0", "0000:05:00.0", "0000:00:00.0"]),
    );
    expect(write(h, `${IX}/sriov_numvfs`, "2").ok).toBe(true);
    const vfs = h.pf("ix0")!.vfs;
    expect(vfs.map((v) => v.selector)).toEqual(["pci0:3:0:128", "pci0:3:0:130"]);
    expect(read(h, `${IX}/virtfn1/physfn/sriov_numvfs`)).toBe("2\n");
    expect(read(h, "/sys/bus/pci/devices/0000:03:10.2/device")).toBe("0x10ed\n");
    const l = sysfsLs(h.state, IX);
    expect(l.ok && l.entries.find((e) => e.name === "virtfn1")).toEqual({
      name: "virtfn1",
      kind: "link",
      mode: 0o777,
      target: "../0000:03:10.2",
    });
    // A symlink to a directory lists the directory, like ls(1) without -l.
    const vf = sysfsLs(h.state, `${IX}/virtfn1`);
    expect(vf.ok && vf.entries.map((e) => e.name)).toContain("physfn");
  });
});

describe("sysfs read formats", () => {
  it("per-PF SR-IOV attributes", () => {
    const h = host();
    expect(read(h, `${IXL}/sriov_totalvfs`)).toBe("64\n");
    expect(read(h, `${IXL}/sriov_numvfs`)).toBe("0\n");
    expect(read(h, `${IXL}/sriov_offset`)).toBe("16\n");
    expect(read(h, `${IXL}/sriov_stride`)).toBe("1\n");
    expect(read(h, `${IXL}/sriov_vf_device`)).toBe("154c\n");
    expect(read(h, `${IXL}/sriov_drivers_autoprobe`)).toBe("1\n");
    expect(read(h, `${IXL}/vendor`)).toBe("0x8086\n");
    expect(read(h, `${IXL}/class`)).toBe("0x020000\n");
    // Drivers lower sriov_totalvfs: ixgbe to 63, igb to 7.
    expect(read(h, `${IX}/sriov_totalvfs`)).toBe("63\n");
    expect(read(h, `${IX}/sriov_offset`)).toBe("128\n");
    expect(read(h, `${IX}/sriov_stride`)).toBe("2\n");
    expect(read(h, "/sys/bus/pci/devices/0000:05:00.0/sriov_totalvfs")).toBe("7\n");
    expect(read(h, "/sys/class/net/ixl0/device/sriov_totalvfs")).toBe("64\n");
  });
  it("errors: missing, directory, write-only, read-only, new files", () => {
    const h = nsimHost();
    expect(sysfsRead(h.state, `${IXL}/nope`)).toEqual({ ok: false, errno: "ENOENT" });
    expect(sysfsRead(h.state, IXL)).toEqual({ ok: false, errno: "EISDIR" });
    expect(sysfsRead(h.state, "/sys/bus/netdevsim/new_device")).toEqual({ ok: false, errno: "EACCES" });
    expect(sysfsRead(h.state, `${IXL}/sriov_numvfs/x`)).toEqual({ ok: false, errno: "ENOTDIR" });
    expect(write(h, `${IXL}/sriov_totalvfs`, "3")).toEqual({ ok: false, stage: "open", errno: "EACCES" });
    expect(write(h, `${IXL}/newfile`, "3")).toEqual({ ok: false, stage: "open", errno: "EACCES" });
    expect(write(h, "/sys/bus/pci/devices/0000:09:00.0/sriov_numvfs", "3")).toEqual({
      ok: false,
      stage: "open",
      errno: "ENOENT",
    });
    // netdevsim has no sriov_totalvfs.
    expect(sysfsRead(h.state, `${NSIM}/sriov_totalvfs`)).toEqual({ ok: false, errno: "ENOENT" });
  });
});

describe("sriov_numvfs on a PCI PF (§6.2, item 35)", () => {
  it("N then M (both non-zero) → EBUSY with the kernel's log line; nothing changes", () => {
    const h = host();
    expect(write(h, `${IXL}/sriov_numvfs`, "2").ok).toBe(true);
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "3"))).toBe("EBUSY");
    expect(h.dmesg().at(-1)).toBe("i40e 0000:01:00.0: 2 VFs already enabled. Disable before enabling 3 VFs");
    expect(h.pf("ixl0")!.vfs).toHaveLength(2);
  });
  it("the same value again is a no-op (no log, same VFs)", () => {
    const h = host();
    write(h, `${IXL}/sriov_numvfs`, "2");
    const before = structuredClone(h.state);
    expect(write(h, `${IXL}/sriov_numvfs`, "2").ok).toBe(true);
    expect(write(h, `${IXL}/sriov_numvfs`, "0x2").ok).toBe(true);
    expect(h.state).toEqual(before);
  });
  it("above sriov_totalvfs → ERANGE (ix: 64 > 63 although TotalVFs is 64); junk or > u16 → EINVAL", () => {
    const h = host();
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "65"))).toBe("ERANGE");
    expect(errnoOf(write(h, `${IX}/sriov_numvfs`, "64"))).toBe("ERANGE");
    // sriov_numvfs_store: `if (kstrtou16(buf, 0, &num_vfs) < 0) return -EINVAL;`
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "70000"))).toBe("EINVAL");
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "two"))).toBe("EINVAL");
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "-1"))).toBe("EINVAL");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    expect(write(h, `${IX}/sriov_numvfs`, "63").ok).toBe(true);
    expect(h.pf("ix0")!.vfs.every((v) => v.config.numQueues === 2)).toBe(true); // 64-pool mode
  });
  it("0 removes every VF; 0 with none is a no-op (FreeBSD: ECHILD)", () => {
    const h = host();
    expect(write(h, `${IXL}/sriov_numvfs`, "0").ok).toBe(true);
    write(h, `${IXL}/sriov_numvfs`, "4");
    expect(write(h, `${IXL}/sriov_numvfs`, "0").ok).toBe(true);
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    expect(h.pf("ixl0")!.vfs).toEqual([]);
    expect(read(h, `${IXL}/sriov_numvfs`)).toBe("0\n");
    expect(write(h, `${IXL}/sriov_numvfs`, "3").ok).toBe(true);
    expect(h.pf("ixl0")!.vfs.map((v) => v.name)).toEqual(["iavf0", "iavf1", "iavf2"]);
  });
  it("VFs appear in the shared PCI tree with FreeBSD's RID arithmetic", () => {
    const h = host();
    write(h, `${IXL}/sriov_numvfs`, "2");
    const pf = h.pf("ixl0")!;
    expect(pf.vfs.map((v) => [v.selector, v.rid])).toEqual([
      ["pci0:1:0:16", 0x110],
      ["pci0:1:0:17", 0x111],
    ]);
    expect(pf.vfs[0].config).toMatchObject({ macAntiSpoof: true, allowSetMac: false, allowPromisc: false });
  });
  it("sriov_drivers_autoprobe 0: new VFs get no host driver (pciconf 'none')", () => {
    const h = host();
    expect(write(h, `${IXL}/sriov_drivers_autoprobe`, "0").ok).toBe(true);
    expect(errnoOf(write(h, `${IXL}/sriov_drivers_autoprobe`, "x"))).toBe("EINVAL");
    write(h, `${IXL}/sriov_numvfs`, "1");
    expect(h.pf("ixl0")!.vfs[0].attached).toBe(false);
    expect(read(h, `${IXL}/sriov_drivers_autoprobe`)).toBe("0\n");
    expect(sysfsRead(h.state, "/sys/bus/pci/devices/0000:01:02.0/driver/0000:01:02.0/vendor").ok).toBe(false);
  });
});

describe("all or nothing (§6.3, item 37)", () => {
  it("a VF that fails to add removes every VF added so far; FreeBSD keeps the others", () => {
    const h = host();
    expect(write(h, "/sys/kernel/debug/iovsim/0000:01:00.0/fail_vf_add", "2").ok).toBe(true);
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "4"))).toBe("ENOMEM");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    expect(h.pf("ixl0")!.vfs).toEqual([]);
    expect(read(h, `${IXL}/sriov_numvfs`)).toBe("0\n");
    expect(h.dmesg()).toContain("iovsim: fault injection: pci_iov_add_virtfn failed for VF 2 (0000:01:02.2)");
    // 2 VFs never reach index 2: they are created.
    expect(write(h, `${IXL}/sriov_numvfs`, "2").ok).toBe(true);
    write(h, "/sys/kernel/debug/iovsim/0000:01:00.0/fail_vf_add", "-1");
    expect(read(h, "/sys/kernel/debug/iovsim/0000:01:00.0/fail_vf_add")).toBe("-1\n");

    // Contrast (item 27): FreeBSD's ADD_VF failure drops only that VF and still succeeds.
    const bsd = host();
    const cfg: IovConfig = {
      pf: {
        driver: [],
        iov: [
          ["num_vfs", 3],
          ["device", "ix0"],
        ],
      },
      vfs: [
        { driver: [], iov: [] },
        { driver: [["vlan", 0]], iov: [] },
        { driver: [], iov: [] },
      ],
    };
    bsd.iovConfig("ix0", cfg);
    expect(bsd.pf("ix0")!.vfs.map((v) => v.index)).toEqual([0, 2]);
  });
  it("a driver enabling fewer VFs logs 'N VFs requested; only M enabled' and succeeds", () => {
    const h = host();
    write(h, "/sys/kernel/debug/iovsim/0000:01:00.0/vf_enable_limit", "3");
    expect(write(h, `${IXL}/sriov_numvfs`, "5").ok).toBe(true);
    expect(h.dmesg().at(-1)).toBe("i40e 0000:01:00.0: 5 VFs requested; only 3 enabled");
    expect(read(h, `${IXL}/sriov_numvfs`)).toBe("3\n");
  });
});

describe("netdevsim (§6.5, §9.5, item 36)", () => {
  it("new_device: bad format → EINVAL with the message in dmesg; duplicate id → ENOSPC", () => {
    const h = host();
    expect(errnoOf(write(h, "/sys/bus/netdevsim/new_device", "abc"))).toBe("EINVAL");
    expect(h.dmesg().at(-1)).toBe('Format for adding new device is "id port_count" (uint uint).');
    expect(errnoOf(write(h, "/sys/bus/netdevsim/new_device", "2147483648"))).toBe("EINVAL");
    expect(h.dmesg().at(-1)).toBe('Value of "id" is too big.');
    expect(write(h, "/sys/bus/netdevsim/new_device", "3 2").ok).toBe(true);
    expect(errnoOf(write(h, "/sys/bus/netdevsim/new_device", "3"))).toBe("ENOSPC");
    expect(findNetdev(h.state, "sim3")).toBeDefined();
    expect(findNetdev(h.state, "sim3p1")).toBeDefined();
    expect(findNetdev(h.state, "eni3np2")?.name).toBe("sim3p1");
    expect(errnoOf(write(h, "/sys/bus/netdevsim/del_device", "4"))).toBe("ENOENT");
    expect(errnoOf(write(h, "/sys/bus/netdevsim/del_device", "x"))).toBe("EINVAL");
    expect(h.dmesg().at(-1)).toBe('Format for deleting device is "id" (uint).');
    expect(write(h, "/sys/bus/netdevsim/del_device", "3").ok).toBe(true);
    expect(findNetdev(h.state, "sim3")).toBeUndefined();
  });
  it("§9.5: 2 then 3 → EBUSY; 2 then 2 → both succeed; 5 → ENOMEM (not ERANGE)", () => {
    const h = nsimHost();
    expect(read(h, MAXVFS)).toBe("4\n");
    expect(errnoOf(write(h, `${NSIM}/sriov_numvfs`, "5"))).toBe("ENOMEM");
    expect(write(h, `${NSIM}/sriov_numvfs`, "2").ok).toBe(true);
    expect(write(h, `${NSIM}/sriov_numvfs`, "2").ok).toBe(true);
    expect(errnoOf(write(h, `${NSIM}/sriov_numvfs`, "3"))).toBe("EBUSY");
    expect(read(h, `${NSIM}/sriov_numvfs`)).toBe("2\n");
    expect(write(h, `${NSIM}/sriov_numvfs`, "4").ok).toBe(false);
  });
  it("max_vfs: EBUSY while VFs exist, EINVAL on a non-number, ENOSPC at 10 bytes, then a new cap", () => {
    const h = nsimHost();
    write(h, `${NSIM}/sriov_numvfs`, "1");
    expect(errnoOf(write(h, MAXVFS, "8"))).toBe("EBUSY");
    write(h, `${NSIM}/sriov_numvfs`, "0");
    expect(errnoOf(write(h, MAXVFS, "eight"))).toBe("EINVAL");
    expect(errnoOf(write(h, MAXVFS, "0x8"))).toBe("EINVAL"); // base 10 only
    expect(errnoOf(write(h, MAXVFS, "123456789"))).toBe("ENOSPC"); // 9 digits + newline
    expect(write(h, MAXVFS, "12345678").ok).toBe(true);
    expect(write(h, MAXVFS, "8").ok).toBe(true);
    expect(write(h, `${NSIM}/sriov_numvfs`, "5").ok).toBe(true);
  });
  it("VF setters: index ≥ num_vfs, multicast MAC, vlan > 4095, qos > 7, bad link state → EINVAL", () => {
    const h = nsimHost();
    write(h, `${NSIM}/sriov_numvfs`, "2");
    expect(setvf(h, "sim0", { vf: 2, mac: "02:00:00:00:00:01" })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 2, trust: true })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 2, spoofchk: true })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, vlan: { vlan: 4096, qos: 0, proto: 0x8100 } })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, vlan: { vlan: 10, qos: 8, proto: 0x8100 } })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, mac: "01:00:5e:00:00:01" })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, mac: "ff:ff:ff:ff:ff:ff" })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, linkState: 3 })).toBe("EINVAL");
    expect(setvf(h, "sim0", { vf: 0, mac: "00:00:00:00:00:00" })).toBe("ok");
    expect(setvf(h, "sim0", { vf: 1, vlan: { vlan: 4095, qos: 7, proto: 0x88a8 }, linkState: 2 })).toBe("ok");
    const nd = findNetdev(h.state, "sim0")!;
    expect(vfConfigOf(h.state, nd, 1)).toMatchObject({ vlan: 4095, qos: 7, vlanProto: 0x88a8, linkState: 2 });
  });
  it("settings before a refused one in the same request stay applied (do_setvfinfo order)", () => {
    const h = nsimHost();
    write(h, `${NSIM}/sriov_numvfs`, "1");
    expect(
      setvf(h, "sim0", { vf: 0, mac: "02:00:00:00:00:09", vlan: { vlan: 5000, qos: 0, proto: 0x8100 } }),
    ).toBe("EINVAL");
    expect(vfConfigOf(h.state, findNetdev(h.state, "sim0")!, 0).mac).toBe("02:00:00:00:00:09");
  });
  it("rates: stored as u16, refused in switchdev mode", () => {
    const h = nsimHost();
    write(h, `${NSIM}/sriov_numvfs`, "1");
    expect(setvf(h, "sim0", { vf: 0, maxTxRate: 70000, minTxRate: 10 })).toBe("ok");
    expect(vfConfigOf(h.state, findNetdev(h.state, "sim0")!, 0)).toMatchObject({
      maxTxRate: 4464,
      minTxRate: 10,
    });
    setEswitchMode(findNsim(h.state, 0)!, "switchdev");
    expect(setvf(h, "sim0", { vf: 0, rate: 100 })).toBe("EOPNOTSUPP");
    expect(h.dmesg().at(-1)).toBe("Not supported in switchdev mode. Please use devlink API.");
  });
  it("write 0 then 3: netdevsim keeps the per-VF settings (§9.5 last row); max_vfs clears them", () => {
    const h = nsimHost();
    write(h, `${NSIM}/sriov_numvfs`, "2");
    expect(setvf(h, "sim0", { vf: 1, mac: "02:00:00:00:00:01", trust: true })).toBe("ok");
    write(h, `${NSIM}/sriov_numvfs`, "0");
    expect(write(h, `${NSIM}/sriov_numvfs`, "3").ok).toBe(true);
    const nd = findNetdev(h.state, "sim0")!;
    expect(vfConfigOf(h.state, nd, 1)).toMatchObject({ mac: "02:00:00:00:00:01", trust: true });
    write(h, `${NSIM}/sriov_numvfs`, "0");
    write(h, MAXVFS, "4");
    write(h, `${NSIM}/sriov_numvfs`, "3");
    expect(vfConfigOf(h.state, nd, 1)).toMatchObject({ mac: "00:00:00:00:00:00", trust: false });
  });
  it("a real PCI driver resets VF state on 0 → N (unlike netdevsim)", () => {
    const h = host();
    write(h, `${IXL}/sriov_numvfs`, "2");
    expect(setvf(h, "ixl0", { vf: 1, mac: "02:00:00:00:00:01" })).toBe("ok");
    write(h, `${IXL}/sriov_numvfs`, "0");
    write(h, `${IXL}/sriov_numvfs`, "2");
    expect(vfConfigOf(h.state, findNetdev(h.state, "ixl0")!, 1).mac).toBe("00:00:00:00:00:00");
  });
});

describe("PCI VF settings reach the data plane", () => {
  it("mac, spoofchk, trust and vlan change the VfRecord the switch is programmed from", () => {
    const h = host();
    write(h, `${IX}/sriov_numvfs`, "2");
    expect(
      setvf(h, "ix0", {
        vf: 1,
        mac: "02:aa:00:00:00:01",
        vlan: { vlan: 100, qos: 0, proto: 0x8100 },
        spoofchk: false,
        trust: true,
      }),
    ).toBe("ok");
    const vf = h.pf("ix0")!.vfs[1];
    expect(vf.effectiveMac).toBe("02:aa:00:00:00:01");
    expect(vf.config).toMatchObject({
      macAddr: "02:aa:00:00:00:01",
      macAntiSpoof: false,
      allowSetMac: true,
      allowPromisc: true,
      vlan: 100,
    });
    const sw = programSwitch(h.pf("ix0")!);
    expect(sw.rar).toContainEqual({ mac: "02:aa:00:00:00:01", pools: [1] });
    expect(sw.pools[1]).toMatchObject({ macAntiSpoof: false, trusted: true });
    expect(sw.pools[1].portVlan.action).toBe("default");
    expect(sw.pools[1].portVlan.tci & 0xfff).toBe(100);
    // Zero MAC = unset: back to the VF's own (derived) address; vlan 0 = no port VLAN (trunk).
    expect(
      setvf(h, "ix0", { vf: 1, mac: "00:00:00:00:00:00", vlan: { vlan: 0, qos: 0, proto: 0x8100 } }),
    ).toBe("ok");
    const after = h.pf("ix0")!.vfs[1];
    expect(after.config.macAddr).toBeNull();
    expect(after.effectiveMac).not.toBe("02:aa:00:00:00:01");
    expect(after.config.vlan).toBe(4096);
  });
  it("PCI drivers: no 802.1ad, no min rate, max rate up to link speed; query_rss only on ixgbe", () => {
    const h = host();
    write(h, `${IXL}/sriov_numvfs`, "1");
    write(h, `${IX}/sriov_numvfs`, "1");
    expect(setvf(h, "ixl0", { vf: 0, vlan: { vlan: 10, qos: 0, proto: 0x88a8 } })).toBe("EPROTONOSUPPORT");
    expect(setvf(h, "ixl0", { vf: 0, minTxRate: 10 })).toBe("EINVAL");
    expect(setvf(h, "ixl0", { vf: 0, maxTxRate: 10001 })).toBe("EINVAL");
    expect(setvf(h, "ixl0", { vf: 0, maxTxRate: 10000 })).toBe("ok");
    expect(setvf(h, "ixl0", { vf: 0, rssQuery: true })).toBe("EOPNOTSUPP");
    expect(setvf(h, "ix0", { vf: 0, rssQuery: true })).toBe("ok");
    // ixgbe_ndo_set_vf_bw: "rate limit cannot be less than 10Mbs" (1..10 refused, 0 = no limit);
    // i40e takes small rates (it rounds them up to 50 in hardware, and reports what was asked).
    expect(setvf(h, "ix0", { vf: 0, maxTxRate: 10 })).toBe("EINVAL");
    expect(setvf(h, "ix0", { vf: 0, rate: 1 })).toBe("EINVAL");
    expect(setvf(h, "ix0", { vf: 0, maxTxRate: 11 })).toBe("ok");
    expect(setvf(h, "ix0", { vf: 0, maxTxRate: 0 })).toBe("ok");
    expect(setvf(h, "ixl0", { vf: 0, maxTxRate: 10 })).toBe("ok");
    // igb has no ndo_set_vf_link_state: rtnetlink answers EOPNOTSUPP (i40e and ixgbe have one).
    write(h, "/sys/bus/pci/devices/0000:05:00.0/sriov_numvfs", "1");
    expect(setvf(h, "igb0", { vf: 0, linkState: 2 })).toBe("EOPNOTSUPP");
    expect(setvf(h, "ix0", { vf: 0, linkState: 2 })).toBe("ok");
  });
});

describe("one host, two views", () => {
  const v01: IovConfig = {
    pf: {
      driver: [],
      iov: [
        ["num_vfs", 2],
        ["device", "ixl0"],
      ],
    },
    vfs: [
      { driver: [["mac-addr", "02:aa:00:00:00:02"]], iov: [] },
      { driver: [], iov: [] },
    ],
  };
  it("VFs made by iovctl are visible in sysfs but busy for it (write 0, ip link set)", () => {
    const h = host();
    h.iovConfig("ixl0", v01);
    expect(read(h, `${IXL}/sriov_numvfs`)).toBe("2\n");
    expect(write(h, `${IXL}/sriov_numvfs`, "2").ok).toBe(true); // same value: no-op
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "0"))).toBe("EBUSY");
    expect(errnoOf(write(h, `${IXL}/sriov_numvfs`, "3"))).toBe("EBUSY");
    expect(setvf(h, "ixl0", { vf: 0, trust: true })).toBe("EBUSY");
    expect(vfConfigOf(h.state, findNetdev(h.state, "ixl0")!, 0)).toMatchObject({
      mac: "02:aa:00:00:00:02",
      spoofchk: true,
      trust: false,
    });
    expect(h.pf("ixl0")!.vfs).toHaveLength(2);
    h.iovDelete("ixl0");
    expect(write(h, `${IXL}/sriov_numvfs`, "3").ok).toBe(true);
  });
  it("VFs made through sysfs make iovctl -C and -D fail with EBUSY", () => {
    const h = host();
    write(h, `${IXL}/sriov_numvfs`, "2");
    expect(() => h.iovConfig("ixl0", v01)).toThrow("Device busy");
    expect(() => h.iovDelete("ixl0")).toThrow("Device busy");
    expect(h.pf("ixl0")!.vfs).toHaveLength(2);
  });
});

describe("packet-level effects of Linux VF settings (reference switch)", () => {
  const frame = (dst: string, src: string) => eth({ dst, src }).arp({}).build();
  it("ip link mac steers wire frames to the VF; spoofchk decides whether a forged source leaves", () => {
    const h = host();
    write(h, `${IX}/sriov_numvfs`, "2");
    expect(setvf(h, "ix0", { vf: 1, mac: "02:aa:00:00:00:01" })).toBe("ok");
    const forged = frame("ff:ff:ff:ff:ff:ff", "02:66:66:66:66:66");

    let sw = new ReferenceSwitch(programSwitch(h.pf("ix0")!));
    expect(
      sw.receiveFromWire(frame("02:aa:00:00:00:01", "00:11:22:33:44:55")).deliveries.map((d) => d.pool),
    ).toEqual([1]);
    const blocked = sw.transmitFromPool(0, forged);
    expect(blocked.toWire).toBe(false);
    expect(blocked.dropped).toMatch(/spoof/);

    expect(setvf(h, "ix0", { vf: 0, spoofchk: false })).toBe("ok");
    sw = new ReferenceSwitch(programSwitch(h.pf("ix0")!));
    expect(sw.transmitFromPool(0, forged).toWire).toBe(true);
  });

  it("vlan 0 qos 5: the NIC priority-tags the VF's transmit (VID 0, PCP 5) and takes priority-tagged frames", () => {
    // ixgbe_ndo_set_vf_vlan: `if (vlan || qos)` -> VMVIR = vlan | qos << VLAN_PRIO_SHIFT, AUPE off.
    const h = host();
    write(h, `${IX}/sriov_numvfs`, "2");
    expect(
      setvf(h, "ix0", { vf: 0, mac: "02:aa:00:00:00:01", vlan: { vlan: 0, qos: 5, proto: 0x8100 } }),
    ).toBe("ok");
    expect(h.pf("ix0")!.vfs[0]!.config).toMatchObject({ vlan: 0, vlanQos: 5 });
    const sw = new ReferenceSwitch(programSwitch(h.pf("ix0")!));
    const tx = sw.transmitFromPool(0, frame("00:11:22:33:44:55", "02:aa:00:00:00:01"));
    expect(tx.toWire).toBe(true);
    expect([...tx.wireBytes!.slice(12, 16)]).toEqual([0x81, 0x00, 5 << 5, 0]);
    const tagged = eth({ dst: "02:aa:00:00:00:01", src: "00:11:22:33:44:55" })
      .vlan(0, { pcp: 5 })
      .arp({})
      .build();
    const rx = sw.receiveFromWire(tagged).deliveries;
    expect(rx.map((d) => [d.pool, d.vlanStripped])).toEqual([[0, true]]);
    // qos back to 0 with vlan 0: no port VLAN, untagged again (the `else` branch).
    expect(setvf(h, "ix0", { vf: 0, vlan: { vlan: 0, qos: 0, proto: 0x8100 } })).toBe("ok");
    const plain = new ReferenceSwitch(programSwitch(h.pf("ix0")!));
    const tx2 = plain.transmitFromPool(0, frame("00:11:22:33:44:55", "02:aa:00:00:00:01"));
    expect([...tx2.wireBytes!.slice(12, 14)]).toEqual([0x08, 0x06]);
  });
});
