// The state file's Linux and flow sections are checked when the state is loaded, as the rest is:
// a hand-edited or corrupt section is reported naming the file, the JSON path and its
// line:column, exit 1, before any command runs on it (a Linux view missing a sysfs VF's
// settings crashed `ip link show` with an internal error; flow rule IDs past a u32 were kept).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";
import { freshState } from "../helpers/linux-host.ts";

// biome-ignore lint/suspicious/noExplicitAny: arbitrary edits of parsed JSON
type Json = any;
const file = (s: string) => join(s, "state.json");
function edit(s: string, change: (j: Json) => void): string {
  const j = JSON.parse(readFileSync(file(s), "utf8"));
  change(j);
  const text = JSON.stringify(j, null, 1);
  writeFileSync(file(s), text);
  return text;
}
/** "FILE:LINE:COLUMN" of the first occurrence of `needle` in the saved text. */
function at(s: string, text: string, needle: string): string {
  const i = text.indexOf(needle);
  const before = text.slice(0, i).split("\n");
  return `${file(s)}:${before.length}:${before[before.length - 1].length + 1}`;
}

describe("state.json's linux section, checked at load", () => {
  it("a sysfs PF missing one VF's settings is corrupt, located (was: ip link show crashed)", async () => {
    const s = freshState();
    expect((await cli(s, "sysfs", "write", "/sys/class/net/ix0/device/sriov_numvfs", "2")).code).toBe(0);
    const text = edit(s, (j) => j.linux.pfs.ix0.vfs.pop());
    const r = await cli(s, "ip", "link", "show", "ix0");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: state file ${file(s)} is corrupt: $.linux.pfs.ix0.vfs: 1 VF settings, but ix0 has 2 VFs enabled through sriov_numvfs (one each), at ${at(s, text, "[\n     {")}; run 'iovsim reset' to start from a clean host\n`,
    );
    expect((await cli(s, "reset")).code).toBe(0);
    expect((await cli(s, "ip", "link", "show", "ix0")).code).toBe(0);
  });

  it("a sysfs PF whose settings are missing altogether (no Linux section, or no entry in it) is corrupt (found by the state fuzz: ip link show crashed)", async () => {
    for (const [change, message] of [
      [
        (j: Json) => delete j.linux,
        /: \$\.pfs\.ix0\.configuredBy: "sysfs", but the state has no Linux section with its VFs' settings, at /,
      ],
      [
        (j: Json) => delete j.linux.pfs.ix0,
        /: \$\.linux\.pfs: no entry for ix0, whose 2 VFs sriov_numvfs enabled \(their ip-link settings\), at /,
      ],
    ] as const) {
      const s = freshState();
      await cli(s, "sysfs", "write", "/sys/class/net/ix0/device/sriov_numvfs", "2");
      edit(s, change);
      const r = await cli(s, "ip", "link", "show");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    }
  });

  it("settings of a PF the host lacks, a driver_override of a VF that is gone, netdevsim past max_vfs", async () => {
    const cases: Array<[(j: Json) => void, RegExp]> = [
      [
        (j) => (j.linux.pfs.ix9 = j.linux.pfs.ix0),
        /: \$\.linux\.pfs\.ix9: no SR-IOV device 'ix9' in the host description, at .*state\.json:\d+:\d+;/,
      ],
      [
        (j) => (j.linux.pfs.ix0.driverOverride = { 5: "vfio-pci" }),
        /: \$\.linux\.pfs\.ix0\.driverOverride\.5: ix0 has no VF 5 \(a VF's driver_override goes with it\)/,
      ],
      [
        (j) => (j.linux.netdevsim = [{ ...j.linux.netdevsim[0], numVfs: 9 }]),
        /: \$\.linux\.netdevsim\[0\]\.numVfs: 9 VFs but max_vfs is 4/,
      ],
      [
        (j) => Object.assign(j.linux.pfs.ix0.vfs[0], { maxTxRate: 100, minTxRate: 500 }),
        /: \$\.linux\.pfs\.ix0\.vfs\[0\]\.maxTxRate: 100 below minTxRate 500/,
      ],
    ];
    for (const [change, message] of cases) {
      const s = freshState();
      await cli(s, "sysfs", "write", "/sys/class/net/ix0/device/sriov_numvfs", "2");
      await cli(s, "sysfs", "write", "/sys/bus/netdevsim/new_device", "1 1");
      edit(s, change);
      const r = await cli(s, "pciconf", "-l");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/internal error|at .*\.ts:/);
    }
  });
});

describe("state.json's flow section, checked at load; rule IDs are u32", () => {
  const CREATE = (spi: number) =>
    [
      "flow",
      "create",
      "ixl0",
      "ingress",
      "pattern",
      "eth",
      "/",
      "ipv4",
      "/",
      "esp",
      "spi",
      String(spi),
    ].concat(["/", "end", "actions", "queue", "index", "3", "/", "end"]);

  it("a rule ID past 4294967295 is corrupt, located; a port that is no PF too", async () => {
    const s = freshState();
    expect((await cli(s, ...CREATE(7))).out).toBe("Flow rule #0 created\n");
    const text = edit(s, (j) => (j.flow.ixl0[0].id = 2 ** 32));
    const r = await cli(s, "flow", "list", "ixl0");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `is corrupt: $.flow.ixl0[0].id: invalid flow rules (Too big: expected number to be <=4294967295), at ${at(s, text, "4294967296")};`,
    );
    edit(s, (j) => (j.flow = { em0: [] }));
    expect((await cli(s, "flow", "list", "ixl0")).err).toContain(
      "is corrupt: $.flow.em0: no PF 'em0' on this host (flow rules live in a PF driver)",
    );
  });

  it("a rule's queue past the port's receive queues is corrupt, in flow create's words; 82599's pool-mode change is not", async () => {
    const s = freshState();
    await cli(s, ...CREATE(7));
    const text = edit(s, (j) => (j.flow.ixl0[0].queue = 200));
    // It was listed, then steering --port ixl0 found "nothing to simulate".
    expect((await cli(s, "flow", "list", "ixl0")).err).toBe(
      `iovsim: state file ${file(s)} is corrupt: $.flow.ixl0[0].queue: queue 200 out of range: ixl0 (ixl) has 16 receive queues per function (0..15); the driver refuses it with EINVAL (ethtool -N ... action 200: "rmgr: Cannot insert RX class rule: Invalid argument"), at ${at(s, text, "200")}; run 'iovsim reset' to start from a clean host\n`,
    );
    // ix0: queue 3 of the PF's 4; 40 VFs (64-pool mode) leave it 2. The rule stays (ixgbe keeps
    // its filter list), the state loads, and flow create refuses queue 3 now, in the same words.
    const t = freshState();
    const rule = (dst: string) =>
      ["flow", "create", "ix0", "ingress", "pattern", "eth", "/", "ipv4", "/", "udp", "dst", dst].concat([
        "/",
        "end",
        "actions",
        "queue",
        "index",
        "3",
        "/",
        "end",
      ]);
    expect((await cli(t, ...rule("5"))).code).toBe(0);
    expect((await cli(t, "sysfs", "write", "/sys/class/net/ix0/device/sriov_numvfs", "40")).code).toBe(0);
    expect((await cli(t, "flow", "list", "ix0")).code).toBe(0);
    expect((await cli(t, ...rule("6"))).err).toContain(
      "queue 3 out of range: ix0 (ix) has 2 receive queues per function (0..1); the driver refuses it with EINVAL",
    );
  });

  it("rules on a port whose PF driver is unbound are corrupt: the driver's remove freed them", async () => {
    const s = freshState();
    await cli(s, ...CREATE(7));
    expect((await cli(s, "sysfs", "write", "/sys/bus/pci/drivers/i40e/unbind", "0000:01:00.0")).code).toBe(0);
    expect(JSON.parse(readFileSync(file(s), "utf8")).flow).toEqual({});
    edit(s, (j) => (j.flow = { ixl0: [{ id: 0, field: "esp-spi", lo: 7, hi: 7, queue: 3 }] }));
    expect((await cli(s, "pciconf", "-l")).err).toContain(
      "is corrupt: $.flow.ixl0: 1 rule on ixl0, whose PF driver is unbound (its remove freed them)",
    );
  });

  it("destroy refuses an ID past a u32 as ethtool does; create after rule 4294967295 as testpmd does", async () => {
    const s = freshState();
    await cli(s, ...CREATE(7));
    expect(await cli(s, "flow", "destroy", "ixl0", "rule", "4294967296")).toEqual({
      code: 1,
      out: "",
      err: `iovsim: flow destroy ixl0: word 2 ('4294967296'): a rule ID is at most 4294967295 (a u32; ethtool -N ixl0 delete 4294967296 prints "ethtool: bad command line argument(s)")\n`,
    });
    edit(s, (j) => (j.flow.ixl0[0].id = 2 ** 32 - 1));
    expect(await cli(s, ...CREATE(8))).toEqual({
      code: 1,
      out: "",
      err: "iovsim: flow create: ixl0: Highest rule ID is already assigned, delete it first (rule #4294967295: iovsim flow destroy ixl0 rule 4294967295)\n",
    });
    expect((await cli(s, "flow", "destroy", "ixl0", "rule", "4294967295")).out).toBe(
      "Flow rule #4294967295 destroyed\n",
    );
  });
});
