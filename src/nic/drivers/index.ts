// PF drivers by name (a profile's pf.driver). A new NIC that reuses a driver is only a profile file.
import type { PfDriver } from "./driver.ts";
import { igbDriver } from "./igb.ts";
import { ixDriver } from "./ix.ts";
import { ixlDriver } from "./ixl.ts";

const DRIVERS: Record<string, PfDriver> = { ixl: ixlDriver, ix: ixDriver, igb: igbDriver };

export function pfDriver(name: string): PfDriver {
  const d = DRIVERS[name];
  if (!d) throw new Error(`no PF driver model named '${name}' (known: ${Object.keys(DRIVERS).join(", ")})`);
  return d;
}
