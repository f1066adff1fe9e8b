// The test conditions of a merged sweep, as a benchmark report states them beside its figures
// (FD.io CSIT: profile, NIC, frame sizes, trial length, NDR/PDR criteria), read from the points'
// own results. A condition that differs between points lists every value, and says which axis
// varies it when one does.
import { formatNumber, formatRunSize } from "../report/html/format.ts";
import type { MergedSweep } from "./merge.ts";
import { TAKES_SEED } from "./spec.ts";

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const pct = (fraction: number) => `${Number((fraction * 100).toPrecision(4))} %`;

/** Distinct values in first-seen order; undefined ones left out. */
function distinct<T>(values: Array<T | undefined>): T[] {
  return [...new Set(values.filter((v): v is T => v !== undefined))];
}

/** "a, b" plus "(by the axis X)" when a sweep axis of that name exists. */
function listed(values: string[], m: MergedSweep, axis?: string, suffix = ""): string {
  const by = values.length > 1 && axis && m.axes.includes(axis) ? ` (the ${axis} axis)` : "";
  return `${values.join(", ")}${suffix}${by}`;
}

/** What (row head) and value, for the table under "Test conditions". Empty: nothing to say. */
export function sweepConditionRows(m: MergedSweep): Array<[string, string]> {
  const results = m.points.map((p) => obj(p.result)).filter((r): r is Json => r !== undefined);
  const rows: Array<[string, string]> = [];
  const profiles = distinct(results.map((r) => (obj(r.profile)?.name as string) ?? (r.profile as string)));
  if (profiles.length > 0) rows.push(["cost profile", listed(profiles.map(String), m, "profile")]);
  const nics = distinct(results.map((r) => (typeof r.nic === "string" ? r.nic : undefined)));
  const entries = results.flatMap((r) => (Array.isArray(r.paths) ? (r.paths as unknown[]).map(obj) : []));
  // A path on another port than the PF (passthrough of ix0) has its own link speed.
  const links = distinct([...results.map((r) => num(r.link_gbps)), ...entries.map((e) => num(e?.link_gbps))]);
  if (links.length > 0)
    rows.push([
      "link",
      `${links.map((g) => `${formatNumber(g)} Gbit/s`).join(", ")} Ethernet${nics.length > 0 ? ` (PF ${nics.join(", ")})` : ""}; Gbit/s figures are Layer 1: frame + 20 B of preamble and inter-frame gap`,
    ]);
  else if (nics.length > 0) rows.push(["NIC (PF)", nics.join(", ")]);
  const sizes = distinct(
    entries.map((e) =>
      typeof e?.size === "number"
        ? formatRunSize({
            size: e.size,
            ...(typeof e.frame_bytes === "number" ? { frame_bytes: e.frame_bytes } : {}),
          })
        : typeof e?.size === "string"
          ? e.size
          : undefined,
    ),
  );
  if (sizes.length > 0)
    rows.push([
      "frame sizes",
      listed(sizes, m, "size", sizes.some((s) => s.endsWith(" B")) ? " with FCS" : ""),
    ]);
  // The paths' MTU (paths --json mtu_bytes), as the paths report states it: only where a point
  // ran at another than 1500 (a document without it ran at 1500).
  const mtus = distinct(results.filter((r) => Array.isArray(r.paths)).map((r) => num(r.mtu_bytes) ?? 1500));
  if (mtus.some((x) => x !== 1500))
    rows.push([
      "MTU",
      listed(
        mtus.map((x) => String(x)),
        m,
        "mtu",
        " on every interface of the paths (paths --mtu)",
      ),
    ]);
  const searches = distinct(
    results.map((r) => {
      const s = obj(r.search);
      const prec = num(s?.precision_of_line_rate);
      const loss = num(s?.pdr_loss);
      return prec === undefined || loss === undefined
        ? undefined
        : `NDR: 0 % loss; PDR: ${pct(loss)} loss; resolution ${pct(prec)} of line rate`;
    }),
  );
  if (searches.length > 0)
    rows.push(["NDR/PDR criteria", `RFC 2544 binary search on the offered load. ${searches.join(" | ")}`]);
  const rates = distinct(results.map((r) => (typeof r.rate === "string" ? r.rate : undefined)));
  if (rates.length > 0) rows.push(["offered load (--rate)", listed(rates, m, "rate")]);
  const trials = distinct(
    results.map((r) => {
      const t = obj(r.trial);
      const count = num(t?.count);
      const ms = num(t?.virtual_ms);
      const frames = num(r.frames_per_trial);
      return count !== undefined
        ? `${formatNumber(count)} ${count === 1 ? "frame" : "frames"} per trial`
        : ms !== undefined
          ? `${formatNumber(ms)} ms of virtual time per trial`
          : frames !== undefined
            ? `${formatNumber(frames)} ${frames === 1 ? "frame" : "frames"} per trial`
            : undefined;
    }),
  );
  const finals = entries.map((e) => num(e?.final_trial_ms)).filter((x): x is number => x !== undefined);
  // "search:" only where final trials followed it: a sweep at a fixed --rate searched nothing,
  // and one with --trial-ms ran every trial at that length (as the paths report says it).
  const trialParts =
    trials.length === 0 ? [] : [finals.length > 0 ? `search: ${trials.join(", ")}` : trials.join(", ")];
  if (finals.length > 0) {
    const lo = Math.min(...finals);
    const hi = Math.max(...finals);
    const range = lo === hi ? formatNumber(lo) : `${formatNumber(lo)} – ${formatNumber(hi)}`;
    trialParts.push(`NDR, PDR and the load points from final trials of ${range} ms of virtual time`);
  }
  if (trialParts.length > 0) rows.push(["trial duration", trialParts.join("; ")]);
  // fidelity takes no --seed (its cases fix their own scenarios): no seed row that nothing used.
  const takesSeed = (TAKES_SEED as Record<string, boolean>)[m.experiment] ?? true;
  const seeds = takesSeed ? distinct(m.points.map((p) => p.seed)) : [];
  if (seeds.length > 0)
    rows.push([
      "seed",
      seeds.length <= 8 ? seeds.join(", ") : `${seeds.length} seeds, one per point (in the table)`,
    ]);
  return rows;
}
