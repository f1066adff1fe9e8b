// `.include` through every command that reads iovctl.conf: iovctl -C/-n, validate, switch -f.
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "iovsim-include-")));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => iovsim(["--state", join(dir, "state"), ...args]);
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe(".include in iovctl.conf", () => {
  it("iovctl -C -n and -C read the included section body, as FreeBSD's iovctl does", async () => {
    write("pf.inc", "num_vfs: 2\n");
    const conf = write("a.conf", `PF {\n  device: "ixl0"\n  .include "$CURDIR/pf.inc"\n}\n`);
    const dry = await cli("iovctl", "-C", "-n", "-f", conf);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("        num_vfs (NUMBER): 2 (2) (0x2)");
    expect((await cli("iovctl", "-C", "-f", conf)).code).toBe(0);
    expect(readFileSync(join(dir, "state", "state.json"), "utf8")).toContain('"numVfs": 2');
  });

  it("iovctl: a missing include is FreeBSD's 'Could not open' with strerror, then where", async () => {
    const conf = write("a.conf", `PF {\n  device: "ixl0"\n  .include "${dir}/none.inc"\n}\n`);
    expect(await cli("iovctl", "-C", "-n", "-f", conf)).toEqual({
      code: 1,
      out: "",
      err:
        `iovctl: Could not open '${conf}' for reading: No such file or directory\n` +
        `iovctl: ${conf}:3:12: cannot open included file '${dir}/none.inc': No such file or directory\n`,
    });
    write("bad.inc", "num_vfs: \n");
    write("a.conf", `PF {\n  device: "ixl0"\n  .include "${dir}/bad.inc"\n}\n`);
    expect((await cli("iovctl", "-C", "-n", "-f", conf)).err).toBe(
      `iovctl: Could not open '${conf}' for reading: No error: 0\n` +
        `iovctl: ${dir}/bad.inc:1:1: missing value for key 'num_vfs'\n`,
    );
  });

  it("validate locates problems in the included file; a section repeated across files is refused", async () => {
    write("vf.inc", 'VF-0 {\n  passthrough: "yes"\n}\n');
    const conf = write("a.conf", `PF { device: "ixl0"; num_vfs: 2 }\n.include "${dir}/vf.inc"\nVF-0 { }\n`);
    const r = await cli("validate", "-f", conf);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split("\n")).toEqual([
      `${conf}:3:1: error: Multiple definitions of 'VF-0' in config file`,
      `${dir}/vf.inc:2:16: error: Value 'yes' of key 'passthrough' is not of type bool`,
    ]);
  });

  it("switch -f reads the included configuration: its errors name the included file", async () => {
    const conf = write("a.conf", `.include "${dir}/pf.inc"\n`);
    write("pf.inc", 'PF { device: "ixl0"; num_vfs: x }\n');
    const bad = await cli("switch", "-f", conf, "--in", `wire=${dir}/none.pcap`, "--json");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(`${dir}/pf.inc:1:31: Value 'x' of key 'num_vfs' is not of type uint16_t`);
  });

  it("paths -f reads the included configuration (its errors name the included file)", async () => {
    const { TALK_IOVCTL_CONF } = await import("../../src/paths/setup.ts");
    write("talk.inc", TALK_IOVCTL_CONF);
    const conf = write("a.conf", `# the talk's file, included\n.include "${dir}/talk.inc"\n`);
    const ok = await cli("paths", "-f", conf, "--path", "native", "--json");
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    write("talk.inc", TALK_IOVCTL_CONF.replace(/num_vfs : 3/, "num_vfs : x"));
    const bad = await cli("paths", "-f", conf, "--path", "native");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(new RegExp(`${dir}/talk\\.inc:\\d+:\\d+: Value 'x' of key 'num_vfs'`));
  });
});
