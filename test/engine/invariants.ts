// The invariants every simulated result must hold (test/engine/*-property.test.ts): each returns
// the list of what it found wrong (empty: holds), so a property names every broken figure.
import type { SimResult } from "../../src/engine/types.ts";

/** Conservation: sent + copies = delivered + delivered elsewhere + every counted drop + in
 *  flight, every counter a whole number >= 0, and the measured figures inside the totals. */
export function conservationErrors(r: SimResult): string[] {
  const c = r.conservation;
  const out: string[] = [];
  const counters: Array<[string, number]> = [
    ["sent", c.sent],
    ["delivered", c.delivered],
    ["inFlight", c.inFlight],
    ["copies", c.copies],
    ...Object.entries(c.dropped).map(([k, v]) => [`dropped[${k}]`, v] as [string, number]),
    ...Object.entries(c.deliveredElsewhere ?? {}).map(([k, v]) => [`elsewhere[${k}]`, v] as [string, number]),
  ];
  for (const [k, v] of counters) if (!Number.isInteger(v) || v < 0) out.push(`${k} = ${v}`);
  const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
  const elsewhere = Object.values(c.deliveredElsewhere ?? {}).reduce((a, b) => a + b, 0);
  if (c.sent + c.copies !== c.delivered + elsewhere + dropped + c.inFlight)
    out.push(
      `sent ${c.sent} + copies ${c.copies} != delivered ${c.delivered} + elsewhere ${elsewhere} + dropped ${dropped} + in flight ${c.inFlight}`,
    );
  if (!c.ok) out.push("conservation.ok is false");
  if (r.integrity.bad !== 0) out.push(`integrity.bad = ${r.integrity.bad}`);
  return out;
}

/** Wire bytes of one frame of `frameBytes` (with FCS): padded to 64, plus preamble and IFG. */
export const wireBytes = (frameBytes: number) => Math.max(64, frameBytes) + 20;

/** Busy fractions in [0, 1] (work <= busy), cycles per packet finite and >= 0, and > 0 on the
 *  consumer's resources when frames were delivered. */
export function resourceErrors(r: SimResult): string[] {
  const out: string[] = [];
  for (const u of r.resources) {
    const w = u.work_utilization ?? u.utilization;
    if (!(u.utilization >= 0 && u.utilization <= 1)) out.push(`${u.resource}: utilization ${u.utilization}`);
    if (!(w >= 0 && w <= u.utilization + 1e-12))
      out.push(`${u.resource}: work_utilization ${w} (busy ${u.utilization})`);
    if (!(Number.isFinite(u.cycles_per_packet) && u.cycles_per_packet >= 0))
      out.push(`${u.resource}: cycles_per_packet ${u.cycles_per_packet}`);
    for (const [k, v] of Object.entries(u.by_event))
      if (!(Number.isFinite(v) && v >= 0)) out.push(`${u.resource}: by_event ${k} = ${v}`);
  }
  if (r.conservation.delivered > 0) {
    const cpus = r.resources.filter((u) => u.kind === "core" || u.kind === "vcpu");
    if (!cpus.some((u) => u.cycles_per_packet > 0)) out.push("frames delivered, yet no CPU spent a cycle");
  }
  return out;
}

/** Latency percentiles ordered and within max; the mean within [0, max]. */
export function latencyOrderErrors(r: SimResult): string[] {
  const l = r.latency_us;
  const out: string[] = [];
  const seq: Array<[string, number]> = [
    ["p50", l.p50],
    ["p90", l.p90],
    ["p99", l.p99],
    ["p999", l.p999],
    ["max", l.max],
  ];
  for (const [k, v] of seq) if (!(Number.isFinite(v) && v >= 0)) out.push(`${k} = ${v}`);
  for (let i = 1; i < seq.length; i++)
    if (seq[i][1] < seq[i - 1][1]) out.push(`${seq[i - 1][0]} ${seq[i - 1][1]} > ${seq[i][0]} ${seq[i][1]}`);
  if (!(l.mean >= 0 && l.mean <= l.max + 1e-9)) out.push(`mean ${l.mean} outside [0, max ${l.max}]`);
  return out;
}
