// libnv dump/size (§1.4.2) and the -S listing (§1.4.1) as pure functions.
import { describe, expect, it } from "vitest";
import { configToNvList, dumpNvList, type NvList, packedSize } from "../../src/nic/nvlist.ts";
import { formatSchema } from "../../src/nic/schema-format.ts";
import type { PfSchema } from "../../src/nic/types.ts";
import { IX_SCHEMA, IXL_SCHEMA } from "./schemas.ts";

describe("nvlist_dump format", () => {
  it("prints every type as libnv does", () => {
    const list: NvList = [
      ["b", true],
      ["f", false],
      ["n", 3],
      ["big", 0xffffffffffffffffn],
      ["s", "ixl0"],
      ["mac", new Uint8Array([2, 1, 2, 3, 4, 5])],
      ["nested", [["inner", [["x", 0]]]]],
      ["empty", []],
      ["nil", null],
    ];
    expect(dumpNvList(list)).toBe(
      [
        "b (BOOL): TRUE",
        "f (BOOL): FALSE",
        "n (NUMBER): 3 (3) (0x3)",
        "big (NUMBER): 18446744073709551615 (-1) (0xffffffffffffffff)",
        "s (STRING): [ixl0]",
        "mac (BINARY): 6 020102030405",
        "nested (NVLIST):",
        "    inner (NVLIST):",
        "        x (NUMBER): 0 (0) (0x0)",
        "empty (NVLIST):",
        "nil (NULL): null",
        "",
      ].join("\n"),
    );
  });

  it("packed size follows libnv's nvlist_size arithmetic", () => {
    // header 19; pair: 19 + name + 1 + data
    expect(packedSize([])).toBe(19);
    expect(packedSize([["b", true]])).toBe(19 + 19 + 2 + 1);
    expect(packedSize([["n", 1]])).toBe(19 + 19 + 2 + 8);
    expect(packedSize([["s", "ixl0"]])).toBe(19 + 19 + 2 + 5);
    expect(packedSize([["m", new Uint8Array(6)]])).toBe(19 + 19 + 2 + 6);
    // nested list: pair header + name + nested header + NVLIST_UP pair (19 + 1)
    expect(packedSize([["l", []]])).toBe(19 + 19 + 2 + 19 + 20);
    expect(packedSize([["l", [["b", true]]]])).toBe(19 + 19 + 2 + 19 + 20 + 22);
  });

  it("config nvlist: PF then VF-i, DRIVER before IOV", () => {
    const nv = configToNvList({
      pf: { driver: [], iov: [["num_vfs", 1]] },
      vfs: [{ driver: [["vlan", 4096]], iov: [] }],
    });
    expect(nv.map(([k]) => k)).toEqual(["PF", "VF-0"]);
    expect((nv[1][1] as NvList).map(([k]) => k)).toEqual(["DRIVER", "IOV"]);
  });
});

describe("-S listing", () => {
  it("ixl schema, tab indent, suffixes, blank line between blocks", () => {
    expect(formatSchema(IXL_SCHEMA)).toEqual({
      text:
        "The following configuration parameters may be configured on the PF:\n\tnum_vfs : uint16_t (required)\n\tdevice : string (required)\n" +
        "\nThe following configuration parameters may be configured on a VF:\n\tpassthrough : bool (default = false)\n" +
        "\tmac-addr : unicast-mac (optional)\n\tmac-anti-spoof : bool (default = true)\n\tallow-set-mac : bool (default = false)\n" +
        "\tallow-promisc : bool (default = false)\n\tnum-queues : uint16_t (default = 4)\n",
    });
    expect(formatSchema(IX_SCHEMA).text).toContain("\tvlan : vlan (default = trunk)\n");
  });

  it("IOV before DRIVER; string, MAC and vlan defaults; unknown type stops with an error", () => {
    const schema = {
      pf: {
        iov: [{ name: "num_vfs", type: "uint16_t", required: true }],
        driver: [{ name: "mode", type: "string", default: "fast" }],
      },
      vf: {
        driver: [
          { name: "mac", type: "unicast-mac", default: "2:A:0:0:0:1" },
          { name: "vlan", type: "vlan", default: 7 },
          { name: "odd", type: "float" },
        ],
        iov: [{ name: "passthrough", type: "bool", default: false }],
      },
    } as unknown as PfSchema;
    const r = formatSchema(schema);
    expect(r.text).toContain("\tnum_vfs : uint16_t (required)\n\tmode : string (default = fast)\n");
    expect(r.text).toContain(
      "\tpassthrough : bool (default = false)\n\tmac : unicast-mac (default = 02:0a:00:00:00:01)\n\tvlan : vlan (default = 7)\n",
    );
    expect(r.error).toBe("Unexpected type in schema: 'float'");
  });
});
