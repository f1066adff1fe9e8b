// Property: for random configurations, IOV_CONFIG either fails with a KernelError and changes
// nothing, or creates VFs on the PF's bus with unique names; predictConfig always agrees.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Host, KernelError, predictConfig } from "../../src/nic/index.ts";
import { config, mac, type VfSpec } from "./kernel-helpers.ts";

const vfSpec: fc.Arbitrary<VfSpec> = fc.record({
  passthrough: fc.option(fc.boolean(), { nil: undefined }),
  driver: fc.record(
    {
      "num-queues": fc.integer({ min: 0, max: 40 }),
      vlan: fc.constantFrom(0, 1, 100, 4095, 4096),
      "mac-addr": fc.constantFrom("02:00:00:00:00:01", "02:00:00:00:00:02", "00:00:00:00:00:00").map(mac),
      "allow-promisc": fc.boolean(),
    },
    { requiredKeys: [] },
  ),
});

describe("IOV_CONFIG property", () => {
  it("fails cleanly or creates consistent VFs; predictConfig matches", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("ixl0", "ix0", "igb0"),
        fc.integer({ min: 1, max: 70 }),
        fc.array(vfSpec, { minLength: 1, maxLength: 4 }),
        (pf, n, specs) => {
          const h = Host.fresh();
          const schemaKeys = new Set(h.schema(pf).vf.driver.map((p) => p.name));
          const cfg = config(pf, n, (i) => {
            const s = specs[i % specs.length];
            return {
              passthrough: s.passthrough,
              driver: Object.fromEntries(Object.entries(s.driver ?? {}).filter(([k]) => schemaKeys.has(k))),
            };
          });
          const prediction = predictConfig(h, pf, cfg);
          const before = JSON.stringify(h.state);
          let errno: string | undefined;
          try {
            h.iovConfig(pf, cfg);
          } catch (e) {
            if (!(e instanceof KernelError)) throw e;
            errno = e.errno;
          }
          expect(errno).toBe(prediction.errno);
          if (errno) {
            expect(JSON.stringify(h.state)).toBe(before);
            return;
          }
          const rec = h.pf(pf)!;
          expect(rec.vfs.map((v) => v.name)).toEqual(prediction.vfs.map((v) => v.name));
          expect(rec.vfs.length).toBeLessThanOrEqual(n);
          expect(new Set(rec.vfs.map((v) => v.name)).size).toBe(rec.vfs.length);
          for (const vf of rec.vfs) {
            expect(vf.rid >> 8).toBe(rec.rid >> 8);
            expect(vf.rid).toBe(rec.rid + rec.firstVfOffset + vf.index * rec.vfStride);
            expect(vf.driver).toBe(vf.config.passthrough ? "ppt" : rec.vfDriver);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
