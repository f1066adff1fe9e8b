// End to end through the real simulated host (src/nic/index.ts): iovctl -S/-C/-C -n/-L/-D with
// a temporary --state directory, in-process via runCli, plus a few real processes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";
import { IXL0_SCHEMA_LISTING as IXL0_SCHEMA } from "./iovctl-listings.ts";

const REPO = join(import.meta.dirname, "..", "..");
const FIX = join(REPO, "test", "fixtures", "iovctl");
const fx = (name: string) => join(FIX, name);

let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), "iovsim-iovctl-"));
});
afterEach(() => {
  rmSync(state, { recursive: true, force: true });
});

const cli = (...args: string[]) => iovsim(["--state", state, ...args]);
const iovctl = (...args: string[]) => cli("iovctl", ...args);

describe("iovctl -S (V06, item 10)", () => {
  it("ixl0 matches the FreeBSD 14.0 X710 listing byte for byte", async () => {
    expect(await iovctl("-S", "-d", "ixl0")).toEqual({ code: 0, out: IXL0_SCHEMA, err: "" });
    expect((await iovctl("-S", "-f", fx("V01-minimal.conf"))).out).toBe(IXL0_SCHEMA);
  });

  it("ix0 VF block has vlan with default trunk", async () => {
    const r = await iovctl("-S", "-d", "ix0");
    expect(r.out).toContain(
      "\tpassthrough : bool (default = false)\n\tmac-addr : unicast-mac (optional)\n\tmac-anti-spoof : bool (default = true)\n" +
        "\tallow-set-mac : bool (default = false)\n\tallow-promisc : bool (default = false)\n\tvlan : vlan (default = trunk)\n",
    );
  });

  it("-S -v adds descriptions, ranges and the PF's VF limits", async () => {
    const r = await iovctl("-S", "-v", "-d", "ix0");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\tnum_vfs : uint16_t \(required\)\n\t\t.+\n/);
    expect(r.out).toContain("at most 63");
    expect(r.out).toContain("TotalVFs 64");
    // every plain line is still there, in order
    const plain = (await iovctl("-S", "-d", "ix0")).out;
    expect(r.out.split("\n").filter((l) => !l.startsWith("\t\t"))).toEqual(plain.split("\n"));
  });
});

describe("iovctl -C -n (V04, item 23)", () => {
  it("prints the three-part report with the libnv dump and changes nothing", async () => {
    const r = await iovctl("-C", "-n", "-f", fx("V04-dryrun.conf"));
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const lines = r.out.split("\n");
    expect(lines.slice(0, -2).join("\n")).toBe(
      [
        "Would enable SR-IOV on device '/dev/iov/ixl0'.",
        "The following configuration parameters would be used:",
        "PF (NVLIST):",
        "    DRIVER (NVLIST):",
        "    IOV (NVLIST):",
        "        device (STRING): [ixl0]",
        "        num_vfs (NUMBER): 2 (2) (0x2)",
        "VF-0 (NVLIST):",
        "    DRIVER (NVLIST):",
        "        allow-set-mac (BOOL): TRUE",
        "    IOV (NVLIST):",
        "VF-1 (NVLIST):",
        "    DRIVER (NVLIST):",
        "        allow-set-mac (BOOL): TRUE",
        "    IOV (NVLIST):",
        "        passthrough (BOOL): TRUE",
      ].join("\n"),
    );
    expect(lines.at(-2)).toMatch(/^The configuration parameters consume \d+ bytes when packed\.$/);
    expect(lines.at(-1)).toBe("");
    expect((await iovctl("-L", "-d", "ixl0")).out).toContain("sriov: enabled=no vfs=0/64");
  });

  it("shows MACs as 6-byte binaries and vlan trunk as 4096", async () => {
    const v02 = (await iovctl("-C", "-n", "-f", fx("V02-default-override.conf"))).out;
    expect(v02).toContain("        mac-addr (BINARY): 6 02aa00000002\n");
    const v05 = (await iovctl("-C", "-n", "-f", fx("V05-vlan.conf"))).out;
    expect(v05).toContain("        vlan (NUMBER): 100 (100) (0x64)\n");
    expect(v05).toContain("        vlan (NUMBER): 4096 (4096) (0x1000)\n");
  });
});

describe("iovctl -C, -L, -D through the real host", () => {
  it("V01: creates iavf0/iavf1 at pci0:1:0:16/17, -L shows them, -D removes them", async () => {
    expect(await iovctl("-C", "-f", fx("V01-minimal.conf"))).toEqual({ code: 0, out: "", err: "" });
    const l = await iovctl("-L", "-d", "ixl0");
    expect(l.code).toBe(0);
    expect(l.out).toBe(
      "ixl0:\n\tidentity: pci-location=pci0:1:0:0\n\tsriov: enabled=yes vfs=2/64\n" +
        "\t\tvf   0:\n\t\t\tidentity: pci-location=pci0:1:0:16\n\t\t\thost: attached=yes driver=iavf0 passthrough=no\n" +
        "\t\tvf   1:\n\t\t\tidentity: pci-location=pci0:1:0:17\n\t\t\thost: attached=yes driver=iavf1 passthrough=no\n",
    );
    expect(await iovctl("-D", "-f", fx("V01-minimal.conf"))).toEqual({ code: 0, out: "", err: "" });
    expect((await iovctl("-L", "-f", fx("V01-minimal.conf"))).out).toBe(
      "ixl0:\n\tidentity: pci-location=pci0:1:0:0\n\tsriov: enabled=no vfs=0/64\n",
    );
  });

  it("V02: DEFAULT passthrough gives ppt0/ppt1, VF-2 is iavf0", async () => {
    expect((await iovctl("-C", "-f", fx("V02-default-override.conf"))).code).toBe(0);
    const l = (await iovctl("-L", "-d", "ixl0")).out;
    expect(l).toContain("pci-location=pci0:1:0:16\n\t\t\thost: attached=yes driver=ppt0 passthrough=yes");
    expect(l).toContain("pci-location=pci0:1:0:17\n\t\t\thost: attached=yes driver=ppt1 passthrough=yes");
    expect(l).toContain("pci-location=pci0:1:0:18\n\t\t\thost: attached=yes driver=iavf0 passthrough=no");
  });

  it("V03 and V05 are accepted", async () => {
    expect((await iovctl("-C", "-f", fx("V03-case-and-literals.conf"))).code).toBe(0);
    expect((await iovctl("-L", "-d", "ixl0")).out).toContain("vfs=4/64");
    expect((await iovctl("-C", "-f", fx("V05-vlan.conf"))).code).toBe(0);
    expect((await iovctl("-L", "-d", "ix0")).out).toContain("vfs=2/64");
  });

  it("K02 busy, K01 over TotalVFs, K03 delete without VFs (items 24, 25, 30)", async () => {
    expect((await iovctl("-C", "-f", fx("V01-minimal.conf"))).code).toBe(0);
    expect(await iovctl("-C", "-f", fx("V01-minimal.conf"))).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to configure SR-IOV: Device busy\n",
    });
    expect(await iovctl("-C", "-f", fx("K01-too-many.conf"))).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to configure SR-IOV: Device busy\n",
    });
    expect((await iovctl("-D", "-d", "ixl0")).code).toBe(0);
    expect(await iovctl("-C", "-f", fx("K01-too-many.conf"))).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to configure SR-IOV: Invalid argument\n",
    });
    expect(await iovctl("-D", "-d", "ixl0")).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to delete VFs: No child processes\n",
    });
    expect(await iovctl("-D", "-n", "-d", "ixl0")).toEqual({
      code: 0,
      out: "Would attempt to delete all VF children of 'ixl0'\n",
      err: "",
    });
  });

  it("ix0 with 64 VFs: the driver's limit of 63 → No space left on device", async () => {
    expect(await iovctl("-C", "-f", fx("K04-ix-64.conf"))).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Failed to configure SR-IOV: No space left on device\n",
    });
  });

  it("rejected files issue no ioctl: the host is unchanged", async () => {
    for (const f of ["E07.conf", "E10.conf", "E18.conf", "E20.conf"])
      expect((await iovctl("-C", "-f", fx(f))).code).toBe(1);
    expect((await iovctl("-L", "-d", "ixl0")).out).toContain("enabled=no");
    expect((await iovctl("-L", "-d", "ix0")).out).toContain("enabled=no");
  });
});

describe("concurrency (withHost lock)", () => {
  it("two -C at once on the same PF: exactly one succeeds, the other is Device busy", async () => {
    const [a, b] = await Promise.all([
      iovctl("-C", "-f", fx("V01-minimal.conf")),
      iovctl("-C", "-f", fx("V02-default-override.conf")),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect([a.err, b.err].filter(Boolean)).toEqual(["iovctl: Failed to configure SR-IOV: Device busy\n"]);
  });

  it("-C on two PFs at once: both kept", async () => {
    await Promise.all([iovctl("-C", "-f", fx("V01-minimal.conf")), iovctl("-C", "-f", fx("V05-vlan.conf"))]);
    expect((await iovctl("-L", "-d", "ixl0")).out).toContain("vfs=2/64");
    expect((await iovctl("-L", "-d", "ix0")).out).toContain("vfs=2/64");
  });
});

describe("as separate processes (state shared through --state)", () => {
  const bin = join(REPO, "bin", "iovsim.js");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "--state", state, ...args], { encoding: "utf8", cwd: REPO });

  it("-C in one process, -L in the next, errors on stderr with exit 1", () => {
    const c = run("iovctl", "-C", "-f", fx("V01-minimal.conf"));
    expect([c.status, c.stdout, c.stderr]).toEqual([0, "", ""]);
    const l = run("iovctl", "-L", "-d", "ixl0");
    expect(l.status).toBe(0);
    expect(l.stdout).toContain("driver=iavf1");
    const bad = run("iovctl", "-C", "-f", fx("E20.conf"));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.split("\n")[0]).toBe(
      `iovctl: Could not open '${fx("E20.conf")}' for reading: No error: 0`,
    );
    expect(bad.stderr.split("\n")[1]).toBe(
      `iovctl: ${fx("E20.conf")}:1:33: expected '}' before end of file (to close '{' at line 1, column 4)`,
    );
  });
});
