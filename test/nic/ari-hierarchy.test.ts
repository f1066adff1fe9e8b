// ARI Capable Hierarchy is the host's, not the card's: a PF below a port without ARI
// forwarding reports its non-ARI First VF Offset (82576 and 82599: 384 instead of 128, SR-IOV
// 1.1 §3.3.10), so its VFs need the next bus number. FreeBSD's pci_iov_config refuses (ENOSPC,
// "not enough PCIe bus numbers for VFs"); Linux puts them on the next bus when the port's
// subordinate bus reaches it, else "can't enable N VFs (bus BB out of range of [bus PP])".
import { describe, expect, it } from "vitest";
import { Host, KernelError, loadHostSpecFile, validateHostSpec } from "../../src/nic/index.ts";
import { sysfsRead, sysfsWrite } from "../../src/nic/linux/index.ts";
import { config } from "./kernel-helpers.ts";

const noAri = () => Host.fresh(loadHostSpecFile("examples/hosts/no-ari.json"));
const read = (h: Host, path: string) => {
  const r = sysfsRead(h.state, path);
  if (!r.ok) throw new Error(`read ${path}: ${r.errno}`);
  return r.text;
};

describe("ARI Capable Hierarchy from the PF's port", () => {
  it("without ARI forwarding the 82576 and 82599 report First VF Offset 384; with it 128", () => {
    const h = noAri();
    expect(h.pf("igb0")).toMatchObject({ ari: false, firstVfOffset: 384, vfStride: 2 });
    expect(h.pf("ix0")).toMatchObject({ ari: false, firstVfOffset: 384 });
    // The default host (ports not described): ARI, 128, as before for ix0.
    expect(Host.fresh().pf("ix0")).toMatchObject({ ari: true, firstVfOffset: 128 });
    expect(Host.fresh().pf("igb0")).toMatchObject({ ari: true, firstVfOffset: 128 });
    // X710: 16 + f x 63 with ARI, 272 + f x 63 without (PF 2 of a 4-port card: 334 with 32 VFs).
    const x710 = JSON.parse(JSON.stringify(loadHostSpecFile("examples/hosts/no-ari.json")));
    x710.devices.splice(
      3,
      2,
      { name: "ixl0", selector: "pci0:3:0:0", profile: "ixl" },
      {
        name: "ixl2",
        selector: "pci0:3:0:2",
        profile: "ixl",
        sriov: { totalVfs: 32 },
      },
    );
    const x = Host.fresh(validateHostSpec(x710, "h.json"));
    expect([x.pf("ixl0")!.firstVfOffset, x.pf("ixl2")!.firstVfOffset]).toEqual([272, 334]);
    const text = JSON.parse(JSON.stringify(loadHostSpecFile("examples/hosts/no-ari.json")));
    text.devices[2].ariForwarding = true;
    expect(Host.fresh(validateHostSpec(text, "h.json")).pf("igb0")).toMatchObject({
      ari: true,
      firstVfOffset: 128,
    });
  });

  it("FreeBSD: VFs on the next bus are refused, ENOSPC, with pci_iov.c's line in dmesg", () => {
    const h = noAri();
    let e: unknown;
    try {
      h.iovConfig("igb0", config("igb0", 1));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).errno).toBe("ENOSPC");
    expect((e as KernelError).detail).toMatch(/RID 0x680 is not on igb0's bus 5.*First VF Offset 384/);
    expect(h.dmesg().at(-1)).toBe("igb0: not enough PCIe bus numbers for VFs");
    expect(h.pf("igb0")!.vfs).toEqual([]);
  });

  it("Linux: VFs on bus 6 (the port's subordinate bus), at device 16 as virtfn_bus/virtfn_devfn give", () => {
    const h = noAri();
    expect(sysfsWrite(h.state, "/sys/class/net/igb0/device/sriov_numvfs", "2\n")).toEqual({ ok: true });
    expect(read(h, "/sys/class/net/igb0/device/sriov_offset")).toBe("384\n");
    expect(read(h, "/sys/bus/pci/devices/0000:06:10.0/vendor")).toBe("0x8086\n");
    expect(read(h, "/sys/bus/pci/devices/0000:06:10.2/device")).toBe("0x10ca\n");
    expect(h.pf("igb0")!.vfs.map((v) => v.rid)).toEqual([0x680, 0x682]);
  });

  it("Linux: past the subordinate bus, sriov_enable refuses with the kernel's words (ENOMEM)", () => {
    const h = noAri();
    const r = sysfsWrite(h.state, "/sys/class/net/ix0/device/sriov_numvfs", "1\n");
    expect(r).toMatchObject({ ok: false, errno: "ENOMEM" });
    expect(h.dmesg().at(-1)).toBe("ixgbe 0000:03:00.0: can't enable 1 VFs (bus 04 out of range of [bus 03])");
    // A range is printed as %pR prints a bus resource: [bus 05-06].
    const spec = JSON.parse(JSON.stringify(loadHostSpecFile("examples/hosts/no-ari.json")));
    spec.devices[2].subordinateBus = 6;
    spec.devices[4].sriov = { firstVfOffset: 640 };
    const g = Host.fresh(validateHostSpec(spec, "h.json"));
    expect(sysfsWrite(g.state, "/sys/class/net/igb0/device/sriov_numvfs", "1\n")).toMatchObject({
      ok: false,
      errno: "ENOMEM",
    });
    expect(g.dmesg().at(-1)).toBe(
      "igb 0000:05:00.0: can't enable 1 VFs (bus 07 out of range of [bus 05-06])",
    );
  });

  it("a host file's port keys are checked: a bridge only, secondary <= subordinate", () => {
    const spec = JSON.parse(JSON.stringify(loadHostSpecFile("examples/hosts/no-ari.json")));
    spec.devices[2].subordinateBus = 4;
    expect(() => validateHostSpec(spec, "h.json")).toThrow(
      /\$\.devices\[2\]\.subordinateBus: subordinateBus 4 is below secondaryBus 5/,
    );
    spec.devices[2].subordinateBus = 6;
    spec.devices[0].ariForwarding = false;
    expect(() => validateHostSpec(spec, "h.json")).toThrow(
      /\$\.devices\[0\]\.class: .*PCI bridge \(class 0x0604xx\), not class 0x060000/,
    );
  });

  it("bridges' bus ranges: apart, or one bridge below the other; a bridge leads to a higher bus", () => {
    const spec = () => JSON.parse(JSON.stringify(loadHostSpecFile("examples/hosts/no-ari.json")));
    // pcib1 (on bus 0) claiming 3..6 beside pcib2 (on bus 0) at 5..6: bus 5 would have two parents.
    const overlap = spec();
    overlap.devices[1].subordinateBus = 6;
    expect(() => validateHostSpec(overlap, "h.json")).toThrow(
      /\$\.devices\[2\]\.secondaryBus: pcib2's buses \[bus 05-06\] overlap pcib1's \[bus 03-06\], and neither bridge sits below the other/,
    );
    const same = spec();
    same.devices[2].secondaryBus = 3;
    same.devices[2].subordinateBus = 3;
    expect(() => validateHostSpec(same, "h.json")).toThrow(
      /pcib2's buses \[bus 03\] overlap pcib1's \[bus 03\]/,
    );
    const own = spec();
    own.devices[2].secondaryBus = 0;
    own.devices[2].subordinateBus = 0;
    expect(() => validateHostSpec(own, "h.json")).toThrow(
      /\$\.devices\[2\]\.secondaryBus: secondaryBus 0 is not above pcib2's own bus 0/,
    );
    // A bridge inside another's range (on its bus 3, leading to 5..6) is below it: accepted.
    const nested = spec();
    nested.devices[1].subordinateBus = 6;
    nested.devices[2].selector = "pci0:3:0:1";
    nested.devices[4].selector = "pci0:5:0:0";
    nested.devices.splice(3, 1);
    expect(() => validateHostSpec(nested, "h.json")).not.toThrow();
  });
});
