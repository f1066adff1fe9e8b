// Acceptance cases for the control plane, run as a new user would run the CLI: fresh --state
// directories, configs written on the fly, every byte of stdout/stderr and the exit status
// compared with control-plane.md §1–§2, §8 and §9. These go beyond the §9 fixtures (other PFs,
// odd layouts, odd literals, odd paths) and pin the defects found by acceptance testing.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { iovsim } from "../helpers/cli.ts";

const REPO = join(import.meta.dirname, "..", "..");

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "iovsim-accept-"));
  state = join(dir, "state");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => iovsim(["--state", state, ...args]);
const iovctl = (...args: string[]) => cli("iovctl", ...args);

function conf(text: string, name = "t.conf"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The single stderr line iovctl prints for a rejected config, or the dry-run stdout. */
async function dryRun(text: string) {
  return iovctl("-C", "-n", "-f", conf(text));
}

describe("iovctl device paths (-d)", () => {
  it("resolves '.', '..' and repeated slashes as open(2) would", async () => {
    for (const d of ["./ixl0", "../iov/ixl0", "/dev/iov//ixl0", "/dev/./iov/ixl0", "//dev/iov/ixl0"]) {
      const r = await iovctl("-L", "-d", d);
      expect(r, d).toEqual({
        code: 0,
        out: "ixl0:\n\tidentity: pci-location=pci0:1:0:0\n\tsriov: enabled=no vfs=0/64\n",
        err: "",
      });
    }
  });

  it("the /dev/iov directory itself is EISDIR, a trailing slash on a node ENOTDIR", async () => {
    expect(await iovctl("-S", "-d", "")).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Could not open device '/dev/iov/': Is a directory\n",
    });
    expect((await iovctl("-D", "-n", "-d", "/dev/iov")).err).toBe(
      "iovctl: Could not open device '/dev/iov': Is a directory\n",
    );
    expect((await iovctl("-L", "-d", "ixl0/")).err).toBe(
      "iovctl: Could not open device '/dev/iov/ixl0/': Not a directory\n",
    );
  });

  it("a path past PATH_MAX is open_device's 'Provided file name too long', a long name ENAMETOOLONG", async () => {
    // open_device() builds "/dev/iov/NAME" in a PATH_MAX (1024) buffer and refuses what does not
    // fit, its NUL included, before open(2): 1015 characters after /dev/iov/ do not, 1014 do.
    const a = (n: number) => "a".repeat(n);
    for (const args of [
      ["-S", "-d", a(1015)],
      ["-D", "-n", "-d", a(1015)],
      ["-L", "-d", `/${a(1023)}`],
      ["-D", "-d", a(2000)],
    ]) {
      expect(await iovctl(...args), args[0]).toEqual({
        code: 1,
        out: "",
        err: "iovctl: Provided file name too long\n",
      });
    }
    // Within it, open(2)'s lookup refuses a component over NAME_MAX (255 bytes): ENAMETOOLONG.
    expect((await iovctl("-S", "-d", a(1014))).err).toBe(
      `iovctl: Could not open device '/dev/iov/${a(1014)}': File name too long\n`,
    );
    expect((await iovctl("-D", "-d", a(256))).err).toBe(
      `iovctl: Could not open device '/dev/iov/${a(256)}': File name too long\n`,
    );
    expect((await iovctl("-S", "-d", a(255))).err).toBe(
      `iovctl: Could not open device '/dev/iov/${a(255)}': No such file or directory\n`,
    );
    // -C opens find_device()'s path as it is: no buffer check, open(2)'s errno.
    expect(await dryRun(`PF { device: "${a(1100)}"; num_vfs: 1; }`)).toEqual({
      code: 1,
      out: "",
      err: `iovctl: Could not open device '/dev/iov/${a(1100)}': File name too long\n`,
    });
  });

  it("unknown nodes and a PF.device that is a path are ENOENT with the full path", async () => {
    expect((await iovctl("-S", "-d", "/dev/iov/foo")).err).toBe(
      "iovctl: Could not open device '/dev/iov/foo': No such file or directory\n",
    );
    expect((await iovctl("-S", "-d", "../ixl0")).err).toBe(
      "iovctl: Could not open device '/dev/iov/../ixl0': No such file or directory\n",
    );
    const r = await dryRun('PF { device: "/dev/iov/ixl0"; num_vfs: 1; }');
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Could not open device '/dev/iov//dev/iov/ixl0': No such file or directory\n",
    });
    expect((await dryRun('PF { device: "foo"; num_vfs: 1; }')).err).toBe(
      "iovctl: Could not open device '/dev/iov/foo': No such file or directory\n",
    );
  });

  it("-D -n echoes -d exactly as given, -f as the full path", async () => {
    expect(await iovctl("-D", "-n", "-d", "./ixl0")).toEqual({
      code: 0,
      out: "Would attempt to delete all VF children of './ixl0'\n",
      err: "",
    });
    expect((await iovctl("-D", "-n", "-f", conf("pf { DEVICE = igb0 }"))).out).toBe(
      "Would attempt to delete all VF children of '/dev/iov/igb0'\n",
    );
  });
});

describe("iovctl -f with something that is not a regular file", () => {
  it("a directory: libucl refuses it; FreeBSD's line, then what is wrong", async () => {
    const d = join(dir, "adir");
    mkdirSync(d);
    for (const action of ["-C", "-D", "-S", "-L"]) {
      const r = await iovctl(action, "-f", d);
      expect(r, action).toEqual({
        code: 1,
        out: "",
        err: `iovctl: Could not open '${d}' for reading: No error: 0\niovctl: ${d}: not a regular file\n`,
      });
    }
  });

  it("a missing file keeps strerror(ENOENT)", async () => {
    expect(await iovctl("-C", "-f", join(dir, "none.conf"))).toEqual({
      code: 1,
      out: "",
      err: `iovctl: Could not open '${join(dir, "none.conf")}' for reading: No such file or directory\n`,
    });
  });

  it("a number out of range: libucl's strtoimax/strtod left errno = ERANGE, which err() prints", async () => {
    for (const [n, col] of [
      ["18446744073709551616", 31],
      ["1e-400", 31],
    ] as const) {
      const f = conf(`PF { device: "ixl0"; num_vfs: ${n}; }`);
      expect(await iovctl("-C", "-n", "-f", f), n).toEqual({
        code: 1,
        out: "",
        err: `iovctl: Could not open '${f}' for reading: Result too large\niovctl: ${f}:1:${col}: numeric value out of range: ${n}\n`,
      });
    }
  });

  it("'PF{' and a '{' alone on the next line are libucl syntax errors (invalid character in a key)", async () => {
    for (const [text, col] of [
      ['PF{ device: "ixl0"; num_vfs: 2; }', 3],
      ['PF\n{ device: "ixl0"; num_vfs: 2; }', 3],
    ] as const) {
      const f = conf(text);
      const r = await iovctl("-C", "-n", "-f", f);
      expect(r.code, text).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(
        new RegExp(
          `^iovctl: Could not open '${f}' for reading: No error: 0\niovctl: ${f}:1:${col}: invalid character `,
        ),
      );
    }
  });

  it("';' or ',' before the first key of a section or file is a libucl syntax error; after a value it is not", async () => {
    // libucl skips separators after a value only (ucl_parse_after_value); where a key starts,
    // ucl_parse_key refuses them.
    for (const [text, line, col] of [
      ['PF { ; device: "ixl0"; num_vfs: 2; }', 1, 6],
      [';\nPF { device: "ixl0"; num_vfs: 2; }', 1, 1],
      ['PF { device: "ixl0"; num_vfs: 2; }\nVF-0 {, passthrough: true }', 2, 7],
    ] as const) {
      const f = conf(text);
      const r = await iovctl("-C", "-n", "-f", f);
      expect(r, text).toEqual({
        code: 1,
        out: "",
        err: `iovctl: Could not open '${f}' for reading: No error: 0\niovctl: ${f}:${line}:${col}: unexpected '${text.includes(",") ? "," : ";"}' where a key should start (libucl takes ';' and ',' only after a value)\n`,
      });
    }
    const ok = await iovctl(
      "-C",
      "-n",
      "-f",
      conf('PF { device: "ixl0"; num_vfs: 2;; }\n;\nVF-0 { passthrough: true };,'),
    );
    expect(ok.code).toBe(0);
  });

  it("a single-quoted key is a libucl syntax error (keys take double quotes only)", async () => {
    const f = conf("PF { 'device': \"ixl0\"; num_vfs: 2; }");
    expect(await iovctl("-C", "-n", "-f", f)).toEqual({
      code: 1,
      out: "",
      err: `iovctl: Could not open '${f}' for reading: No error: 0\niovctl: ${f}:1:6: invalid character "'" in a key: libucl quotes a key with double quotes only ("key" or key)\n`,
    });
    expect((await iovctl("-C", "-n", "-f", conf("PF { \"device\": 'ixl0'; num_vfs: 2; }"))).code).toBe(0);
  });

  it("an empty regular file parses to an empty object: no device", async () => {
    expect((await iovctl("-C", "-f", conf(""))).err).toBe("iovctl: Config file does not specify device\n");
  });
});

describe("config variations beyond the fixtures", () => {
  it("a \\u0000 escape ends a key or string as iovctl's C code reads it; validate warns", async () => {
    // libucl keeps the NUL ("\u0000" unescapes to one byte), iovctl takes char pointers.
    const text = [
      'PF { device: "ixl0\\u0000junk"; num_vfs: 1; }',
      '"VF-0\\u0000x" { "mac-addr\\u0000y": "02:00:00:00:00:01\\u0000zz"; }',
    ].join("\n");
    const r = await dryRun(text);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("\0");
    expect(r.out).toContain("Would enable SR-IOV on device '/dev/iov/ixl0'.\n");
    expect(r.out).toContain("        device (STRING): [ixl0]\n");
    expect(r.out).toContain(
      "VF-0 (NVLIST):\n    DRIVER (NVLIST):\n        mac-addr (BINARY): 6 020000000001\n",
    );
    // A message quotes the C string too: no raw NUL reaches the terminal.
    const bad = await dryRun('PF { device: "nope\\u0000x"; num_vfs: 1; }');
    expect(bad.err).toBe("iovctl: Could not open device '/dev/iov/nope': No such file or directory\n");
    const v = await cli("validate", "-f", conf(text, "nul.conf"));
    expect(v.code).toBe(0);
    expect(v.err.split("\n")).toEqual([
      expect.stringMatching(
        /nul\.conf:1:14: warning: PF: the value of 'device' holds a NUL character \(\\u0000\): iovctl reads only what precedes it, 'ixl0'$/,
      ),
      expect.stringMatching(/nul\.conf:2:1: warning: Section name 'VF-0\\x00x' holds a NUL character/),
      expect.stringMatching(/nul\.conf:2:17: warning: VF-0: key 'mac-addr\\x00y' holds a NUL character/),
      expect.stringMatching(/nul\.conf:2:36: warning: VF-0: the value of 'mac-addr' holds a NUL character/),
      "",
    ]);
  });

  it("CR line ends (a classic Mac editor's) read as LF ones: libucl ends a value and an entry at '\\r'", async () => {
    const lines = [
      "PF {",
      '\tdevice : "ixl0";',
      "\tnum_vfs : 2",
      "}",
      "DEFAULT {",
      "\tpassthrough : true",
      "}",
      "VF-1 {",
      "\tmac-addr : 02:00:00:00:00:21",
      "}",
      "",
    ];
    const lf = await dryRun(lines.join("\n"));
    expect(lf.code).toBe(0);
    for (const eol of ["\r", "\r\n"]) {
      const r = await dryRun(lines.join(eol));
      expect(r, JSON.stringify(eol)).toEqual(lf);
    }
    // A number, a boolean or a bare word before a lone CR: the next key is not swallowed.
    const v = await cli(
      "validate",
      "-f",
      conf("PF { device: ixl0\r num_vfs: 2\r}\rVF-0 { passthrough: true\r mac-anti-spoof: off }", "cr.conf"),
    );
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/: ok \(0 errors, 0 warnings\): ixl0 would get 2 VFs: ppt\d+ iavf\d+\n$/);
  });

  it("a comment after a value separates it from the next key, as libucl takes it", async () => {
    // ucl_parse_after_value: "Treat comment as a separator".
    const one = await dryRun(
      'PF { device: "ixl0" /* the X710 */ num_vfs: 2 }\nVF-1 { passthrough: true /* VM */ mac-anti-spoof: off }',
    );
    const lines = await dryRun(
      'PF { device: "ixl0"; num_vfs: 2 }\nVF-1 { passthrough: true; mac-anti-spoof: off }',
    );
    expect(lines.code).toBe(0);
    expect(one).toEqual(lines);
  });

  it("a control character inside a bare value is part of it, as libucl reads it (not a syntax error)", async () => {
    // FreeBSD's iovctl then refuses the value in its own words, the byte as it is.
    expect(await dryRun("PF { device: ixl0\u0001; num_vfs: 1; }")).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Could not open device '/dev/iov/ixl0\u0001': No such file or directory\n",
    });
    expect((await dryRun("PF { device: ixl0; num_vfs: 1; }\nVF-0 { passthrough: true\f }")).err).toBe(
      "iovctl: Value 'true\f' of key 'passthrough' is not of type bool\n",
    );
    // validate shows the byte escaped, so the problem stays one located line.
    const v = await cli(
      "validate",
      "-f",
      conf("PF { device: ixl0; num_vfs: 1; }\nVF-0 { passthrough: true\f }", "ff.conf"),
    );
    expect(v.err).toMatch(
      /ff\.conf:2:21: error: Value 'true\\x0c' of key 'passthrough' is not of type bool\n/,
    );
  });

  it("'VF 0 {' (a blank for the dash) is a libucl key path, VF { 0 { } }: FreeBSD's unexpected top-level node", async () => {
    const text = "PF { device: ixl0; num_vfs: 2; }\nVF 1 { passthrough: true }";
    expect(await dryRun(text)).toEqual({ code: 1, out: "", err: "iovctl: Unexpected top-level node: VF\n" });
    const v = await cli("validate", "-f", conf(text, "kp.conf"));
    expect(v.err).toMatch(/kp\.conf:2:1: error: Unexpected top-level node: VF\n/);
  });

  it("a quote inside a bare value is a character of it, as libucl reads it (a typo'd opening quote)", async () => {
    // ucl_parse_string_value() only ends a bare value at ; , ] } a newline or a comment.
    expect(await dryRun('PF { device: ixl0"; num_vfs: 1; }')).toEqual({
      code: 1,
      out: "",
      err: "iovctl: Could not open device '/dev/iov/ixl0\"': No such file or directory\n",
    });
    expect(
      (await dryRun("PF { device: ixl0; num_vfs: 1; }\nVF-0 { mac-addr: 02:00:00:00:00:01'; }")).err,
    ).toBe("iovctl: Value '02:00:00:00:00:01'' of key 'mac-addr' is not of type unicast-mac\n");
  });

  it("ix0: sections in odd order, '=' and ':', newlines instead of ';', nested comments", async () => {
    const r = await dryRun(
      [
        "# ix0, three VFs",
        "DEFAULT /* before PF /* nested */ still a comment */ {",
        "  vlan = TRUNK",
        "  allow-promisc: on,",
        "}",
        "PF {",
        "  NUM_VFS = 3k",
        "  # 3k is 3000 (libucl: a suffixed number must end the value: no blank before the comment)",
        '  device : "ix0"',
        "}",
        "vf-2 { Vlan: 4095; MAC-ADDR = 02::00:00:00:01:02 }",
        "VF-0 { vlan = 0x64 }",
      ].join("\n"),
    );
    // 3k = 3000 VFs is a valid uint16_t: only the kernel would refuse it (TotalVFs 64).
    expect(r.code).toBe(0);
    expect(r.out).toContain("        NUM_VFS (NUMBER): 3000 (3000) (0xbb8)\n");
    expect(r.out).toContain(
      "VF-0 (NVLIST):\n    DRIVER (NVLIST):\n        vlan (NUMBER): 100 (100) (0x64)\n        allow-promisc (BOOL): TRUE\n    IOV (NVLIST):\nVF-1 (NVLIST):\n" +
        "    DRIVER (NVLIST):\n        vlan (NUMBER): 4096 (4096) (0x1000)\n        allow-promisc (BOOL): TRUE\n    IOV (NVLIST):\nVF-2 (NVLIST):\n" +
        "    DRIVER (NVLIST):\n        Vlan (NUMBER): 4095 (4095) (0xfff)\n        MAC-ADDR (BINARY): 6 020000000102\n        allow-promisc (BOOL): TRUE\n    IOV (NVLIST):\n",
    );
  });

  it.each([
    ['PF { device: "ixl0"; num_vfs: 65536; }', "Value '(null)' of key 'num_vfs' is not of type uint16_t"],
    ['PF { device: "ixl0"; num_vfs: 0x10000; }', "Value '(null)' of key 'num_vfs' is not of type uint16_t"],
    ['PF { device: "ixl0"; num_vfs: 64kb; }', "Value '(null)' of key 'num_vfs' is not of type uint16_t"],
    ['PF { device: "ixl0"; num_vfs: -1; }', "Value '(null)' of key 'num_vfs' is not of type uint16_t"],
    ['PF { device: "ixl0"; num_vfs: "0x4"; }', "Value '0x4' of key 'num_vfs' is not of type uint16_t"],
    ['PF { device: "ixl0"; num_vfs: 0.9; }', "PF.num_vfs must be at least 1"],
    ['PF { device: "ixl0"; num_vfs: -0.5; }', "PF.num_vfs must be at least 1"],
    [
      'PF { device: "ix0"; num_vfs: 1; } VF-0 { vlan: trunk5; }',
      "Value 'trunk5' of key 'vlan' is not of type vlan",
    ],
    [
      'PF { device: "ix0"; num_vfs: 1; } VF-0 { vlan: -1; }',
      "Value '(null)' of key 'vlan' is not of type vlan",
    ],
    [
      'PF { device: "ix0"; num_vfs: 1; } VF-0 { vlan: 4096; }',
      "Value '(null)' of key 'vlan' is not of type vlan",
    ],
    [
      'PF { device: "igb0"; num_vfs: 1; } VF-0 { vlan: true; }',
      "Value '(null)' of key 'vlan' is not of type vlan",
    ],
    ['PF { device: "ixl0"; num_vfs: 1; } VF-0 { vlan: 1; }', "VF-0: Invalid config key 'vlan'"],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { mac-addr: "ff:ff:ff:ff:ff:ff"; }',
      "Value 'ff:ff:ff:ff:ff:ff' of key 'mac-addr' is a multicast address",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { mac-addr: "+3:00:00:00:00:01"; }',
      "Value '+3:00:00:00:00:01' of key 'mac-addr' is a multicast address",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { mac-addr: "02:00:00:00:00"; }',
      "Value '02:00:00:00:00' of key 'mac-addr' is not of type unicast-mac",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { mac-addr: "0x:00:00:00:00:01"; }',
      "Value '0x:00:00:00:00:01' of key 'mac-addr' is not of type unicast-mac",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { passthrough: 1; }',
      "Value '(null)' of key 'passthrough' is not of type bool",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 1; } VF-0 { passthrough: "yes please"; }',
      "Value 'yes please' of key 'passthrough' is not of type bool",
    ],
    ['PF { device: "ixl0"; num_vfs: 2; } VF-65536 { }', "VF number 65536 is too large to be valid"],
    ['PF { device: "ixl0"; num_vfs: 2; } VF-7 { } VF-65536 { }', "VF number 7 is out of bounds (num_vfs=2)"],
    ['PF { device: "ixl0"; num_vfs: 2; } VF-01 { }', "Unexpected top-level node: VF-01"],
    ['PF { device: "ixl0"; num_vfs: 2; } VF- { }', "Unexpected top-level node: VF-"],
    // '+' is not a key character for libucl: only a quoted key can carry it to iovctl.
    ['PF { device: "ixl0"; num_vfs: 2; } "VF-+1" { }', "Unexpected top-level node: VF-+1"],
    ['PF { device: "ixl0"; num_vfs: 2; } vf-1 { } VF-1 { }', "Multiple definitions of 'VF-1' in config file"],
    [
      'Default { } PF { device: "ixl0"; num_vfs: 2; } DEFAULT { }',
      "Multiple definitions of 'DEFAULT' in config file",
    ],
    [
      'PF { device: "ixl0"; num_vfs: 2; } VF-1 { } default { }',
      "'default' section must precede all VF sections",
    ],
    ['PF { device: "ixl0"; num_vfs: 2; } VF-1 { Bogus: 1 }', "VF-1: Invalid config key 'Bogus'"],
    ['pF { device: "ixl0"; num-queues: 2; }', "pF: Invalid config key 'num-queues'"],
    ['PF { device: "ixl0"; } VF-9 { }', "Required parameter 'num_vfs' not found in 'PF'"],
    ["PF { Device: 7; num_vfs: 1; }", "Config PF.device must be a string: No error: 0"],
    ["pf { num_vfs: 1; }", "Config file does not specify device"],
    ['PF { num_vfs: 1; } PF { device: "ixl0"; }', "Config file does not specify device"],
  ])("%s", async (text, message) => {
    expect(await dryRun(text)).toEqual({ code: 1, out: "", err: `iovctl: ${message}\n` });
  });
});

describe("kernel behaviour on other PFs", () => {
  it("igb0: above TotalVFs is EINVAL, above the driver's 7 is ENOSPC, 7 work (ARI: offset 0x80)", async () => {
    expect((await iovctl("-C", "-f", conf("PF { device: igb0; num_vfs: 9 }"))).err).toBe(
      "iovctl: Failed to configure SR-IOV: Invalid argument\n",
    );
    expect((await iovctl("-C", "-f", conf("PF { device: igb0; num_vfs: 8 }"))).err).toBe(
      "iovctl: Failed to configure SR-IOV: No space left on device\n",
    );
    expect(await iovctl("-C", "-f", conf("PF { device: igb0; num_vfs: 7 }"))).toEqual({
      code: 0,
      out: "",
      err: "",
    });
    const l = await cli("pciconf", "-l");
    expect(l.out).toContain("igbvf0@pci0:5:0:128:\t");
    expect(l.out).toContain("igbvf6@pci0:5:0:140:\t");
  });

  it("-L and -D on a PF without VFs; -D -n does not care", async () => {
    expect((await iovctl("-L", "-d", "ix0")).out).toBe(
      "ix0:\n\tidentity: pci-location=pci0:3:0:0\n\tsriov: enabled=no vfs=0/64\n",
    );
    expect((await iovctl("-D", "-d", "igb0")).err).toBe("iovctl: Failed to delete VFs: No child processes\n");
    expect((await iovctl("-D", "-n", "-d", "igb0")).code).toBe(0);
  });

  it("ppt attach/detach edge cases", async () => {
    const f = conf("PF { device: ix0; num_vfs: 2 } DEFAULT { passthrough: yes }");
    expect((await iovctl("-C", "-f", f)).code).toBe(0);
    expect((await cli("vm", "attach", "vm1", "ppt1")).code).toBe(0);
    const again = await cli("vm", "attach", "vm2", "ppt1");
    expect(again).toEqual({ code: 1, out: "", err: "iovsim: ppt1 is already attached to VM 'vm1'\n" });
    const busy = await iovctl("-D", "-f", f);
    expect(busy.err).toBe("iovctl: Failed to delete VFs: Device busy\n");
    // VF-0 (ppt0) was detached before ppt1 refused: still SR-IOV on, ppt0 shown unattached.
    expect((await iovctl("-L", "-d", "ix0")).out).toContain("\t\t\thost: attached=no passthrough=yes\n");
    expect((await cli("dmesg")).out).toContain("ix0: Could not disable SR-IOV: failed to detach VF ppt1\n");
    expect((await cli("vm", "detach", "vm1")).code).toBe(0);
    expect(await iovctl("-D", "-f", f)).toEqual({ code: 0, out: "", err: "" });
    expect((await cli("vm", "attach", "vm1", "ppt1")).code).toBe(1);
    expect(await cli("vm", "attach", "vm1", "ix0")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: ix0 is a PF, not a VF: give the VM one of its passthrough VFs (pptN)\n",
    });
  });
});

describe("state directory and host files", () => {
  it("a state.json without a version is reported as such, and reset repairs it", async () => {
    mkdirSync(state);
    writeFileSync(join(state, "state.json"), "{}\n");
    const r = await cli("pciconf", "-l");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: state file ${join(state, "state.json")} is corrupt: no "version" field; run 'iovsim reset' to start from a clean host\n`,
    );
    expect((await cli("reset")).code).toBe(0);
    expect((await cli("pciconf", "-l")).code).toBe(0);
  });

  it("a state path that is a file: clear message, exit 1, no stack", async () => {
    const file = conf("not a directory", "plain");
    let err = "";
    const code = await runCli(["--state", file, "reset"], { out: () => {}, err: (t) => (err += t) });
    expect({ code, err }).toEqual({
      code: 1,
      err: `iovsim: cannot create state directory ${file}: ${file} is a file, not a directory\n`,
    });
  });

  it.skipIf(!existsSync("/proc/self"))(
    "a state directory that cannot be created under /proc: an error, not a hang",
    async () => {
      // Node 20's recursive mkdir spins forever when mkdir(2) says ENOENT under /proc.
      let err = "";
      const code = await runCli(["--state", "/proc/iovsim-none/a", "reset"], {
        out: () => {},
        err: (t) => (err += t),
      });
      expect({ code, err }).toEqual({
        code: 1,
        err: "iovsim: cannot create state directory /proc/iovsim-none/a: No such file or directory\n",
      });
    },
    10_000,
  );

  it("reset --host: missing file and bad selectors are named plainly", async () => {
    const missing = join(dir, "none.json");
    expect(await cli("reset", "--host", missing)).toEqual({
      code: 1,
      out: "",
      err: `iovsim: cannot read host file '${missing}': No such file or directory\n`,
    });
    for (const sel of ["pci0:256:0:0", "pci0:1:32:0", "pci0:1:0:8"]) {
      const h = conf(
        JSON.stringify({ devices: [{ name: "ixl0", selector: sel, profile: "ixl" }] }),
        "h.json",
      );
      const r = await cli("reset", "--host", h);
      expect(r.code, sel).toBe(1);
      expect(r.err, sel).toBe(
        `iovsim: invalid host file:\n  ${h}:1:39: $.devices[0].selector: expected a selector like pci0:1:0:0 (bus 0-255, slot 0-31, function 0-7)\n`,
      );
    }
  });

  it("reset --host: PFs whose VFs would share routing IDs are refused; interleaved ones are fine", async () => {
    // Both X710 ports with no sriov setting: each reports its own First VF Offset (16, 79).
    const natural = conf(
      JSON.stringify({
        devices: [
          { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl" },
          { name: "ixl1", selector: "pci0:1:0:1", profile: "ixl" },
        ],
      }),
      "natural.json",
    );
    expect((await cli("reset", "--host", natural)).code).toBe(0);
    expect((await iovctl("-C", "-f", conf("PF { device: ixl1; num_vfs: 1 }", "n.conf"))).code).toBe(0);
    expect((await cli("pciconf", "-l")).out).toContain("iavf0@pci0:1:0:80:\t");
    // An override that puts ixl1's VFs on ixl0's is refused, naming the override.
    const overlap = conf(
      JSON.stringify({
        devices: [
          { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl" },
          { name: "ixl1", selector: "pci0:1:0:1", profile: "ixl", sriov: { firstVfOffset: 16 } },
        ],
      }),
      "overlap.json",
    );
    const r = await cli("reset", "--host", overlap);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `iovsim: invalid host file:\n  ${overlap}:1:132: $.devices[1].sriov: VF 0 of ixl1 would take routing ID 0x0111, already used by ixl0 VF 1; set sriov.firstVfOffset/vfStride so the PFs' VFs do not overlap\n`,
    );
    // The 82599's two ports: offset 128, stride 2 each, so PF 1's VFs take the odd functions.
    const dual = conf(
      JSON.stringify({
        devices: [
          { name: "ix0", selector: "pci0:3:0:0", profile: "ix" },
          { name: "ix1", selector: "pci0:3:0:1", profile: "ix" },
        ],
      }),
      "dual.json",
    );
    expect((await cli("reset", "--host", dual)).code).toBe(0);
    expect((await iovctl("-C", "-f", conf("PF { device: ix0; num_vfs: 2 }", "a.conf"))).code).toBe(0);
    expect((await iovctl("-C", "-f", conf("PF { device: ix1; num_vfs: 2 }", "b.conf"))).code).toBe(0);
    const l = (await cli("pciconf", "-l")).out;
    expect(l).toContain("ixv0@pci0:3:0:128:\t");
    expect(l).toContain("ixv2@pci0:3:0:129:\t");
    expect(l).toContain("ixv3@pci0:3:0:131:\t");
  });

  it("reset --host= with no file is a usage error, not a silent default reset", async () => {
    expect(await cli("reset", "--host=")).toEqual({
      code: 1,
      out: "",
      err: "iovsim: reset: option '--host' needs a file\n",
    });
  });

  it("an empty --state is refused instead of using the current directory", async () => {
    for (const argv of [["--state", ""], ["--state="]]) {
      let err = "";
      const code = await runCli([...argv, "pciconf", "-l"], { out: () => {}, err: (t) => (err += t) });
      expect({ code, err }, argv.join(" ")).toEqual({
        code: 1,
        err: "iovsim: option '--state' needs a directory\n",
      });
    }
  });

  it("two different --state directories are refused (which host was meant?); the same one twice is fine", async () => {
    let err = "";
    const code = await runCli(["--state", join(dir, "a"), "pciconf", "-l", `--state=${join(dir, "b")}`], {
      out: () => {},
      err: (t) => (err += t),
    });
    expect({ code, err }).toEqual({
      code: 1,
      err: `iovsim: option '--state' given twice ('${join(dir, "a")}' and '${join(dir, "b")}'): give one directory\n`,
    });
    let out = "";
    const same = await runCli(
      ["--state", join(dir, "a"), "pciconf", "-l", "ixl0", "--state", join(dir, "a")],
      {
        out: (t) => (out += t),
        err: () => {},
      },
    );
    expect(same).toBe(0);
    expect(out).toMatch(/^ixl0@pci0:1:0:0:/);
  });

  it("validate -f DIR names the problem in words", async () => {
    const d = join(dir, "adir");
    mkdirSync(d);
    expect(await cli("validate", "-f", d)).toEqual({
      code: 1,
      out: "",
      err: `iovsim: validate: cannot read '${d}': Is a directory\n`,
    });
  });
});

describe("two processes at once", () => {
  function run(args: string[]): Promise<{ code: number | null; err: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [join(REPO, "bin", "iovsim.js"), "--state", state, ...args]);
      let err = "";
      p.stderr.on("data", (d) => (err += d));
      p.on("close", (code) => resolve({ code, err }));
    });
  }

  it("iovctl -C of two different PFs both land in the state", async () => {
    const a = conf("PF { device: ixl0; num_vfs: 3 }", "a.conf");
    const b = conf("PF { device: ix0; num_vfs: 2 }", "b.conf");
    const [ra, rb] = await Promise.all([run(["iovctl", "-C", "-f", a]), run(["iovctl", "-C", "-f", b])]);
    expect(ra).toEqual({ code: 0, err: "" });
    expect(rb).toEqual({ code: 0, err: "" });
    const l = await cli("pciconf", "-l");
    expect(l.out.match(/^iavf\d@/gm)).toHaveLength(3);
    expect(l.out.match(/^ixv\d@/gm)).toHaveLength(2);
  }, 30_000);
});
