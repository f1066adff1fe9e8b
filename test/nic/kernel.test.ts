// pci_iov + PF driver behaviour (control-plane.md §4, §8 items 24-34, §9.3), driven through
// the library API with hand-built IOV_CONFIG nvlists.
import { describe, expect, it } from "vitest";
import { Host, KernelError, pfLimits, predictConfig, strerror } from "../../src/nic/index.ts";
import { config, mac, type VfSpec } from "./kernel-helpers.ts";

/** The KernelError `fn` throws (another error is rethrown), or undefined when it succeeds. */
function kernelErrorOf(fn: () => void): KernelError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  return undefined;
}
const errnoOf = (fn: () => void) => kernelErrorOf(fn)?.errno;

describe("IOV_CONFIG", () => {
  it("V01: two VFs on ixl0 attach as iavf0@pci0:1:0:16 and iavf1@pci0:1:0:17", () => {
    const h = Host.fresh();
    h.iovConfig("ixl0", config("ixl0", 2));
    const vfs = h.pf("ixl0")!.vfs;
    expect(vfs.map((v) => `${v.name}@${v.selector}`)).toEqual(["iavf0@pci0:1:0:16", "iavf1@pci0:1:0:17"]);
    expect(vfs.map((v) => v.rid)).toEqual([0x110, 0x111]);
    expect(h.pf("ixl0")!.sriovEnabled).toBe(true);
    expect(h.dmesg()).toContain(
      "iavf0: <Intel(R) Ethernet Virtual Function 700 Series - 3.0.26-k> at device 0.16 on pci1",
    );
  });

  it("applies schema defaults and secure defaults (anti-spoof on, no promisc, no set-mac)", () => {
    const h = Host.fresh();
    h.iovConfig("ixl0", config("ixl0", 1));
    const c = h.pf("ixl0")!.vfs[0].config;
    expect(c).toMatchObject({
      passthrough: false,
      macAddr: null,
      macAntiSpoof: true,
      allowSetMac: false,
      allowPromisc: false,
      numQueues: 4,
      vlan: null,
    });
  });

  it("V02: passthrough VFs attach as ppt0/ppt1, the other as iavf0 with its MAC", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 3, (i) =>
        i < 2
          ? { passthrough: true }
          : { passthrough: false, driver: { "mac-addr": mac("02:aa:00:00:00:02") } },
      ),
    );
    const vfs = h.pf("ixl0")!.vfs;
    expect(vfs.map((v) => `${v.name}@${v.selector}`)).toEqual([
      "ppt0@pci0:1:0:16",
      "ppt1@pci0:1:0:17",
      "iavf0@pci0:1:0:18",
    ]);
    expect(vfs[2].effectiveMac).toBe("02:aa:00:00:00:02");
    expect(h.dmesg()).toContain("ppt1 at device 0.17 on pci1");
  });

  it("derives a deterministic locally administered MAC when none is configured", () => {
    const a = Host.fresh();
    const b = Host.fresh();
    a.iovConfig("ixl0", config("ixl0", 2));
    b.iovConfig("ixl0", config("ixl0", 2));
    const [m0, m1] = a.pf("ixl0")!.vfs.map((v) => v.effectiveMac);
    expect(m0).toBe(b.pf("ixl0")!.vfs[0].effectiveMac);
    expect(m0).not.toBe(m1);
    expect(Number.parseInt(m0.slice(0, 2), 16) & 0x03).toBe(0x02); // local, unicast
  });

  it("unit numbers are independent per driver and host-wide", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 3, (i) => ({ passthrough: i === 1 })),
    );
    h.iovConfig(
      "ix0",
      config("ix0", 3, (i) => ({ passthrough: i !== 1 })),
    );
    h.iovConfig(
      "igb0",
      config("igb0", 2, (i) => ({ passthrough: i === 0 })),
    );
    const names = h.pfs().flatMap((p) => p.vfs.map((v) => v.name));
    expect(names).toEqual(["iavf0", "ppt0", "iavf1", "ppt1", "ixv0", "ppt2", "ppt3", "igbvf0"]);
  });

  it("ix stride 2 gives pci0:3:0:128, :130; igb (ARI, offset 0x80) likewise :128, :130, ...", () => {
    const h = Host.fresh();
    h.iovConfig("ix0", config("ix0", 2));
    expect(h.pf("ix0")!.vfs.map((v) => v.selector)).toEqual(["pci0:3:0:128", "pci0:3:0:130"]);
    h.iovConfig("igb0", config("igb0", 7));
    expect(h.pf("igb0")!.vfs.map((v) => v.selector)).toEqual([
      "pci0:5:0:128",
      "pci0:5:0:130",
      "pci0:5:0:132",
      "pci0:5:0:134",
      "pci0:5:0:136",
      "pci0:5:0:138",
      "pci0:5:0:140",
    ]);
    expect(h.dmesg()).toContain("igbvf0: <Intel(R) 82576 Virtual Function> at device 0.128 on pci5");
  });

  it("K01: num_vfs 65 on ixl0 → EINVAL, nothing created", () => {
    const h = Host.fresh();
    expect(errnoOf(() => h.iovConfig("ixl0", config("ixl0", 65)))).toBe("EINVAL");
    expect(h.pf("ixl0")!.vfs).toEqual([]);
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    expect(strerror("EINVAL")).toBe("Invalid argument");
  });

  it("K02: a second IOV_CONFIG → EBUSY, even with the same config", () => {
    const h = Host.fresh();
    h.iovConfig("ixl0", config("ixl0", 2));
    const e = kernelErrorOf(() => h.iovConfig("ixl0", config("ixl0", 2)));
    expect(e?.errno).toBe("EBUSY");
    expect(e?.message).toBe("Device busy");
    expect(h.pf("ixl0")!.vfs).toHaveLength(2);
  });

  it("K03: IOV_DELETE without VFs → ECHILD (No child processes)", () => {
    const h = Host.fresh();
    const e = kernelErrorOf(() => h.iovDelete("ixl0"));
    expect(e?.errno).toBe("ECHILD");
    expect(e?.message).toBe("No child processes");
  });

  it("item 32: after -D, -C with a different num_vfs succeeds and units are reused", () => {
    const h = Host.fresh();
    h.iovConfig("ixl0", config("ixl0", 2));
    h.iovDelete("ixl0");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    h.iovConfig("ixl0", config("ixl0", 4));
    expect(h.pf("ixl0")!.vfs.map((v) => v.name)).toEqual(["iavf0", "iavf1", "iavf2", "iavf3"]);
  });

  it("schema re-validation: unknown key, bad type, wrong VF count, multicast MAC → EINVAL", () => {
    const h = Host.fresh();
    expect(
      errnoOf(() =>
        h.iovConfig(
          "ixl0",
          config("ixl0", 1, () => ({ driver: { mtu: 9000 } })),
        ),
      ),
    ).toBe("EINVAL");
    expect(
      errnoOf(() =>
        h.iovConfig(
          "ixl0",
          config("ixl0", 1, () => ({ driver: { "num-queues": true } })),
        ),
      ),
    ).toBe("EINVAL");
    expect(
      errnoOf(() =>
        h.iovConfig(
          "ixl0",
          config("ixl0", 1, () => ({ driver: { "num-queues": 70000 } })),
        ),
      ),
    ).toBe("EINVAL");
    expect(
      errnoOf(() =>
        h.iovConfig(
          "ixl0",
          config("ixl0", 1, () => ({ driver: { "mac-addr": mac("01:00:5e:00:00:01") } })),
        ),
      ),
    ).toBe("EINVAL");
    expect(
      errnoOf(() =>
        h.iovConfig(
          "ix0",
          config("ix0", 1, () => ({ driver: { vlan: 5000 } })),
        ),
      ),
    ).toBe("EINVAL");
    const short = config("ixl0", 2);
    short.vfs.pop();
    expect(errnoOf(() => h.iovConfig("ixl0", short))).toBe("EINVAL");
    const noVfs = config("ixl0", 1);
    noVfs.pf.iov = [["device", "ixl0"]];
    expect(errnoOf(() => h.iovConfig("ixl0", noVfs))).toBe("EINVAL");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
  });

  it("keys are matched case-insensitively", () => {
    const h = Host.fresh();
    const c = config("ixl0", 1, () => ({ driver: { "NUM-QUEUES": 8, "Allow-Set-Mac": true } }));
    c.pf.iov = [
      ["DEVICE", "ixl0"],
      ["Num_VFs", 1],
    ];
    c.vfs[0].iov = [["PassThrough", false]];
    h.iovConfig("ixl0", c);
    expect(h.pf("ixl0")!.vfs[0].config).toMatchObject({ numQueues: 8, allowSetMac: true });
  });

  it("K05: ix0 with 63 VFs uses 64-pool mode, 2 queues per VF; 31 VFs → 4 queues", () => {
    const h = Host.fresh();
    h.iovConfig("ix0", config("ix0", 63));
    const vfs = h.pf("ix0")!.vfs;
    expect(vfs).toHaveLength(63);
    expect(new Set(vfs.map((v) => v.config.numQueues))).toEqual(new Set([2]));
    expect(vfs[62].selector).toBe("pci0:3:0:252");
    h.iovDelete("ix0");
    h.iovConfig("ix0", config("ix0", 31));
    expect(h.pf("ix0")!.vfs.every((v) => v.config.numQueues === 4)).toBe(true);
    h.iovDelete("ix0");
    h.iovConfig("ix0", config("ix0", 32));
    expect(h.pf("ix0")!.vfs.every((v) => v.config.numQueues === 2)).toBe(true);
  });

  it("item 26: ix0 with 64 VFs → driver INIT ENOSPC, full rollback", () => {
    const h = Host.fresh();
    expect(errnoOf(() => h.iovConfig("ix0", config("ix0", 64)))).toBe("ENOSPC");
    expect(h.pf("ix0")!.sriovEnabled).toBe(false);
    expect(h.pf("ix0")!.vfs).toEqual([]);
    h.iovConfig("ix0", config("ix0", 2)); // nothing left behind
  });

  it("igb: capability says 8, the driver allows 7 (ENOSPC), 2 queues per VF", () => {
    const h = Host.fresh();
    expect(errnoOf(() => h.iovConfig("igb0", config("igb0", 8)))).toBe("ENOSPC");
    expect(errnoOf(() => h.iovConfig("igb0", config("igb0", 9)))).toBe("EINVAL");
    h.iovConfig("igb0", config("igb0", 7));
    expect(h.pf("igb0")!.vfs.every((v) => v.config.numQueues === 2)).toBe(true);
  });

  it("K07: num-queues 40 is clamped to 16 with both log lines; 0 → 1", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 2, (i) => ({ driver: { "num-queues": i === 0 ? 40 : 0 } })),
    );
    expect(h.dmesg()).toEqual(
      expect.arrayContaining([
        "ixl0: Invalid num-queues (40) for VF 0",
        "ixl0: Setting VF 0 num-queues to 16",
        "ixl0: Invalid num-queues (0) for VF 1",
        "ixl0: Setting VF 1 num-queues to 1",
      ]),
    );
    expect(h.pf("ixl0")!.vfs.map((v) => v.config.numQueues)).toEqual([16, 1]);
  });

  it("items 27/33: 64 VFs × 16 queues exhaust the 764 free queue pairs; later VFs dropped one by one", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 64, () => ({ driver: { "num-queues": 16 } })),
    );
    const vfs = h.pf("ixl0")!.vfs;
    expect(vfs).toHaveLength(47); // 47 × 16 = 752 ≤ 764, the 48th needs 16 of the 12 left
    expect(vfs.map((v) => v.index)).toEqual([...Array(47).keys()]);
    const log = h.dmesg();
    for (let i = 47; i < 64; i++) {
      const at = log.indexOf(`ixl0: Error allocating 16 queues for VF ${i}'s VSI`);
      expect(at).toBeGreaterThan(0);
      expect(log[at + 1]).toBe(`ixl0: Failed to add VF ${i}`);
    }
    expect(h.pf("ixl0")!.sriovEnabled).toBe(true);
    // The budget is given back by IOV_DELETE.
    h.iovDelete("ixl0");
    h.iovConfig(
      "ixl0",
      config("ixl0", 47, () => ({ driver: { "num-queues": 16 } })),
    );
    expect(h.pf("ixl0")!.vfs).toHaveLength(47);
  });

  it("a smaller VF after an exhausted budget still fits (per-VF accounting)", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 49, (i) => ({ driver: { "num-queues": i < 48 ? 16 : 4 } })),
    );
    const idx = h.pf("ixl0")!.vfs.map((v) => v.index);
    expect(idx).not.toContain(47);
    expect(idx).toContain(48); // 752 + 4 = 756 ≤ 764
  });

  it("ix per-VF failures: vlan 0, all-zero MAC, MAC in use drop only that VF", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ix0",
      config("ix0", 5, (i): VfSpec => {
        if (i === 0) return { driver: { vlan: 0 } };
        if (i === 1) return { driver: { "mac-addr": mac("00:00:00:00:00:00") } };
        if (i === 2) return { driver: { "mac-addr": mac("02:00:00:00:00:09"), vlan: 100 } };
        if (i === 3) return { driver: { "mac-addr": mac("02:00:00:00:00:09") } };
        return { driver: { "mac-addr": mac("90:e2:ba:4c:12:30") } }; // the PF's own MAC
      }),
    );
    const vfs = h.pf("ix0")!.vfs;
    expect(vfs.map((v) => v.index)).toEqual([2]);
    expect(vfs[0].config.vlan).toBe(100);
    expect(vfs[0].name).toBe("ixv0");
    for (const i of [0, 1, 3, 4]) expect(h.dmesg()).toContain(`ix0: Failed to add VF ${i}`);
  });

  it("ix vlan default is trunk (4096)", () => {
    const h = Host.fresh();
    h.iovConfig("ix0", config("ix0", 1));
    expect(h.pf("ix0")!.vfs[0].config.vlan).toBe(4096);
  });

  it("item 28: VFs that would leave the PF's bus → ENOSPC (host with a large offset)", async () => {
    const { validateHostSpec } = await import("../../src/nic/index.ts");
    const spec = validateHostSpec(
      { devices: [{ name: "ixl0", selector: "pci0:1:0:0", profile: "ixl", sriov: { firstVfOffset: 240 } }] },
      "inline",
    );
    const h = Host.fresh(spec, "inline");
    h.iovConfig("ixl0", config("ixl0", 16)); // RIDs 0x1f0..0x1ff
    h.iovDelete("ixl0");
    expect(errnoOf(() => h.iovConfig("ixl0", config("ixl0", 17)))).toBe("ENOSPC");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(false);
    expect(pfLimits(h, "ixl0").driverMaxVfs).toBe(16);
  });
});

describe("IOV_DELETE with VMs (K09, item 31)", () => {
  it("a ppt VF held by a running VM makes -D fail with EBUSY; earlier VFs stay detached", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 3, (i) => ({ passthrough: i > 0 })),
    );
    h.attachVm("vm1", "ppt1");
    const e = kernelErrorOf(() => h.iovDelete("ixl0"));
    expect(e?.message).toBe("Device busy");
    expect(h.dmesg()).toContain("ixl0: Could not disable SR-IOV: failed to detach VF ppt1");
    const pf = h.pf("ixl0")!;
    expect(pf.sriovEnabled).toBe(true);
    // iavf0 and ppt0 come before ppt1: detached (not deleted); ppt1 keeps its driver.
    expect(pf.vfs.map((v) => v.attached)).toEqual([false, false, true]);
    expect(pf.vfs).toHaveLength(3);
    // A retry while the VM still runs fails the same way.
    expect(() => h.iovDelete("ixl0")).toThrow("Device busy");
    // A detached VF frees its unit and cannot be given to a VM.
    expect(() => h.attachVm("vm2", "pci0:1:0:17")).toThrow(
      /no driver attached: a failed 'iovctl -D' detached it \(run iovsim iovctl -D -d ixl0 again/,
    );
    // retry after the VM stops
    h.detachVm("vm1");
    h.iovDelete("ixl0");
    expect(h.pf("ixl0")!.vfs).toEqual([]);
  });

  it("K09 exactly: V02 applied, ppt0 attached, delete fails, SR-IOV stays on", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 3, (i) => ({ passthrough: i < 2 })),
    );
    h.attachVm("debian", "pci0:1:0:16");
    expect(errnoOf(() => h.iovDelete("ixl0"))).toBe("EBUSY");
    expect(h.dmesg().at(-1)).toBe("ixl0: Could not disable SR-IOV: failed to detach VF ppt0");
    expect(h.pf("ixl0")!.sriovEnabled).toBe(true);
    expect(h.pf("ixl0")!.vfs).toHaveLength(3);
  });

  it("only ppt VFs can be given to a VM, one VM per VF", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 2, (i) => ({ passthrough: i === 1 })),
    );
    expect(() => h.attachVm("a", "iavf0")).toThrow(/not a passthrough VF/);
    expect(() => h.attachVm("a", "nope0")).toThrow(/no VF 'nope0'/);
    h.attachVm("a", "ppt0");
    expect(() => h.attachVm("b", "ppt0")).toThrow(/already attached to VM 'a'/);
    expect(h.vms().map((v) => `${v.vm}:${v.vf.name}`)).toEqual(["a:ppt0"]);
    expect(() => h.detachVm("zzz")).toThrow(/no VM 'zzz'/);
    expect(h.detachVm("ppt0").map((v) => v.name)).toEqual(["ppt0"]);
    expect(h.vms()).toEqual([]);
  });
});

describe("predictConfig / pfLimits", () => {
  it("reports every problem at once and changes nothing", () => {
    const h = Host.fresh();
    const p = predictConfig(
      h,
      "ix0",
      config("ix0", 65, () => ({ driver: { bogus: 1 } })),
    );
    expect(p.errno).toBe("EINVAL");
    const msgs = p.problems.map((x) => x.message).join("\n");
    expect(msgs).toMatch(/bogus/);
    expect(msgs).toMatch(/exceeds TotalVFs 64/);
    expect(msgs).toMatch(/at most 63 VFs/);
    expect(p.problems.filter((x) => /bogus/.test(x.message))).toHaveLength(65);
    expect(h.pf("ix0")!.sriovEnabled).toBe(false);
  });

  it("busy PF: errno EBUSY but still shows what -D then -C would give", () => {
    const h = Host.fresh();
    h.iovConfig("ixl0", config("ixl0", 1));
    const before = h.dmesg().length;
    const p = predictConfig(
      h,
      "ixl0",
      config("ixl0", 2, (i) => ({ driver: { "num-queues": i ? 99 : 4 } })),
    );
    expect(p.errno).toBe("EBUSY");
    expect(p.vfs.map((v) => v.name)).toEqual(["iavf0", "iavf1"]);
    expect(p.log).toContain("ixl0: Setting VF 1 num-queues to 16");
    expect(p.problems.some((x) => x.severity === "warning" && x.vf === 1)).toBe(true);
    expect(h.dmesg()).toHaveLength(before);
    expect(h.pf("ixl0")!.vfs).toHaveLength(1);
  });

  it("budget exhaustion shows as per-VF warnings with no errno", () => {
    const h = Host.fresh();
    const p = predictConfig(
      h,
      "ixl0",
      config("ixl0", 64, () => ({ driver: { "num-queues": 16 } })),
    );
    expect(p.errno).toBeUndefined();
    expect(p.vfs).toHaveLength(47);
    expect(p.problems.filter((x) => x.severity === "warning")).toHaveLength(17);
  });

  it("pfLimits gives TotalVFs and the driver limit", () => {
    const h = Host.fresh();
    expect(pfLimits(h, "ixl0")).toMatchObject({ totalVfs: 64, driverMaxVfs: 64 });
    expect(pfLimits(h, "ix0")).toMatchObject({ totalVfs: 64, driverMaxVfs: 63 });
    expect(pfLimits(h, "igb0")).toMatchObject({ totalVfs: 8, driverMaxVfs: 7 });
    expect(pfLimits(h, "ixl0").notes.join("\n")).toMatch(/768/);
  });

  it("schema: IOV params first, then the driver's, ixl without vlan, ix with vlan default trunk", () => {
    const h = Host.fresh();
    const s = h.schema("ixl0");
    expect(s.pf.iov.map((p) => p.name)).toEqual(["num_vfs", "device"]);
    expect([...s.vf.iov, ...s.vf.driver].map((p) => p.name)).toEqual([
      "passthrough",
      "mac-addr",
      "mac-anti-spoof",
      "allow-set-mac",
      "allow-promisc",
      "num-queues",
    ]);
    expect(h.schema("ix0").vf.driver.find((p) => p.name === "vlan")).toMatchObject({
      type: "vlan",
      default: 4096,
    });
    expect(h.openIovDevice("/dev/iov/ix0")).toBe("ix0");
    expect(errnoOf(() => h.openIovDevice("/dev/iov/em0"))).toBe("ENOENT");
    expect(h.pf("ixl0")!.rss).toEqual({ vfRetaSize: 64, pfRetaSize: 512, retaShared: false, keyBytes: 52 });
  });
});
