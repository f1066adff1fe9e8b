// Duplicate MACs (issue 9 item 5): two VFs with one mac-addr. validate reports an error at the
// second mac-addr; iovctl -C does what the driver does (ADD_VF fails with EADDRINUSE, that VF is
// dropped, "Failed to add VF <i>", exit 0), so the switch delivers the MAC's unicast frames to
// one VF only. Linux's ndo_set_vf_mac has no cross-VF check: `ip link ... vf N mac` accepts it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-dupmac-"));
const MAC = "02:00:00:00:00:10";

function conf(device: string): string {
  const f = join(tmp, `${device}.conf`);
  writeFileSync(
    f,
    `PF { device: "${device}"; num_vfs: 3; }\nVF-0 { mac-addr: "${MAC}"; }\nVF-1 {\n  passthrough: false;\n  mac-addr: "${MAC}";\n}\n`,
  );
  return f;
}

async function cli(state: string, ...args: string[]) {
  const r = await iovsim(["--state", state, ...args]);
  return { ...r, all: r.out + r.err };
}

describe("duplicate VF MAC addresses", () => {
  for (const device of ["ixl0", "ix0", "igb0"]) {
    it(`${device}: validate fails at the second mac-addr; iovctl -C drops that VF`, async () => {
      const f = conf(device);
      const state = join(tmp, `state-${device}`);
      const v = await cli(state, "validate", "-f", f);
      expect(v.code).toBe(1);
      expect(v.all).toContain(
        `${f}:5:13: error: VF-1: mac-addr ${MAC} is already used by VF-0; the ${device.replace(/0$/, "")} driver refuses VF-1 (EADDRINUSE)`,
      );
      const c = await cli(state, "iovctl", "-C", "-f", f);
      expect(c.code).toBe(0);
      expect((await cli(state, "dmesg")).out).toContain(`${device}: Failed to add VF 1\n`);
      const l = await cli(state, "pciconf", "-l");
      expect(l.out.match(/@pci0:\d+:\d+:\d+:.*/g)!.length).toBeGreaterThan(0);
    });
  }

  it("the switch delivers the MAC's unicast frames to one VF only", async () => {
    const f = conf("ixl0");
    const out = join(tmp, "sw");
    const r = await cli(
      join(tmp, "sw-state"),
      "switch",
      "-f",
      f,
      "--in",
      "wire=examples/in.pcap",
      "--out",
      out,
    );
    expect(r.code).toBe(0);
    // 2 VFs exist (VF-1 was refused); VF-0 gets the three frames for its MAC and the broadcast.
    expect(r.out).toContain("ixl0 with 2 VFs");
    expect(r.out).toMatch(/│ VF-0\s+│ 0\s+│ 4\s+│/);
    expect(r.out).not.toMatch(/│ VF-1\s/);
    expect(r.out).toMatch(/│ VF-2\s/); // the pools skip the refused VF
  });

  it("Linux: ip link set ... vf N mac accepts another VF's MAC, as ixgbe/i40e/igb do", async () => {
    const state = join(tmp, "linux");
    const dev = "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs";
    expect((await cli(state, "sysfs", "write", dev, "2")).code).toBe(0);
    expect((await cli(state, "ip", "link", "set", "ix0", "vf", "0", "mac", MAC)).code).toBe(0);
    expect((await cli(state, "ip", "link", "set", "ix0", "vf", "1", "mac", MAC)).code).toBe(0);
    const show = await cli(state, "ip", "link", "show", "ix0");
    expect(show.out.match(new RegExp(`link/ether ${MAC}`, "g"))!.length).toBe(2);
  });
});
