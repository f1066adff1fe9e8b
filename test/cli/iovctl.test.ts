// iovctl's command line (control-plane.md §1.1–§1.3, §8 items 1–8, §9.4) against a fake host.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bsdGetopt, createIovctlCommand, variantFromEnv } from "../../src/cli/commands/iovctl.ts";
import type { CommandContext } from "../../src/cli/context.ts";
import { UserError } from "../../src/errors.ts";
import { type FakeNic, fakeNic } from "./fake-nic.ts";
import { IOVCTL_USAGE as USAGE_2026 } from "./iovctl-listings.ts";

const FIX = join(import.meta.dirname, "..", "fixtures", "iovctl");
const fx = (name: string) => join(FIX, name);

const USAGE_CLASSIC = [
  "iovctl: Usage: iovctl -C -f <config file> [-n]",
  "iovctl:        iovctl -D [-d <PF device> | -f <config file>] [-n]",
  "iovctl:        iovctl -S [-d <PF device> | -f <config file>]",
  "",
].join("\n");

async function iovctl(args: string[], opts: { classic?: boolean; nic?: FakeNic } = {}) {
  const nic = opts.nic ?? fakeNic();
  const cmd = createIovctlCommand(async () => nic, opts.classic ? { IOVSIM_IOVCTL: "classic" } : {});
  let out = "";
  let err = "";
  const ctx: CommandContext = {
    stateDir: "/nonexistent",
    debug: false,
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
  };
  const status = await cmd.run(args, ctx);
  return { status, out, err, nic };
}

describe("BSD getopt", () => {
  const opts = (argv: string[]) => [...bsdGetopt(argv, "Cd:Df:LnSv")];
  it("clusters flags and attaches arguments", () => {
    expect(opts(["-Cnf", "x.conf"])).toEqual([{ opt: "C" }, { opt: "n" }, { opt: "f", arg: "x.conf" }]);
    expect(opts(["-fFILE", "-dixl0"])).toEqual([
      { opt: "f", arg: "FILE" },
      { opt: "d", arg: "ixl0" },
    ]);
    expect(opts(["-d", "-f"])).toEqual([{ opt: "d", arg: "-f" }]);
  });
  it("stops at the first operand, at --, and at a lone -", () => {
    expect(opts(["-C", "file", "-D"])).toEqual([{ opt: "C" }]);
    expect(opts(["--", "-D"])).toEqual([]);
    expect(opts(["-", "-D"])).toEqual([]);
  });
  it("reports unknown options and missing arguments", () => {
    expect(opts(["-q"])).toEqual([{ bad: "q", missingArg: false }]);
    expect(opts(["-C", "-f"])).toEqual([{ opt: "C" }, { bad: "f", missingArg: true }]);
    expect(opts(["--help"])[0]).toEqual({ bad: "-", missingArg: false });
  });
});

describe("§9.4 CLI fixtures and §1.2 check order (2026 default)", () => {
  it("no arguments: Either -d or -f + usage (item 4)", async () => {
    const r = await iovctl([]);
    expect(r.status).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`iovctl: Either the -d or -f flag must be specified\n${USAGE_2026}`);
  });

  it("two actions (item 2), including the same one twice", async () => {
    for (const args of [
      ["-C", "-D", "-f", fx("V01-minimal.conf")],
      ["-S", "-S", "-d", "ixl0"],
      ["-L", "-C"],
    ]) {
      const r = await iovctl(args);
      expect(r.status).toBe(1);
      expect(r.err).toBe(`iovctl: Only one action may be specified\n${USAGE_2026}`);
    }
  });

  it("-C with -d, -C without -f (item 5)", async () => {
    expect((await iovctl(["-C", "-d", "ixl0"])).err).toBe(
      `iovctl: -d flag cannot be used with the -C flag\n${USAGE_2026}`,
    );
    expect((await iovctl(["-C"])).err).toBe(`iovctl: The -f flag must be specified\n${USAGE_2026}`);
  });

  it("-n with -S and -L is rejected (item 6)", async () => {
    expect((await iovctl(["-S", "-n", "-d", "ixl0"])).err).toBe(
      `iovctl: -n flag cannot be used with the -S flag\n${USAGE_2026}`,
    );
    expect((await iovctl(["-L", "-n", "-d", "ixl0"])).err).toBe(
      `iovctl: -n flag cannot be used with the -L flag\n${USAGE_2026}`,
    );
  });

  it("-d and -f together (item 3) come before per-action checks", async () => {
    const r = await iovctl(["-S", "-d", "ixl0", "-f", fx("V01-minimal.conf")]);
    expect(r.err).toBe(`iovctl: Only one of the -d and -f flags may be specified\n${USAGE_2026}`);
    expect((await iovctl(["-C", "-d", "ixl0", "-f", "x"])).err).toContain("Only one of the -d and -f flags");
  });

  it("-d alone: usage only", async () => {
    const r = await iovctl(["-d", "ixl0"]);
    expect(r.status).toBe(1);
    expect(r.err).toBe(USAGE_2026);
  });

  it("unknown option: getopt line, Unrecognized argument, empty line, usage (item 7)", async () => {
    const r = await iovctl(["-q"]);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`iovctl: illegal option -- q\niovctl: Unrecognized argument '-q'\n\n${USAGE_2026}`);
    const m = await iovctl(["-S", "-d"]);
    expect(m.err).toBe(
      `iovctl: option requires an argument -- d\niovctl: Unrecognized argument '-d'\n\n${USAGE_2026}`,
    );
  });

  it("scan order: a conflict before a later unknown option", async () => {
    expect((await iovctl(["-C", "-D", "-q"])).err).toMatch(/^iovctl: Only one action may be specified\n/);
    expect((await iovctl(["-q", "-C", "-D"])).err).toMatch(/^iovctl: illegal option -- q\n/);
  });

  it("-D -n -d prints the dry-run line even with no VFs (item 30), issues nothing", async () => {
    const r = await iovctl(["-D", "-n", "-d", "ixl0"]);
    expect(r.status).toBe(0);
    expect(r.out).toBe("Would attempt to delete all VF children of 'ixl0'\n");
    expect(r.err).toBe("");
    expect(r.nic.calls).toEqual([]);
  });

  it("-D -n with -f names the full device path", async () => {
    const r = await iovctl(["-D", "-n", "-f", fx("V01-minimal.conf")]);
    expect(r.out).toBe("Would attempt to delete all VF children of '/dev/iov/ixl0'\n");
  });

  it("operands after the options are ignored; -Cn clusters", async () => {
    const r = await iovctl(["-Cnf", fx("V01-minimal.conf"), "extra", "-q"]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^Would enable SR-IOV on device '\/dev\/iov\/ixl0'\.\n/);
  });
});

describe("IOVSIM_IOVCTL", () => {
  it("a value other than classic or 2026 is an error naming it, not the default iovctl", () => {
    expect(variantFromEnv({})).toBe(variantFromEnv({ IOVSIM_IOVCTL: "2026" }));
    expect(variantFromEnv({ IOVSIM_IOVCTL: "classic" })).not.toBe(variantFromEnv({}));
    expect(() => variantFromEnv({ IOVSIM_IOVCTL: "clasic" })).toThrow(
      new UserError(
        "E_USAGE",
        "IOVSIM_IOVCTL='clasic' is not a known iovctl: 'classic' (FreeBSD 13/14), or unset (or '2026') for the 2026 iovctl",
      ),
    );
  });
});

describe("classic variant (IOVSIM_IOVCTL=classic)", () => {
  it("uses classic wording and usage, and has no -L", async () => {
    expect((await iovctl(["-C", "-S"], { classic: true })).err).toBe(
      `iovctl: Only one of -C, -D or -S may be specified\n${USAGE_CLASSIC}`,
    );
    expect((await iovctl([], { classic: true })).err).toBe(
      `iovctl: Either the -d or -f flag must be specified\n${USAGE_CLASSIC}`,
    );
    expect((await iovctl(["-L", "-d", "ixl0"], { classic: true })).err).toBe(
      `iovctl: illegal option -- L\niovctl: Unrecognized argument '-L'\n\n${USAGE_CLASSIC}`,
    );
  });
});

describe("device resolution and file errors (item 8, 9)", () => {
  it("-d NAME maps to /dev/iov/NAME; /paths are verbatim", async () => {
    expect((await iovctl(["-S", "-d", "nope0"])).err).toBe(
      "iovctl: Could not open device '/dev/iov/nope0': No such file or directory\n",
    );
    expect((await iovctl(["-S", "-d", "/dev/iov/ixl0"])).status).toBe(0);
    expect((await iovctl(["-D", "-d", "/tmp/ixl0"])).err).toBe(
      "iovctl: Could not open device '/tmp/ixl0': No such file or directory\n",
    );
  });

  it("missing file, missing device, UCL syntax error", async () => {
    const missing = fx("does-not-exist.conf");
    expect((await iovctl(["-C", "-f", missing])).err).toBe(
      `iovctl: Could not open '${missing}' for reading: No such file or directory\n`,
    );
    expect((await iovctl(["-S", "-f", fx("E01.conf")])).err).toBe(
      "iovctl: Config file does not specify device\n",
    );
    const e20 = await iovctl(["-C", "-f", fx("E20.conf")]);
    expect(e20.status).toBe(1);
    expect(e20.err).toBe(
      `iovctl: Could not open '${fx("E20.conf")}' for reading: No error: 0\n` +
        `iovctl: ${fx("E20.conf")}:1:33: expected '}' before end of file (to close '{' at line 1, column 4)\n`,
    );
    expect(e20.nic.calls).toEqual([]);
  });

  it("-S/-D/-L with -f only need PF.device (rest unvalidated)", async () => {
    const r = await iovctl(["-S", "-f", fx("E10.conf")]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^The following configuration parameters may be configured on the PF:\n/);
    expect((await iovctl(["-L", "-f", fx("E10.conf")])).out).toBe("ixl0: fake status vfs=0\n");
  });
});

describe("actions against the fake host", () => {
  it("-C creates, a second -C is Device busy, -D deletes, -D again No child processes", async () => {
    const nic = fakeNic();
    expect((await iovctl(["-C", "-f", fx("V01-minimal.conf")], { nic })).status).toBe(0);
    expect(nic.vfCount("ixl0")).toBe(2);
    const busy = await iovctl(["-C", "-f", fx("V01-minimal.conf")], { nic });
    expect([busy.status, busy.err]).toEqual([1, "iovctl: Failed to configure SR-IOV: Device busy\n"]);
    const del = await iovctl(["-D", "-d", "ixl0"], { nic });
    expect([del.status, del.out, del.err]).toEqual([0, "", ""]);
    const again = await iovctl(["-D", "-d", "ixl0"], { nic });
    expect([again.status, again.err]).toEqual([1, "iovctl: Failed to delete VFs: No child processes\n"]);
  });

  it("-C -n changes nothing", async () => {
    const r = await iovctl(["-C", "-n", "-f", fx("V04-dryrun.conf")]);
    expect(r.status).toBe(0);
    expect(r.nic.calls).toEqual([]);
  });

  it("§9.2 fixtures: exact stderr, exit 1, no ioctl", async () => {
    const table: Array<[string, string]> = [
      ["E01.conf", "Config file does not specify device"],
      ["E03.conf", "Required parameter 'num_vfs' not found in 'PF'"],
      ["E04.conf", "PF.num_vfs must be at least 1"],
      ["E06.conf", "Value '2' of key 'num_vfs' is not of type uint16_t"],
      ["E07.conf", "VF number 2 is out of bounds (num_vfs=2)"],
      ["E09.conf", "'default' section must precede all VF sections"],
      ["E10.conf", "VF-0: Invalid config key 'mtu'"],
      ["E12.conf", "Value '01:00:5e:00:00:01' of key 'mac-addr' is a multicast address"],
      ["E14.conf", "Value 'true' of key 'passthrough' is not of type bool"],
      ["E16.conf", "PF: Invalid config key 'passthrough'"],
      ["E18.conf", "Value '(null)' of key 'vlan' is not of type vlan"],
    ];
    for (const [file, message] of table) {
      const r = await iovctl(["-C", "-f", fx(file)]);
      expect([file, r.status, r.out, r.err]).toEqual([file, 1, "", `iovctl: ${message}\n`]);
      expect(r.nic.calls).toEqual([]);
    }
  });

  it("-S -v adds descriptions and limits; plain -S does not", async () => {
    const plain = await iovctl(["-S", "-d", "ixl0"]);
    expect(plain.out).not.toContain("\t\t");
    const v = await iovctl(["-S", "-v", "-d", "ixl0"]);
    expect(v.out).toContain("\tnum_vfs : uint16_t (required)\n\t\t");
    expect(v.out).toContain("at most 63");
    expect(v.out).toContain("fake note");
  });

  it("-v with -C, -D or -L is refused (it would change nothing), after FreeBSD's own checks", async () => {
    for (const [args, flag] of [
      [["-C", "-v", "-f", "x.conf"], "-C"],
      [["-D", "-v", "-d", "ixl0"], "-D"],
      [["-L", "-v", "-d", "ixl0"], "-L"],
    ] as const) {
      const r = await iovctl([...args]);
      expect(r.status, flag).toBe(1);
      expect(r.err.split("\n")[0]).toBe(`iovctl: -v flag cannot be used with the ${flag} flag`);
      expect(r.err).toContain("iovctl: Usage: iovctl -C -f <config file> [-n]\n");
      expect(r.nic.calls).toEqual([]);
    }
    // FreeBSD's check comes first.
    expect((await iovctl(["-C", "-v", "-d", "ixl0"])).err.split("\n")[0]).toBe(
      "iovctl: -d flag cannot be used with the -C flag",
    );
  });
});
