// RID arithmetic and pciconf selectors (control-plane.md §4.3, §8 item 28).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressOfRid, formatSelector, parseSelector, planVfRids } from "../../src/nic/index.ts";
import { ridOf, vfsFitOnBus } from "../../src/nic/pci.ts";

describe("VF routing IDs", () => {
  it("VF RID = PF RID + First VF Offset + i·Stride", () => {
    const ixl = planVfRids(0x100, 16, 1, 2);
    expect([ixl.rid(0), ixl.rid(1)]).toEqual([0x110, 0x111]);
    const ix = planVfRids(0x300, 128, 2, 63);
    expect([ix.rid(0), ix.rid(1), ix.lastRid]).toEqual([0x380, 0x382, 0x3fc]);
  });

  it("ARI shows slot 0 and function = devfn; without ARI slot (rid>>3)&0x1f, function rid&7", () => {
    expect(formatSelector(addressOfRid(0x110, true))).toBe("pci0:1:0:16");
    expect(formatSelector(addressOfRid(0x111, true))).toBe("pci0:1:0:17");
    expect(formatSelector(addressOfRid(0x380, true))).toBe("pci0:3:0:128");
    expect(formatSelector(addressOfRid(0x382, true))).toBe("pci0:3:0:130");
    expect(formatSelector(addressOfRid(0x580, false))).toBe("pci0:5:16:0");
    expect(formatSelector(addressOfRid(0x58e, false))).toBe("pci0:5:17:6");
    // Linux 82599 example: PF 82:00.1, offset 0x80 stride 2 → first VF 82:10.1
    expect(addressOfRid(planVfRids(0x8201, 0x80, 2, 1).rid(0), false)).toMatchObject({
      bus: 0x82,
      slot: 0x10,
      function: 1,
    });
  });

  it("VFs must stay on the PF's bus", () => {
    expect(vfsFitOnBus(0x100, planVfRids(0x100, 16, 1, 240))).toBe(true); // last 0x1ff
    expect(vfsFitOnBus(0x100, planVfRids(0x100, 16, 1, 241))).toBe(false); // 0x200 = bus 2
    expect(vfsFitOnBus(0xff00, planVfRids(0xff00, 16, 1, 241))).toBe(false); // past RID 0xffff
  });

  it("rid ↔ address round-trips (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.boolean(), (rid, ari) => {
        expect(ridOf(addressOfRid(rid, ari), ari)).toBe(rid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("selectors", () => {
  it("parses like pciconf's parsesel", () => {
    expect(parseSelector("pci0:1:0:16")).toEqual({ domain: 0, bus: 1, slot: 0, function: 16 });
    expect(parseSelector("pci1:0:16")).toEqual({ domain: 0, bus: 1, slot: 0, function: 16 });
    expect(parseSelector("pci3:4")).toEqual({ domain: 0, bus: 3, slot: 4, function: 0 });
    expect(parseSelector("iavf0@pci0:1:0:16:")).toEqual({ domain: 0, bus: 1, slot: 0, function: 16 });
    expect(parseSelector("ixl0")).toBeUndefined();
    expect(parseSelector("pci0:1:0:16:5")).toBeUndefined();
    expect(parseSelector("pcix:1")).toBeUndefined();
  });
});
