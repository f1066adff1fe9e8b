// State after crashes (issue 9 item 8): an empty or stale state.lock (a writer killed with
// kill -9) does not block writers; a reused pid is told apart by its start time; temporary
// files of killed writers are removed; a state file that breaks the host's invariants is
// refused with a message naming it.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Host, loadHost, statePath, withHost } from "../../src/nic/index.ts";
import { findNetdev, linuxOf, setVf, sysfsWrite } from "../../src/nic/linux/index.ts";
import {
  LOCK_FILE,
  processStartTime,
  readState,
  removeStaleLock,
  withStateLock,
} from "../../src/nic/state.ts";
import { programSwitch } from "../../src/switch/program.ts";
import { config, mac, type VfSpec } from "./kernel-helpers.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "iovsim-recovery-"));

async function savedState(dir: string, n = 2, device = "ixl0") {
  await withHost(dir, (h) => {
    h.iovConfig(device, config(device, n));
  });
  return JSON.parse(readFileSync(statePath(dir), "utf8"));
}

/** ix0's VFs enabled through Linux sysfs (sriov_numvfs), as `iovsim sysfs write` does. */
async function savedSysfsState(dir: string, n = 3) {
  await withHost(dir, (h) => {
    const r = sysfsWrite(h.state, "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", `${n}\n`);
    if (!r.ok) throw new Error(r.errno);
  });
  return JSON.parse(readFileSync(statePath(dir), "utf8"));
}

describe("state.lock left by a killed writer", () => {
  it("an empty lock file (killed between create and write) is taken at once", async () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), "");
    // A short wait: the old rule waited 30 s for an unreadable lock to age.
    expect(await withStateLock(dir, async () => "ok", 200)).toBe("ok");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a live pid with another start time is a reused pid: the lock is taken", async () => {
    const dir = tmp();
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), since: "then", start: "1" }),
    );
    expect(await withStateLock(dir, async () => "ok", 200)).toBe("ok");
  });

  it("a live owner with its own start time still holds the lock", async () => {
    const dir = tmp();
    const start = processStartTime(process.pid);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), since: "now", start }),
    );
    await expect(withStateLock(dir, async () => "never", 100)).rejects.toThrow(/locked by process/);
  });

  it("the lock file is never seen empty: it is written aside and linked into place", async () => {
    const dir = tmp();
    await withStateLock(dir, async () => {
      const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
      expect(owner.pid).toBe(process.pid);
      expect(owner.start).toBe(processStartTime(process.pid));
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    });
  });
});

describe("taking over a stale lock is race-free", () => {
  const deadOwner = (since: string) =>
    JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), since, start: "1" });
  const liveOwner = () =>
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: "now",
      start: processStartTime(process.pid),
    });

  it("a taker that judged a lock stale never removes the fresh lock another taker made meanwhile", async () => {
    const dir = tmp();
    const lock = join(dir, LOCK_FILE);
    const stale = deadOwner("then");
    // Taker B read the stale lock; before B acts, taker A removed it and created its own.
    writeFileSync(lock, liveOwner());
    await removeStaleLock(lock, stale);
    expect(readFileSync(lock, "utf8")).toBe(liveOwner());
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it("the stale lock itself is removed, and the takeover marker with it", async () => {
    const dir = tmp();
    const lock = join(dir, LOCK_FILE);
    writeFileSync(lock, deadOwner("then"));
    await removeStaleLock(lock, deadOwner("then"));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("while a live taker holds the marker, others leave the lock alone; a dead taker's marker is skipped", async () => {
    const dir = tmp();
    const lock = join(dir, LOCK_FILE);
    const stale = deadOwner("then");
    writeFileSync(lock, stale);
    // The on-disk protocol: state.lock.takeover.<sha256 of the stale text, 16 hex>.<generation>.
    const marker0 = `${LOCK_FILE}.takeover.${createHash("sha256").update(stale).digest("hex").slice(0, 16)}.0`;
    writeFileSync(join(dir, marker0), liveOwner());
    expect(await removeStaleLock(lock, stale)).toBe(false);
    expect(readFileSync(lock, "utf8")).toBe(stale); // the live taker's job
    // Meanwhile a command waits (with its back-off) and then says who holds what.
    await expect(withStateLock(dir, async () => "never", 100)).rejects.toThrow(/is locked by process/);
    writeFileSync(join(dir, marker0), deadOwner("killed mid-takeover"));
    expect(await removeStaleLock(lock, stale)).toBe(true);
    expect(existsSync(lock)).toBe(false);
    // The dead taker's marker is cleaned up by the next lock holder.
    await withStateLock(dir, async () => {});
    expect(readdirSync(dir)).toEqual([]);
  });

  it("many processes racing for one stale lock: never two holders at once", async () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), deadOwner("then"));
    const log = join(dir, "log");
    const code = `import { appendFileSync } from "node:fs";
      import { withStateLock } from ${JSON.stringify(new URL("../../src/nic/state.ts", import.meta.url).pathname)};
      for (let k = 0; k < 3; k++)
        await withStateLock(${JSON.stringify(dir)}, async () => {
          appendFileSync(${JSON.stringify(log)}, "in\\n");
          await new Promise((r) => setTimeout(r, 20));
          appendFileSync(${JSON.stringify(log)}, "out\\n");
        }, 60000);`;
    const run = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
          stdio: "inherit",
        });
        p.on("exit", (c) => resolve(c ?? 1));
      });
    expect(await Promise.all([run(), run(), run(), run()])).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(24);
    // Strictly alternating: each holder left before the next one entered.
    expect(lines).toEqual(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? "in" : "out")));
    expect(readdirSync(dir).sort()).toEqual(["log"]);
  }, 60_000);
});

describe("leftover temporary files", () => {
  it("a killed writer's .state.json.*.tmp and state.lock.*.new are removed by the next writer", async () => {
    const dir = tmp();
    await savedState(dir);
    const dead = 2 ** 22 + 4321;
    writeFileSync(join(dir, `.state.json.${dead}.0badc0de.tmp`), "{ half a st");
    writeFileSync(join(dir, `state.lock.${dead}.0badc0de.new`), "{}");
    writeFileSync(join(dir, "notes.txt"), "mine");
    await withHost(dir, () => {});
    expect(readdirSync(dir).sort()).toEqual(["notes.txt", "state.json"]);
  });
});

describe("state invariants on load", () => {
  // The saved JSON, edited as a crash or a hand edit could leave it.
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary edits of parsed JSON
  type Json = any;
  const cases: Array<[string, (s: Json) => void, RegExp]> = [
    [
      "numVfs above TotalVFs",
      (s) => (s.pfs.ixl0.numVfs = 1000),
      /\$\.pfs\.ixl0\.numVfs: 1000 VFs but ixl0's TotalVFs is 64/,
    ],
    [
      "a duplicated VF record",
      (s) => s.pfs.ixl0.vfs.push(s.pfs.ixl0.vfs[0]),
      /\$\.pfs\.ixl0\.vfs: 3 VF records for numVfs 2/,
    ],
    [
      "two records of one VF",
      (s) => (s.pfs.ixl0.vfs[1] = { ...s.pfs.ixl0.vfs[0] }),
      /\$\.pfs\.ixl0\.vfs\[1\]\.index: VF 0 is recorded twice/,
    ],
    ["VFs while SR-IOV is off", (s) => (s.pfs.ixl0.sriovEnabled = false), /while SR-IOV is disabled/],
    [
      "VFs on a PF without its driver",
      (s) => (s.pfs.ixl0.attached = false),
      /\$\.pfs\.ixl0\.attached: false \(no PF driver\) while SR-IOV is enabled/,
    ],
    ["a PF the host does not have", (s) => (s.pfs.em9 = s.pfs.ixl0), /\$\.pfs\.em9: no SR-IOV device 'em9'/],
    // Found by the state fuzz campaign (seed 1): these loaded, then programSwitch crashed
    // ("invalid MAC address", "VLAN ID -1 out of range") or the switch ran a host no kernel builds.
    [
      "a VF MAC that is not a MAC address",
      (s) => (s.pfs.ixl0.vfs[1].effectiveMac = "x"),
      /\$\.pfs\.ixl0\.vfs\[1\]\.effectiveMac: "x" is not a MAC address/,
    ],
    [
      "an upper-case VF MAC (the kernel stores lower case)",
      (s) => (s.pfs.ixl0.vfs[0].effectiveMac = s.pfs.ixl0.vfs[0].effectiveMac.toUpperCase()),
      /\$\.pfs\.ixl0\.vfs\[0\]\.effectiveMac: .* is not a MAC address/,
    ],
    [
      "a multicast VF MAC",
      (s) => (s.pfs.ixl0.vfs[0].effectiveMac = "01:00:5e:00:00:01"),
      /\$\.pfs\.ixl0\.vfs\[0\]\.effectiveMac: 01:00:5e:00:00:01 is a multicast address/,
    ],
    [
      "a configured MAC that is not the VF's MAC",
      (s) => (s.pfs.ixl0.vfs[0].config.macAddr = "02:00:00:00:00:99"),
      /\$\.pfs\.ixl0\.vfs\[0\]\.effectiveMac: .* differs from the configured MAC 02:00:00:00:00:99/,
    ],
    [
      "two VFs configured with one MAC (ADD_VF refuses the second)",
      (s) => {
        for (const vf of s.pfs.ixl0.vfs) vf.effectiveMac = vf.config.macAddr = "02:00:00:00:00:42";
      },
      /\$\.pfs\.ixl0\.vfs\[1\]\.config\.macAddr: 02:00:00:00:00:42 is already VF-0's/,
    ],
    [
      // state fuzz seed 1 case 18706: two VFs with one address, neither configured
      "a VF without a configured MAC carrying another VF's address",
      (s) => (s.pfs.ixl0.vfs[1].effectiveMac = s.pfs.ixl0.vfs[0].effectiveMac),
      /\$\.pfs\.ixl0\.vfs\[1\]\.effectiveMac: .*, but VF 1 without a configured MAC gets /,
    ],
    [
      "num-queues below 1",
      (s) => (s.pfs.ixl0.vfs[1].config.numQueues = 0),
      /\$\.pfs\.ixl0\.vfs\[1\]\.config\.numQueues: 0 queues, outside the 1\.\.16 the ixl driver gives/,
    ],
    [
      "num-queues above the driver's maximum",
      (s) => (s.pfs.ixl0.vfs[0].config.numQueues = 17),
      /\$\.pfs\.ixl0\.vfs\[0\]\.config\.numQueues: 17 queues, outside the 1\.\.16/,
    ],
    [
      "a VLAN from iovctl on a NIC whose VF schema has no vlan key",
      (s) => (s.pfs.ixl0.vfs[0].config.vlan = 100),
      /\$\.pfs\.ixl0\.vfs\[0\]\.config\.vlan: 100, but ixl0's VF schema has no vlan key/,
    ],
    [
      "numVfs while SR-IOV is off",
      (s) => Object.assign(s.pfs.ixl0, { sriovEnabled: false, vfs: [] }),
      /\$\.pfs\.ixl0\.numVfs: 2 while SR-IOV is disabled/,
    ],
    // What the kernel derives, never chooses: a hand edit of one of these loaded, and pciconf,
    // iovctl -L and vm attach then showed a host no kernel builds.
    [
      "a routing ID that is not First VF Offset + n * VF Stride",
      (s) => (s.pfs.ixl0.vfs[1].rid = 999),
      /\$\.pfs\.ixl0\.vfs\[1\]\.rid: routing ID 999, but VF 1 of ixl0 is at 273 \(First VF Offset 16, VF Stride 1\)/,
    ],
    [
      "a selector that is not its routing ID's",
      (s) => (s.pfs.ixl0.vfs[1].selector = "pci0:9:9:9"),
      /\$\.pfs\.ixl0\.vfs\[1\]\.selector: "pci0:9:9:9", but routing ID 273 is pci0:1:0:17/,
    ],
    [
      "a host VF attached to another driver",
      (s) => (s.pfs.ixl0.vfs[0].driver = "ppt"),
      /\$\.pfs\.ixl0\.vfs\[0\]\.driver: "ppt", but a host VF of ixl0 attaches to iavf/,
    ],
    [
      "a name that is not its driver's",
      (s) => (s.pfs.ixl0.vfs[1].name = "xyz"),
      /\$\.pfs\.ixl0\.vfs\[1\]\.name: "xyz" is not a iavf device name \(iavf<unit>\)/,
    ],
    [
      "a VF named like a boot device",
      (s) => (s.pfs.ixl0.vfs[0].name = "ixl0"),
      /\.vfs\[0\]\.name: "ixl0" is not a iavf device name/,
    ],
    [
      "a VM on a VF that is not ppt(4)",
      (s) => (s.pfs.ixl0.vfs[0].attachedVm = "vm1"),
      /\$\.pfs\.ixl0\.vfs\[0\]\.attachedVm: 'vm1', but only an attached ppt\(4\) VF can be given to a VM/,
    ],
    [
      "VF records out of ADD_VF's order",
      (s) => s.pfs.ixl0.vfs.reverse(),
      /\$\.pfs\.ixl0\.vfs\[1\]\.index: VF 0 after VF 1, but IOV_CONFIG records VFs in the order ADD_VF made them/,
    ],
    [
      "every broken rule is counted",
      (s) => {
        s.pfs.ixl0.vfs[0].effectiveMac = "x";
        s.pfs.ixl0.vfs[1].config.numQueues = -5;
      },
      /effectiveMac: "x" is not a MAC address .*\(and 1 more\)/,
    ],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`refuses ${what}, naming the state file`, async () => {
      const dir = tmp();
      const s = await savedState(dir);
      breakIt(s);
      writeFileSync(statePath(dir), JSON.stringify(s));
      const err = await loadHost(dir).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(`state file ${statePath(dir)} is corrupt:`);
      expect(err?.message).toContain("run 'iovsim reset'");
    });
  }
});

describe("state invariants on load: device names are host-wide", () => {
  it("two PFs' passthrough VFs with one ppt name are refused (FreeBSD's devclass numbers ppt units across the host)", async () => {
    const dir = tmp();
    await withHost(dir, (h) => {
      h.iovConfig(
        "ixl0",
        config("ixl0", 1, () => ({ passthrough: true })),
      );
      h.iovConfig(
        "ix0",
        config("ix0", 1, () => ({ passthrough: true })),
      );
    });
    const s = JSON.parse(readFileSync(statePath(dir), "utf8"));
    expect([s.pfs.ixl0.vfs[0].name, s.pfs.ix0.vfs[0].name]).toEqual(["ppt0", "ppt1"]);
    await loadHost(dir); // as saved: loads
    s.pfs.ix0.vfs[0].name = "ppt0";
    writeFileSync(statePath(dir), JSON.stringify(s));
    const err = await loadHost(dir).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toMatch(
      /\$\.pfs\.ix0\.vfs\[0\]\.name: 'ppt0' is already ixl0's VF 0 \(device names are host-wide\)/,
    );
  });
});

describe("state invariants on load: ix (pool modes, vlan) and sysfs-configured PFs", () => {
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary edits of parsed JSON
  type Json = any;
  async function loadEdited(dir: string, s: Json) {
    writeFileSync(statePath(dir), JSON.stringify(s));
    return loadHost(dir).then(
      () => undefined,
      (e: Error) => e.message,
    );
  }
  const ixCases: Array<[string, number, (s: Json) => void, RegExp]> = [
    [
      "VLAN -1",
      2,
      (s) => (s.pfs.ix0.vfs[1].config.vlan = -1),
      /\.vfs\[1\]\.config\.vlan: -1 is not a VLAN ID/,
    ],
    ["VLAN 4097", 2, (s) => (s.pfs.ix0.vfs[0].config.vlan = 4097), /\.vfs\[0\]\.config\.vlan: 4097 is not/],
    // 32-pool mode below 32 VFs (4 queues each), 64-pool mode from 32 on (2 each).
    [
      "5 queues in 32-pool mode",
      2,
      (s) => (s.pfs.ix0.vfs[0].config.numQueues = 5),
      /numQueues: 5 queues, outside the 1\.\.4 the ix driver gives a VF with 2 VFs/,
    ],
    [
      "4 queues in 64-pool mode",
      40,
      (s) => (s.pfs.ix0.vfs[3].config.numQueues = 4),
      /\.vfs\[3\]\.config\.numQueues: 4 queues, outside the 1\.\.2 .* with 40 VFs/,
    ],
    [
      "numVfs above the driver's 63",
      2,
      (s) => (s.pfs.ix0.numVfs = 64),
      /\$\.pfs\.ix0\.numVfs: 64 VFs but the ix driver supports at most 63/,
    ],
    [
      "the PF's own MAC on a VF",
      2,
      (s) => (s.pfs.ix0.vfs[0].effectiveMac = s.pfs.ix0.vfs[0].config.macAddr = Host.fresh().pf("ix0")!.mac),
      /\.vfs\[0\]\.config\.macAddr: .* is already the PF's MAC/,
    ],
  ];
  for (const [what, n, breakIt, message] of ixCases)
    it(`refuses ix0 with ${what}`, async () => {
      const dir = tmp();
      const s = await savedState(dir, n, "ix0");
      breakIt(s);
      const err = await loadEdited(dir, s);
      expect(err).toMatch(message);
      expect(err).toContain(`state file ${statePath(dir)} is corrupt: $.pfs.ix0.`);
    });

  it("iovctl: a VF refused at ADD_VF leaves a gap and numVfs > VF records: legitimate, loads and programs", async () => {
    const dir = tmp();
    await withHost(dir, (h) => {
      h.iovConfig(
        "ix0",
        config("ix0", 3, (i): VfSpec => ({ driver: i === 1 ? { vlan: 0 } : {} })),
      );
    });
    const s = await readState(dir);
    expect(s!.pfs.ix0.numVfs).toBe(3);
    expect(s!.pfs.ix0.vfs.map((v) => v.index)).toEqual([0, 2]);
    const pf = (await loadHost(dir)).pf("ix0")!;
    expect(programSwitch(pf).pools.map((p) => p.name)).toEqual(["VF-0", "VF-2", "PF"]);
  });

  it("iovctl: an all-zero mac-addr on ixl (its driver has no such check) loads, the VF with a made-up MAC", async () => {
    const dir = tmp();
    await withHost(dir, (h) => {
      h.iovConfig(
        "ixl0",
        config("ixl0", 1, () => ({ driver: { "mac-addr": mac("00:00:00:00:00:00") } })),
      );
    });
    const vf = (await loadHost(dir)).pf("ixl0")!.vfs[0];
    expect(vf.config.macAddr).toBe("00:00:00:00:00:00");
    // iavf makes up an address when the PF assigned the zero one: the derived one here.
    expect(vf.effectiveMac).toMatch(/^02:/);
    // A state saved by an older iovsim (effectiveMac kept the zero) still loads.
    const saved = JSON.parse(readFileSync(statePath(dir), "utf8"));
    saved.pfs.ixl0.vfs[0].effectiveMac = "00:00:00:00:00:00";
    expect(await loadEdited(dir, saved)).toBeUndefined();
  });

  it("sysfs: numVfs must equal the VF records, VF 0..n-1 in order (sriov_numvfs is all or nothing)", async () => {
    const dir = tmp();
    const s = await savedSysfsState(dir, 3);
    expect(s.pfs.ix0).toMatchObject({ configuredBy: "sysfs", numVfs: 3 });
    expect(await loadEdited(dir, s)).toBeUndefined();
    const fewer = structuredClone(s);
    fewer.pfs.ix0.vfs.pop();
    expect(await loadEdited(dir, fewer)).toMatch(
      /\$\.pfs\.ix0\.vfs: 2 VF records for numVfs 3, but sriov_numvfs enables all VFs or none/,
    );
    const gap = structuredClone(s);
    gap.pfs.ix0.vfs.splice(1, 1);
    gap.pfs.ix0.numVfs = 2;
    expect(await loadEdited(dir, gap)).toMatch(/\$\.pfs\.ix0\.vfs\[1\]\.index: VF 2 but numVfs is 2/);
    const swapped = structuredClone(s);
    swapped.pfs.ix0.vfs.reverse();
    expect(await loadEdited(dir, swapped)).toMatch(
      /\$\.pfs\.ix0\.vfs\[0\]\.index: VF 2 at position 0, but sriov_numvfs creates VF 0\.\.2 in order/,
    );
  });

  it("a corrupt Linux section is reported naming the state file when the Linux view reads it", async () => {
    const dir = tmp();
    const s = await savedSysfsState(dir, 1);
    s.linux.pfs = 5;
    writeFileSync(statePath(dir), JSON.stringify(s));
    const host = await loadHost(dir);
    expect(() => linuxOf(host.state)).toThrow(`state file ${statePath(dir)} is corrupt: $.linux.pfs:`);
  });

  it("sysfs: two VFs given one MAC with ip link (Linux drivers accept it) loads", async () => {
    const dir = tmp();
    await savedSysfsState(dir, 2);
    await withHost(dir, (h) => {
      const nd = findNetdev(h.state, "enp3s0f0")!;
      for (const vf of [0, 1]) expect(setVf(h.state, nd, { vf, mac: "02:00:00:00:00:42" }).ok).toBe(true);
    });
    const pf = (await loadHost(dir)).pf("ix0")!;
    expect(pf.vfs.map((v) => v.effectiveMac)).toEqual(["02:00:00:00:00:42", "02:00:00:00:00:42"]);
  });

  it("sysfs with sriov_drivers_autoprobe 0: several VFs without a driver share a placeholder name; loads", async () => {
    const dir = tmp();
    const ix = "/sys/bus/pci/devices/0000:03:00.0";
    await withHost(dir, (h) => {
      for (const [file, value] of [
        ["sriov_drivers_autoprobe", "0\n"],
        ["sriov_numvfs", "3\n"],
      ]) {
        const r = sysfsWrite(h.state, `${ix}/${file}`, value);
        if (!r.ok) throw new Error(r.errno);
      }
    });
    // Was: "state file ... is corrupt: $.pfs.ix0.vfs[1].name: 'ixv0' is recorded twice".
    const pf = (await loadHost(dir)).pf("ix0")!;
    expect(pf.vfs.map((v) => v.attached)).toEqual([false, false, false]);
    // Two attached VFs with one name are still refused.
    const saved = JSON.parse(readFileSync(statePath(dir), "utf8"));
    for (const vf of saved.pfs.ix0.vfs) vf.attached = true;
    writeFileSync(statePath(dir), JSON.stringify(saved));
    await expect(loadHost(dir)).rejects.toThrow(/vfs\[1\]\.name: '\w+' is recorded twice/);
  });
});
