// PF driver models by name (a profile's pf.iovModel, else its pf.driver). A new NIC whose driver
// behaves as a modelled one is only a profile file (pf.iovModel names the model).
import type { NicProfile } from "../profile.ts";
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

/** The driver model a profile's PF follows: its `pf.iovModel`, else the one named like its driver. */
export function pfDriverOf(profile: NicProfile): PfDriver {
  return pfDriver(profile.pf.iovModel ?? profile.pf.driver);
}
