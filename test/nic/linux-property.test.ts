// Properties of the Linux view under arbitrary input: the sysfs parsers never throw, and any
// sequence of sriov_numvfs / ip-link operations keeps the views consistent (sriov_numvfs =
// VFs in the PCI tree = virtfn links; a failed enable leaves nothing behind).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Host } from "../../src/nic/index.ts";
import { findNetdev, setVf, sysfsLs, sysfsRead, sysfsWrite } from "../../src/nic/linux/index.ts";
import { kstrtoul } from "../../src/nic/linux/kstrto.ts";

const IXL = "/sys/bus/pci/devices/0000:01:00.0";

describe("kstrtoul on arbitrary strings", () => {
  it("returns a value within range, EINVAL or ERANGE; decimal numbers round-trip", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = kstrtoul(s, 0, 0xffff);
        if (r.ok) expect(r.value).toBeLessThanOrEqual(0xffff);
        else expect(["EINVAL", "ERANGE"]).toContain(r.errno);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), (n) => {
        const r = kstrtoul(`${n}\n`, 0, 0xffff);
        expect(r).toEqual(n <= 0xffff ? { ok: true, value: n } : { ok: false, errno: "ERANGE" });
      }),
    );
  });
});

describe("sriov_numvfs sequences", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("numvfs" as const),
      value: fc.oneof(fc.integer({ min: 0, max: 70 }).map(String), fc.string()),
    }),
    fc.record({ kind: fc.constant("fail" as const), value: fc.integer({ min: -1, max: 8 }) }),
    fc.record({ kind: fc.constant("limit" as const), value: fc.integer({ min: 0, max: 8 }) }),
    fc.record({
      kind: fc.constant("setvf" as const),
      vf: fc.integer({ min: 0, max: 10 }),
      mac: fc.constantFrom("02:00:00:00:00:01", "01:00:5e:00:00:01", "00:00:00:00:00:00"),
      trust: fc.boolean(),
    }),
  );
  it("keep sriov_numvfs, the PCI tree and the virtfn links in agreement", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const h = Host.fresh();
        for (const o of ops) {
          if (o.kind === "numvfs") {
            const before = h.pf("ixl0")!.vfs.length;
            const r = sysfsWrite(h.state, `${IXL}/sriov_numvfs`, `${o.value}\n`);
            // A failed write never changes how many VFs exist.
            if (!r.ok) expect(h.pf("ixl0")!.vfs.length).toBe(before);
          } else if (o.kind === "fail")
            sysfsWrite(h.state, "/sys/kernel/debug/iovsim/0000:01:00.0/fail_vf_add", `${o.value}\n`);
          else if (o.kind === "limit")
            sysfsWrite(h.state, "/sys/kernel/debug/iovsim/0000:01:00.0/vf_enable_limit", `${o.value}\n`);
          else setVf(h.state, findNetdev(h.state, "ixl0")!, { vf: o.vf, mac: o.mac, trust: o.trust });
          const pf = h.pf("ixl0")!;
          const r = sysfsRead(h.state, `${IXL}/sriov_numvfs`);
          expect(r.ok && r.text).toBe(`${pf.vfs.length}\n`);
          expect(pf.sriovEnabled).toBe(pf.vfs.length > 0);
          const ls = sysfsLs(h.state, IXL);
          expect(ls.ok && ls.entries.filter((e) => e.name.startsWith("virtfn")).length).toBe(pf.vfs.length);
          expect(pf.vfs.map((v) => v.index)).toEqual(pf.vfs.map((_, i) => i));
          for (const vf of pf.vfs)
            expect((Number.parseInt(vf.effectiveMac.slice(0, 2), 16) & 1) === 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
