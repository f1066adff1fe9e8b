// `iovsim ip` reading its words as ip(8) does (ip/ip.c main and do_cmd, ip/iplink.c do_iplink):
// objects and actions are prefixes tried in iproute2's order, so `ip l s` is set, not show;
// unknown options, objects and actions get iproute2's own messages and exit statuses.
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";
import { freshState, netdevsimHost, pfWithVfs } from "../helpers/linux-host.ts";

const IGB = "/sys/bus/pci/devices/0000:05:00.0";

const tmpState = () => freshState("iovsim-ipwords-");
const igbWithVfs = (n: number) => pfWithVfs(IGB, n, { prefix: "iovsim-ipwords-" });
/** A fresh state with netdevsim0 (sim0) and its one VF. */
const netdevsimWithVf = () => netdevsimHost(1, "iovsim-ipwords-");

const vfLine = async (s: string, i: number) =>
  (await cli(s, "ip", "link", "show", "igb0")).out.split("\n").find((l) => l.startsWith(`    vf ${i} `));

describe("ip's objects and actions as prefixes, in iproute2's order", () => {
  it("'ip l s' sets (do_iplink tries set before show); 'change' sets too", async () => {
    const s = await igbWithVfs(2);
    expect(await cli(s, "ip", "l", "s", "igb0", "vf", "0", "mac", "02:00:00:00:00:01")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect(await vfLine(s, 0)).toMatch(/link\/ether 02:00:00:00:00:01 /);
    expect((await cli(s, "ip", "link", "ch", "igb0", "vf", "1", "trust", "on")).code).toBe(0);
    expect(await vfLine(s, 1)).toMatch(/trust on$/);
  });

  it("'sh', 'l', 'ls', 'li' show; 'ip li' alone lists every link", async () => {
    const s = await igbWithVfs(1);
    const full = (await cli(s, "ip", "link", "show", "igb0")).out;
    for (const verb of ["sh", "l", "ls", "li", "list", "lst"])
      expect(await cli(s, "ip", "li", verb, "igb0"), verb).toEqual({ code: 0, out: full, err: "" });
    expect((await cli(s, "ip", "li")).out).toContain(full);
  });

  it("an unknown object: exit 1; an unknown action: exit 255; their texts as ip(8)", async () => {
    const s = tmpState();
    expect(await cli(s, "ip", "foo")).toEqual({
      code: 1,
      out: "",
      err: 'Object "foo" is unknown, try "ip help".\n',
    });
    expect(await cli(s, "ip", "link", "foo", "igb0")).toEqual({
      code: 255,
      out: "",
      err: 'Command "foo" is unknown, try "ip link help".\n',
    });
    // Real objects and actions iovsim does not simulate are named as such (exit 1).
    expect((await cli(s, "ip", "a")).err).toMatch(
      /only the 'link' object is simulated \(got 'a', ip's 'address'\)/,
    );
    expect((await cli(s, "ip", "link", "del", "igb0")).err).toMatch(/only 'set' and 'show' are simulated/);
  });

  it("an unknown option before the object: ip(8)'s message, exit 255", async () => {
    const s = tmpState();
    expect(await cli(s, "ip", "-x", "link", "show")).toEqual({
      code: 255,
      out: "",
      err: 'Option "-x" is unknown, try "ip -help".\n',
    });
  });
});

describe("ip link set as iplink_parse() reads it", () => {
  it("several 'vf N' groups: each is parsed, only the last is applied (nla_parse keeps the last IFLA_VFINFO_LIST)", async () => {
    const s = await igbWithVfs(2);
    const r = await cli(
      s,
      "ip",
      "link",
      "set",
      "igb0",
      "vf",
      "0",
      "mac",
      "02:00:00:00:00:01",
      "vf",
      "1",
      "trust",
      "on",
    );
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(await vfLine(s, 0)).toMatch(/link\/ether 00:00:00:00:00:00 .*trust off$/);
    expect(await vfLine(s, 1)).toMatch(/trust on$/);
    // An error in any group stops ip(8) before it sends anything.
    expect(
      (await cli(s, "ip", "link", "set", "igb0", "vf", "0", "trust", "on", "vf", "1", "vlan", "x")).code,
    ).toBe(255);
    expect(await vfLine(s, 0)).toMatch(/trust off$/);
  });

  it("'vf' before any device: missarg(\"dev\"); no device at all: 'Not enough information'", async () => {
    const s = await igbWithVfs(1);
    expect(await cli(s, "ip", "link", "set", "vf", "0", "trust", "on")).toEqual({
      code: 255,
      out: "",
      err: 'Error: argument "dev" is required\n',
    });
    expect(await cli(s, "ip", "link", "set", "igb0", "extra")).toEqual({
      code: 255,
      out: "",
      err: 'Error: either "dev" is duplicate, or "extra" is garbage.\n',
    });
    // ip link set's own keywords that iovsim does not simulate are named as such.
    expect((await cli(s, "ip", "link", "set", "igb0", "txqueuelen", "9000")).err).toMatch(
      /'txqueuelen' is not simulated/,
    );
  });

  it("max_tx_rate or min_tx_rate alone asks the kernel for the VF's rates first: no such VF or device exits 1", async () => {
    const s = await igbWithVfs(1);
    expect(await cli(s, "ip", "link", "set", "igb0", "vf", "3", "max_tx_rate", "100")).toEqual({
      code: 1,
      out: "",
      err: "Cannot find VF 3\n",
    });
    expect(await cli(s, "ip", "link", "set", "nope0", "vf", "0", "max_tx_rate", "100")).toEqual({
      code: 1,
      out: "",
      err: "Device nope0 does not exist\n",
    });
    // Both given: nothing asked, the kernel refuses the index.
    expect(
      await cli(s, "ip", "link", "set", "igb0", "vf", "3", "max_tx_rate", "100", "min_tx_rate", "0"),
    ).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Invalid argument\n",
    });
    // min above max: ip's own check, iplink_parse_vf returns -1: exit 1.
    expect(
      await cli(s, "ip", "link", "set", "igb0", "vf", "0", "max_tx_rate", "100", "min_tx_rate", "200"),
    ).toEqual({
      code: 1,
      out: "",
      err: "Invalid min_tx_rate 200 - must be <= max_tx_rate 100\n",
    });
  });

  it("with max_tx_rate on the line, 'rate' is not sent; with only min_tx_rate, 'rate' is the maximum", async () => {
    const s = await igbWithVfs(1);
    // igb refuses max_tx_rate above its 1000 Mb/s link: a 'rate 5000' that were sent would fail.
    expect(
      (await cli(s, "ip", "link", "set", "igb0", "vf", "0", "rate", "5000", "max_tx_rate", "100")).code,
    ).toBe(0);
    expect(await vfLine(s, 0)).toMatch(/max_tx_rate 100Mbps/);
    // rate 50 becomes IFLA_VF_RATE's max, so ip itself compares min 200 with it.
    expect(await cli(s, "ip", "link", "set", "igb0", "vf", "0", "rate", "50", "min_tx_rate", "200")).toEqual({
      code: 1,
      out: "",
      err: "Invalid min_tx_rate 200 - must be <= max_tx_rate 50\n",
    });
  });

  it("node_guid/port_guid: ip checks the GUID format; no Ethernet driver has ndo_set_vf_guid (EOPNOTSUPP, after the rest)", async () => {
    const s = await igbWithVfs(1);
    expect(await cli(s, "ip", "link", "set", "igb0", "vf", "0", "node_guid", "00:11:22")).toEqual({
      code: 255,
      out: "",
      err: 'Error: argument "00:11:22" is wrong: Invalid GUID format\n\n',
    });
    expect(
      await cli(
        s,
        "ip",
        "link",
        "set",
        "igb0",
        "vf",
        "0",
        "trust",
        "on",
        "port_guid",
        "00:11:22:33:44:55:66:77",
      ),
    ).toEqual({ code: 2, out: "", err: "RTNETLINK answers: Operation not supported\n" });
    // do_setvfinfo applies trust before it reaches the GUID: not atomic.
    expect(await vfLine(s, 0)).toMatch(/trust on$/);
  });

  it("802.1ad with a second 'vlan': one IFLA_VF_VLAN_LIST of two entries, more than the kernel takes (EOPNOTSUPP)", async () => {
    const s = await netdevsimWithVf();
    const qinq = ["ip", "link", "set", "sim0", "vf", "0", "vlan", "10", "proto", "802.1ad"];
    expect(await cli(s, ...qinq, "vlan", "20")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Operation not supported\n",
    });
    expect((await cli(s, ...qinq)).code).toBe(0);
    // 802.1Q: each 'vlan' is its own IFLA_VF_VLAN, the last one counts.
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "vlan", "10", "vlan", "30")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toMatch(/vf 0 .*, vlan 30, spoof/);
  });

  it("the kernel refuses a legacy 'rate' below the VF's minimum (rtnl_set_vf_rate), netdevsim included", async () => {
    const s = await netdevsimWithVf();
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "min_tx_rate", "200")).code).toBe(0);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "rate", "100")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Invalid argument\n",
    });
    expect((await cli(s, "ip", "link", "show", "sim0")).out).not.toContain("max_tx_rate 100");
  });
});

describe("ip link show's filters (ipaddr_list_flush_or_save)", () => {
  it("novf leaves out the VF lines and vfinfo_list; up/down filter on IFF_UP, a named link too", async () => {
    const s = await igbWithVfs(2);
    expect((await cli(s, "sysfs", "write", "/sys/bus/netdevsim/new_device", "0 1")).code).toBe(0);
    const full = (await cli(s, "ip", "link", "show", "igb0")).out;
    const novf = await cli(s, "ip", "link", "show", "igb0", "novf");
    expect(novf).toEqual({ code: 0, out: full.replace(/ {4}vf \d .*\n/g, ""), err: "" });
    expect(
      JSON.parse((await cli(s, "ip", "-j", "link", "show", "dev", "igb0", "novf")).out)[0],
    ).not.toHaveProperty("vfinfo_list");
    const names = async (...w: string[]) =>
      (await cli(s, "ip", "link", "show", ...w)).out.match(/^\d+: [^:]+/gm)?.map((l) => l.split(" ")[1]);
    expect(await names("up")).toEqual(["lo", "ixl0", "ix0", "igb0"]);
    // Down: the netdevsim port and the VFs' own netdevs (nobody brings them up).
    expect(await names("down")).toEqual(["sim0", "igbvf0", "igbvf1"]);
    expect(await cli(s, "ip", "link", "show", "sim0", "up")).toEqual({ code: 0, out: "", err: "" });
    // JSON: print_linkinfo() returns after its caller opened the link's object: {} stays.
    const json = JSON.parse((await cli(s, "ip", "-j", "link", "show", "up")).out);
    expect(json.map((l: { ifname?: string }) => l.ifname ?? "{}")).toEqual([
      "lo",
      "ixl0",
      "ix0",
      "igb0",
      "{}",
      "{}",
      "{}",
    ]);
    expect((await cli(s, "ip", "-j", "link", "show", "sim0", "up")).out).toBe("[{}]\n");
    expect((await cli(s, "ip", "link", "show", "type", "vlan")).err).toMatch(
      /filter 'type' is not simulated/,
    );
    expect(await cli(s, "ip", "link", "show", "igb0", "ixl0")).toEqual({
      code: 255,
      out: "",
      err: 'Error: either "dev" is duplicate, or "ixl0" is garbage.\n',
    });
  });
});

describe("a VF's own netdev (its host driver's interface)", () => {
  it("is listed while the driver is bound: VF name, systemd's v<N> altname, down, parent the VF", async () => {
    const s = await igbWithVfs(2);
    const show = await cli(s, "ip", "-d", "link", "show", "enp5s0f0v1");
    expect(show).toEqual({
      code: 0,
      out: `301: igbvf1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/ether 02:45:92:32:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 maxmtu 9216 parentbus pci parentdev 0000:05:10.2 
    altname enp5s0f0v1
`,
      err: "",
    });
    // No ndo_get_vf_config: no vfinfo_list; no ndo_set_vf_*: EOPNOTSUPP.
    expect(JSON.parse((await cli(s, "ip", "-j", "link", "show", "igbvf0")).out)[0]).not.toHaveProperty(
      "vfinfo_list",
    );
    expect(await cli(s, "ip", "link", "set", "igbvf0", "vf", "0", "trust", "on")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Operation not supported\n",
    });
    // ipaddr_get_vf_rate finds no VF list: the missing minimum stays -1 (0xffffffff).
    expect((await cli(s, "ip", "link", "set", "igbvf0", "vf", "0", "max_tx_rate", "100")).err).toBe(
      "Invalid min_tx_rate -1 - must be <= max_tx_rate 100\n",
    );
    expect((await cli(s, "sysfs", "read", "/sys/class/net/igbvf1/device/physfn/sriov_numvfs")).out).toBe(
      "2\n",
    );
    // Unbound from igbvf, the VF has no netdev.
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/drivers/igbvf/unbind", "0000:05:10.2")).code).toBe(
      0,
    );
    expect(await cli(s, "ip", "link", "show", "igbvf1")).toEqual({
      code: 1,
      out: "",
      err: 'Device "igbvf1" does not exist.\n',
    });
  });
});

describe("driver answers that are not refusals", () => {
  it("i40e: max_tx_rate below 50 is set as 50 in hardware with a warning, and reported as asked", async () => {
    const s = tmpState();
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "1")).code).toBe(
      0,
    );
    expect(await cli(s, "ip", "link", "set", "ixl0", "vf", "0", "max_tx_rate", "10")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect((await cli(s, "ip", "link", "show", "ixl0")).out).toContain(", max_tx_rate 10Mbps,");
    expect((await cli(s, "dmesg")).out).toContain(
      "i40e 0000:01:00.0: Setting max tx rate to minimum usable value of 50Mbps.\n",
    );
  });
});

describe("i40e's log lines for refused VF requests (i40e_virtchnl_pf.c, i40e_main.c)", () => {
  it("a VF index past the VFs: 'Invalid VF Identifier N' for each ndo that gets it; ixgbe says nothing", async () => {
    const s = tmpState();
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "1")).code).toBe(
      0,
    );
    // (max_tx_rate alone makes ip read the VF's rates first: "Cannot find VF 3", no request.)
    for (const words of [
      ["mac", "02:00:00:00:00:01"],
      ["vlan", "5"],
      ["max_tx_rate", "100", "min_tx_rate", "0"], // both given: ip does not look the VF up first
      ["rate", "100"],
      ["spoofchk", "off"],
      ["trust", "on"],
      ["state", "enable"],
    ]) {
      const r = await cli(s, "ip", "link", "set", "ixl0", "vf", "3", ...words);
      expect(r, words[0]).toEqual({ code: 2, out: "", err: "RTNETLINK answers: Invalid argument\n" });
    }
    const lines = (await cli(s, "dmesg")).out.split("\n").filter((l) => l.includes("Invalid VF Identifier"));
    expect(lines).toEqual(Array(7).fill("i40e 0000:01:00.0: Invalid VF Identifier 3"));
    // ixgbe_ndo_set_vf_* return EINVAL silently.
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "1")).code).toBe(
      0,
    );
    expect((await cli(s, "ip", "link", "set", "ix0", "vf", "3", "spoofchk", "off")).code).toBe(2);
    expect((await cli(s, "dmesg")).out).not.toMatch(/ixgbe .*Invalid VF/);
  });

  it("a multicast MAC: i40e_ndo_set_vf_mac's 'Invalid Ethernet address M for VF N' (%pM: lower case); ixgbe and igb say nothing", async () => {
    const s = tmpState();
    for (const pf of ["0000:01:00.0", "0000:03:00.0", "0000:05:00.0"])
      expect((await cli(s, "sysfs", "write", `/sys/bus/pci/devices/${pf}/sriov_numvfs`, "2")).code).toBe(0);
    for (const dev of ["ixl0", "ix0", "igb0"])
      expect(await cli(s, "ip", "link", "set", dev, "vf", "1", "mac", "1:AB:0:0:0:1")).toEqual({
        code: 2,
        out: "",
        err: "RTNETLINK answers: Invalid argument\n",
      });
    const lines = (await cli(s, "dmesg")).out.split("\n").filter((l) => l.includes("01:ab:00:00:00:01"));
    expect(lines).toEqual(["i40e 0000:01:00.0: Invalid Ethernet address 01:ab:00:00:00:01 for VF 1"]);
  });

  it("max_tx_rate above the link speed: i40e_set_bw_limit's 'Invalid max tx rate N specified for VSI seid S.'", async () => {
    const s = tmpState();
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "2")).code).toBe(
      0,
    );
    const r = await cli(s, "ip", "link", "set", "ixl0", "vf", "1", "max_tx_rate", "10001");
    expect(r).toEqual({ code: 2, out: "", err: "RTNETLINK answers: Invalid argument\n" });
    expect((await cli(s, "dmesg")).out).toContain(
      "i40e 0000:01:00.0: Invalid max tx rate 10001 specified for VSI seid 401.\n",
    );
    // At the link speed: accepted, nothing logged.
    expect((await cli(s, "ip", "link", "set", "ixl0", "vf", "1", "max_tx_rate", "10000")).code).toBe(0);
    expect((await cli(s, "dmesg")).out).not.toContain("max tx rate 10000");
  });
});
