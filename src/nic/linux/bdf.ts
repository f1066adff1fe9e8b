// Linux PCI names: "DDDD:BB:DD.F" from a routing ID. Linux always splits devfn into
// device (devfn >> 3) and function (devfn & 7), ARI or not, so the X710's VF 0 at RID 0x0110
// (FreeBSD pci0:1:0:16 with ARI) is 0000:01:02.0 here.
import type { PciAddress } from "../pci.ts";

const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");

export function bdfOfRid(rid: number, domain = 0): string {
  const bus = (rid >> 8) & 0xff;
  const devfn = rid & 0xff;
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`;
}

/** The BDF of a device at a FreeBSD-style address (non-ARI RID: slot/function). */
export function bdfOfAddress(a: PciAddress): string {
  return bdfOfRid(((a.bus & 0xff) << 8) | ((a.slot & 0x1f) << 3) | (a.function & 7), a.domain);
}

/** systemd's predictable name for a PCI network function: enp<bus>s<slot>f<function>. */
export function predictableName(rid: number): string {
  const devfn = rid & 0xff;
  return `enp${(rid >> 8) & 0xff}s${devfn >> 3}f${devfn & 7}`;
}
