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
