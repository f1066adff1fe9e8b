// Each PF of a multi-function card reports its own First VF Offset (PCIe Base §9.3.3.9), taken
// from the NIC profile's sriov.perFunction layout, so a natural dual-port host file needs no
// override. Expected values come from lspci -vvv of real cards (sources in the profiles):
// X710/XL710 PF 0 'VF offset: 16, stride: 1' with 64 VFs; a 4-port X710 (32 VFs a PF) PF 2
// 'VF offset: 334' with the ARI hierarchy off, i.e. 256 + 78 one bus up; 82599 PF 82:00.1 ->
// VF 82:10.1 (offset 128, stride 2 on either port).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Host, loadHostSpecFile } from "../../src/nic/index.ts";
import { sysfsLs, sysfsRead } from "../../src/nic/linux/index.ts";
import { formatPciconf } from "../../src/nic/pciconf-format.ts";
import { config } from "./kernel-helpers.ts";

const hostOf = (devices: object[]) => {
  const p = join(mkdtempSync(join(tmpdir(), "iovsim-offsets-")), "host.json");
  writeFileSync(p, JSON.stringify({ devices }));
  return { file: p, load: () => Host.fresh(loadHostSpecFile(p), p) };
};
const read = (h: Host, path: string) => {
  const r = sysfsRead(h.state, path);
  if (!r.ok) throw new Error(`read ${path}: ${r.errno}`);
  return r.text;
};
const DUAL_X710 = [
  { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl" },
  { name: "ixl1", selector: "pci0:1:0:1", profile: "ixl" },
];

describe("First VF Offset per PF function", () => {
  it("a dual-port X710 with no sriov setting loads: PF 0 reports 16, PF 1 16 + 64 - 1 = 79", () => {
    const h = hostOf(DUAL_X710).load();
    h.iovConfig("ixl0", config("ixl0", 64));
    h.iovConfig("ixl1", config("ixl1", 64));
    const ixl0 = h.pf("ixl0")!.vfs;
    const ixl1 = h.pf("ixl1")!.vfs;
    expect([ixl0[0].selector, ixl0[63].selector]).toEqual(["pci0:1:0:16", "pci0:1:0:79"]);
    // PF 1's block starts right after PF 0's: RID 0x0101 + 79 = 0x0150.
    expect([ixl1[0].selector, ixl1[63].selector]).toEqual(["pci0:1:0:80", "pci0:1:0:143"]);
    expect(formatPciconf(h, { caps: true }, { device: "ixl1" })).toContain(
      "First VF RID Offset 0x004f, VF RID Stride 0x0001\n",
    );
    expect(formatPciconf(h, { caps: true }, { device: "ixl0" })).toContain(
      "First VF RID Offset 0x0010, VF RID Stride 0x0001\n",
    );
  });

  it("Linux sysfs shows the same offsets and bus:dev.fn links", () => {
    const h = hostOf(DUAL_X710).load();
    h.iovConfig("ixl1", config("ixl1", 2));
    const PF1 = "/sys/bus/pci/devices/0000:01:00.1";
    expect(read(h, "/sys/bus/pci/devices/0000:01:00.0/sriov_offset")).toBe("16\n");
    expect(read(h, `${PF1}/sriov_offset`)).toBe("79\n");
    expect(read(h, `${PF1}/sriov_stride`)).toBe("1\n");
    // RID 0x0150: device 0x0a, function 0 in Linux's bus:dev.fn.
    const l = sysfsLs(h.state, PF1);
    expect(l.ok && l.entries.find((e) => e.name === "virtfn0")?.target).toBe("../0000:01:0a.0");
    expect(l.ok && l.entries.find((e) => e.name === "virtfn1")?.target).toBe("../0000:01:0a.1");
  });

  it("a 4-port X710 with 32 VFs a PF: offsets 16, 47, 78, 109 (PF 2's 78 is the dump's 334 - 256)", () => {
    const ports = [0, 1, 2, 3].map((f) => ({
      name: `ixl${f}`,
      selector: `pci0:2:0:${f}`,
      profile: "ixl",
      sriov: { totalVfs: 32 },
    }));
    const h = hostOf(ports).load();
    expect(
      h.pfs().map((p) => read(h, `/sys/bus/pci/devices/0000:02:00.${p.name.slice(3)}/sriov_offset`)),
    ).toEqual(["16\n", "47\n", "78\n", "109\n"]);
    for (const p of ports) h.iovConfig(p.name, config(p.name, 32));
    const all = ports.flatMap((p) => h.pf(p.name)!.vfs.map((v) => v.selector));
    expect(new Set(all).size).toBe(128);
    expect(h.pf("ixl3")!.vfs[31].selector).toBe("pci0:2:0:143");
  });

  it("82599 ports keep one offset and interleave by stride 2", () => {
    const h = hostOf([
      { name: "ix0", selector: "pci0:3:0:0", profile: "ix" },
      { name: "ix1", selector: "pci0:3:0:1", profile: "ix" },
    ]).load();
    expect(read(h, "/sys/bus/pci/devices/0000:03:00.1/sriov_offset")).toBe("128\n");
    h.iovConfig("ix1", config("ix1", 1));
    expect(h.pf("ix1")!.vfs[0].selector).toBe("pci0:3:0:129");
  });

  it("an explicit override still wins, and one that collides is still refused", () => {
    const moved = hostOf([DUAL_X710[0], { ...DUAL_X710[1], sriov: { firstVfOffset: 100 } }]).load();
    moved.iovConfig("ixl1", config("ixl1", 1));
    expect(moved.pf("ixl1")!.vfs[0].selector).toBe("pci0:1:0:101");
    const clash = hostOf([DUAL_X710[0], { ...DUAL_X710[1], sriov: { firstVfOffset: 16 } }]);
    expect(() => clash.load()).toThrow(
      "$.devices[1].sriov: VF 0 of ixl1 would take routing ID 0x0111, already used by ixl0 VF 1; set sriov.firstVfOffset/vfStride so the PFs' VFs do not overlap",
    );
  });
});

describe("First VF Offset per PF function: limits", () => {
  it("a per-function default past the 16-bit register is refused, naming the PF", () => {
    // 16 + 7 × (20000 − 1) = 140009.
    const big = hostOf([
      { name: "ixl7", selector: "pci0:1:0:7", profile: "ixl", sriov: { totalVfs: 20000 } },
    ]);
    expect(() => big.load()).toThrow(
      "$.devices[0].sriov: ixl7 at function 7 would report First VF Offset 140009 (20000 VFs a PF, stride 1), more than the 16-bit register holds; set sriov.firstVfOffset",
    );
  });
});
