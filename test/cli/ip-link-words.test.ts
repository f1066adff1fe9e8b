// `iovsim ip` reading its words as ip(8) does (ip/ip.c main and do_cmd, ip/iplink.c do_iplink):
// objects and actions are prefixes tried in iproute2's order, so `ip l s` is set, not show;
// unknown options, objects and actions get iproute2's own messages and exit statuses.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

const IGB = "/sys/bus/pci/devices/0000:05:00.0";

function tmpState(): string {
  return join(mkdtempSync(join(tmpdir(), "iovsim-ipwords-")), "state");
}

async function cli(stateDir: string, ...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

async function igbWithVfs(n: number): Promise<string> {
  const s = tmpState();
  expect((await cli(s, "sysfs", "write", `${IGB}/sriov_numvfs`, String(n))).code).toBe(0);
  return s;
}

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
