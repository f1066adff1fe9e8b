// iovctl's parse (§2.4) and validate (§2.5) phases: FreeBSD's messages, order and results.
import { describe, expect, it } from "vitest";
import { loadIovConfig } from "../../src/nic/iovctl-validate.ts";
import type { IovConfig } from "../../src/nic/types.ts";
import { schemaFor } from "./schemas.ts";

/** The message iovctl would print (first error), or the config. */
function run(text: string): { error?: string; config?: IovConfig; at?: string } {
  const r = loadIovConfig(text, schemaFor);
  const first = r.diagnostics.find((d) => d.severity === "error");
  if (first) return { error: first.message, at: `${first.line}:${first.column}` };
  return { config: r.config };
}

function errorOf(text: string): string | undefined {
  return run(text).error;
}

function ok(text: string): IovConfig {
  const r = run(text);
  if (!r.config) throw new Error(`unexpected error: ${r.error}`);
  return r.config;
}

describe("§9.1 valid fixtures", () => {
  it("V01 minimal: two VFs, empty DRIVER/IOV", () => {
    const c = ok('PF { device : "ixl0"; num_vfs : 2; }');
    expect(c.pf.iov).toEqual([
      ["device", "ixl0"],
      ["num_vfs", 2],
    ]);
    expect(c.vfs).toEqual([
      { driver: [], iov: [] },
      { driver: [], iov: [] },
    ]);
  });

  it("V02 DEFAULT copied, VF section overrides (item 22)", () => {
    const c = ok(
      'PF { device: "ixl0"; num_vfs: 3; }\nDEFAULT { passthrough: true; }\nVF-2 { passthrough: false; mac-addr: "02:aa:00:00:00:02"; }',
    );
    expect(c.vfs[0].iov).toEqual([["passthrough", true]]);
    expect(c.vfs[1].iov).toEqual([["passthrough", true]]);
    expect(c.vfs[2].iov).toEqual([["passthrough", false]]);
    expect(c.vfs[2].driver).toEqual([["mac-addr", new Uint8Array([2, 0xaa, 0, 0, 0, 2])]]);
  });

  it("V03 case-insensitive names, hex integer, yes/off booleans (item 11, 17)", () => {
    const c = ok(
      'pf { Device = "ixl0"; NUM_VFS = 0x4; }\ndefault { Allow-Set-Mac = yes; }\nvf-3 { mac-anti-spoof = off; }',
    );
    expect(c.pf.iov).toEqual([
      ["Device", "ixl0"],
      ["NUM_VFS", 4],
    ]);
    expect(c.vfs).toHaveLength(4);
    expect(c.vfs[0].driver).toEqual([["Allow-Set-Mac", true]]);
    // the VF's own keys first, then DEFAULT's (apply_subsystem_defaults appends)
    expect(c.vfs[3].driver).toEqual([
      ["mac-anti-spoof", false],
      ["Allow-Set-Mac", true],
    ]);
  });

  it("V05 vlan: TRUNK (any case) = 4096, numbers 0..4095", () => {
    const c = ok('PF { device: "ix0"; num_vfs: 2; }\nDEFAULT { vlan: "TRUNK"; }\nVF-0 { vlan: 100; }');
    expect(c.vfs[0].driver).toEqual([["vlan", 100]]);
    expect(c.vfs[1].driver).toEqual([["vlan", 4096]]);
    expect(ok('PF { device: "ix0"; num_vfs: 1; }\nVF-0 { vlan: trunk; }').vfs[0].driver).toEqual([
      ["vlan", 4096],
    ]);
    expect(ok('PF { device: "ix0"; num_vfs: 1; }\nVF-0 { vlan: 0; }').vfs[0].driver).toEqual([["vlan", 0]]);
  });
});

describe("§9.2 invalid fixtures: exact messages", () => {
  const cases: Array<[string, string, string]> = [
    ["E01", "DEFAULT { passthrough: true; }", "Config file does not specify device"],
    ["E03", 'PF { device: "ixl0"; }', "Required parameter 'num_vfs' not found in 'PF'"],
    ["E04", 'PF { device: "ixl0"; num_vfs: 0; }', "PF.num_vfs must be at least 1"],
    ["E06", 'PF { device: "ixl0"; num_vfs: "2"; }', "Value '2' of key 'num_vfs' is not of type uint16_t"],
    ["E07", 'PF { device: "ixl0"; num_vfs: 2; } VF-2 { }', "VF number 2 is out of bounds (num_vfs=2)"],
    [
      "E09",
      'PF {device:"ixl0"; num_vfs:2;} VF-0 {} DEFAULT {passthrough:true;}',
      "'default' section must precede all VF sections",
    ],
    ["E10", 'PF {device:"ixl0"; num_vfs:1;} VF-0 { mtu: 9000; }', "VF-0: Invalid config key 'mtu'"],
    [
      "E12",
      'PF {device:"ixl0"; num_vfs:1;} VF-0 { mac-addr: "01:00:5e:00:00:01"; }',
      "Value '01:00:5e:00:00:01' of key 'mac-addr' is a multicast address",
    ],
    [
      "E14",
      'PF {device:"ixl0"; num_vfs:1;} VF-0 { passthrough: "true"; }',
      "Value 'true' of key 'passthrough' is not of type bool",
    ],
    ["E16", 'PF { device: "ixl0"; num_vfs: 1; passthrough: true; }', "PF: Invalid config key 'passthrough'"],
    [
      "E18",
      'PF {device:"ix0"; num_vfs:1;} VF-0 { vlan: 5000; }',
      "Value '(null)' of key 'vlan' is not of type vlan",
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`${name}: ${message}`, () => expect(errorOf(text)).toBe(message));
  }

  it("E20 unterminated file is a located syntax error", () => {
    const r = loadIovConfig('PF { device: "ixl0"; num_vfs: 2 ', schemaFor);
    expect(r.diagnostics[0]).toMatchObject({ phase: "syntax", line: 1, column: 33 });
  });
});

describe("§8 parse-phase rules", () => {
  const pf = 'PF { device: "ixl0"; num_vfs: 2; }\n';

  it("item 9: device from the first case-insensitive PF section; not a string", () => {
    expect(errorOf("pf { num_vfs: 1; }")).toBe("Config file does not specify device");
    expect(errorOf("PF { DEVICE: 5; num_vfs: 1 }")).toBe("Config PF.device must be a string: No error: 0");
    expect(errorOf("PF = 5")).toBe("Config file does not specify device");
  });

  it("item 12: VF-01, VF-, GLOBAL are unexpected top-level nodes", () => {
    expect(errorOf(`${pf}VF-01 { }`)).toBe("Unexpected top-level node: VF-01");
    expect(errorOf(`${pf}VF- { }`)).toBe("Unexpected top-level node: VF-");
    expect(errorOf(`${pf}GLOBAL { }`)).toBe("Unexpected top-level node: GLOBAL");
    expect(errorOf(`${pf}vf-1 { }`)).toBeUndefined();
  });

  it("item 13: DEFAULT after a VF section, whatever its spelling", () => {
    expect(errorOf(`${pf}VF-1 { }\nDeFaUlT { }`)).toBe("'default' section must precede all VF sections");
    expect(errorOf(`DEFAULT { }\n${pf}VF-1 { }`)).toBeUndefined();
  });

  it("item 14: duplicate sections, case-insensitive, named as written", () => {
    expect(errorOf(`${pf}pf { device: "ixl0"; num_vfs: 2; }`)).toBe(
      "Multiple definitions of 'pf' in config file",
    );
    expect(errorOf(`${pf}VF-0 { }\nvf-0 { }`)).toBe("Multiple definitions of 'vf-0' in config file");
    expect(errorOf(`${pf}VF-0 { }\nVF-0 { }`)).toBe("Multiple definitions of 'VF-0' in config file");
    expect(errorOf(`DEFAULT { }\nDEFAULT { }\n${pf}`)).toBe(
      "Multiple definitions of 'DEFAULT' in config file",
    );
    // libucl visits repeated keys together, at the first copy's place
    expect(errorOf(`${pf}VF-0 { }\nDEFAULT { }\nVF-0 { }`)).toBe(
      "Multiple definitions of 'VF-0' in config file",
    );
  });

  it("item 15: unknown key names the section as written; PF keys are not VF keys", () => {
    expect(errorOf(`${pf}vf-1 { Bogus: 1 }`)).toBe("vf-1: Invalid config key 'Bogus'");
    expect(errorOf(`${pf}default { num_vfs: 1 }`)).toBe("default: Invalid config key 'num_vfs'");
    expect(errorOf('PF { device: "ixl0"; num_vfs: 2; mac-addr: "02:00:00:00:00:01" }')).toBe(
      "PF: Invalid config key 'mac-addr'",
    );
  });

  it("item 16: (null) for non-string values, text for strings", () => {
    expect(errorOf('PF { device: "ixl0"; num_vfs: 70000; }')).toBe(
      "Value '(null)' of key 'num_vfs' is not of type uint16_t",
    );
    expect(errorOf('PF { device: "ixl0"; num_vfs: -1; }')).toBe(
      "Value '(null)' of key 'num_vfs' is not of type uint16_t",
    );
    expect(errorOf(`${pf}VF-0 { passthrough: 1 }`)).toBe(
      "Value '(null)' of key 'passthrough' is not of type bool",
    );
    expect(errorOf(`${pf}VF-0 { passthrough: yes please }`)).toBe(
      "Value 'yes please' of key 'passthrough' is not of type bool",
    );
    expect(errorOf(`${pf}VF-0 { mac-addr: 5 }`)).toBe(
      "Value '(null)' of key 'mac-addr' is not of type unicast-mac",
    );
    expect(errorOf(`${pf}VF-0 { num-queues: "4" }`)).toBe(
      "Value '4' of key 'num-queues' is not of type uint16_t",
    );
    expect(errorOf(`${pf}VF-0 { num-queues: { } }`)).toBe(
      "Value '(null)' of key 'num-queues' is not of type uint16_t",
    );
    expect(errorOf('PF { device: "ixl0"; num_vfs: true; }')).toBe(
      "Value '(null)' of key 'num_vfs' is not of type uint16_t",
    );
    expect(errorOf("PF { device: 12; num_vfs: 1; }")).toBe("Config PF.device must be a string: No error: 0");
  });

  it("a file saved with a byte order mark has no PF for libucl: FreeBSD's message, validate says why", () => {
    const r = loadIovConfig(`\uFEFF${pf}`, schemaFor);
    expect(r.config).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({
      line: 1,
      column: 1,
      message: "Config file does not specify device",
      detail: expect.stringContaining("starts with a UTF-8 byte order mark"),
    });
  });

  it("a '//' line is a key to libucl: FreeBSD's message, and validate's detail says why", () => {
    const r = loadIovConfig(`${pf}// the VFs\nVF-0 { passthrough: true; }`, schemaFor);
    expect(r.diagnostics[0]).toMatchObject({
      line: 2,
      column: 1,
      message: "Unexpected top-level node: //",
      detail: "Unexpected top-level node: // ('//' does not start a comment in UCL: use # or /* */)",
    });
  });

  it("item 17: integers from hex, k/kb, floats and times truncated; quoted numbers rejected", () => {
    const nq = (v: string) => {
      // The ';' right after the value: libucl reads `2k }` (a blank after a suffix) as the string "2k".
      const r = run(`${pf}VF-0 { num-queues: ${v}; }`);
      return r.error ?? r.config?.vfs[0].driver[0][1];
    };
    expect(nq("2k ")).toBe("Value '2k' of key 'num-queues' is not of type uint16_t");
    expect(nq("2 /* two */")).toBe("Value '2' of key 'num-queues' is not of type uint16_t");
    expect(nq("nan")).toBe("Value '(null)' of key 'num-queues' is not of type uint16_t");
    expect(nq("0x10")).toBe(16);
    expect(nq("2k")).toBe(2000);
    expect(nq("2kb")).toBe(2048);
    expect(nq("2.9")).toBe(2);
    expect(nq("1min")).toBe(60);
    expect(nq("64kb")).toBe("Value '(null)' of key 'num-queues' is not of type uint16_t");
    expect(nq("65535")).toBe(65535);
    expect(nq("65536")).toBe("Value '(null)' of key 'num-queues' is not of type uint16_t");
    expect(nq('"4"')).toBe("Value '4' of key 'num-queues' is not of type uint16_t");
    expect(nq("four")).toBe("Value 'four' of key 'num-queues' is not of type uint16_t");
  });

  it("booleans accept only unquoted true/false/yes/no/on/off", () => {
    const pt = (v: string) => {
      const r = run(`${pf}VF-0 { passthrough: ${v} }`);
      return r.error ?? r.config?.vfs[0].iov[0][1];
    };
    expect(pt("ON")).toBe(true);
    expect(pt("No")).toBe(false);
    expect(pt("'yes'")).toBe("Value 'yes' of key 'passthrough' is not of type bool");
    expect(pt("0")).toBe("Value '(null)' of key 'passthrough' is not of type bool");
  });

  it("uint8/32/64 ranges and strings", () => {
    const wide = (pfExtra: string, vf: string) =>
      errorOf(`PF { device: "wide0"; num_vfs: 1; mode: x; ${pfExtra} }\nVF-0 { token: t; ${vf} }`);
    expect(wide("u8: 255", "")).toBeUndefined();
    expect(wide("u8: 256", "")).toBe("Value '(null)' of key 'u8' is not of type uint8_t");
    expect(wide("", "u32: 4294967295")).toBeUndefined();
    expect(wide("", "u32: 4294967296")).toBe("Value '(null)' of key 'u32' is not of type uint32_t");
    expect(wide("", "u64: 9223372036854775807")).toBeUndefined();
    expect(wide("mode: 5", "")).toBe("Value '(null)' of key 'mode' is not of type string");
  });

  it("item 18: MAC fields and quirks of strtok/strtoul", () => {
    const mac = (v: string) => {
      const r = run(`${pf}VF-0 { mac-addr: "${v}" }`);
      return (
        r.error ??
        [...((r.config?.vfs[0].driver[0][1] ?? new Uint8Array()) as Uint8Array)]
          .map((b) => b.toString(16))
          .join(":")
      );
    };
    const bad = (v: string) => `Value '${v}' of key 'mac-addr' is not of type unicast-mac`;
    expect(mac("02:AA:0:0:0:2")).toBe("2:aa:0:0:0:2");
    expect(mac("02::00:00:00:01:02")).toBe("2:0:0:0:1:2");
    expect(mac(":02:00:00:00:01:02:")).toBe("2:0:0:0:1:2");
    expect(mac("+a:00:00:00:00:01")).toBe("a:0:0:0:0:1");
    expect(mac("00:00:00:00:00:00")).toBe("0:0:0:0:0:0");
    expect(mac("02:00:00:00:01")).toBe(bad("02:00:00:00:01"));
    expect(mac("02:00:00:00:00:01:03")).toBe(bad("02:00:00:00:00:01:03"));
    expect(mac("002:00:00:00:00:01")).toBe(bad("002:00:00:00:00:01"));
    expect(mac("0g:00:00:00:00:01")).toBe(bad("0g:00:00:00:00:01"));
    expect(mac("-1:00:00:00:00:01")).toBe(bad("-1:00:00:00:00:01"));
    expect(mac("ff:ff:ff:ff:ff:ff")).toBe(
      "Value 'ff:ff:ff:ff:ff:ff' of key 'mac-addr' is a multicast address",
    );
    expect(mac("03:00:00:00:00:01")).toBe(
      "Value '03:00:00:00:00:01' of key 'mac-addr' is a multicast address",
    );
    expect(errorOf(`${pf}VF-0 { mac-addr: 02:00:00:00:00:09 }`)).toBeUndefined();
  });

  it("vlan: strings other than trunk and out-of-range numbers", () => {
    const vlan = (v: string) => errorOf(`PF { device: "ix0"; num_vfs: 1; }\nVF-0 { vlan: ${v} }`);
    expect(vlan('"4"')).toBe("Value '4' of key 'vlan' is not of type vlan");
    expect(vlan("4095")).toBeUndefined();
    expect(vlan("4096")).toBe("Value '(null)' of key 'vlan' is not of type vlan");
    expect(vlan("-1")).toBe("Value '(null)' of key 'vlan' is not of type vlan");
    expect(vlan("any")).toBe("Value 'any' of key 'vlan' is not of type vlan");
  });

  it("duplicate parameter keys are rejected (documented divergence)", () => {
    expect(errorOf(`${pf}VF-0 { passthrough: true; Passthrough: false }`)).toBe(
      "VF-0: Multiple definitions of config key 'Passthrough'",
    );
  });

  it("a scalar section iterates as itself, as libucl does", () => {
    expect(errorOf(`${pf}VF-0 = 5`)).toBe("VF-0: Invalid config key 'VF-0'");
    expect(errorOf(`${pf}VF-0 = [1]`)).toBe("VF-0: section must be an object, not an array");
  });

  it("a top-level array is refused at its bracket (documented divergence: FreeBSD's iovctl crashes)", () => {
    // libucl accepts it; iovctl's find_device then calls strcasecmp() on an element's NULL key.
    expect(run(`[ ${pf.trim()} ]`)).toEqual({
      error: "the top level must be an object, not an array",
      at: "1:1",
    });
    expect(run("\n  []")).toEqual({ error: "the top level must be an object, not an array", at: "2:3" });
  });
});

describe("§8 validate-phase rules and precedence", () => {
  it("item 19/20: required num_vfs, at least 1, VF numbers out of bounds and too large", () => {
    expect(errorOf('PF { device: "ixl0"; num_vfs: 65535; }\nVF-65536 { }')).toBe(
      "VF number 65536 is too large to be valid",
    );
    expect(errorOf('PF { device: "ixl0"; num_vfs: 3; }\nVF-99999999999999999999999 { }')).toBe(
      "VF number 18446744073709551615 is too large to be valid",
    );
    expect(errorOf('PF { device: "ixl0"; num_vfs: 3; }\nVF-7 { }\nVF-3 { }')).toBe(
      "VF number 7 is out of bounds (num_vfs=3)",
    );
  });

  it("required driver parameters, PF DRIVER before IOV, then each VF", () => {
    expect(errorOf('PF { device: "wide0"; }')).toBe("Required parameter 'mode' not found in 'PF'");
    expect(errorOf('PF { device: "wide0"; mode: a; }')).toBe(
      "Required parameter 'num_vfs' not found in 'PF'",
    );
    expect(errorOf('PF { device: "wide0"; mode: a; num_vfs: 2 }\nVF-0 { token: x }')).toBe(
      "Required parameter 'token' not found in 'VF-1'",
    );
    expect(errorOf('PF { device: "wide0"; mode: a; num_vfs: 2 }\nDEFAULT { token: x }')).toBeUndefined();
  });

  it("validate order: required VF parameters before VF bounds", () => {
    expect(errorOf('PF { device: "wide0"; mode: a; num_vfs: 1 }\nVF-5 { token: x }')).toBe(
      "Required parameter 'token' not found in 'VF-0'",
    );
  });

  it("item 21: parse-phase errors beat validate-phase errors; first in file order wins", () => {
    expect(errorOf('PF { device: "ixl0"; }\nVF-0 { mtu: 1 }')).toBe("VF-0: Invalid config key 'mtu'");
    expect(errorOf('PF { device: "ixl0"; num_vfs: 0 }\nVF-9 { }\nVF-0 { passthrough: 2 }')).toBe(
      "Value '(null)' of key 'passthrough' is not of type bool",
    );
    expect(errorOf('PF { device: "ixl0"; num_vfs: 1 }\nVF-0 { a: 1; b: 2 }')).toBe(
      "VF-0: Invalid config key 'a'",
    );
    expect(errorOf('GLOBAL { }\nPF { device: "ixl0"; num_vfs: x }')).toBe(
      "Unexpected top-level node: GLOBAL",
    );
  });

  it("diagnostics carry positions of the key or value at fault", () => {
    expect(run('PF { device: "ixl0"; num_vfs: 2; }\nVF-0 {\n  mtu: 9000\n}').at).toBe("3:3");
    expect(run('PF { device: "ixl0"; num_vfs: 2; }\nVF-0 {\n  passthrough: maybe\n}').at).toBe("3:16");
    expect(run('PF { device: "ixl0"; num_vfs: 0; }').at).toBe("1:31");
    expect(run('PF { device: "ixl0"; num_vfs: 2; }\n\nVF-2 { }').at).toBe("3:1");
  });
});

describe("collect-all mode (iovsim validate)", () => {
  it("reports every problem, the first one being iovctl's", () => {
    const text =
      'PF { device: "ixl0"; num_vfs: 2; bogus: 1 }\nVF-0 { mtu: 9000; passthrough: "yes" }\nVF-5 { }\n';
    const r = loadIovConfig(text, schemaFor);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      "1:34 PF: Invalid config key 'bogus'",
      "2:8 VF-0: Invalid config key 'mtu'",
      "2:32 Value 'yes' of key 'passthrough' is not of type bool",
      "3:1 VF number 5 is out of bounds (num_vfs=2)",
    ]);
    expect(r.config).toBeUndefined();
  });

  it("does not report a missing key that was present with a bad value", () => {
    const r = loadIovConfig('PF { device: "ixl0"; num_vfs: "many" }', schemaFor);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "Value 'many' of key 'num_vfs' is not of type uint16_t",
    ]);
  });
});
