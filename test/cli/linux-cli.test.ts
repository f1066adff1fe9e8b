// The Linux-mode commands from the outside: `iovsim sysfs`, `iovsim ip link`, `iovsim devlink`,
// their exact stderr texts and exit statuses (bash / coreutils / iproute2), --help, the §9.5
// fixtures, coexistence with iovctl/pciconf, and state kept across processes.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn as cli, tempDir } from "../helpers/cli.ts";
import { freshState, netdevsimHost } from "../helpers/linux-host.ts";

const repo = join(import.meta.dirname, "..", "..");
const IXL = "/sys/bus/pci/devices/0000:01:00.0";
const NSIM = "/sys/bus/netdevsim/devices/netdevsim0";

const tmpState = () => freshState("iovsim-linux-");
const simHost = (vfs?: number) => netdevsimHost(vfs, "iovsim-linux-");

const EINVAL = { code: 2, out: "", err: "RTNETLINK answers: Invalid argument\n" };

describe("iovsim sysfs", () => {
  it("read prints the attribute like cat; write is silent on success", async () => {
    const s = tmpState();
    expect(await cli(s, "sysfs", "read", `${IXL}/sriov_totalvfs`)).toEqual({ code: 0, out: "64\n", err: "" });
    expect(await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2")).toEqual({ code: 0, out: "", err: "" });
    expect((await cli(s, "sysfs", "read", "/sys/class/net/ixl0/device/sriov_numvfs")).out).toBe("2\n");
  });
  it("errors read like bash and coreutils on Linux", async () => {
    const s = tmpState();
    await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2");
    expect(await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "3")).toEqual({
      code: 1,
      out: "",
      err: "bash: echo: write error: Device or resource busy\n",
    });
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "65")).err).toBe(
      "bash: echo: write error: Numerical result out of range\n",
    );
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "x")).err).toBe(
      "bash: echo: write error: Invalid argument\n",
    );
    // sriov_numvfs_store returns EINVAL for every kstrtou16 failure, its ERANGE (> 65535) included.
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "65536")).err).toBe(
      "bash: echo: write error: Invalid argument\n",
    );
    expect(await cli(s, "sysfs", "write", `${IXL}/sriov_offset`, "3")).toEqual({
      code: 1,
      out: "",
      err: `bash: ${IXL}/sriov_offset: Permission denied\n`,
    });
    expect(await cli(s, "sysfs", "read", `${IXL}/bogus`)).toEqual({
      code: 1,
      out: "",
      err: `cat: ${IXL}/bogus: No such file or directory\n`,
    });
    expect((await cli(s, "sysfs", "read", IXL)).err).toBe(`cat: ${IXL}: Is a directory\n`);
    expect(await cli(s, "sysfs", "ls", "/sys/nope")).toEqual({
      code: 2,
      out: "",
      err: "ls: cannot access '/sys/nope': No such file or directory\n",
    });
  });
  it("-v shows the kernel log lines a write produced; they are in dmesg too", async () => {
    const s = tmpState();
    await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2");
    const r = await cli(s, "sysfs", "write", "-v", `${IXL}/sriov_numvfs`, "4");
    expect(r.err).toBe(
      "i40e 0000:01:00.0: 2 VFs already enabled. Disable before enabling 4 VFs\nbash: echo: write error: Device or resource busy\n",
    );
    expect((await cli(s, "dmesg")).out).toContain(
      "i40e 0000:01:00.0: 2 VFs already enabled. Disable before enabling 4 VFs\n",
    );
    const bad = await cli(s, "sysfs", "write", "-v", "/sys/bus/netdevsim/new_device", "x y");
    expect(bad.err).toBe(
      'Format for adding new device is "id port_count" (uint uint).\nbash: echo: write error: Invalid argument\n',
    );
  });
  it("-n writes without the newline (kstrtou16 accepts both)", async () => {
    const s = tmpState();
    expect((await cli(s, "sysfs", "write", "-n", `${IXL}/sriov_numvfs`, "1")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("1\n");
    // echo -n "" > PATH writes nothing: no store call, no error, nothing changes.
    expect(await cli(s, "sysfs", "write", "-n", `${IXL}/sriov_numvfs`, "")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("1\n");
    // ... but the file must still open for writing.
    expect((await cli(s, "sysfs", "write", "-n", `${IXL}/sriov_totalvfs`, "")).err).toBe(
      `bash: ${IXL}/sriov_totalvfs: Permission denied\n`,
    );
  });
  it("ls and ls -l show the PF's files and its virtfn links", async () => {
    const s = tmpState();
    await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2");
    const ls = await cli(s, "sysfs", "ls", "-l", IXL);
    // drivers/pci/iov.c DEVICE_ATTR_RW(sriov_numvfs): 0644, as sriov_drivers_autoprobe.
    expect(ls.out).toContain("-rw-r--r-- sriov_numvfs\n");
    expect(ls.out).toContain("-rw-r--r-- sriov_drivers_autoprobe\n");
    expect(ls.out).toContain("-r--r--r-- sriov_totalvfs\n");
    expect(ls.out).toContain("lrwxrwxrwx virtfn1 -> ../0000:01:02.1\n");
    expect((await cli(s, "sysfs", "ls", "/sys/bus/pci/devices/0000:01:02.1")).out).toContain("physfn\n");
    // GNU ls -l shows a symlink named on the command line; a trailing '/' lists its target.
    expect((await cli(s, "sysfs", "ls", "-l", `${IXL}/virtfn1`)).out).toBe(
      `lrwxrwxrwx ${IXL}/virtfn1 -> ../0000:01:02.1\n`,
    );
    expect((await cli(s, "sysfs", "ls", "-l", `${IXL}/virtfn1/`)).out).toContain("lrwxrwxrwx physfn -> ");
  });
  it("a trailing '/' after a file: cat and ls say Not a directory, bash's '>' says Is a directory", async () => {
    const s = tmpState();
    const file = `${IXL}/sriov_numvfs`;
    expect(await cli(s, "sysfs", "read", `${file}/`)).toEqual({
      code: 1,
      out: "",
      err: `cat: ${file}/: Not a directory\n`,
    });
    expect((await cli(s, "sysfs", "read", `${file}/.`)).err).toBe(`cat: ${file}/.: Not a directory\n`);
    expect(await cli(s, "sysfs", "ls", `${file}/`)).toEqual({
      code: 2,
      out: "",
      err: `ls: cannot access '${file}/': Not a directory\n`,
    });
    expect(await cli(s, "sysfs", "write", `${file}/`, "1")).toEqual({
      code: 1,
      out: "",
      err: `bash: ${file}/: Is a directory\n`,
    });
    expect((await cli(s, "sysfs", "write", `${file}/.`, "1")).err).toBe(`bash: ${file}/.: Not a directory\n`);
    expect((await cli(s, "sysfs", "read", file)).out).toBe("0\n");
  });
  it("--help documents the files and the error format", async () => {
    const r = await cli(tmpState(), "sysfs", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("sriov_numvfs");
    expect(r.out).toContain("bash: echo: write error:");
  });
});

describe("§9.5 fixtures through the CLI (netdevsim, max_vfs 4)", () => {
  it("2 then 3 → EBUSY; 2 then 2 → ok; 5 → ENOMEM; PCI PF with totalvfs 4 → ERANGE", async () => {
    const s = await simHost(2);
    expect((await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "3")).err).toBe(
      "bash: echo: write error: Device or resource busy\n",
    );
    expect((await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "2")).code).toBe(0);
    await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "0");
    expect((await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "5")).err).toBe(
      "bash: echo: write error: Cannot allocate memory\n",
    );
    // A real PCI PF whose sriov_totalvfs is 4 (host file override).
    const dir = tempDir("iovsim-host-");
    const hostFile = join(dir, "host.json");
    writeFileSync(
      hostFile,
      JSON.stringify({
        devices: [{ name: "ixl0", selector: "pci0:1:0:0", profile: "ixl", sriov: { totalVfs: 4 } }],
      }),
    );
    const p = tmpState();
    expect((await cli(p, "reset", "--host", hostFile)).code).toBe(0);
    expect((await cli(p, "sysfs", "write", `${IXL}/sriov_numvfs`, "5")).err).toBe(
      "bash: echo: write error: Numerical result out of range\n",
    );
  });
  it("ip link rejections: index, vlan, qos, multicast; zero MAC accepted", async () => {
    const s = await simHost(2);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "2", "mac", "02:00:00:00:00:01")).toEqual(EINVAL);
    // vlan > 4095 never reaches the kernel: ip(8) refuses it itself (iproute2 >= 4.15).
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "vlan", "4096")).toEqual({
      code: 255,
      out: "",
      err: 'Error: argument "4096" is wrong: Invalid "vlan" value\n\n',
    });
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "vlan", "10", "qos", "8")).toEqual(EINVAL);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "mac", "01:00:5e:00:00:01")).toEqual(EINVAL);
    expect(await cli(s, "ip", "link", "set", "dev", "sim0", "vf", "0", "mac", "00:00:00:00:00:00")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
  });
  it("ip(8)'s own parsing, as iproute2 does it: MAC fields and length, VLAN protocol, numbers", async () => {
    const s = await simHost(1);
    const set = (...words: string[]) => cli(s, "ip", "link", "set", "sim0", "vf", ...words);
    const err1 = (err: string) => ({ code: 1, out: "", err });
    // ll_addr_a2n() reads each ':' field with sscanf("%x") and names only the field it refuses;
    // iplink_parse_vf() then wants exactly the 6 bytes of an Ethernet address.
    expect(await set("0", "mac", "02:00:00:00:00")).toEqual(
      err1("Invalid address length 5 - must be 6 bytes\n"),
    );
    expect(await set("0", "mac", "02:00:00:00:00:01:02")).toEqual(
      err1("Invalid address length 7 - must be 6 bytes\n"),
    );
    expect(await set("0", "mac", "02-00-00-00-00-01")).toEqual(
      err1("Invalid address length 1 - must be 6 bytes\n"),
    );
    expect(await set("0", "mac", "10.0.0.1")).toEqual(err1("Invalid address length 4 - must be 6 bytes\n"));
    expect(await set("0", "mac", "02:zz:00:00:00:01")).toEqual(err1('"zz" is invalid lladdr.\n'));
    expect(await set("0", "mac", "02:100:00:00:00:01")).toEqual(err1('"100" is invalid lladdr.\n'));
    expect((await set("0", "mac", "0x2:0:0:0:0:1a")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toContain(
      "vf 0     link/ether 02:00:00:00:00:1a ",
    );
    // proto: ll_proto_a2n() names (any case) or a number; other protocols are ip(8)'s refusal.
    expect((await set("0", "vlan", "5", "proto", "0x88a8")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toContain("vlan 5, vlan protocol 802.1ad");
    expect((await set("0", "vlan", "6", "proto", "802.1q")).code).toBe(0);
    expect(await set("0", "vlan", "5", "proto", "ipv6")).toEqual({
      code: 255,
      out: "",
      err: 'Error: argument "ipv6" is wrong: Invalid "vlan protocol" value - supported 802.1Q, 802.1ad\n\n',
    });
    expect((await set("0", "vlan", "5", "proto", "foo")).err).toBe(
      'Error: argument "foo" is wrong: protocol is invalid\n\n',
    );
    // get_unsigned()/get_integer() are strtoul/strtol: a '+' sign is fine; "vf -1" goes to the
    // kernel as index 4294967295 (EINVAL), "vlan -1" wraps past UINT_MAX (ip's refusal).
    expect((await set("+0", "vlan", "+7")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toContain("vlan 7,");
    expect(await set("-1", "trust", "on")).toEqual(EINVAL);
    expect((await set("0", "vlan", "-1")).code).toBe(255);
  });
  it("ip link show / set argument errors as iproute2 prints them; 'set DEV' alone changes nothing", async () => {
    const s = await simHost(1);
    expect(await cli(s, "ip", "link", "show", "dev")).toEqual({
      code: 255,
      out: "",
      err: 'Command line is not complete. Try option "help"\n',
    });
    expect(await cli(s, "ip", "link", "show", "sim0", "extra")).toEqual({
      code: 255,
      out: "",
      err: 'Error: either "dev" is duplicate, or "extra" is garbage.\n',
    });
    expect(await cli(s, "ip", "link", "set", "sim0")).toEqual({ code: 0, out: "", err: "" });
    expect(await cli(s, "ip", "link", "set", "dev", "nope0")).toEqual({
      code: 1,
      out: "",
      err: 'Cannot find device "nope0"\n',
    });
  });

  it("write 0 then 3: VFs removed, 3 created, netdevsim still reports the MAC set before", async () => {
    const s = await simHost(2);
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "1", "mac", "02:00:00:00:00:01")).code).toBe(0);
    await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "0");
    expect((await cli(s, "ip", "link", "show", "sim0")).out).not.toContain("vf 0");
    expect((await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "3")).code).toBe(0);
    const show = (await cli(s, "ip", "link", "show", "sim0")).out.split("\n");
    expect(show.filter((l) => l.startsWith("    vf "))).toEqual([
      "    vf 0     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, spoof checking off, link-state auto, trust off, query_rss off",
      "    vf 1     link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff, spoof checking off, link-state auto, trust off, query_rss off",
      "    vf 2     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, spoof checking off, link-state auto, trust off, query_rss off",
    ]);
  });
  it("max_vfs through debugfs: EBUSY with VFs, EINVAL, ENOSPC; a raised cap lets 5 through", async () => {
    const s = await simHost(1);
    const mv = "/sys/kernel/debug/netdevsim/netdevsim0/max_vfs";
    expect((await cli(s, "sysfs", "write", mv, "8")).err).toBe(
      "bash: echo: write error: Device or resource busy\n",
    );
    await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "0");
    expect((await cli(s, "sysfs", "write", mv, "lots")).err).toBe(
      "bash: echo: write error: Invalid argument\n",
    );
    expect((await cli(s, "sysfs", "write", mv, "1000000000")).err).toBe(
      "bash: echo: write error: No space left on device\n",
    );
    expect((await cli(s, "sysfs", "write", mv, "8")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", mv)).out).toBe("8\n");
    expect((await cli(s, "sysfs", "write", `${NSIM}/sriov_numvfs`, "5")).code).toBe(0);
  });
});

describe("iovsim ip link", () => {
  it("show prints the newer per-VF line format (§6.4)", async () => {
    const s = tmpState();
    await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2");
    expect(
      (
        await cli(
          s,
          "ip",
          "link",
          "set",
          "ixl0",
          "vf",
          "0",
          "mac",
          "00:11:22:33:44:88",
          "vlan",
          "564",
          "qos",
          "1",
        )
      ).code,
    ).toBe(0);
    expect(
      (await cli(s, "ip", "link", "set", "enp1s0f0", "vf", "1", "max_tx_rate", "1000", "trust", "on")).code,
    ).toBe(0);
    const r = await cli(s, "ip", "link", "show", "ixl0");
    expect(r.out).toBe(
      "2: ixl0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000\n" +
        "    link/ether 3c:fd:fe:9e:a1:00 brd ff:ff:ff:ff:ff:ff\n" +
        "    vf 0     link/ether 00:11:22:33:44:88 brd ff:ff:ff:ff:ff:ff, vlan 564, qos 1, spoof checking on, link-state auto, trust off\n" +
        "    vf 1     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, tx rate 1000 (Mbps), max_tx_rate 1000Mbps, spoof checking on, link-state auto, trust on\n" +
        // print_linkinfo prints IFLA_PROP_LIST (altnames) after IFLA_VFINFO_LIST.
        "    altname enp1s0f0\n",
    );
  });
  it("ip(8)'s own refusals: bad words exit 255, bad MAC and on/off exit 1, unknown device exit 1", async () => {
    const s = await simHost(1);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "vlan", "x")).toEqual({
      code: 255,
      out: "",
      err: 'Error: argument "x" is wrong: Invalid "vlan" value\n\n',
    });
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "state", "sideways")).code).toBe(255);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "mac", "zz")).toEqual({
      code: 1,
      out: "",
      err: '"zz" is invalid lladdr.\n',
    });
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "spoofchk", "yes")).err).toBe(
      'Error: argument of "spoofchk" must be one of "off", "on", not "yes"\n',
    );
    // parse_on_off() compares with strcmp (iproute2 >= 6.7): no prefix, no other case.
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "trust", "o")).toEqual({
      code: 1,
      out: "",
      err: 'Error: argument of "trust" must be one of "off", "on", not "o"\n',
    });
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "query_rss", "ON")).err).toBe(
      'Error: argument of "query_rss" must be one of "off", "on", not "ON"\n',
    );
    expect(await cli(s, "ip", "link", "set", "nope0", "vf", "0", "trust", "on")).toEqual({
      code: 1,
      out: "",
      err: 'Cannot find device "nope0"\n',
    });
    // iplink_parse_vf(): no setting after "vf N" (or an unknown word first) is incomplete_command();
    // an unknown word after a setting is taken for a second device name (duparg2).
    const incomplete = { code: 255, out: "", err: 'Command line is not complete. Try option "help"\n' };
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0")).toEqual(incomplete);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "mtu", "9000")).toEqual(incomplete);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "trust", "on", "bogus")).toEqual({
      code: 255,
      out: "",
      // duparg2(), iproute2 >= 6.13 (before: "is a garbage.").
      err: 'Error: either "dev" is duplicate, or "bogus" is garbage.\n',
    });
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toContain("trust off");
    // ip(8) itself refuses a minimum above a non-zero maximum (the other from the VF's current
    // rates); iplink_parse_vf returns -1, so ip exits 1.
    const minAboveMax = { code: 1, out: "", err: "Invalid min_tx_rate 200 - must be <= max_tx_rate 100\n" };
    expect(
      await cli(s, "ip", "link", "set", "sim0", "vf", "0", "min_tx_rate", "200", "max_tx_rate", "100"),
    ).toEqual(minAboveMax);
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "max_tx_rate", "100")).code).toBe(0);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "min_tx_rate", "200")).toEqual(minAboveMax);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).not.toContain("min_tx_rate 200");
    // A numeric link state reaches the kernel, which refuses anything but 0..2.
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "state", "3")).toEqual(EINVAL);
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "state", "disable")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "sim0")).out).toContain("link-state disable");
  });
  it("rate in switchdev mode → EOPNOTSUPP and netdevsim's log line", async () => {
    const s = await simHost(1);
    expect(await cli(s, "devlink", "dev", "eswitch", "show", "netdevsim/netdevsim0")).toEqual({
      code: 0,
      out: "netdevsim/netdevsim0: mode legacy\n",
      err: "",
    });
    expect(
      (await cli(s, "devlink", "dev", "eswitch", "set", "netdevsim/netdevsim0", "mode", "switchdev")).code,
    ).toBe(0);
    expect(await cli(s, "ip", "link", "set", "sim0", "vf", "0", "rate", "100")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Operation not supported\n",
    });
    expect((await cli(s, "dmesg")).out).toContain(
      "Not supported in switchdev mode. Please use devlink API.\n",
    );
    expect((await cli(s, "ip", "link", "set", "sim0", "vf", "0", "spoofchk", "on")).code).toBe(0);
  });
  it("devlink's own refusals: missing handle, unknown words, no or bad mode (exit 1, nothing changed)", async () => {
    const s = await simHost(1);
    const refused = (err: string) => ({ code: 1, out: "", err: `${err}\n` });
    const dl = (...w: string[]) => cli(s, "devlink", "dev", "eswitch", ...w);
    const nsim = "netdevsim/netdevsim0";
    expect(await dl("show")).toEqual(refused('Devlink identification ("bus_name/dev_name") expected'));
    expect(await dl("show", "netdevsim0")).toEqual(
      refused('Devlink identification ("bus_name/dev_name") expected'),
    );
    expect(await dl("show", nsim, "extra")).toEqual(refused('Unknown option "extra"'));
    expect(await dl("set", nsim)).toEqual(refused("Need to set at least one option"));
    expect(await dl("set", nsim, "mode")).toEqual(refused("String parameter expected"));
    expect(await dl("set", nsim, "mode", "bogus")).toEqual(refused('Unknown eswitch mode "bogus"'));
    expect(await dl("set", nsim, "mode", "switchdev", "extra")).toEqual(refused('Unknown option "extra"'));
    expect((await dl("show", nsim)).out).toBe(`${nsim}: mode legacy\n`);
  });
  it("devlink on a PCI PF answers as its driver: i40e/ixgbe devlink without eswitch ops, igb none", async () => {
    const s = tmpState();
    const dl = (...w: string[]) => cli(s, "devlink", "dev", "eswitch", ...w);
    const refused = (err: string) => ({ code: 1, out: "", err: `devlink answers: ${err}\n` });
    // i40e (ixl0) and ixgbe (ix0) register devlink with no eswitch_*_get/set ops: show gets the
    // handle alone (devlink_nl_eswitch_fill), set gets EOPNOTSUPP (devlink_nl_eswitch_set_doit).
    for (const bdf of ["0000:01:00.0", "0000:03:00.0"]) {
      expect(await dl("show", `pci/${bdf}`)).toEqual({ code: 0, out: `pci/${bdf}:\n`, err: "" });
      expect(await dl("set", `pci/${bdf}`, "mode", "switchdev")).toEqual(refused("Operation not supported"));
    }
    // igb (igb0, 0000:05:00.0) has no devlink instance; nor has a BDF with no device.
    for (const bdf of ["0000:05:00.0", "0000:42:00.0"]) {
      expect(await dl("show", `pci/${bdf}`)).toEqual(refused("No such device"));
      expect(await dl("set", `pci/${bdf}`, "mode", "legacy")).toEqual(refused("No such device"));
    }
    // devlink's own checks come first, as before.
    expect(await dl("set", "pci/0000:01:00.0", "mode", "bogus")).toEqual({
      code: 1,
      out: "",
      err: 'Unknown eswitch mode "bogus"\n',
    });
  });
  it("--help of ip and devlink", async () => {
    const ip = await cli(tmpState(), "ip", "--help");
    expect(ip.code).toBe(0);
    expect(ip.out).toContain("RTNETLINK answers: Invalid argument");
    expect((await cli(tmpState(), "devlink", "--help")).out).toContain("switchdev");
  });
  it("ip and devlink as iproute2: the word help or -h anywhere prints the help; no words, on stderr (exit 1)", async () => {
    for (const [tool, words] of [
      ["ip", ["link", "show", "help"]],
      ["devlink", ["-j", "dev", "-h"]],
    ] as const) {
      const help = (await cli(tmpState(), tool, "--help")).out;
      expect(await cli(tmpState(), tool, ...words)).toEqual({ code: 0, out: help, err: "" });
      expect(await cli(tmpState(), tool)).toEqual({ code: 1, out: "", err: help });
    }
  });
});

describe("one host, two views", () => {
  it("sysfs VFs show in pciconf and iovctl -L, and make iovctl -C/-D busy", async () => {
    const s = tmpState();
    await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "2");
    const pc = await cli(s, "pciconf", "-l");
    expect(pc.out).toContain("iavf0@pci0:1:0:16:\t");
    expect(pc.out).toContain("iavf1@pci0:1:0:17:\t");
    expect((await cli(s, "iovctl", "-L", "-d", "ixl0")).out).toContain("sriov: enabled=yes vfs=2/64");
    expect(await cli(s, "iovctl", "-D", "-d", "ixl0")).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to delete VFs: Device busy\n",
    });
    const dir = tempDir("iovsim-conf-");
    const conf = join(dir, "v01.conf");
    writeFileSync(conf, 'PF { device : "ixl0"; num_vfs : 2; }\n');
    expect((await cli(s, "iovctl", "-C", "-f", conf)).err).toBe(
      "iovctl: Failed to configure SR-IOV: Device busy\n",
    );
    // iovctl's stderr stays FreeBSD's; the kernel log says why (it said nothing).
    const why =
      "iovsim: ixl0: SR-IOV was enabled through Linux sysfs (sriov_numvfs); write 0 there to remove the VFs";
    expect((await cli(s, "dmesg")).out.split("\n").filter((l) => l === why)).toHaveLength(2);
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "0")).code).toBe(0);
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(1); // busy with iovctl's own VFs: no line
    expect((await cli(s, "dmesg")).out.split("\n").filter((l) => l === why)).toHaveLength(2);
  });
  it("pciconf -l lists VFs in creation order, whichever view made them", async () => {
    const s = tmpState();
    const conf = join(tempDir("iovsim-conf-"), "ix.conf");
    writeFileSync(conf, 'PF { device: "ix0"; num_vfs: 1; }\n');
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "1")).code).toBe(0);
    const vfLines = (await cli(s, "pciconf", "-l")).out.split("\n").filter((l) => /^(ixv|iavf)\d/.test(l));
    // ix0's VF (iovctl -C, first) lists before ixl0's (sysfs, second), though ixl0 is at bus 1.
    expect(vfLines.map((l) => l.split("@")[0])).toEqual(["ixv0", "iavf0"]);
  });
  it("iovctl VFs show in sysfs and ip link, but the Linux view cannot change them", async () => {
    const s = tmpState();
    const dir = tempDir("iovsim-conf-");
    const conf = join(dir, "v.conf");
    writeFileSync(conf, 'PF { device: "ixl0"; num_vfs: 2; }\nVF-1 { mac-addr: "02:aa:00:00:00:02"; }\n');
    expect((await cli(s, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("2\n");
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "0")).err).toBe(
      "bash: echo: write error: Device or resource busy\n",
    );
    expect(await cli(s, "ip", "link", "set", "ixl0", "vf", "0", "trust", "on")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Device or resource busy\n",
    });
    expect((await cli(s, "ip", "link", "show", "ixl0")).out).toContain(
      "    vf 1     link/ether 02:aa:00:00:00:02 brd ff:ff:ff:ff:ff:ff, spoof checking on, link-state auto, trust off\n",
    );
    expect((await cli(s, "iovctl", "-D", "-d", "ixl0")).code).toBe(0);
    expect((await cli(s, "sysfs", "write", `${IXL}/sriov_numvfs`, "3")).code).toBe(0);
  });
  it("iovsim reset clears the Linux view too (netdevsim devices, VF settings)", async () => {
    const s = await simHost(2);
    expect((await cli(s, "reset")).code).toBe(0);
    expect((await cli(s, "sysfs", "ls", "/sys/bus/netdevsim/devices")).out).toBe("");
  });
});

describe("state file", () => {
  it("a corrupt Linux section is reported with its JSON path, never silently reset", async () => {
    const s = await simHost(1);
    const file = join(s, "state.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.linux.netdevsim[0].numVfs = -3;
    writeFileSync(file, JSON.stringify(json));
    const r = await cli(s, "sysfs", "read", `${NSIM}/sriov_numvfs`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^iovsim: state file \S+state\.json is corrupt: \$\.linux\.netdevsim\[0\]\.numVfs: .*run 'iovsim reset'/,
    );
    expect((await cli(s, "reset")).code).toBe(0);
    expect((await cli(s, "sysfs", "read", `${IXL}/sriov_numvfs`)).out).toBe("0\n");
  });
});

describe("state across processes", () => {
  it("bin/iovsim: a write in one process is seen by pciconf and ip link in the next", () => {
    const s = tmpState();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(repo, "bin", "iovsim.js"), "--state", s, ...args], {
        encoding: "utf8",
        cwd: repo,
      });
    expect(run("sysfs", "write", `${IXL}/sriov_numvfs`, "2").status).toBe(0);
    expect(run("ip", "link", "set", "ixl0", "vf", "1", "mac", "02:bb:00:00:00:01").status).toBe(0);
    const busy = run("sysfs", "write", `${IXL}/sriov_numvfs`, "3");
    expect(busy.status).toBe(1);
    expect(busy.stderr).toBe("bash: echo: write error: Device or resource busy\n");
    expect(run("pciconf", "-l", "iavf1").stdout).toContain("iavf1@pci0:1:0:17:");
    expect(run("ip", "link", "show", "ixl0").stdout).toContain("vf 1     link/ether 02:bb:00:00:00:01");
  }, 60_000);
});
