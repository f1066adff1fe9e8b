// Random sequences of control-plane commands from both views (iovctl, sysfs, ip link, vm,
// netdevsim, devlink), run from the outside: whatever one command accepts and saves, the next
// command must be able to load. After every step pciconf, ip link show, iovctl -L and vm list
// still run; no step ends in an internal error or a "corrupt" state file (sriov_drivers_autoprobe
// 0 once made the saved state unreadable). Seeded: a failure names the seed and the step.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

const BDF: Record<string, string> = { ixl0: "0000:01:00.0", ix0: "0000:03:00.0", igb0: "0000:05:00.0" };
const PFS = Object.keys(BDF);

function rng(seed: number) {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  return { next, pick: <T>(a: T[]): T => a[next(a.length)] };
}

async function sequence(seed: number, steps: number): Promise<void> {
  const dir = tempDir("iovsim-seq-");
  const state = join(dir, "state");
  const { next, pick } = rng(seed);
  const cli = (...argv: string[]) => iovsim(argv, { stateDir: state });
  const ops: Array<() => string[]> = [
    () => [
      "sysfs",
      "write",
      `/sys/bus/pci/devices/${BDF[pick(PFS)]}/sriov_numvfs`,
      String(pick([0, 0, 1, 2, 3, 8])),
    ],
    () => [
      "sysfs",
      "write",
      `/sys/bus/pci/devices/${BDF[pick(PFS)]}/sriov_drivers_autoprobe`,
      pick(["0", "1"]),
    ],
    () => [
      "sysfs",
      "write",
      `/sys/kernel/debug/iovsim/${BDF[pick(PFS)]}/fail_vf_add`,
      String(pick([-1, 0, 1])),
    ],
    () => [
      "ip",
      "link",
      "set",
      pick(PFS),
      "vf",
      String(next(3)),
      ...pick([
        ["mac", pick(["02:00:00:00:00:01", "00:00:00:00:00:00"])],
        ["vlan", String(pick([0, 100, 4095])), "qos", String(next(8))],
        ["spoofchk", pick(["on", "off"])],
        ["trust", pick(["on", "off"])],
        ["state", pick(["auto", "disable"])],
        ["max_tx_rate", String(pick([0, 100]))],
      ]),
    ],
    () => {
      const pf = pick(PFS);
      const conf = join(dir, `c${next(1000)}.conf`);
      const vf0 = [
        `passthrough: ${pick(["true", "false"])};`,
        pick(["", 'mac-addr: "02:00:00:00:00:01";']),
        pf === "ixl0" ? pick(["", "num-queues: 16;"]) : pick(["", "vlan: 0;", "vlan: 5;"]),
      ].join(" ");
      writeFileSync(
        conf,
        `PF { device: "${pf}"; num_vfs: ${pick([1, 2, 3])}; }\nDEFAULT { passthrough: ${pick(["true", "false"])}; }\nVF-0 { ${vf0} }\n`,
      );
      return ["iovctl", "-C", "-f", conf];
    },
    () => ["iovctl", "-D", "-d", pick(PFS)],
    () => ["vm", "attach", pick(["web", "db"]), `ppt${next(2)}`],
    () => ["vm", "detach", pick(["web", "db"])],
    () => ["sysfs", "write", "/sys/bus/netdevsim/new_device", `${next(2)} ${next(3)}`],
    () => ["sysfs", "write", `/sys/bus/netdevsim/devices/netdevsim${next(2)}/sriov_numvfs`, String(next(5))],
    () => ["sysfs", "write", "/sys/bus/netdevsim/del_device", `${next(2)}`],
    () => [
      "devlink",
      "dev",
      "eswitch",
      "set",
      `netdevsim/netdevsim${next(2)}`,
      "mode",
      pick(["legacy", "switchdev"]),
    ],
  ];
  const bad = /internal error|corrupt/;
  for (let i = 0; i < steps; i++) {
    const argv = pick(ops)();
    const r = await cli(...argv);
    const where = `seed ${seed}, step ${i}: ${argv.join(" ")}`;
    expect(r.code, `${where}\n${r.err}`).not.toBe(70);
    expect(r.err, where).not.toMatch(bad);
    for (const check of [
      ["pciconf", "-l"],
      ["ip", "link", "show"],
      ["vm", "list"],
      ["iovctl", "-L", "-d", pick(PFS)],
    ]) {
      const c = await cli(...check);
      expect({ code: c.code, err: c.err }, `${where}\nthen ${check.join(" ")}`).toEqual({ code: 0, err: "" });
    }
  }
}

describe("control-plane command sequences (both views) always leave a loadable host", () => {
  // Seed 8 reaches sriov_drivers_autoprobe 0 then several VFs on one PF (the old "corrupt" state).
  for (const seed of [1, 8, 42])
    it(`seed ${seed}`, async () => {
      await sequence(seed, 60);
    }, 120_000);
});
