// `ip link set DEV mtu N` and sysfs `mtu` on the Linux view: dev_set_mtu_ext's range checks with
// the netlink extack message ip(8) prints, each driver's max_mtu from the NIC profile's frames,
// ixgbe's rule that an 82599 VF goes jumbo only after its PF, and where the MTU is kept.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";
import { freshState, pfWithVfs } from "../helpers/linux-host.ts";

const IX = "/sys/bus/pci/devices/0000:03:00.0";
const linkLine = async (s: string, dev: string) =>
  (await cli(s, "ip", "link", "show", dev)).out.split("\n")[0];

describe("ip link set DEV mtu N", () => {
  it("sets the MTU that ip link show, ip -j and sysfs mtu report, kept in the state file", async () => {
    const s = freshState("iovsim-mtu-");
    expect(await cli(s, "ip", "link", "set", "ixl0", "mtu", "9000")).toEqual({ code: 0, out: "", err: "" });
    expect(await linkLine(s, "ixl0")).toMatch(/^2: ixl0: <[A-Z_,]+> mtu 9000 qdisc mq /);
    expect(JSON.parse((await cli(s, "ip", "-j", "link", "show", "ixl0")).out)[0].mtu).toBe(9000);
    expect((await cli(s, "sysfs", "read", "/sys/class/net/ixl0/mtu")).out).toBe("9000\n");
    const saved = JSON.parse(readFileSync(join(s, "state.json"), "utf8"));
    expect(saved.linux.pfs.ixl0.mtu).toBe(9000);
    // Other links keep 1500; lo its 64 KiB.
    expect(await linkLine(s, "ix0")).toMatch(/ mtu 1500 /);
    expect(await linkLine(s, "lo")).toMatch(/ mtu 65536 /);
  });

  it("refuses beyond the driver's max_mtu or below 68 with the kernel's extack text, exit 2", async () => {
    const s = freshState("iovsim-mtu-");
    // i40e: I40E_MAX_RXBUFFER - I40E_PACKET_HDR_PAD = 9702; ixgbe 9710; igb 9216.
    for (const [dev, max] of [
      ["ixl0", 9702],
      ["ix0", 9710],
      ["igb0", 9216],
    ] as const) {
      expect(await cli(s, "ip", "link", "set", dev, "mtu", String(max + 1))).toEqual({
        code: 2,
        out: "",
        err: "Error: mtu greater than device maximum.\n",
      });
      expect((await cli(s, "ip", "link", "set", dev, "mtu", String(max))).code).toBe(0);
    }
    for (const low of ["67", "-1", "0"])
      expect(await cli(s, "ip", "link", "set", "ixl0", "mtu", low), low).toEqual({
        code: 2,
        out: "",
        err: "Error: mtu less than device minimum.\n",
      });
    expect(await linkLine(s, "ixl0")).toMatch(/ mtu 9702 /);
  });

  it("ip(8)'s own refusals: a bad number, a second mtu, a missing value", async () => {
    const s = freshState("iovsim-mtu-");
    expect(await cli(s, "ip", "link", "set", "ixl0", "mtu", "9k")).toEqual({
      code: 255,
      out: "",
      // invarg() adds "\n" after a message that ends in one, as ip(8) does.
      err: 'Error: argument "9k" is wrong: Invalid "mtu" value\n\n',
    });
    expect(await cli(s, "ip", "link", "set", "ixl0", "mtu", "9000", "mtu", "1500")).toEqual({
      code: 255,
      out: "",
      err: 'Error: duplicate "mtu": "1500" is the second value.\n',
    });
    expect((await cli(s, "ip", "link", "set", "ixl0", "mtu")).code).toBe(255);
    // get_integer reads base 0: 0x2328 is 9000.
    expect((await cli(s, "ip", "link", "set", "ixl0", "mtu", "0x2328")).code).toBe(0);
    expect(await linkLine(s, "ixl0")).toMatch(/ mtu 9000 /);
    // lo's MTU is not simulated: said, not silently ignored.
    expect((await cli(s, "ip", "link", "set", "lo", "mtu", "1500")).err).toMatch(/lo's MTU is not simulated/);
  });

  it("ip -d prints minmtu and maxmtu as print_linkinfo does (lo: 0 and 0)", async () => {
    const s = freshState("iovsim-mtu-");
    expect((await cli(s, "ip", "-d", "link", "show", "lo")).out.split("\n")[1]).toBe(
      "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 allmulti 0 minmtu 0 maxmtu 0 ",
    );
    const j = JSON.parse((await cli(s, "ip", "-d", "-j", "link", "show", "ix0")).out)[0];
    expect([j.min_mtu, j.max_mtu]).toEqual([68, 9710]);
  });

  it("an 82599 VF goes above 1500 only once its PF has (ixgbe_set_vf_lpe): EINVAL and the PF's log line", async () => {
    const s = await pfWithVfs(IX, 2, { prefix: "iovsim-mtu-" });
    expect(await cli(s, "ip", "link", "set", "ixv0", "mtu", "9000")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Invalid argument\n",
    });
    expect((await cli(s, "dmesg")).out).toContain("ixgbe 0000:03:00.0 ix0: VF max_frame 9018 out of range\n");
    expect((await cli(s, "ip", "link", "set", "ixv0", "mtu", "1500")).code).toBe(0);
    expect((await cli(s, "ip", "link", "set", "ix0", "mtu", "9000")).code).toBe(0);
    expect((await cli(s, "ip", "link", "set", "ixv0", "mtu", "9000")).code).toBe(0);
    expect(await linkLine(s, "ixv0")).toMatch(/ mtu 9000 /);
    expect(await linkLine(s, "ixv1")).toMatch(/ mtu 1500 /);
  });

  it("do_setlink applies the MTU before the VF settings; a netdevsim port takes up to 65535", async () => {
    const s = freshState("iovsim-mtu-");
    // No VFs: the VF setting fails after the MTU was applied.
    expect(await cli(s, "ip", "link", "set", "ixl0", "vf", "0", "trust", "on", "mtu", "9000")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Invalid argument\n",
    });
    expect(await linkLine(s, "ixl0")).toMatch(/ mtu 9000 /);
    // A refused MTU sends nothing after it.
    expect((await cli(s, "ip", "link", "set", "ixl0", "mtu", "20000", "vf", "0", "trust", "on")).err).toBe(
      "Error: mtu greater than device maximum.\n",
    );
    expect((await cli(s, "sysfs", "write", "/sys/bus/netdevsim/new_device", "3 2")).code).toBe(0);
    expect((await cli(s, "ip", "link", "set", "sim3p1", "mtu", "65535")).code).toBe(0);
    expect((await cli(s, "ip", "link", "set", "sim3", "mtu", "65536")).code).toBe(2);
    expect(await linkLine(s, "sim3p1")).toMatch(/ mtu 65535 /);
    expect(await linkLine(s, "sim3")).toMatch(/ mtu 1500 /);
  });

  it("model show --nic names the rule with its source on the 82599 only", async () => {
    const s = freshState("iovsim-mtu-");
    expect((await cli(s, "model", "show", "--nic", "ix")).out).toMatch(
      /linux\.vf\.jumboNeedsPfJumbo \(ixgbevf\)\s+1500\s+PF MTU to exceed .* ixgbe_set_vf_lpe/,
    );
    expect((await cli(s, "model", "show", "--nic", "ixl")).out).not.toMatch(/jumboNeedsPfJumbo/);
  });

  it("sysfs mtu writes through dev_set_mtu (the errno alone); a VF's MTU goes with its VFs", async () => {
    const s = await pfWithVfs(IX, 2, { prefix: "iovsim-mtu-" });
    expect((await cli(s, "sysfs", "write", "/sys/class/net/ixv1/mtu", "1400")).code).toBe(0);
    expect(await linkLine(s, "ixv1")).toMatch(/ mtu 1400 /);
    const bad = await cli(s, "sysfs", "write", "/sys/class/net/ixv1/mtu", "99999");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/Invalid argument/);
    expect((await cli(s, "sysfs", "write", `${IX}/sriov_numvfs`, "0")).code).toBe(0);
    expect((await cli(s, "sysfs", "write", `${IX}/sriov_numvfs`, "2")).code).toBe(0);
    expect(await linkLine(s, "ixv1")).toMatch(/ mtu 1500 /);
  });

  it("a PF's MTU goes with its netdev: unbinding and binding its driver gives 1500 again", async () => {
    const s = freshState("iovsim-mtu-");
    expect((await cli(s, "ip", "link", "set", "ix0", "mtu", "9000")).code).toBe(0);
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/drivers/ixgbe/unbind", "0000:03:00.0")).code).toBe(
      0,
    );
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/drivers/ixgbe/bind", "0000:03:00.0")).code).toBe(0);
    expect(await linkLine(s, "ix0")).toMatch(/ mtu 1500 /);
  });

  it("a state file whose MTU belongs to no netdev, or is out of range, is refused by name", async () => {
    const s = await pfWithVfs(IX, 1, { prefix: "iovsim-mtu-" });
    const file = join(s, "state.json");
    const saved = JSON.parse(readFileSync(file, "utf8"));
    saved.linux.pfs.ix0.vfMtu = { "3": 9000 };
    writeFileSync(file, JSON.stringify(saved));
    const r = await cli(s, "ip", "link", "show", "ix0");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/\$\.linux\.pfs\.ix0\.vfMtu\.3: ix0 has no VF 3/);
    saved.linux.pfs.ix0.vfMtu = { "0": 20 };
    writeFileSync(file, JSON.stringify(saved));
    expect((await cli(s, "ip", "link", "show", "ix0")).err).toMatch(/vfMtu/);
  });
});
