// NIC profiles load and validate; user host files are validated with errors naming file and JSON path.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allProfiles, Host, loadHostSpecFile } from "../../src/nic/index.ts";
import { config } from "./kernel-helpers.ts";

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), "iovsim-host-")), "host.json");
  writeFileSync(p, text);
  return p;
};

describe("NIC profiles", () => {
  it("ice, igb, ix and ixl load with their capability facts", () => {
    const p = allProfiles();
    expect([...p.keys()].sort()).toEqual(["ice", "igb", "ix", "ixl"]);
    expect(p.get("ixl")!.sriov).toMatchObject({
      totalVfs: 64,
      firstVfOffset: 16,
      vfStride: 1,
      vfDeviceId: 0x154c,
      ari: true,
    });
    expect(p.get("ix")!.pf).toMatchObject({ device: 0x10fb });
    expect(p.get("ix")!.sriov).toMatchObject({ vfDeviceId: 0x10ed, firstVfOffset: 128, vfStride: 2 });
    // The 82576 has the ARI capability: 128 with ARI Capable Hierarchy set, 384 without.
    expect(p.get("igb")!.sriov).toMatchObject({
      totalVfs: 8,
      vfDeviceId: 0x10ca,
      ari: true,
      firstVfOffset: 128,
      withoutAri: { firstVfOffset: 384 },
    });
    expect(p.get("igb")!.pf.device).toBe(0x10c9);
    expect(p.get("ixl")!.rss.keyBytes).toBe(52);
  });
});

describe("host file", () => {
  it("an unknown key is located at itself, not at the object holding it", () => {
    const p = file(
      '{\n "devices": [\n  { "name": "ixl0", "selector": "pci0:1:0:0", "profile": "ixl",\n    "colour": "blue" }\n ],\n "kernel": { "strict": true }\n}\n',
    );
    expect(() => loadHostSpecFile(p)).toThrow(
      `invalid host file:\n  ${p}:6:24: $.kernel.strict: Unrecognized key: "strict"\n  ${p}:4:15: $.devices[0].colour: Unrecognized key: "colour"`,
    );
  });

  it("a valid file builds a host with its own PFs and overrides", () => {
    const spec = loadHostSpecFile(
      file(
        JSON.stringify({
          devices: [
            { name: "ixl1", selector: "pci0:2:0:1", profile: "ixl", sriov: { totalVfs: 32 } },
            { name: "hostb0", selector: "pci0:0:0:0", class: "0x060000", vendor: "0x8086", device: "0x6f00" },
          ],
        }),
      ),
    );
    const h = Host.fresh(spec, "host.json");
    expect(h.pfs().map((p) => [p.name, p.selector, p.totalVfs])).toEqual([["ixl1", "pci0:2:0:1", 32]]);
    h.iovConfig("ixl1", config("ixl1", 1));
    // An X710 PF at function 1 reports First VF Offset 16 + (32 - 1) = 47: RID 0x201 + 47.
    expect(h.pf("ixl1")!.vfs[0].selector).toBe("pci0:2:0:48");
  });

  it("schema errors name file:line:column and JSON path", () => {
    const f = file(
      JSON.stringify({
        devices: [
          { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl", sriov: { totalVfs: "64" } },
          { name: "x", selector: "nope", class: "0x0200" },
        ],
      }),
    );
    expect(() => loadHostSpecFile(f)).toThrow(`${f}:1:88: $.devices[0].sriov.totalVfs:`);
    expect(() => loadHostSpecFile(f)).toThrow(
      `${f}:1:118: $.devices[1].selector: expected a selector like pci0:1:0:0`,
    );
  });

  it("semantic errors: unknown profile, duplicates, name not matching the driver", () => {
    const f = file(
      JSON.stringify({
        devices: [
          { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl" },
          { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl" },
          { name: "em0", selector: "pci0:4:0:0", profile: "e1000" },
          { name: "foo0", selector: "pci0:6:0:0", profile: "ix" },
        ],
      }),
    );
    const msg = (() => {
      try {
        loadHostSpecFile(f);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toContain("$.devices[1].name: duplicate device name 'ixl0'");
    expect(msg).toContain("$.devices[1].selector: duplicate selector pci0:1:0:0");
    expect(msg).toContain("$.devices[2].profile: unknown NIC profile 'e1000'");
    expect(msg).toContain(
      "$.devices[3].name: a 'ix' PF is named after its driver: expected ix<unit>, got 'foo0'",
    );
  });

  it("JSON syntax errors are located; a missing file is named", () => {
    expect(() => loadHostSpecFile(file('{\n  "devices": [,]\n}'))).toThrow(/host\.json:2:\d+: invalid JSON/);
    expect(() => loadHostSpecFile("/nonexistent/h.json")).toThrow(
      "cannot read host file '/nonexistent/h.json': No such file or directory",
    );
  });
});

describe("jsonErrorOffset", () => {
  it("agrees with JSON.parse on validity and points at the offending character", async () => {
    const { jsonErrorOffset } = await import("../../src/nic/json-locate.ts");
    const fc = (await import("fast-check")).default;
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": 1')).toBe(7);
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (t) => {
        let ok = true;
        try {
          JSON.parse(t);
        } catch {
          ok = false;
        }
        expect(jsonErrorOffset(t) === -1).toBe(ok);
      }),
      { numRuns: 3000 },
    );
  });
});
