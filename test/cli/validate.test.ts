// `iovsim validate -f FILE [--json]` against the real simulated host (spec §7 gap 1).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const FIX = join(import.meta.dirname, "..", "fixtures", "iovctl");
const fx = (name: string) => join(FIX, name);
let state: string;
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), "iovsim-validate-"));
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

const cli = (...args: string[]) => iovsim(["--state", state, ...args]);

describe("iovsim validate", () => {
  it("reports every problem at once, located, iovctl's and the kernel's", async () => {
    const f = fx("X01-many-problems.conf");
    const r = await cli("validate", "-f", f);
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toContain(`${f}:5:3: error: PF: Invalid config key 'bogus'`);
    expect(lines).toContain(`${f}:8:3: error: VF-0: Invalid config key 'mtu'`);
    expect(lines).toContain(`${f}:9:16: error: Value 'yes' of key 'passthrough' is not of type bool`);
    expect(lines).toContain(`${f}:11:1: error: VF number 80 is out of bounds (num_vfs=70)`);
    // num_vfs 70 > TotalVFs 64: a kernel check, pointed at the value
    expect(lines.some((l) => l.startsWith(`${f}:4:12: error: `) && l.includes("64"))).toBe(true);
    // Diagnostics on stderr, the result (summary) on stdout.
    expect(r.out).toMatch(/^.*: \d+ errors, 0 warnings\n$/);
  });

  it("valid file: exit 0 with the VFs it would create", async () => {
    const r = await cli("validate", "-f", fx("V02-default-override.conf"));
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `${fx("V02-default-override.conf")}: ok (0 errors, 0 warnings): ixl0 would get 3 VFs: ppt0 ppt1 iavf0\n`,
    );
  });

  it("driver limits: ix 64 VFs is an error at num_vfs; num-queues clamping is a warning", async () => {
    const ix = await cli("validate", "-f", fx("K04-ix-64.conf"));
    expect(ix.code).toBe(1);
    expect(ix.err).toMatch(new RegExp(`^${fx("K04-ix-64.conf")}:1:30: error: .*63`, "m"));
    const q = await cli("validate", "-f", fx("K07-num-queues.conf"));
    expect(q.code).toBe(0);
    expect(q.err).toMatch(
      new RegExp(`^${fx("K07-num-queues.conf")}:2:20: warning: .*num-queues 40.*16`, "m"),
    );
  });

  it("per-VF ADD_VF failure (ix vlan 0) is a warning on VF-1", async () => {
    const r = await cli("validate", "-f", fx("K08-ix-vlan0.conf"));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/:2:\d+: warning: VF-1: .*vlan 0/);
  });

  it("an ADD_VF warning points at the key at fault (vlan, mac-addr), also when DEFAULT set it", async () => {
    const f = join(state, "m.conf");
    writeFileSync(
      f,
      'PF { device: "ix0"; num_vfs: 3; }\nDEFAULT { vlan: 0; }\nVF-1 { mac-addr: "00:00:00:00:00:00"; vlan: 5; }\n',
    );
    const r = await cli("validate", "-f", f);
    expect(r.code).toBe(0);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const want of [
      `:2:17: warning: VF-0: .*vlan 0`,
      `:3:18: warning: VF-1: .*all-zero MAC`,
      `:2:17: warning: VF-2: .*vlan 0`,
    ])
      expect(
        lines.some((l) => new RegExp(`^${f}${want}`).test(l)),
        want,
      ).toBe(true);
  });

  it("knows the current host state: VFs already there → Device busy", async () => {
    expect((await cli("iovctl", "-C", "-f", fx("V01-minimal.conf"))).code).toBe(0);
    const r = await cli("validate", "-f", fx("V01-minimal.conf"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: .*(busy|already)/i);
  });

  it("VFs there from iovctl -C: destroy them with iovctl -D; from Linux sysfs: iovctl -D cannot, write 0 there", async () => {
    const f = fx("V01-minimal.conf");
    expect((await cli("iovctl", "-C", "-f", f)).code).toBe(0);
    expect((await cli("validate", "-f", f)).err).toContain(
      `${f}:1:33: error: ixl0 already has SR-IOV enabled with 2 VF(s); destroy them first (iovctl -D), the kernel accepts one configuration at a time\n`,
    );
    expect((await cli("iovctl", "-D", "-d", "ixl0")).code).toBe(0);
    expect((await cli("sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "3")).code).toBe(0);
    const r = await cli("validate", "-f", f);
    expect(r.code).toBe(1);
    // It said 'destroy them first (iovctl -D)', which fails: the Linux view owns these VFs.
    expect(r.err).toContain(
      `${f}:1:33: error: ixl0 already has SR-IOV enabled with 3 VF(s), through Linux sysfs (sriov_numvfs): iovctl -D cannot destroy them (Device busy); write 0 there first (iovsim sysfs write /sys/class/net/ixl0/device/sriov_numvfs 0), the kernel accepts one configuration at a time\n`,
    );
    expect((await cli("iovctl", "-D", "-d", "ixl0")).err).toBe("iovctl: Failed to delete VFs: Device busy\n");
    expect((await cli("sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "0")).code).toBe(0);
    expect((await cli("validate", "-f", f)).code).toBe(0);
  });

  it("syntax errors and unknown devices are located", async () => {
    const e20 = await cli("validate", "-f", fx("E20.conf"));
    expect(e20.code).toBe(1);
    expect(e20.err.split("\n")[0]).toBe(
      `${fx("E20.conf")}:1:33: error: expected '}' before end of file (to close '{' at line 1, column 4)`,
    );
    const nodev = await cli("validate", "-f", fx("X02-no-device.conf"));
    expect(nodev.err.split("\n")[0]).toBe(
      `${fx("X02-no-device.conf")}:1:14: error: Could not open device '/dev/iov/nope0': No such file or directory (this host's PFs: ixl0, ix0, igb0)`,
    );
    const e01 = await cli("validate", "-f", fx("E01.conf"));
    expect(e01.err.split("\n")[0]).toBe(`${fx("E01.conf")}:1:1: error: Config file does not specify device`);
  });

  it("no FreeBSD artefacts: '(null)' and 'No error: 0' stay in iovsim iovctl", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iovsim-validate-msg-"));
    const bad = join(dir, "bad.conf");
    writeFileSync(
      bad,
      `PF { device: "ixl0"; num_vfs: 2; }\nVF-0 { passthrough: { a: 1; } }\nVF-1 { passthrough: 3; }\n`,
    );
    const r = await cli("validate", "-f", bad);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${bad}:2:21: error: Value of key 'passthrough' is not of type bool: it is a section ({ ... })\n` +
        `${bad}:3:21: error: Value of key 'passthrough' is not of type bool: it is the number 3\n`,
    );
    expect(r.out).toBe(`${bad}: 2 errors, 0 warnings\n`);
    const dev = join(dir, "dev.conf");
    writeFileSync(dev, `PF { device: 5; num_vfs: 2; }\n`);
    const d = await cli("validate", "-f", dev);
    expect(d.err).toBe(
      `${dev}:1:14: error: PF.device must be a quoted device name such as "ixl0", not the number 5\n`,
    );
    for (const t of [r.out + r.err, d.out + d.err]) {
      expect(t).not.toContain("(null)");
      expect(t).not.toContain("No error: 0");
    }
    // iovctl keeps FreeBSD's exact lines.
    expect((await cli("iovctl", "-C", "-n", "-f", bad)).err).toBe(
      "iovctl: Value '(null)' of key 'passthrough' is not of type bool\n",
    );
    expect((await cli("iovctl", "-C", "-n", "-f", dev)).err).toBe(
      "iovctl: Config PF.device must be a string: No error: 0\n",
    );
  });

  it("user text with control characters is escaped so each problem stays one located line", async () => {
    // Fuzz config seed 1 cases 6317 and 23592: a key holding a newline made iovctl's "Invalid
    // config key '...'" run over two lines (then single-quoted, which libucl refuses as a key;
    // a double-quoted key gets one through its escapes). iovctl keeps FreeBSD's raw text.
    const dir = mkdtempSync(join(tmpdir(), "iovsim-validate-esc-"));
    const bad = join(dir, "bad.conf");
    writeFileSync(bad, `PF { device: "ixl0"; num_vfs: 1; "a\\nb\\u0001": 1; }\n`);
    const r = await cli("validate", "-f", bad);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${bad}:1:34: error: PF: Invalid config key 'a\\nb\\x01'\n`);
    const doc = JSON.parse((await cli("validate", "--json", "-f", bad)).out);
    expect(doc.problems[0].message).toBe("PF: Invalid config key 'a\\nb\\x01'");
    expect((await cli("iovctl", "-C", "-n", "-f", bad)).err).toBe(
      "iovctl: PF: Invalid config key 'a\nb\x01'\n",
    );
    // The fuzz case itself: every stderr line is located.
    const fuzzed = join(dir, "case6317.conf");
    writeFileSync(
      fuzzed,
      `PF { device: "ixl0";' num_vfs: 3; }\nPF { \ndevice: "ixl0";' num_vfs: 3; }\nDEFAULT { passthrough: true; }\n`,
    );
    const f = await cli("validate", "-f", fuzzed);
    expect(f.code).toBe(1);
    for (const line of f.err.trimEnd().split("\n")) expect(line.startsWith(`${fuzzed}:`)).toBe(true);
  });

  it("--json gives one document", async () => {
    const r = await cli("validate", "--json", "-f", fx("K07-num-queues.conf"));
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ device: "ixl0", ok: true, errors: 0, warnings: 1, vfs: ["iavf0"] });
    expect(doc.problems[0]).toMatchObject({ severity: "warning", line: 2, column: 20, source: "kernel" });
  });

  it("--help documents it; bad usage is a clear error", async () => {
    const h = await cli("validate", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("usage: iovsim validate -f FILE [--json]");
    expect(await cli("validate")).toMatchObject({
      code: 1,
      err: "iovsim: validate: the -f FILE option is required (see iovsim validate --help)\n",
    });
    expect((await cli("validate", "-f", fx("nope.conf"))).err).toBe(
      `iovsim: validate: cannot read '${fx("nope.conf")}': No such file or directory\n`,
    );
    expect((await cli("validate", "--frob")).code).toBe(1);
  });

  it("a device or FIFO is refused at once, unread (/dev/zero never ends)", async () => {
    expect(await cli("validate", "-f", "/dev/zero")).toMatchObject({
      code: 1,
      out: "",
      err: "iovsim: validate: cannot read '/dev/zero': not a regular file\n",
    });
  });
});
