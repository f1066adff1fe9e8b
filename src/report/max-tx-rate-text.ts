// How the reports (the text header, the HTML report's test conditions) name a VF's transmit rate
// limit: what ip link set, what the NIC programs when it differs, what it counts, its burst.
import type { ConfigurationJson } from "./paths-json.ts";

type MaxTxRate = NonNullable<NonNullable<ConfigurationJson["paths"][number]["vf"]>["max_tx_rate"]>;

/** A VF's transmit rate limit as the run applied it: what ip link set, what the NIC programs,
 *  what it counts (the transmit direction's frames wait for it; receive is not limited). */
export function maxTxRateText(vf: number, m: MaxTxRate): string {
  const mbps = (x: number) => `${Number(x.toFixed(3))} Mbit/s`;
  const programmed =
    Math.abs(m.programmed_mbps - m.asked_mbps) > 1e-9 ? ` (the NIC programs ${mbps(m.programmed_mbps)})` : "";
  return `VF ${vf} max_tx_rate ${mbps(m.asked_mbps)}${programmed}: its transmit is limited (${m.counts === "layer1" ? "Layer 1 bytes" : "frame bytes"}, burst ${m.burst_bytes} B${assumed(m)})`;
}

/** Which of what the limiter counts and its burst the NIC profile only assumes, said where the
 *  limit is: the NDR it sets rests on them (their ranges: iovsim model show --nic). */
function assumed(m: MaxTxRate): string {
  const which = [
    ...(m.counts_tag === "assumption" ? ["the counting"] : []),
    ...(m.burst_tag === "assumption" ? ["the burst"] : []),
  ];
  if (which.length === 0) return "";
  const what = which.length === 2 ? "both assumptions" : `${which[0]} an assumption`;
  return `; ${what} of the NIC profile, ranges in iovsim model show --nic`;
}
