// Option parsing of paths / ping / demo (issue 9 items 6 and 7): each defect pinned without
// running a simulation.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkHost,
  directionsOf,
  parseCommandArgs,
  parsePathNames,
  parsePathsOptions,
  readConfig,
  selectPaths,
} from "../../src/cli/commands/paths-options.ts";
import { UserError } from "../../src/errors.ts";
import { TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { iovsim } from "../helpers/cli.ts";

const rx = (...paths: string[]) => paths.map((path) => ({ path, direction: "rx" as const }));
const parse = (args: string[]) => parsePathsOptions(parseCommandArgs("paths", args));

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("paths options (issue 9 item 7)", () => {
  it("--path '' is an error, not 'every path'", () => {
    expect(userError(() => parse(["--path", ""])).message).toMatch(/--path: empty path name/);
    expect(userError(() => parse(["--path", "native,"])).message).toMatch(/--path: empty path name/);
  });

  // A space after the comma was "unknown path ' vm-vf'"; --size and steering's lists trim it.
  it("--path 'native, vm-vf' is the two paths; ', ' alone is still an empty name", () => {
    expect(parsePathNames(["native, vm-vf"])).toEqual(["native", "vm-vf"]);
    expect(parsePathNames([" native "])).toEqual(["native"]);
    expect(userError(() => parsePathNames(["native, "])).message).toMatch(/--path: empty path name/);
    expect(userError(() => parsePathNames(["native, native"])).message).toMatch(/'native' is given twice/);
  });

  it("--size -1 says the size is invalid (not 'ambiguous')", () => {
    const e = userError(() => parse(["--size", "-1"]));
    expect(e.message).toMatch(/--size: '-1' is not a valid frame size/);
    expect(e.message).not.toMatch(/ambiguous/);
    // Short options too: ping -c -1 names the value as given.
    expect(parseCommandArgs("ping", ["-c", "-1"]).count).toBe("-1");
  });

  it("--size imix is accepted by paths (one case per path, mean frame size of the mix)", () => {
    const o = parse(["--path", "native", "--size", "imix"]);
    expect(o.cases).toHaveLength(1);
    expect(o.cases[0].size).toBe("imix");
    // 7 x 64 + 4 x 594 + 1 x 1518 over 12 frames.
    expect(o.cases[0].frameBytes).toBeCloseTo((7 * 64 + 4 * 594 + 1518) / 12, 6);
    expect(parse(["--path", "native", "--size", "64,imix"]).cases.map((c) => c.size)).toEqual([64, "imix"]);
  });

  it("a frame size raised to hold an encapsulation is said in the notes, and line rate uses it", () => {
    const o = parse(["--path", "native", "--size", "64", "--encap", "vxlan"]);
    expect(o.cases[0].frameBytes).toBeGreaterThan(64);
    expect(o.notes.join("\n")).toMatch(/64-byte frames raised to \d+ bytes to hold the vxlan headers/);
  });

  it("unencapsulated, a size raised for TCP's header names tcp (not 'none'), with 74 = 14 + 20 + 20 + 16 + 4", () => {
    const o = parse(["--path", "native", "--size", "64", "--proto", "tcp"]);
    expect(o.cases[0].frameBytes).toBe(74);
    expect(o.notes).toContain("64-byte frames raised to 74 bytes to hold the tcp headers and the stamp");
    expect(parse(["--path", "native", "--size", "64", "--proto", "udp"]).notes.join("\n")).not.toMatch(
      /raised/,
    );
  });

  it("--count sets frames per trial and --trial-ms cannot cut it short (they are exclusive)", () => {
    const o = parse(["--path", "native", "--size", "64", "--count", "100000000"]);
    expect(o.trial.count).toBe(100_000_000);
    expect(userError(() => parse(["--count", "10", "--trial-ms", "1"])).message).toMatch(
      /--trial-ms and --count are exclusive/,
    );
  });

  it("--direction both includes vf-loopback (transmit only) and says so", () => {
    const { runs, notes } = selectPaths([], "both");
    expect(runs).toContainEqual({ path: "vf-loopback", direction: "tx" });
    expect(runs).toContainEqual({ path: "native", direction: "both" });
    expect(notes.join("\n")).toMatch(/vf-loopback only transmits .* run as tx under --direction both/);
    // Explicitly asking for rx of a transmit-only path stays an error naming the option.
    expect(() => selectPaths(["vf-loopback"], "rx")).toThrow(
      /--direction rx: path 'vf-loopback' runs only tx/,
    );
    // Without --direction, the error does not quote an option the user never gave.
    expect(userError(() => parse(["--path", "vf-loopback"])).message).toBe(
      "path 'vf-loopback' runs only tx, and --direction is rx by default: add --direction tx",
    );
  });

  it("a forwarding path (jail-epair-fwd) runs rx only: rx under --direction both, with a note; tx is refused", () => {
    expect(directionsOf("jail-epair-fwd")).toEqual(["rx"]);
    const { runs, notes } = selectPaths([], "both");
    expect(runs).toContainEqual({ path: "jail-epair-fwd", direction: "rx" });
    expect(notes.join("\n")).toMatch(
      /jail-epair-fwd only forwards what it receives .* run as rx under --direction both/,
    );
    expect(selectPaths([], "tx").runs.map((r) => r.path)).not.toContain("jail-epair-fwd");
    expect(() => selectPaths(["jail-epair-fwd"], "tx")).toThrow(
      /--direction tx: path 'jail-epair-fwd' runs only rx/,
    );
  });

  it("--seconds (the old option) is an error with a hint; --pcap names a capture it cannot read", () => {
    expect(userError(() => parse(["--seconds", "0.1"])).message).toMatch(/--seconds is gone.*--trial-ms/);
    expect(userError(() => parse(["--pcap", "x.pcap"])).message).toMatch(
      /--pcap .*x\.pcap: cannot read \(no such file\)/,
    );
  });

  it("ping and demo reject the options they do not support, naming them", () => {
    for (const [cmd, opt] of [
      ["ping", "--size"],
      ["ping", "--encap"],
      ["ping", "--pcap"],
      ["ping", "--direction"],
      ["ping", "--rate"],
      ["demo", "--direction"],
      ["demo", "--rate"],
      ["demo", "--pcap"],
      ["demo", "--encap"],
      ["demo", "--path"],
      // ping's -c is not paths' (paths lists --count only) nor the demo's.
      ["paths", "-c"],
      ["demo", "-c"],
      ["demo", "-f"],
    ] as const) {
      const e = userError(() => parseCommandArgs(cmd, [opt, "x"]));
      // One wording for every option a command does not take (the registry's, issue 11 item 5).
      expect(e.message).toBe(`${cmd}: unknown option '${opt}' (see iovsim ${cmd} --help)`);
    }
    expect(parseCommandArgs("ping", ["--path", "native", "-c", "3", "--json"]).count).toBe("3");
  });
});

describe("kernel refusals are located user errors (issue 9 item 6)", () => {
  it("num_vfs over TotalVFs names the file, line and column", () => {
    const text = TALK_IOVCTL_CONF.replace("num_vfs : 3", "num_vfs : 65");
    const e = userError(() => checkHost({ text, file: "big.conf" }, rx("native")));
    expect(e.message).toMatch(
      /^big\.conf:\d+:\d+: the simulated kernel refused the configuration: Invalid argument \(num_vfs 65 exceeds TotalVFs 64/,
    );
    const line = text.split("\n").findIndex((l) => l.includes("num_vfs")) + 1;
    expect(e.message).toContain(`big.conf:${line}:`);
  });

  it("a configuration without a non-passthrough VF cannot run jail-vf, and says why", () => {
    const text = TALK_IOVCTL_CONF.replace(/VF-0 \{[^}]*\}/, "");
    const e = userError(() => checkHost({ text, file: "nojail.conf" }, rx("native", "jail-vf")));
    expect(e.message).toMatch(/nojail\.conf: path 'jail-vf' needs a VF with 'passthrough : false'/);
    // Paths that do not need the jail's VF still run on it.
    expect(checkHost({ text, file: "nojail.conf" }, rx("native", "vm-vf")).vmVf).toBeDefined();
  });

  it("VFs the driver refused are counted from the parsed file (a quoted key, a commented-out num_vfs)", () => {
    // ix refuses VF-1's vlan 0 (iovctl -C warns, exits 0): 1 of the 2 VFs asked for exists.
    const text =
      '# num_vfs : 9 was the old count\nPF { device : "ix0"; "num_vfs" : 2; }\nVF-1 { passthrough : true; vlan : 0; }\n';
    const e = userError(() => checkHost({ text, file: "ix.conf" }, rx("vm-vf")));
    expect(e.message).toContain("the driver created 1 of the 2 VFs the file asks for");
  });
});

describe("search options without a search", () => {
  it("--precision and --pdr-loss with --rate are refused, naming the option (not ignored)", () => {
    for (const opt of ["--precision", "--pdr-loss"]) {
      const e = userError(() => parse(["--path", "native", "--size", "64", "--rate", "10%", opt, "5"]));
      expect(e.message).toMatch(
        new RegExp(`^${opt} tunes the NDR/PDR search, and --rate simulates one load point`),
      );
    }
    expect(parse(["--path", "native", "--size", "64", "--precision", "5", "--pdr-loss", "1"]).precision).toBe(
      0.05,
    );
  });

  it("--pdr-loss with a capture replayed at its own timing is refused too", () => {
    const e = userError(() =>
      parse([
        "--path",
        "native",
        "--pcap",
        "examples/capture.pcap",
        "--pcap-timing",
        "capture",
        "--pdr-loss",
        "1",
      ]),
    );
    expect(e.message).toMatch(/^--pdr-loss tunes the NDR\/PDR search, and --pcap-timing capture/);
  });
});

describe("a consumer VF with a port VLAN", () => {
  const dir = mkdtempSync(join(tmpdir(), "iovsim-portvlan-"));
  const conf = join(dir, "ix.conf");
  writeFileSync(
    conf,
    'PF { device: "ix0"; num_vfs: 3; }\nVF-0 { vlan: 100; }\nVF-1 { passthrough: true; vlan: trunk; }\nVF-2 { passthrough: true; }\n',
  );

  it("counts the NIC's tag on the wire: 4 bytes more per frame in line rate, said in a note", () => {
    const o = parse(["-f", conf, "--path", "jail-vf,vm-vf", "--size", "64,1518", "--direction", "both"]);
    const bytes = o.cases.map((c) => [c.path, c.size, c.frameBytes]);
    // VF-0 (jail-vf) is in VLAN 100: 68 and 1522 bytes on the wire; VF-1 (vm-vf) is a trunk.
    expect(bytes).toEqual([
      ["jail-vf", 64, 68],
      ["jail-vf", 1518, 1522],
      ["vm-vf", 64, 64],
      ["vm-vf", 1518, 1518],
    ]);
    expect(o.notes.filter((n) => /port VLAN/.test(n))).toEqual([
      `jail-vf: VF-0 has port VLAN 100 in ${conf}: the NIC tags its frames on the wire and strips the tag on receive, so each frame is 4 bytes longer on the wire than the size asked for (line rate and Gbit/s count them)`,
    ]);
    expect(parse(["--path", "jail-vf,vm-vf", "--size", "64"]).notes.join("\n")).not.toMatch(/port VLAN/);
  });

  it("a capture replayed from the wire goes as captured (said); one the VF sends is tagged by the NIC", () => {
    const rx = parse([
      "-f",
      conf,
      "--path",
      "jail-vf",
      "--pcap",
      "examples/capture.pcap",
      "--direction",
      "rx",
    ]);
    const tx = parse([
      "-f",
      conf,
      "--path",
      "jail-vf",
      "--pcap",
      "examples/capture.pcap",
      "--direction",
      "tx",
    ]);
    expect(tx.cases[0]!.frameBytes).toBe(rx.cases[0]!.frameBytes + 4);
    expect(rx.notes).toContain(
      `jail-vf: VF-0 has port VLAN 100 in ${conf}: the capture is replayed from the wire as captured, so only its frames tagged 100 can reach the VF (the NIC strips the tag); untagged frames and other VLANs go to other pools or are dropped by the VLAN filter`,
    );
    expect(tx.notes.join("\n")).toMatch(/4 bytes longer on the wire/);
  });
});

describe("a --rate too low for one frame per trial", () => {
  it("is refused (one frame would be sent and reported as a far higher offered load)", () => {
    expect(userError(() => parse(["--path", "native", "--size", "64", "--rate", "500pps"])).message).toBe(
      "--rate 500pps: a 1 ms trial offers 0.5 frames of 64 bytes, less than one (give --count N frames, or a longer --trial-ms)",
    );
    expect(
      parse(["--path", "native", "--size", "64", "--rate", "500pps", "--trial-ms", "2"]).rate?.text,
    ).toBe("500pps");
    expect(parse(["--path", "native", "--size", "64", "--rate", "1pps", "--count", "3"]).rate?.text).toBe(
      "1pps",
    );
  });
});

describe("paths without --path: paths left out", () => {
  it("a run whose every path is left out is refused with each reason, naming the option", () => {
    const e = userError(() => parse(["--partitions", "2", "--direction", "tx", "--size", "64"]));
    expect(e.code).toBe("E_USAGE");
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^--partitions 2: no path left to run: every path was left out/);
    expect(e.message.split("\n").slice(1)).toHaveLength(selectPaths([], "tx").runs.length);
  });

  it("with some left, those run and the others are notes", () => {
    const o = parse(["--partitions", "2", "--direction", "both", "--size", "64"]);
    expect(o.paths).toContain("native");
    expect(o.paths).not.toContain("vf-loopback");
    expect(o.notes.join("\n")).toMatch(/--partitions 2: vf-loopback left out/);
  });
});

describe("-f FILE that cannot be read: the reason in words, never Node's message", () => {
  const d = mkdtempSync(join(tmpdir(), "iovsim-conf-"));
  const missing = join(d, "missing.conf");
  const dir = join(d, "conf.d");
  mkdirSync(dir);
  const loop = join(d, "loop.conf");
  symlinkSync(loop, loop); // a link to itself: ELOOP, a code readConfig used to print raw

  it("readConfig: a missing file, a directory, a symbolic-link loop", () => {
    expect(userError(() => readConfig(missing)).message).toBe(`-f ${missing}: no such file`);
    expect(userError(() => readConfig(dir)).message).toBe(`-f ${dir}: is a directory`);
    expect(userError(() => readConfig(loop)).message).toBe(
      `-f ${loop}: cannot read (too many levels of symbolic links)`,
    );
  });

  it("paths -f and ping -f: one line naming the option and the file, exit 1, nothing on stdout", async () => {
    const state = join(d, "state");
    for (const [argv, file, why] of [
      [["paths", "--path", "native", "-f", dir], dir, "is a directory"],
      [["ping", "--path", "native", "-c", "1", "-f", missing], missing, "no such file"],
      [["paths", "--path", "native", "-f", loop], loop, "cannot read (too many levels of symbolic links)"],
    ] as const) {
      expect(await iovsim(["--state", state, ...argv])).toEqual({
        code: 1,
        out: "",
        err: `iovsim: -f ${file}: ${why}\n`,
      });
    }
  });
});

describe("traffic recorded for --json", () => {
  it("--encap/--flows/--proto as given, defaults filled in; null with --pcap (a capture is replayed as is)", () => {
    expect(parse(["--path", "native", "--encap", "gre", "--flows", "3", "--proto", "icmp"]).traffic).toEqual({
      encap: "gre",
      flows: 3,
      proto: "icmp",
    });
    expect(parse(["--path", "native"]).traffic).toEqual({ encap: "none", flows: 64, proto: "udp" });
    expect(parse(["--path", "native", "--pcap", "examples/capture.pcap"]).traffic).toBeNull();
  });
});
