// `iovsim ip -d|-j|-p link show`: ip(8)'s global options as ip/ip.c reads them (a prefix of
// -details/-json/-pretty, one or two dashes, before the object) and what ip/ipaddress.c
// print_linkinfo/print_vfinfo print with them: -d's details line, the JSON keys in print order,
// json_writer.c's compact and pretty layouts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";
const state = join(mkdtempSync(join(tmpdir(), "iovsim-ipopts-")), "state");

const cli = (...argv: string[]) => iovsim(argv, { stateDir: state });

beforeAll(async () => {
  for (const argv of [
    ["sysfs", "write", `${IXL}/sriov_numvfs`, "2"],
    ["ip", "link", "set", "ixl0", "vf", "0", "mac", "00:11:22:33:44:88", "vlan", "564", "qos", "1"],
    ["ip", "link", "set", "ixl0", "vf", "1", "vlan", "0", "qos", "5", "max_tx_rate", "1000", "trust", "on"],
    ["sysfs", "write", "/sys/bus/netdevsim/new_device", "0 1"],
  ])
    expect(await cli(...argv), argv.join(" ")).toMatchObject({ code: 0, err: "" });
});

const VF0 =
  "    vf 0     link/ether 00:11:22:33:44:88 brd ff:ff:ff:ff:ff:ff, vlan 564, qos 1, spoof checking on, link-state auto, trust off\n";
const VF1 =
  "    vf 1     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, qos 5, tx rate 1000 (Mbps), max_tx_rate 1000Mbps, spoof checking on, link-state auto, trust on\n";

describe("ip -d link show", () => {
  it("adds the details iovsim models to the link/ether line (each field with its trailing space)", async () => {
    const text = `2: ixl0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 3c:fd:fe:9e:a1:00 brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 maxmtu 9702 parentbus pci parentdev 0000:01:00.0 
${VF0}${VF1}    altname enp1s0f0
`;
    for (const d of ["-d", "-details", "-det", "--details"])
      expect(await cli("ip", d, "link", "show", "ixl0"), d).toEqual({ code: 0, out: text, err: "" });
    const plain = (await cli("ip", "link", "show", "ixl0")).out;
    expect(plain).toBe(
      text.replace(
        " promiscuity 0 allmulti 0 minmtu 68 maxmtu 9702 parentbus pci parentdev 0000:01:00.0 ",
        "",
      ),
    );
  });

  it("a netdevsim port's parent is its bus device", async () => {
    expect((await cli("ip", "-d", "link", "show", "sim0")).out.split("\n")[1]).toMatch(
      / brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 maxmtu 65535 parentbus netdevsim parentdev netdevsim0 $/,
    );
  });
});

describe("ip -j [-p] link show", () => {
  it("prints print_linkinfo's JSON, compact, keys in print order, vlan_list and rate per VF", async () => {
    const r = await cli("ip", "-j", "link", "show", "ixl0");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      '[{"ifindex":2,"ifname":"ixl0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"mq","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"3c:fd:fe:9e:a1:00","broadcast":"ff:ff:ff:ff:ff:ff","vfinfo_list":[' +
        '{"vf":0,"link_type":"ether","address":"00:11:22:33:44:88","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{"vlan":564,"qos":1}],"rate":{"max_tx":0,"min_tx":0},"spoofchk":true,"link_state":"auto","trust":false},' +
        '{"vf":1,"link_type":"ether","address":"00:00:00:00:00:00","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{"qos":5}],"tx_rate":1000,"rate":{"max_tx":1000,"min_tx":0},"spoofchk":true,"link_state":"auto","trust":true}' +
        '],"altnames":["enp1s0f0"]}]\n',
    );
    expect((await cli("ip", "--json", "link", "show", "ixl0")).out).toBe(r.out);
  });

  it("-p indents as json_writer.c does; -d adds its keys before vfinfo_list", async () => {
    const r = await cli("ip", "-j", "-p", "-d", "link", "show", "sim0");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "[ {",
      '        "ifindex": 16,',
      '        "ifname": "sim0",',
      '        "flags": [ "BROADCAST","NOARP" ],',
      '        "mtu": 1500,',
    ]);
    expect(r.out).toContain(
      '        "promiscuity": 0,\n        "allmulti": 0,\n        "min_mtu": 68,\n        "max_mtu": 65535,\n        "parentbus": "netdevsim",\n        "parentdev": "netdevsim0",\n        "vfinfo_list": [ ],\n',
    );
    expect(r.out.endsWith('        "altnames": [ "eni0np1" ]\n    } ]\n')).toBe(true);
    // Pretty or not, the same document.
    const compact = (await cli("ip", "-d", "-j", "link", "show", "sim0")).out;
    expect(JSON.parse(r.out)).toEqual(JSON.parse(compact));
    // netdevsim reports query_rss: query_rss_en is a key of its VFs.
    expect(
      await cli("sysfs", "write", "/sys/bus/netdevsim/devices/netdevsim0/sriov_numvfs", "1"),
    ).toMatchObject({ code: 0 });
    const vf = JSON.parse((await cli("ip", "-j", "link", "show", "sim0")).out)[0].vfinfo_list[0];
    expect(Object.keys(vf)).toEqual([
      "vf",
      "link_type",
      "address",
      "broadcast",
      "vlan_list",
      "rate",
      "spoofchk",
      "link_state",
      "trust",
      "query_rss_en",
    ]);
    expect(
      await cli("sysfs", "write", "/sys/bus/netdevsim/devices/netdevsim0/sriov_numvfs", "0"),
    ).toMatchObject({ code: 0 });
  });

  it("without a device: every link in one array; -p alone changes nothing in text", async () => {
    const all = JSON.parse((await cli("ip", "-j", "link", "show")).out);
    expect(all.map((l: { ifname: string }) => l.ifname)).toContain("ixl0");
    expect(all.map((l: { ifname: string }) => l.ifname)).toContain("sim0");
    expect((await cli("ip", "-p", "link", "show", "ixl0")).out).toBe(
      (await cli("ip", "link", "show", "ixl0")).out,
    );
  });
});

describe("ip's other options", () => {
  it("an option ip(8) knows but iovsim does not simulate is refused, naming it; an unknown one as ip(8) refuses it", async () => {
    expect(await cli("ip", "-o", "link", "show")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: ip: option '-o' (-oneline) is not simulated (only -d, -s, -j, -p)\n",
    });
    // ip/ip.c main(): 'Option "%s" is unknown, try "ip -help".', exit(-1).
    expect(await cli("ip", "-x", "link", "show")).toEqual({
      code: 255,
      out: "",
      err: 'Option "-x" is unknown, try "ip -help".\n',
    });
    // ip(8) matches the whole word: "-jx" is no prefix of "-json". "--x" is read as "-x".
    expect(await cli("ip", "-jx", "link", "show")).toMatchObject({ code: 255 });
    expect((await cli("ip", "--bogus", "link", "show")).err).toBe(
      'Option "-bogus" is unknown, try "ip -help".\n',
    );
    expect(await cli("ip", "link", "show", "--json")).toMatchObject({ code: 1 });
    // After the object a word is ip's: "vlan -1" is a bad value (255), not an option.
    expect((await cli("ip", "link", "set", "ixl0", "vf", "0", "vlan", "-1")).code).toBe(255);
    expect((await cli("ip", "-d", "link", "show", "nosuch")).err).toBe('Device "nosuch" does not exist.\n');
  });
});

describe("ip -s link show", () => {
  // print_stats64/print_vf_stats64: nothing on the simulated host counts packets, so every
  // counter is 0 and no column widens; print_num() leaves a trailing space after each number.
  const LINK_STATS = `    RX:  bytes packets errors dropped  missed   mcast           
             0       0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
             0       0      0       0       0       0 
`;
  const VF_STATS = `    RX: bytes  packets  mcast   bcast   dropped 
             0        0       0       0        0 
    TX: bytes  packets   dropped 
             0        0        0 
`;
  it("prints the link's counters after link/ether and each VF's after its line", async () => {
    const r = await cli("ip", "-s", "link", "show", "ixl0");
    expect(r).toEqual({
      code: 0,
      out: `2: ixl0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 3c:fd:fe:9e:a1:00 brd ff:ff:ff:ff:ff:ff
${LINK_STATS}${VF0}${VF_STATS}${VF1}${VF_STATS}    altname enp1s0f0
`,
      err: "",
    });
    expect((await cli("ip", "-statistics", "link", "show", "ixl0")).out).toBe(r.out);
  });

  it("-j: stats64 before vfinfo_list, and a stats object in each VF", async () => {
    const [link] = JSON.parse((await cli("ip", "-s", "-j", "link", "show", "ixl0")).out);
    const keys = Object.keys(link);
    expect(keys.indexOf("stats64")).toBe(keys.indexOf("vfinfo_list") - 1);
    expect(link.stats64.tx).toEqual({
      bytes: 0,
      packets: 0,
      errors: 0,
      dropped: 0,
      carrier_errors: 0,
      collisions: 0,
    });
    expect(link.vfinfo_list[1].stats).toEqual({
      rx: { bytes: 0, packets: 0, multicast: 0, broadcast: 0, dropped: 0 },
      tx: { tx_bytes: 0, tx_packets: 0, dropped: 0 },
    });
  });

  it("-s -s (error counters, carrier_changes among them) is refused as not simulated", async () => {
    expect((await cli("ip", "-s", "-s", "link", "show")).err).toMatch(
      /'-s -s' \(error counters\) is not simulated/,
    );
  });
});

describe("lo", () => {
  const LO =
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n";

  it("is listed first, ifindex 1, and the PFs follow from 2 as on a real host", async () => {
    const out = (await cli("ip", "link", "show")).out;
    expect(out.startsWith(LO)).toBe(true);
    const heads = out.split("\n").filter((l) => /^\d+: /.test(l));
    expect(heads.slice(0, 4).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "1: lo:",
      "2: ixl0:",
      "3: ix0:",
      "4: igb0:",
    ]);
    expect(await cli("ip", "link", "show", "lo")).toEqual({ code: 0, out: LO, err: "" });
    expect((await cli("ip", "link", "show", "up")).out.startsWith(LO)).toBe(true);
    expect((await cli("ip", "link", "show", "down")).out).not.toContain("lo:");
  });

  it("-d: no parent device; -j: link_type loopback, no vfinfo_list, no altnames", async () => {
    expect((await cli("ip", "-d", "link", "show", "lo")).out).toBe(
      LO.replace("00:00:00:00:00:00\n", "00:00:00:00:00:00 promiscuity 0 allmulti 0 minmtu 0 maxmtu 0 \n"),
    );
    expect((await cli("ip", "-j", "link", "show", "lo")).out).toBe(
      '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"}]\n',
    );
    const all = JSON.parse((await cli("ip", "-j", "link", "show")).out) as Array<{
      ifindex: number;
      ifname: string;
    }>;
    expect(all[0]).toMatchObject({ ifindex: 1, ifname: "lo" });
    expect(all[1]).toMatchObject({ ifindex: 2, ifname: "ixl0" });
  });

  it("has no VF operations: ip link set lo vf 0 ... is EOPNOTSUPP", async () => {
    expect(await cli("ip", "link", "set", "lo", "vf", "0", "mac", "02:00:00:00:00:01")).toEqual({
      code: 2,
      out: "",
      err: "RTNETLINK answers: Operation not supported\n",
    });
  });
});
