// The test conditions of a run, as a benchmark report states them beside its NDR/PDR figures
// (FD.io CSIT: loss tolerance, search resolution, trial duration, frame size, link), and where
// they come from: the `paths --json` document's top-level fields.
import { otherLinkText } from "../link-text.ts";
import { maxTxRateText } from "../max-tx-rate-text.ts";
import { otherLinks, type PathsJson } from "../paths-json.ts";
import { formatNumber, formatRunSize } from "./format.ts";
import type { Conditions, PathResult } from "./types.ts";

/** The report's `conditions` from a `paths --json` document. */
export function pathsConditions(j: PathsJson): Conditions {
  const others = otherLinks(j);
  const limits = vfTxLimits(j);
  return {
    link_gbps: j.link_gbps,
    ...(j.nic ? { nic: j.nic } : {}),
    ...(others.length > 0 ? { other_links: others } : {}),
    ...(j.mtu_bytes !== undefined && j.mtu_bytes !== 1500 ? { mtu_bytes: j.mtu_bytes } : {}),
    arrival: j.arrival,
    seed: j.seed,
    trial_ms: j.trial.virtual_ms,
    trial_frames: j.trial.count,
    ...(j.search
      ? { precision_of_line_rate: j.search.precision_of_line_rate, pdr_loss: j.search.pdr_loss }
      : {}),
    rate: j.rate,
    ...(j.load?.loop === "closed" ? { window: j.load.window } : {}),
    ...(limits.length > 0 ? { vf_tx_limits: limits } : {}),
  };
}

/** "jail-vf: VF 0 max_tx_rate 500 Mbit/s ..." for each path whose sending VF has a limit (a
 *  loopback peer only receives: its limit does not apply). */
function vfTxLimits(j: PathsJson): string[] {
  const out: string[] = [];
  for (const p of j.configuration?.paths ?? [])
    if (p.vf?.max_tx_rate) out.push(`${p.name}: ${maxTxRateText(p.vf.index, p.vf.max_tx_rate)}`);
  return out;
}

const pct = (fraction: number) => `${Number((fraction * 100).toPrecision(4))} %`;

/** "1 ms" or "1 ms search trials, then final trials of 11.3–599 ms". */
function trialText(c: Conditions, paths: PathResult[]): string | null {
  const finals = paths.map((p) => p.final_trial_ms).filter((x): x is number => typeof x === "number");
  const base =
    typeof c.trial_frames === "number"
      ? `${formatNumber(c.trial_frames)} frame${c.trial_frames === 1 ? "" : "s"} offered per trial`
      : typeof c.trial_ms === "number"
        ? `${formatNumber(c.trial_ms)} ms of virtual time per trial`
        : null;
  if (finals.length === 0) return base;
  const lo = Math.min(...finals);
  const hi = Math.max(...finals);
  const range = lo === hi ? formatNumber(lo) : `${formatNumber(lo)} – ${formatNumber(hi)}`;
  return `${base ? `search: ${base}; ` : ""}NDR, PDR and the load points from final trials of ${range} ms of virtual time (each path and size's in the table below)`;
}

/** "; passthrough on a 10 Gbit/s link (ix0)" per link of another speed some paths crossed. */
function otherLinksText(c: Conditions): string {
  return (c.other_links ?? []).map((o) => `; ${otherLinkText(o)}`).join("");
}

/** The conditions as (what, value) rows: the table under the throughput heading. */
export function conditionRows(c: Conditions, paths: PathResult[]): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (c.precision_of_line_rate !== undefined) {
    rows.push(["method", "RFC 2544 binary search on the offered load, between 0 and line rate"]);
    rows.push(["NDR loss tolerance", "0 % (no frame lost)"]);
    if (c.pdr_loss !== undefined)
      rows.push(["PDR loss tolerance", `${pct(c.pdr_loss)} of the frames offered`]);
    rows.push(["search resolution", `${pct(c.precision_of_line_rate)} of line rate`]);
    // steering --rate R without --no-ndr runs both: the search and R's load point.
    if (c.rate) rows.push(["also", `one load point at ${c.rate} (the rows at --rate)`]);
  } else if (c.window !== undefined)
    // A closed loop offers no load of its own: its window and its sending cap say what ran.
    rows.push([
      "method",
      `closed loop (TCP-like), one load point: the sender on the wire keeps at most ${c.window} ${c.window === 1 ? "frame" : "frames"} sent and not yet read by the consumer's application, sending up to ${c.rate ?? "line rate"}${c.rate?.endsWith("%") ? " of line rate" : ""}; the delivered rate is what the receiver sustains (no throughput search)`,
    ]);
  else if (c.rate)
    rows.push([
      "method",
      `one load point at ${c.rate}${paths.some((p) => p.direction === "both") ? " in each direction" : ""} (no throughput search)`,
    ]);
  const trial = trialText(c, paths);
  if (trial) rows.push(["trial duration", trial]);
  const sizes = [
    ...new Set(
      paths.map((p) =>
        typeof p.size === "number"
          ? formatRunSize(p)
          : p.size === "pcap"
            ? "a capture's frames, as captured"
            : p.size,
      ),
    ),
  ];
  const fcs = paths.some((p) => typeof p.size === "number") ? " (with FCS)" : "";
  if (sizes.length > 0) rows.push(["frame sizes", `${sizes.join(", ")}${fcs}`]);
  if (c.link_gbps !== undefined)
    rows.push([
      "link",
      `${formatNumber(c.link_gbps)} Gbit/s Ethernet${c.nic ? ` (${c.nic})` : ""}${otherLinksText(c)}; Gbit/s figures are Layer 1: frame + 20 B of preamble and inter-frame gap`,
    ]);
  else if (c.nic) rows.push(["NIC", c.nic]);
  if (c.mtu_bytes !== undefined)
    rows.push([
      "MTU",
      `${c.mtu_bytes} on every interface of the paths (paths --mtu; frames up to ${c.mtu_bytes + 18} B)`,
    ]);
  if (c.arrival) rows.push(["arrivals", c.arrival]);
  if (c.vf_tx_limits) rows.push(["VF transmit limits", c.vf_tx_limits.join("; ")]);
  if (c.seed !== undefined) rows.push(["seed", String(c.seed)]);
  return rows;
}

/** The short form for the page header: "10 Gbit/s link (ixl0) · seed 1". */
export function conditionsMeta(c: Conditions | undefined): string[] {
  if (!c) return [];
  const out: string[] = [];
  if (c.link_gbps !== undefined)
    out.push(`${formatNumber(c.link_gbps)} Gbit/s link${c.nic ? ` (${c.nic})` : ""}${otherLinksText(c)}`);
  else if (c.nic) out.push(`NIC ${c.nic}`);
  if (c.seed !== undefined) out.push(`seed ${c.seed}`);
  return out;
}
