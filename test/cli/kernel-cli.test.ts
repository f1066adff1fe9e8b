// CLI end to end for the kernel-side commands: pciconf, dmesg, vm, reset, state handling.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";

const repo = join(import.meta.dirname, "..", "..");

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "iovsim-cli-"));
  const conf = join(dir, "v02.conf");
  writeFileSync(
    conf,
    'PF { device: "ixl0"; num_vfs: 3; }\nDEFAULT { passthrough: true; }\nVF-2 { passthrough: false; mac-addr: "02:aa:00:00:00:02"; }\n',
  );
  return { state: join(dir, "state"), conf, dir };
}

describe("iovsim pciconf", () => {
  it("-l lists the host; -lv a device by name; -lc by selector", async () => {
    const { state } = setup();
    const all = await cli(state, "pciconf", "-l");
    expect(all.code).toBe(0);
    expect(all.out).toContain(
      "ix0@pci0:3:0:0:\tclass=0x020000 rev=0x01 hdr=0x00 vendor=0x8086 device=0x10fb subvendor=0x8086 subdevice=0x0003\n",
    );
    const one = await cli(state, "pciconf", "-lv", "igb0");
    expect(one.out).toBe(
      "igb0@pci0:5:0:0:\tclass=0x020000 rev=0x01 hdr=0x00 vendor=0x8086 device=0x10c9 subvendor=0x8086 subdevice=0xa03c\n" +
        "    vendor     = 'Intel Corporation'\n    device     = '82576 Gigabit Network Connection'\n    class      = network\n    subclass   = ethernet\n",
    );
    const caps = await cli(state, "pciconf", "-l", "-c", "pci0:5:0:0");
    expect(caps.out).toContain(
      "SR-IOV 1 IOV disabled, Memory Space disabled, ARI disabled\n                     0 VFs configured out of 8 supported\n",
    );
  });

  it("-a says whether a driver is attached (exit 0 / 2); -e adds nothing on a healthy host", async () => {
    const { state, conf } = setup();
    expect(await cli(state, "pciconf", "-a", "ixl0")).toEqual({ code: 0, out: "ixl0: attached\n", err: "" });
    // V02: VF-0 and VF-1 are ppt0/ppt1, VF-2 iavf0. A VM holds ppt1: -D detaches VF-0, then fails.
    expect((await cli(state, "iovctl", "-C", "-f", conf)).code).toBe(0);
    expect((await cli(state, "vm", "attach", "vm1", "ppt1")).code).toBe(0);
    expect((await cli(state, "iovctl", "-D", "-d", "ixl0")).err).toBe(
      "iovctl: Failed to delete VFs: Device busy\n",
    );
    expect(await cli(state, "pciconf", "-a", "pci0:1:0:16")).toEqual({
      code: 2,
      out: "pci0:1:0:16: not attached\n",
      err: "",
    });
    expect((await cli(state, "pciconf", "-a", "ixl0@pci0:1:0:17")).out).toBe("ixl0@pci0:1:0:17: attached\n");
    expect(await cli(state, "pciconf", "-a", "pci0:1:0:99")).toEqual({
      code: 1,
      out: "",
      err: "pciconf: ioctl(PCIOCATTACHED): Operation not supported by device\n",
    });
    expect((await cli(state, "pciconf", "-a", "none0")).err).toBe("pciconf: Device not found\n");
    expect((await cli(state, "pciconf", "-a")).err).toMatch(/^usage: pciconf -l/);
    expect((await cli(state, "pciconf", "-le")).out).toBe((await cli(state, "pciconf", "-l")).out);
  });

  it("bad usage: pciconf-style errors on stderr, exit 1", async () => {
    const { state } = setup();
    const q = await cli(state, "pciconf", "-lq");
    expect(q.code).toBe(1);
    expect(q.err).toMatch(/^pciconf: illegal option -- q\nusage: pciconf -l \[-BbcevV\] \[device\]\n/);
    expect((await cli(state, "pciconf")).err).toMatch(/^usage: pciconf -l/);
    expect((await cli(state, "pciconf", "-l", "nosuch0")).err).toBe("pciconf: Device not found\n");
    expect((await cli(state, "pciconf", "-l", "ixl")).err).toBe("pciconf: Invalid device name\n");
    expect((await cli(state, "pciconf", "-l", "pcix:1")).err).toBe("pciconf: cannot parse selector pcix:1\n");
    expect((await cli(state, "pciconf", "-r", "ixl0", "0")).err).toMatch(/not simulated/);
    // pciconf's operand counts are checked before -l lists: -a needs one selector, -r two,
    // and -x (unless -b or -h comes after it) is only for -D.
    for (const argv of [["-la"], ["-lr", "ixl0"], ["-lx"], ["-lw", "ixl0", "0"]]) {
      const r = await cli(state, "pciconf", ...argv);
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^usage: pciconf -l \[-BbcevV\] \[device\]\n/);
    }
    expect((await cli(state, "pciconf", "-la", "ixl0")).out).toMatch(/^ixl0@pci0:1:0:0:/);
    expect((await cli(state, "pciconf", "-lxh", "ixl0")).out).toMatch(/^ixl0@pci0:1:0:0:/);
    const two = await cli(state, "pciconf", "-l", "ixl0", "ix0");
    expect(two.code).toBe(1);
    expect(two.out).toBe("");
    expect(two.err).toMatch(
      /^iovsim: pciconf -l takes at most one device \(got 'ix0' too\)\nusage: pciconf -l/,
    );
    expect((await cli(state, "pciconf", "--help")).out).toMatch(/Divergences/);
  });
});

describe("the K09 session through the CLI", () => {
  it("-C, pciconf, vm attach, -D fails busy, dmesg, vm detach, -D, dmesg -c", async () => {
    const { state, conf } = setup();
    expect((await cli(state, "iovctl", "-C", "-f", conf)).code).toBe(0);
    const list = await cli(state, "pciconf", "-l");
    expect(list.out).toContain("ppt0@pci0:1:0:16:\t");
    expect(list.out).toContain("ppt1@pci0:1:0:17:\t");
    expect(list.out).toContain("iavf0@pci0:1:0:18:\t");

    expect((await cli(state, "vm", "attach", "web", "iavf0")).err).toMatch(/not a passthrough VF/);
    // A word too many is named, not reported as a missing one.
    expect((await cli(state, "vm", "attach", "web", "ppt0", "ppt1")).err).toMatch(
      /^iovsim: vm attach: unexpected argument 'ppt1'\n/,
    );
    expect((await cli(state, "vm", "detach", "web", "x")).err).toMatch(
      /^iovsim: vm detach: unexpected argument 'x'\n/,
    );
    expect((await cli(state, "vm", "attach", "web", "ppt0")).out).toBe(
      "ppt0 (pci0:1:0:16) attached to VM 'web'\n",
    );
    expect((await cli(state, "vm", "list")).out).toBe(
      "VM\tVF\tSELECTOR\tPF\tBHYVE\nweb\tppt0\tpci0:1:0:16\tixl0\tpassthru,1/0/16\n",
    );

    const del = await cli(state, "iovctl", "-D", "-f", conf);
    expect(del.code).toBe(1);
    expect(del.err).toBe("iovctl: Failed to delete VFs: Device busy\n");
    expect((await cli(state, "dmesg")).out).toContain(
      "ixl0: Could not disable SR-IOV: failed to detach VF ppt0\n",
    );
    expect((await cli(state, "iovctl", "-L", "-d", "ixl0")).out).toContain("\tsriov: enabled=yes vfs=3/64\n");

    expect((await cli(state, "vm", "detach", "web")).out).toBe("ppt0 (pci0:1:0:16) detached\n");
    expect((await cli(state, "iovctl", "-D", "-d", "ixl0")).code).toBe(0);
    expect((await cli(state, "iovctl", "-D", "-d", "ixl0")).err).toBe(
      "iovctl: Failed to delete VFs: No child processes\n",
    );

    const d = await cli(state, "dmesg", "-c");
    expect(d.out).toContain("ppt0 at device 0.16 on pci1\n");
    expect((await cli(state, "dmesg")).out).toBe("");
  });
});

describe("reset and state errors", () => {
  it("a corrupt state file is reported by every command; reset recovers", async () => {
    const { state, dir } = setup();
    await cli(state, "reset");
    writeFileSync(join(state, "state.json"), "garbage");
    const r = await cli(state, "pciconf", "-l");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^iovsim: state file .*state\.json is corrupt: not valid JSON .*; run 'iovsim reset' to start from a clean host\n$/,
    );
    const reset = await cli(state, "reset");
    expect(reset.code).toBe(0);
    expect((await cli(state, "pciconf", "-l")).code).toBe(0);
    void dir;
  });

  it("reset --host FILE loads a described host; a bad file names file and path", async () => {
    const { state, dir } = setup();
    const good = join(dir, "host.json");
    writeFileSync(
      good,
      JSON.stringify({ devices: [{ name: "ix3", selector: "pci0:7:0:0", profile: "ix" }] }),
    );
    expect((await cli(state, "reset", "--host", good)).out).toContain("ix3@pci0:7:0:0");
    expect((await cli(state, "pciconf", "-l")).out).toMatch(/^ix3@pci0:7:0:0:\t/);
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        devices: [{ name: "ix3", selector: "pci0:7:0:0", profile: "ix", mac: "01:00:00:00:00:00" }],
      }),
    );
    const r = await cli(state, "reset", "--host", bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:1:72: $.devices[0].mac: a PF MAC must be unicast`);
    expect((await cli(state, "reset", "--bogus")).err).toBe(
      "iovsim: reset: unknown option '--bogus' (see iovsim reset --help)\n",
    );
  });

  it("two processes: -C in one, pciconf -lv in another sees the VFs", () => {
    const { state, conf } = setup();
    const bin = join(repo, "bin", "iovsim.js");
    const c = spawnSync(process.execPath, [bin, "--state", state, "iovctl", "-C", "-f", conf], {
      encoding: "utf8",
    });
    expect(c.status).toBe(0);
    const l = spawnSync(process.execPath, [bin, "--state", state, "pciconf", "-lv", "pci0:1:0:18"], {
      encoding: "utf8",
    });
    expect(l.status).toBe(0);
    expect(l.stdout).toContain("iavf0@pci0:1:0:18:\tclass=0x020000");
    expect(l.stdout).toContain("    device     = 'Ethernet Virtual Function 700 Series'\n");
  });
});
