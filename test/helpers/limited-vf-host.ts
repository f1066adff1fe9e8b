// A saved host whose VF 0 (or another) of ixl0 has a transmit rate limit (ip link ... vf 0 max_tx_rate), as a
// path configuration for the engine: the NIC's scheduler holds the VF's transmit ring back, so a
// sender faster than the limit fills it (test/engine/vf-shaper.test.ts, tx-queue-stop.test.ts).
import { expect } from "vitest";
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { Host } from "../../src/nic/index.ts";
import { findNetdev, setVf, sysfsWrite } from "../../src/nic/linux/index.ts";

/** A saved host with two VFs of `pf` (ixl0, or another PF of the default host: ix0 an 82599), VF
 *  `vf` (0: the jail's, 1: the VM's) limited to `mbps` (0: none), as a path configuration. */
export function limitedHost(mbps: number, vf = 0, pf = "ixl0"): ScenarioSpec["config"] {
  const host = Host.fresh();
  expect(sysfsWrite(host.state, `/sys/class/net/${pf}/device/sriov_numvfs`, "2").ok).toBe(true);
  if (mbps > 0) expect(setVf(host.state, findNetdev(host.state, pf)!, { vf, maxTxRate: mbps }).ok).toBe(true);
  const conf = { text: JSON.stringify(host.state), file: "test host", hostState: true as const };
  return conf;
}
