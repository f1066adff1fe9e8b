// steering --nic ID that names no NIC profile: a usage error listing the profiles there are, as
// model show --nic lists them (apart, so nic.ts and strategies.ts both throw it without a cycle).
import { UserError } from "../errors.ts";
import { allProfiles } from "../nic/profile.ts";

export function unknownNic(id: string): UserError {
  return new UserError(
    "E_USAGE",
    `--nic: unknown NIC profile '${id}' (known: ${[...allProfiles().keys()].sort().join(", ")})`,
  );
}
