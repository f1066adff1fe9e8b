// Properties of the Linux view under arbitrary input: the sysfs parsers never throw, and any
// sequence of sriov_numvfs / ip-link operations keeps the views consistent (sriov_numvfs =
// VFs in the PCI tree = virtfn links; a failed write, PF driver unbind/bind included, leaves
// nothing behind; the state stays one the kernel could have built).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HostState } from "../../src/nic/host-model.ts";
import { Host } from "../../src/nic/index.ts";
import { findNetdev, setVf, sysfsLs, sysfsRead, sysfsWrite } from "../../src/nic/linux/index.ts";
import { kstrtoul } from "../../src/nic/linux/kstrto.ts";
import { modprobeLoad, modprobeRemove } from "../../src/nic/linux/modules.ts";
import { linuxSectionProblems } from "../../src/nic/linux/state.ts";
import { invariantProblems } from "../../src/nic/state-invariants.ts";
import { config } from "./kernel-helpers.ts";

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

/**
 * The state without the kernel log and the records created empty on first read (a PF's Linux
 * settings at their defaults, an idle runtime): what a failed write must leave as it was.
 */
function meaningful(state: HostState): unknown {
  const copy = structuredClone(state) as HostState & { linux?: { pfs: Record<string, unknown> } };
  copy.dmesg = [];
  const idle = JSON.stringify({ sriovEnabled: false, vfs: [], driverState: {} });
  for (const [k, rt] of Object.entries(copy.pfs)) if (JSON.stringify(rt) === idle) delete copy.pfs[k];
  const dflt = JSON.stringify({ autoprobe: true, vfs: [], failVfAdd: -1, vfEnableLimit: 0 });
  for (const [k, p] of Object.entries(copy.linux?.pfs ?? {}))
    if (JSON.stringify(p) === dflt) delete copy.linux!.pfs[k];
  if (JSON.stringify(copy.linux) === JSON.stringify({ version: 1, pfs: {}, netdevsim: [], nextIfindex: 0 }))
    delete copy.linux;
  return copy;
}

describe("sriov_numvfs sequences", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("numvfs" as const),
      value: fc.oneof(fc.integer({ min: 0, max: 70 }).map(String), fc.string()),
    }),
    fc.record({ kind: fc.constant("fail" as const), value: fc.integer({ min: -1, max: 8 }) }),
    fc.record({ kind: fc.constant("limit" as const), value: fc.integer({ min: 0, max: 8 }) }),
    fc.record({
      kind: fc.constant("driver" as const),
      file: fc.constantFrom(
        "/sys/bus/pci/drivers/i40e/unbind",
        "/sys/bus/pci/drivers/i40e/bind",
        "/sys/bus/pci/drivers_probe",
        "/sys/bus/pci/drivers/iavf/unbind",
        "/sys/bus/pci/drivers/iavf/bind",
        "/sys/bus/pci/devices/0000:01:02.0/driver_override",
        "/sys/bus/pci/devices/0000:01:00.0/driver_override",
        "/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe",
        "/sys/bus/pci/drivers/vfio-pci/bind",
        "/sys/bus/pci/drivers/vfio-pci/unbind",
        "/sys/bus/netdevsim/new_device",
        "/sys/bus/netdevsim/del_device",
        "/sys/bus/netdevsim/devices/netdevsim1/sriov_numvfs",
        "/sys/kernel/debug/netdevsim/netdevsim1/max_vfs",
      ),
      bdf: fc.constantFrom("0000:01:00.0", "0000:01:02.0", "iavf", "vfio-pci", "", "0", "1", "2", "1 1", "9"),
    }),
    // The FreeBSD view on the same PF: iovctl -C (VF-1 passthrough) and -D; refused while the
    // Linux view holds the PF (EBUSY, or no /dev/iov node without its driver).
    fc.record({
      kind: fc.constant("iovctl" as const),
      create: fc.boolean(),
      n: fc.integer({ min: 1, max: 3 }),
    }),
    fc.record({ kind: fc.constant("vfio" as const), load: fc.boolean(), ids: fc.boolean() }),
    // An interface's MTU (sysfs mtu: dev_set_mtu), kept until its netdev goes.
    fc.record({
      kind: fc.constant("mtu" as const),
      dev: fc.constantFrom("ixl0", "iavf0", "iavf1", "sim1"),
      value: fc.constantFrom("9000", "1500", "67", "9703", "0x2328", "x"),
    }),
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
          if (o.kind === "numvfs" || o.kind === "driver" || o.kind === "mtu") {
            const before = meaningful(h.state);
            const r =
              o.kind === "numvfs"
                ? sysfsWrite(h.state, `${IXL}/sriov_numvfs`, `${o.value}\n`)
                : o.kind === "mtu"
                  ? sysfsWrite(h.state, `/sys/class/net/${o.dev}/mtu`, `${o.value}\n`)
                  : sysfsWrite(h.state, o.file, `${o.bdf}\n`);
            // A failed write changes nothing but the kernel log.
            if (!r.ok) expect(meaningful(h.state)).toEqual(before);
          } else if (o.kind === "fail")
            sysfsWrite(h.state, "/sys/kernel/debug/iovsim/0000:01:00.0/fail_vf_add", `${o.value}\n`);
          else if (o.kind === "vfio") {
            if (o.load) modprobeLoad(h.state, "vfio-pci", o.ids ? ["ids=8086:154c"] : []);
            else modprobeRemove(h.state, "vfio-pci");
          } else if (o.kind === "iovctl") {
            try {
              if (o.create)
                h.iovConfig(
                  "ixl0",
                  config("ixl0", o.n, (i) => ({ passthrough: i === 1 })),
                );
              else h.iovDelete("ixl0");
            } catch {
              /* refused: nothing changed */
            }
          } else if (o.kind === "limit")
            sysfsWrite(h.state, "/sys/kernel/debug/iovsim/0000:01:00.0/vf_enable_limit", `${o.value}\n`);
          else {
            const ixl0 = findNetdev(h.state, "ixl0");
            // Without its PF driver ixl0 has no netdev: ip link finds nothing to set.
            expect(ixl0 === undefined).toBe(h.state.pfs.ixl0?.attached === false);
            if (ixl0) setVf(h.state, ixl0, { vf: o.vf, mac: o.mac, trust: o.trust });
          }
          expect(invariantProblems(h.state)).toEqual([]);
          // What the state loader checks of the Linux section holds too (a saved state reloads).
          if (h.state.linux !== undefined) expect(linuxSectionProblems(h.state.linux, h.state)).toEqual([]);
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

describe("the FreeBSD view's ioctls on a PF the Linux view unbound", () => {
  it("IOV_CONFIG and IOV_DELETE fail with ENOENT (no /dev/iov node), creating nothing", () => {
    const h = Host.fresh();
    expect(sysfsWrite(h.state, "/sys/bus/pci/drivers/i40e/unbind", "0000:01:00.0\n").ok).toBe(true);
    // The library call skips iovctl's open(): it made 1 VF on a PF without its driver, a state
    // the loader then called corrupt ("attached: false (no PF driver) while SR-IOV is enabled").
    expect(() => h.iovConfig("ixl0", config("ixl0", 1))).toThrow(
      expect.objectContaining({ errno: "ENOENT", message: "No such file or directory" }),
    );
    expect(() => h.iovDelete("ixl0")).toThrow(expect.objectContaining({ errno: "ENOENT" }));
    expect(h.pf("ixl0")!.vfs).toEqual([]);
    expect(invariantProblems(h.state)).toEqual([]);
  });
});
