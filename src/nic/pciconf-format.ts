// `pciconf -l [-v] [-c] [device]` output, byte for byte in FreeBSD's format, and `pciconf -a`'s attached state
// (usr.sbin/pciconf/pciconf.c list_devs/list_verbose, cap.c list_caps/ecap_sriov/print_bar).

import type { Host } from "./host.ts";
import {
  type HostState,
  type PfInfo,
  pfAttached,
  pfInfo,
  pfSpecs,
  vfAddress,
  vfBarBase,
} from "./host-model.ts";
import { isPfSpec } from "./host-spec.ts";
import { compareAddress, type PciAddress, parseSelector } from "./pci.ts";
import type { VfRecord } from "./types.ts";

export interface PciconfOptions {
  verbose?: boolean;
  caps?: boolean;
}

interface PciEntry {
  /** Attached driver instance, or undefined for "none". */
  name?: string;
  address: PciAddress;
  cls: number;
  rev: number;
  hdr: number;
  vendor: number;
  device: number;
  subvendor: number;
  subdevice: number;
  vendorName?: string;
  deviceName?: string;
  capLines: string[];
}

/** pci_nomatch_tab (sys/dev/pci/pci.c), the classes a host like ours shows. */
const CLASSES: Array<[number, number, string]> = [
  [0x01, -1, "mass storage"],
  [0x01, 0x06, "SATA"],
  [0x01, 0x08, "NVM"],
  [0x02, -1, "network"],
  [0x02, 0x00, "ethernet"],
  [0x03, -1, "display"],
  [0x03, 0x00, "VGA"],
  [0x06, -1, "bridge"],
  [0x06, 0x00, "HOST-PCI"],
  [0x06, 0x01, "PCI-ISA"],
  [0x06, 0x04, "PCI-PCI"],
  [0x08, -1, "base peripheral"],
  [0x0c, -1, "serial bus"],
  [0x0c, 0x03, "USB"],
  [0x0c, 0x05, "SMBus"],
];

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, "0");

function sriovCapLines(state: HostState, info: PfInfo): string[] {
  const rt = state.pfs[info.name];
  const on = rt?.sriovEnabled === true;
  const en = (b: boolean) => (b ? "enabled" : "disabled");
  const s = info.profile.sriov;
  const pad = " ".repeat(21);
  const sizes: string[] = [];
  for (let bit = 0; bit < 32; bit++)
    if (s.supportedPageSizes & (1 << bit)) sizes.push(`${2 ** (bit + 12)}${bit === 0 ? " (enabled)" : ""}`);
  const lines = [
    `ecap 0010[${hex(s.capOffset, 3)}] = SR-IOV ${s.version} IOV ${en(on)}, Memory Space ${en(on)}, ARI ${en(on && info.ari)}\n` +
      `${pad}${on ? (rt.numVfs ?? rt.vfs.length) : 0} VFs configured out of ${info.totalVfs} supported\n` +
      `${pad}First VF RID Offset 0x${hex(info.firstVfOffset, 4)}, VF RID Stride 0x${hex(info.vfStride, 4)}\n` +
      `${pad}VF Device ID 0x${hex(s.vfDeviceId, 4)}\n` +
      `${pad}Page Sizes: ${sizes.join(", ")}`,
  ];
  // VF BARs exist only while VFs are enabled (PCIOCGETBAR fails otherwise, so nothing is printed).
  if (on) {
    const n = rt.numVfs ?? rt.vfs.length;
    for (const b of s.vfBars) {
      const reg = s.capOffset + 0x24 + 4 * b.bar;
      lines.push(
        `iov bar  [${hex(reg, 2)}] = type ${b.type}, range ${String(b.range).padStart(2, " ")}, base 0x${vfBarBase(info, b.bar).toString(16)}, size ${b.perVfSize * n}, enabled`,
      );
    }
  }
  return lines;
}

/**
 * Whether the VF's MSI-X Enable bit is set: pci_alloc_msix sets it when a driver allocates its
 * vectors (iavf, ixv and igbvf at attach) and pci_release_msi clears it at detach; ppt(4)
 * allocates them only for a VM that uses the device (bhyve's ppt_setup_msix).
 */
function msixInUse(vf: VfRecord): boolean {
  if (vf.attached === false) return false;
  return vf.driver !== "ppt" || vf.attachedVm !== null;
}

/** The profile's VF capability lines, with cap.c's ", enabled" only while MSI-X is on. */
function vfCaps(caps: string[], msixEnabled: boolean): string[] {
  return caps.map((c) =>
    msixEnabled || !c.startsWith("cap 11[") ? c : c.replace(/^(cap 11\[[^\n]*?), enabled(\n|$)/, "$1$2"),
  );
}

/**
 * The kernel's device list (pci_devq), the order PCIOCGETCONF returns: the devices found at boot
 * in bus order, then the VFs in the order IOV_CONFIG created them (pci_fill_devinfo appends).
 */
function entries(host: Host): PciEntry[] {
  const state = host.state;
  const out: PciEntry[] = [];
  const vfs: Array<{ order: number; entry: PciEntry }> = [];
  for (const d of state.spec.devices) {
    if (isPfSpec(d)) continue;
    out.push({
      name: d.name,
      address: parseSelector(d.selector)!,
      cls: Number.parseInt(d.class, 16),
      rev: Number.parseInt(d.revision ?? "0x00", 16),
      hdr: Number.parseInt(d.hdr ?? "0x00", 16),
      vendor: Number.parseInt(d.vendor, 16),
      device: Number.parseInt(d.device, 16),
      subvendor: Number.parseInt(d.subvendor ?? "0x0000", 16),
      subdevice: Number.parseInt(d.subdevice ?? "0x0000", 16),
      vendorName: d.vendorName,
      deviceName: d.deviceName,
      capLines: [],
    });
  }
  for (const d of pfSpecs(state)) {
    const info = pfInfo(state, d.name)!;
    const p = info.profile;
    out.push({
      // A PF whose driver the Linux view unbound has none: pciconf lists it as none<N>.
      name: pfAttached(state, d.name) ? d.name : undefined,
      address: info.address,
      cls: p.pf.class,
      rev: p.pf.revision,
      hdr: 0,
      vendor: p.pf.vendor,
      device: p.pf.device,
      subvendor: p.pf.subvendor,
      subdevice: p.pf.subdevice,
      vendorName: p.pf.vendorName,
      deviceName: p.pf.deviceName,
      capLines: [
        ...p.pf.caps,
        ...p.pf.ecapsBeforeSriov,
        ...sriovCapLines(state, info),
        ...p.pf.ecapsAfterSriov,
      ],
    });
    const order = state.pfs[d.name]?.vfListOrder ?? 0;
    for (const vf of state.pfs[d.name]?.vfs ?? []) {
      vfs.push({
        order,
        entry: {
          name: vf.attached === false ? undefined : vf.name,
          address: vfAddress(info, vf.rid),
          cls: p.pf.class,
          rev: p.vf.revision,
          hdr: 0,
          vendor: p.pf.vendor,
          device: p.sriov.vfDeviceId,
          subvendor: p.pf.subvendor,
          subdevice: p.vf.subdevice,
          vendorName: p.pf.vendorName,
          deviceName: p.vf.deviceName,
          capLines: [...vfCaps(p.vf.caps, msixInUse(vf)), ...p.vf.ecaps],
        },
      });
    }
  }
  out.sort((a, b) => compareAddress(a.address, b.address));
  // Within one PF the VFs were created in index order, which is routing-ID order.
  vfs.sort((a, b) => a.order - b.order || compareAddress(a.entry.address, b.entry.address));
  return [...out, ...vfs.map((v) => v.entry)];
}

/** Finds the entries `pciconf -l DEVICE` lists: a selector matches by address, a name by driver+unit. */
export type PciconfFilter = { selector: PciAddress } | { device: string };

export function formatPciconf(host: Host, opts: PciconfOptions = {}, filter?: PciconfFilter): string {
  let none = 0;
  const lines: string[] = [];
  let list = entries(host);
  if (filter && "selector" in filter)
    list = list.filter((e) => compareAddress(e.address, filter.selector) === 0);
  if (filter && "device" in filter) list = list.filter((e) => e.name === filter.device);
  for (const e of list) {
    const a = e.address;
    const name = e.name ?? `none${none++}`;
    lines.push(
      `${name}@pci${a.domain}:${a.bus}:${a.slot}:${a.function}:\tclass=0x${hex(e.cls, 6)} rev=0x${hex(e.rev, 2)} hdr=0x${hex(e.hdr, 2)} vendor=0x${hex(e.vendor, 4)} device=0x${hex(e.device, 4)} subvendor=0x${hex(e.subvendor, 4)} subdevice=0x${hex(e.subdevice, 4)}`,
    );
    if (opts.verbose) {
      if (e.vendorName) lines.push(`    vendor     = '${e.vendorName}'`);
      if (e.vendorName && e.deviceName) lines.push(`    device     = '${e.deviceName}'`);
      const cls = CLASSES.find(([c, s]) => c === e.cls >> 16 && s === -1);
      const sub = CLASSES.find(([c, s]) => c === e.cls >> 16 && s === ((e.cls >> 8) & 0xff));
      if (cls) lines.push(`    class      = ${cls[2]}`);
      if (sub) lines.push(`    subclass   = ${sub[2]}`);
    }
    if (opts.caps) for (const c of e.capLines) lines.push(`    ${c}`);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/**
 * The address of the attached device a PCIOCGETCONF name+unit pattern matches (pciconf.c
 * getdevice): the driver name compared as a string, the unit as a number, so "iavf00" is iavf0.
 */
export function findDeviceByName(host: Host, driver: string, unit: bigint): PciAddress | undefined {
  return entries(host).find((e) => {
    const m = e.name === undefined ? null : /^(.*[^0-9])([0-9]+)$/.exec(e.name);
    return m !== null && m[1] === driver && BigInt(m[2]) === unit;
  })?.address;
}

/**
 * PCIOCATTACHED for `pciconf -a`: whether a driver is attached to the device a selector or a
 * name finds, or undefined when there is no such device (the kernel's ENODEV).
 */
export function deviceAttached(host: Host, filter: PciconfFilter): boolean | undefined {
  const e = entries(host).find((x) =>
    "selector" in filter ? compareAddress(x.address, filter.selector) === 0 : x.name === filter.device,
  );
  return e === undefined ? undefined : e.name !== undefined;
}
