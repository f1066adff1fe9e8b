// PCI addressing: routing IDs (RID = bus<<8 | devfn), pciconf selectors, and the SR-IOV
// VF RID arithmetic of pci_iov.c (VF_i RID = PF RID + First VF Offset + i * VF Stride).

export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

/** RID of a conventional (non-ARI) address: bus<<8 | slot<<3 | function. */
export function ridOf(a: PciAddress, ari: boolean): number {
  const devfn = ari ? a.function & 0xff : ((a.slot & 0x1f) << 3) | (a.function & 0x7);
  return ((a.bus & 0xff) << 8) | devfn;
}

/** Decodes a RID the way FreeBSD shows it: with ARI slot 0 and function = devfn, else slot/function. */
export function addressOfRid(rid: number, ari: boolean, domain = 0): PciAddress {
  const bus = (rid >> 8) & 0xff;
  const devfn = rid & 0xff;
  return ari
    ? { domain, bus, slot: 0, function: devfn }
    : { domain, bus, slot: (devfn >> 3) & 0x1f, function: devfn & 0x7 };
}

export function formatSelector(a: PciAddress): string {
  return `pci${a.domain}:${a.bus}:${a.slot}:${a.function}`;
}

/**
 * Parses a selector like pciconf's parsesel(): "pci0:1:0:16", "pci1:0:16" (bus:slot:func),
 * "pci1:0" (bus:slot), optionally after "name@". Returns undefined when it is not one.
 */
export function parseSelector(text: string): PciAddress | undefined {
  const at = text.indexOf("@");
  const s = at >= 0 ? text.slice(at + 1) : text;
  const m = /^pci(\d+(?::\d+){0,3}):?$/.exec(s);
  if (!m) return undefined;
  const nums = m[1].split(":").map((n) => Number.parseInt(n, 10));
  if (nums.some((n) => !Number.isSafeInteger(n))) return undefined;
  const i = nums.length;
  const fn = i > 2 ? nums[i - 1] : 0;
  const rest = i > 2 ? nums.slice(0, i - 1) : nums;
  const slot = rest.length > 0 ? rest[rest.length - 1] : 0;
  const bus = rest.length > 1 ? rest[rest.length - 2] : 0;
  const domain = rest.length > 2 ? rest[rest.length - 3] : 0;
  return { domain, bus, slot, function: fn };
}

export function sameAddress(a: PciAddress, b: PciAddress): boolean {
  return a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function;
}

export function compareAddress(a: PciAddress, b: PciAddress): number {
  return a.domain - b.domain || a.bus - b.bus || a.slot - b.slot || a.function - b.function;
}

export interface VfRidPlan {
  firstRid: number;
  lastRid: number;
  /** RID of VF i. */
  rid(i: number): number;
}

export function planVfRids(
  pfRid: number,
  firstVfOffset: number,
  vfStride: number,
  numVfs: number,
): VfRidPlan {
  const firstRid = pfRid + firstVfOffset;
  return {
    firstRid,
    lastRid: firstRid + (numVfs - 1) * vfStride,
    rid: (i) => firstRid + i * vfStride,
  };
}

/** pci_iov.c: every VF must sit on the PF's bus (the kernel does not allocate extra bus numbers). */
export function vfsFitOnBus(pfRid: number, plan: VfRidPlan): boolean {
  return plan.lastRid >> 8 === pfRid >> 8 && plan.lastRid <= 0xffff;
}
