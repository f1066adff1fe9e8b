// pciconf -l [-v] [-c] and iovctl -L formats (control-plane.md §1.4.3, §4.4; pciconf.c, cap.c).
import { describe, expect, it } from "vitest";
import { formatPciconf, formatStatus, Host } from "../../src/nic/index.ts";
import { config, mac } from "./kernel-helpers.ts";

describe("pciconf -l", () => {
  it("lists PFs in pciconf's exact line format, sorted by selector", () => {
    const out = formatPciconf(Host.fresh());
    const lines = out.trimEnd().split("\n");
    expect(lines).toContain(
      "ixl0@pci0:1:0:0:\tclass=0x020000 rev=0x02 hdr=0x00 vendor=0x8086 device=0x1572 subvendor=0x8086 subdevice=0x0000",
    );
    expect(lines.map((l) => l.split("@")[0])).toEqual([
      "hostb0",
      "pcib1",
      "pcib2",
      "pcib3",
      "ixl0",
      "ix0",
      "igb0",
    ]);
  });

  it("-v adds vendor/device/class/subclass; VFs appear on the PF's bus with their driver", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 2, (i) => ({ passthrough: i === 1 })),
    );
    const out = formatPciconf(h, { verbose: true });
    expect(out).toContain(
      "iavf0@pci0:1:0:16:\tclass=0x020000 rev=0x02 hdr=0x00 vendor=0x8086 device=0x154c subvendor=0x8086 subdevice=0x0000\n" +
        "    vendor     = 'Intel Corporation'\n" +
        "    device     = 'Ethernet Virtual Function 700 Series'\n" +
        "    class      = network\n" +
        "    subclass   = ethernet\n" +
        "ppt0@pci0:1:0:17:\t",
    );
    expect(out).toContain("    device     = 'Ethernet Controller X710 for 10GbE SFP+'\n");
  });

  it("-c shows the SR-IOV capability before and after IOV_CONFIG", () => {
    const h = Host.fresh();
    const before = formatPciconf(h, { caps: true }, { device: "ixl0" });
    expect(before).toContain(
      "    ecap 0010[160] = SR-IOV 1 IOV disabled, Memory Space disabled, ARI disabled\n" +
        "                     0 VFs configured out of 64 supported\n" +
        "                     First VF RID Offset 0x0010, VF RID Stride 0x0001\n" +
        "                     VF Device ID 0x154c\n" +
        "                     Page Sizes: 4096 (enabled), 8192, 65536, 262144, 1048576, 4194304\n",
    );
    expect(before).not.toContain("iov bar");
    h.iovConfig("ixl0", config("ixl0", 4));
    const after = formatPciconf(h, { caps: true }, { device: "ixl0" });
    expect(after).toContain(
      "    ecap 0010[160] = SR-IOV 1 IOV enabled, Memory Space enabled, ARI enabled\n                     4 VFs configured out of 64 supported\n",
    );
    expect(after).toMatch(
      /\n {4}iov bar {2}\[184\] = type Prefetchable Memory, range 64, base 0x[0-9a-f]+, size 262144, enabled\n/,
    );
    const ix = formatPciconf(h, { caps: true }, { device: "ix0" });
    expect(ix).toContain(
      "First VF RID Offset 0x0080, VF RID Stride 0x0002\n                     VF Device ID 0x10ed\n",
    );
  });

  it("filters by selector; a VF detached by a failed -D shows as none0", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 2, (i) => ({ passthrough: i === 1 })),
    );
    expect(formatPciconf(h, {}, { selector: { domain: 0, bus: 1, slot: 0, function: 17 } })).toMatch(
      /^ppt0@pci0:1:0:17:\t/,
    );
    h.attachVm("vm", "ppt0");
    expect(() => h.iovDelete("ixl0")).toThrow();
    expect(formatPciconf(h)).toMatch(/\nnone0@pci0:1:0:16:\t/);
    expect(formatStatus(h, "ixl0")).toContain("\t\t\thost: attached=no passthrough=no\n");
  });
});

describe("iovctl -L status", () => {
  it("SR-IOV off: no vf blocks", () => {
    expect(formatStatus(Host.fresh(), "ix0")).toBe(
      "ix0:\n\tidentity: pci-location=pci0:3:0:0\n\tsriov: enabled=no vfs=0/64\n",
    );
  });

  it("one block per VF with %3ju index, location and host binding", () => {
    const h = Host.fresh();
    h.iovConfig(
      "ixl0",
      config("ixl0", 3, (i) =>
        i < 2 ? { passthrough: true } : { driver: { "mac-addr": mac("02:aa:00:00:00:02") } },
      ),
    );
    expect(formatStatus(h, "ixl0")).toBe(
      "ixl0:\n" +
        "\tidentity: pci-location=pci0:1:0:0\n" +
        "\tsriov: enabled=yes vfs=3/64\n" +
        "\t\tvf   0:\n\t\t\tidentity: pci-location=pci0:1:0:16\n\t\t\thost: attached=yes driver=ppt0 passthrough=yes\n" +
        "\t\tvf   1:\n\t\t\tidentity: pci-location=pci0:1:0:17\n\t\t\thost: attached=yes driver=ppt1 passthrough=yes\n" +
        "\t\tvf   2:\n\t\t\tidentity: pci-location=pci0:1:0:18\n\t\t\thost: attached=yes driver=iavf0 passthrough=no\n",
    );
  });
});
