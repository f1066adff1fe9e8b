// Comma-list options (--size 64,512, --path a,b, --queues 1,2,4): each item is one case of the
// run, so an item given twice would simulate and print the same case twice. Refused, naming it.
import { UserError } from "../errors.ts";

/** Throws a usage error naming `option` and the first item that appears twice in `items`. */
export function refuseRepeatedItems(option: string, items: readonly (string | number)[]): void {
  const seen = new Set<string | number>();
  for (const item of items) {
    if (seen.has(item))
      throw new UserError(
        "E_USAGE",
        `${option}: '${item}' is given twice (each item is one case of the run)`,
      );
    seen.add(item);
  }
}

/**
 * Repeatable options (--promisc PORT, --vxlan-port N): each value is one request, so a value
 * given twice is a slip that changes nothing. Refused, naming the option and the value.
 */
export function refuseRepeatedValues(option: string, values: readonly (string | number)[]): void {
  const seen = new Set<string | number>();
  for (const v of values) {
    if (seen.has(v)) throw new UserError("E_USAGE", `option '${option} ${v}' is given twice`);
    seen.add(v);
  }
}

/** VXLAN's IANA port (RFC 7348): always decoded as VXLAN, so naming it adds nothing. */
export const VXLAN_IANA_PORT = 4789;

/**
 * The values of a repeatable --vxlan-port N (decode, switch): each one decimal UDP port
 * 1..65535, one port per option. Returned as numbers without 4789 (always VXLAN: giving it is
 * allowed and changes nothing). A port given twice (also as 08472 beside 8472) is refused, and
 * a comma list gets its own hint: it read as one bad port.
 */
export function vxlanPortValues(values: readonly string[]): number[] {
  const ports: number[] = [];
  const seen = new Set<number>();
  for (const v of values) {
    if (/^\s*\d+\s*(,\s*\d*\s*)+$/.test(v))
      throw new UserError(
        "E_USAGE",
        `option '--vxlan-port': '${v}' is a list; the option takes one port (repeat it: ${v
          .split(",")
          .filter((x) => x.trim() !== "")
          .map((x) => `--vxlan-port ${x.trim()}`)
          .join(" ")})`,
      );
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
      throw new UserError("E_USAGE", `option '--vxlan-port': '${v}' is not a UDP port (1..65535)`);
    const n = Number(v);
    if (seen.has(n)) throw new UserError("E_USAGE", `option '--vxlan-port ${n}' is given twice`);
    seen.add(n);
    if (n !== VXLAN_IANA_PORT) ports.push(n);
  }
  return ports;
}
