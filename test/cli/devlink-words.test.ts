// `iovsim devlink` reading its line as devlink(8) does (devlink/devlink.c): getopt_long options
// anywhere, -j/-p JSON of `dev eswitch show`, words matched as prefixes (strcmpx) in devlink's
// order, and its own messages for an unknown option, object or command.
import { describe, expect, it } from "vitest";
import { cliIn as cli } from "../helpers/cli.ts";
import { netdevsimHost } from "../helpers/linux-host.ts";

const simHost = () => netdevsimHost(undefined, "iovsim-devlink-");

const NSIM = "netdevsim/netdevsim0";
const USAGE = `Usage: devlink [ OPTIONS ] OBJECT { COMMAND | help }
       devlink [ -f[orce] ] -b[atch] filename -N[etns] netnsname
where  OBJECT := { dev | port | lc | sb | monitor | dpipe | resource | region | health | trap }
       OPTIONS := { -V[ersion] | -n[o-nice-names] | -j[son] | -p[retty] | -v[erbose] -s[tatistics] -[he]x }
`;

describe("devlink's words", () => {
  it("are prefixes, in devlink's order: 'd e sh', and 's' is set (tried before show), 'm' is mode", async () => {
    const s = await simHost();
    expect(await cli(s, "devlink", "d", "e", "sh", NSIM)).toEqual({
      code: 0,
      out: `${NSIM}: mode legacy\n`,
      err: "",
    });
    expect(await cli(s, "devlink", "dev", "eswitch", "s", NSIM, "m", "switchdev")).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    expect((await cli(s, "devlink", "dev", "eswitch", "show", NSIM)).out).toBe(`${NSIM}: mode switchdev\n`);
  });

  it("an unknown object or command: devlink's message, exit 1", async () => {
    const s = await simHost();
    expect(await cli(s, "devlink", "foo")).toEqual({ code: 1, out: "", err: 'Object "foo" not found\n' });
    expect(await cli(s, "devlink", "dev", "foo")).toEqual({
      code: 1,
      out: "",
      err: 'Command "foo" not found\n',
    });
    expect(await cli(s, "devlink", "dev", "eswitch", "foo", NSIM)).toEqual({
      code: 1,
      out: "",
      err: 'Command "foo" not found\n',
    });
    // The same list of what is simulated as for an unsimulated dev command.
    expect(await cli(s, "devlink", "port", "show")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: devlink: only 'dev show|list' and 'dev eswitch show|set' are simulated (got 'port')\n",
    });
  });
});

describe("devlink dev show", () => {
  it("lists every devlink instance, one handle a line (also 'devlink dev', 'dev list', -j); igb has none", async () => {
    const s = await simHost();
    // i40e (ixl0) and ixgbe (ix0) register one in probe; igb0 none; then netdevsim0.
    const list = `pci/0000:01:00.0\npci/0000:03:00.0\n${NSIM}\n`;
    expect(await cli(s, "devlink", "dev", "show")).toEqual({ code: 0, out: list, err: "" });
    expect((await cli(s, "devlink", "dev")).out).toBe(list);
    expect((await cli(s, "devlink", "d", "l")).out).toBe(list);
    expect((await cli(s, "devlink", "-j", "dev", "show")).out).toBe(
      `{"dev":{"pci/0000:01:00.0":{},"pci/0000:03:00.0":{},"${NSIM}":{}}}\n`,
    );
    // The instance is the PF driver's: unbinding i40e takes it away.
    const unbind = "/sys/bus/pci/devices/0000:01:00.0/driver/unbind";
    expect((await cli(s, "sysfs", "write", unbind, "0000:01:00.0")).code).toBe(0);
    expect((await cli(s, "devlink", "dev")).out).toBe(`pci/0000:03:00.0\n${NSIM}\n`);
  });

  it("one handle: it alone, or devlink's refusals (no instance, a malformed handle, a word too many)", async () => {
    const s = await simHost();
    expect(await cli(s, "devlink", "dev", "show", NSIM)).toEqual({ code: 0, out: `${NSIM}\n`, err: "" });
    expect(await cli(s, "devlink", "dev", "show", "pci/0000:05:00.0")).toEqual({
      code: 1,
      out: "",
      err: "devlink answers: No such device\n",
    });
    expect((await cli(s, "devlink", "dev", "show", "ixl0")).err).toBe(
      'Devlink identification ("bus_name/dev_name") expected\n',
    );
    expect((await cli(s, "devlink", "dev", "show", NSIM, "foo")).err).toBe('Unknown option "foo"\n');
  });
});

describe("devlink's options", () => {
  it("-j prints the eswitch as devlink's JSON; -p indents it; options may follow the words", async () => {
    const s = await simHost();
    expect(await cli(s, "devlink", "-j", "dev", "eswitch", "show", NSIM)).toEqual({
      code: 0,
      out: `{"dev":{"${NSIM}":{"mode":"legacy"}}}\n`,
      err: "",
    });
    const pretty = `{\n    "dev": {\n        "${NSIM}": {\n            "mode": "legacy"\n        }\n    }\n}\n`;
    expect((await cli(s, "devlink", "dev", "eswitch", "show", NSIM, "-jp")).out).toBe(pretty);
    expect((await cli(s, "devlink", "--json", "--pre", "dev", "eswitch", "show", NSIM)).out).toBe(pretty);
    // A PCI PF whose driver has no eswitch ops: the handle alone; no device: the section still prints.
    expect((await cli(s, "devlink", "-j", "dev", "eswitch", "show", "pci/0000:01:00.0")).out).toBe(
      '{"dev":{"pci/0000:01:00.0":{}}}\n',
    );
    expect(await cli(s, "devlink", "-j", "dev", "eswitch", "show", "netdevsim/netdevsim7")).toEqual({
      code: 1,
      out: '{"dev":{}}\n',
      err: "devlink answers: No such device\n",
    });
  });

  it("an unknown option: getopt's line, 'Unknown option.' and the usage, exit 1; -V etc. not simulated", async () => {
    const s = await simHost();
    expect(await cli(s, "devlink", "-Z", "dev")).toEqual({
      code: 1,
      out: "",
      err: `devlink: invalid option -- 'Z'\nUnknown option.\n${USAGE}`,
    });
    expect((await cli(s, "devlink", "--bogus", "dev")).err).toBe(
      `devlink: unrecognized option '--bogus'\nUnknown option.\n${USAGE}`,
    );
    expect((await cli(s, "devlink", "-V")).err).toMatch(/option '-V' is not simulated/);
    // -n, -v, -s, -i, -x change nothing in eswitch show, as in devlink.
    expect((await cli(s, "devlink", "-nv", "dev", "eswitch", "show", NSIM)).out).toBe(
      `${NSIM}: mode legacy\n`,
    );
  });
});
