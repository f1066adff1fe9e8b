// `iovctl -L` (FreeBSD 2026, commit 25de7428) status listing, control-plane.md §1.4.3:
// tabs for indentation, "vf %3ju:" for the index, pci-location = the pciconf selector.
import type { Host } from "./host.ts";

function yn(b: boolean): string {
  return b ? "yes" : "no";
}

export function formatStatus(host: Host, pfName: string): string {
  const pf = host.pf(pfName);
  if (!pf) throw new Error(`no SR-IOV PF named '${pfName}'`);
  const lines = [
    `${pf.name}:`,
    `\tidentity: pci-location=${pf.selector}`,
    `\tsriov: enabled=${yn(pf.sriovEnabled)} vfs=${pf.vfs.length}/${pf.totalVfs}`,
  ];
  for (const vf of pf.vfs) {
    const attached = vf.attached !== false;
    lines.push(`\t\tvf ${String(vf.index).padStart(3, " ")}:`);
    lines.push(`\t\t\tidentity: pci-location=${vf.selector}`);
    lines.push(
      `\t\t\thost: attached=${yn(attached)}${attached ? ` driver=${vf.name}` : ""} passthrough=${yn(vf.config.passthrough)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
