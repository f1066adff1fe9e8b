// The physics every `iovsim paths --json` document must obey, whatever the options: checked by
// the outside-in acceptance sweep (test/cli/acceptance-paths.test.ts) on runs nobody pinned.
// Each check returns the violations it found, in words, so a failing case says what broke; an
// empty list is a pass. test/cli/acceptance-paths.test.ts also feeds these checks doctored
// documents, so each can be seen to fail.
import { perPacketUnit, type ResourceKind } from "../../src/engine/resource.ts";
import type { PathsJson } from "../../src/report/paths-json.ts";

/** Layer-1 bits of a frame on the wire: the frame (FCS included) + 20 B preamble, SFD and IFG. */
export const layer1Bits = (frameBytes: number) => (frameBytes + 20) * 8;

const near = (a: number, b: number, rel: number, abs = 1e-9) => Math.abs(a - b) <= abs + rel * Math.abs(b);

type PathEntry = PathsJson["paths"][number];
type LoadPoint = PathEntry["load_points"][number];

/** Line rate: the link's Gbit/s over the frame's Layer-1 bits (both directions: twice). */
function lineRateChecks(j: PathsJson, p: PathEntry, tag: string): string[] {
  const out: string[] = [];
  if (p.line_rate_mpps === null) return out;
  const link = p.link_gbps ?? j.link_gbps;
  const expected = ((link * 1e3) / layer1Bits(p.frame_bytes)) * (p.direction === "both" ? 2 : 1);
  if (!near(p.line_rate_mpps, expected, 1e-6))
    out.push(
      `${tag}: line rate ${p.line_rate_mpps} Mpps, not ${expected} (${link} Gbit/s, ${p.frame_bytes} B + 20 B)`,
    );
  return out;
}

/** NDR ≤ PDR ≤ the ceiling; Gbit/s = Mpps × Layer-1 bits; `wire` named exactly when NDR is line rate. */
function throughputChecks(p: PathEntry, tag: string): string[] {
  const out: string[] = [];
  if (p.ndr_mpps === null || p.pdr_mpps === null) return out;
  const ceiling = p.line_rate_mpps ?? p.ceiling_mpps;
  if (p.ndr_mpps > p.pdr_mpps) out.push(`${tag}: NDR ${p.ndr_mpps} above PDR ${p.pdr_mpps}`);
  if (p.pdr_mpps > ceiling * (1 + 1e-9)) out.push(`${tag}: PDR ${p.pdr_mpps} above the ceiling ${ceiling}`);
  if (p.ndr_mpps < 0) out.push(`${tag}: NDR ${p.ndr_mpps} negative`);
  for (const [name, mpps, gbps] of [
    ["NDR", p.ndr_mpps, p.ndr_gbps],
    ["PDR", p.pdr_mpps, p.pdr_gbps],
  ] as const) {
    const g = (mpps * layer1Bits(p.frame_bytes)) / 1e3;
    if (gbps === null || !near(gbps, g, 1e-6, 1e-9))
      out.push(`${tag}: ${name} ${gbps} Gbit/s, not ${g} (${mpps} Mpps)`);
  }
  // The search counts whole frames per second: line rate passing reads Math.round(line rate).
  const atCeiling = p.ndr_mpps >= ceiling - 1e-6;
  if (p.line_rate_mpps !== null && atCeiling !== (p.bottleneck === "wire"))
    out.push(`${tag}: NDR ${p.ndr_mpps} of line rate ${ceiling} but bottleneck '${p.bottleneck}'`);
  return out;
}

/** Conservation adds up, nothing is delivered that was not offered, loss is the shortfall. */
function conservationChecks(lp: LoadPoint, t: string): string[] {
  const out: string[] = [];
  const c = lp.conservation;
  const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
  const elsewhere = Object.values(c.delivered_elsewhere ?? {}).reduce((a, b) => a + b, 0);
  if (c.sent + c.copies !== c.delivered + elsewhere + dropped + c.in_flight)
    out.push(
      `${t}: sent ${c.sent} + copies ${c.copies} ≠ delivered ${c.delivered} + elsewhere ${elsewhere} + dropped ${dropped} + in flight ${c.in_flight}`,
    );
  if (!c.ok) out.push(`${t}: conservation not ok`);
  if (lp.delivered_mpps > lp.offered_mpps * (1 + 1e-9) && c.copies === 0)
    out.push(`${t}: delivered ${lp.delivered_mpps} above offered ${lp.offered_mpps}`);
  if (lp.loss_ratio < 0 || lp.loss_ratio > 1) out.push(`${t}: loss ratio ${lp.loss_ratio}`);
  const r = lp.replay;
  if (r) {
    // --pcap: the frames the consumer lost over those the switch sent toward it (1 when none
    // was): frames its filters dropped are policy, not loss (docs/paths-json.md). Checked as
    // 1 − delivered/offered, a half-filtered capture failed with loss 0.5.
    const toward = r.to_consumer + r.consumer_lost;
    const loss = toward > 0 ? r.consumer_lost / toward : 1;
    if (!near(lp.loss_ratio, loss, 0, 1e-9))
      out.push(`${t}: loss ${lp.loss_ratio}, not consumer lost/sent toward it ${loss}`);
  } else if (c.copies === 0 && lp.offered_mpps > 0) {
    const loss = 1 - lp.delivered_mpps / lp.offered_mpps;
    if (!near(lp.loss_ratio, Math.max(0, loss), 0, 1e-9))
      out.push(`${t}: loss ${lp.loss_ratio}, not 1 − delivered/offered ${loss}`);
  }
  return out;
}

/** p50 ≤ p90 ≤ p99 ≤ p99.9 ≤ max, min ≤ mean ≤ max, all positive. */
function latencyChecks(lp: LoadPoint, t: string): string[] {
  const l = lp.latency_us;
  if (l === null) return lp.delivered_mpps > 0 ? [`${t}: frames delivered but no latency`] : [];
  const seq = [l.min ?? 0, l.p50, l.p90, l.p99, l.p999, l.max];
  const out: string[] = [];
  if (!(seq[0]! > 0)) out.push(`${t}: minimum latency ${l.min} not positive`);
  for (let i = 1; i < seq.length; i++)
    if (seq[i]! < seq[i - 1]!)
      out.push(`${t}: latency not ordered (min, p50, p90, p99, p99.9, max) ${seq.join(", ")}`);
  if (l.mean < (l.min ?? 0) || l.mean > l.max) out.push(`${t}: mean ${l.mean} outside [${l.min}, ${l.max}]`);
  return out;
}

/** Utilization within 0..1 (work ≤ busy); the point's bottleneck is its most worked resource. */
function resourceChecks(lp: LoadPoint, t: string): string[] {
  const out: string[] = [];
  let top = -1;
  for (const r of lp.cpu) {
    if (r.utilization < 0 || r.utilization > 1) out.push(`${t}: ${r.resource} utilization ${r.utilization}`);
    if (r.work_utilization > r.utilization + 1e-12)
      out.push(`${t}: ${r.resource} work ${r.work_utilization} > busy ${r.utilization}`);
    if (r.cycles_per_packet < 0) out.push(`${t}: ${r.resource} ${r.cycles_per_packet} per packet`);
    const unit = perPacketUnit(r.kind as ResourceKind);
    if (r.cycles_per_packet_unit !== undefined && r.cycles_per_packet_unit !== unit)
      out.push(
        `${t}: ${r.resource} (${r.kind}) counts '${r.cycles_per_packet_unit}' per packet, not ${unit}`,
      );
    top = Math.max(top, r.work_utilization);
  }
  const named = lp.cpu.find((r) => r.resource === lp.bottleneck);
  if (named === undefined) out.push(`${t}: bottleneck '${lp.bottleneck}' is no resource of the point`);
  else if (named.work_utilization < top)
    out.push(
      `${t}: bottleneck ${lp.bottleneck} (${named.work_utilization}) is not the most worked resource (${top})`,
    );
  return out;
}

/** The wire's busy time is the frames it carried: ns per packet × delivered rate ≈ utilization
 *  (checked where the wire is the first resource, rx, and the trial is long beside the path). */
function wireChecks(link: number, p: PathEntry, lp: LoadPoint, t: string): string[] {
  if (p.direction !== "rx" || p.line_rate_mpps === null || lp.delivered_mpps <= 0 || lp.loss_ratio > 0)
    return [];
  const wire = lp.cpu.find((r) => r.resource === "wire-rx");
  if (wire === undefined) return [];
  const busy = (wire.cycles_per_packet * lp.delivered_mpps) / 1e3;
  // Per delivered frame: the wire also carried the frames the switch's filters dropped (--pcap),
  // offered/delivered of them per delivered one (1 without filtering: this point lost nothing).
  const perDelivered = (lp.replay?.filtered ?? 0) > 0 ? lp.offered_mpps / lp.delivered_mpps : 1;
  const expectNs = (layer1Bits(p.frame_bytes) / link) * perDelivered;
  const out: string[] = [];
  if (!near(wire.cycles_per_packet, expectNs, 0.02, 1))
    out.push(`${t}: wire-rx ${wire.cycles_per_packet} ns per frame, not the Layer-1 time ${expectNs} ns`);
  if (!near(wire.utilization, busy, 0.05, 0.01))
    out.push(`${t}: wire-rx utilization ${wire.utilization}, not ns per packet × pps = ${busy}`);
  return out;
}

/** Every invariant of one document (the load points at fractions of NDR lose nothing). */
export function pathsViolations(j: PathsJson): string[] {
  const out: string[] = [];
  for (const p of j.paths) {
    const tag = `${p.name} ${p.direction} ${p.size}`;
    out.push(...lineRateChecks(j, p, tag), ...throughputChecks(p, tag));
    const ceiling = p.line_rate_mpps ?? p.ceiling_mpps;
    if (j.rate === null && (p.ndr_mpps ?? 0) > 0 && p.load_points.length !== 3)
      out.push(`${tag}: ${p.load_points.length} load points, not 3 (10/50/90 % of NDR)`);
    for (const lp of p.load_points) {
      const t = `${tag} @${lp.fraction_of_ndr ?? j.rate}`;
      if (lp.offered_mpps > ceiling * (1 + 1e-6))
        out.push(`${t}: offered ${lp.offered_mpps} above ${ceiling}`);
      // A fixed size: the case's frame exactly; imix or a capture: the trial's own draw, whose
      // mean differs from the case's by a few percent.
      const tol = typeof p.size === "number" ? 1e-6 : 0.05;
      const g = (lp.offered_mpps * layer1Bits(p.frame_bytes)) / 1e3;
      if (!near(lp.offered_gbps, g, tol)) out.push(`${t}: offered ${lp.offered_gbps} Gbit/s, not ${g}`);
      // Delivered Gbit/s at the same frame (absent in documents from before it was reported).
      const dg = (lp.delivered_mpps * layer1Bits(p.frame_bytes)) / 1e3;
      if (lp.delivered_gbps !== undefined && !near(lp.delivered_gbps, dg, tol))
        out.push(`${t}: delivered ${lp.delivered_gbps} Gbit/s, not ${dg}`);
      if (lp.fraction_of_ndr !== null && p.ndr_mpps !== null && lp.loss_ratio > 0)
        out.push(`${t}: ${lp.loss_ratio} loss at ${lp.fraction_of_ndr} of NDR`);
      out.push(
        ...conservationChecks(lp, t),
        ...latencyChecks(lp, t),
        ...resourceChecks(lp, t),
        ...wireChecks(p.link_gbps ?? j.link_gbps, p, lp, t),
      );
      if (p.direction === "both" && lp.per_direction) {
        const { rx, tx } = lp.per_direction;
        if (!near(rx.offered_mpps + tx.offered_mpps, lp.offered_mpps, 1e-6))
          out.push(`${t}: rx ${rx.offered_mpps} + tx ${tx.offered_mpps} offered ≠ ${lp.offered_mpps}`);
        if (!near(rx.delivered_mpps + tx.delivered_mpps, lp.delivered_mpps, 1e-6))
          out.push(
            `${t}: rx ${rx.delivered_mpps} + tx ${tx.delivered_mpps} delivered ≠ ${lp.delivered_mpps}`,
          );
      }
    }
  }
  for (const pg of j.ping) {
    const r = pg.rtt_us;
    if (pg.received > pg.transmitted)
      out.push(`ping ${pg.path}: ${pg.received} replies to ${pg.transmitted} echoes`);
    if (r.min === null) continue;
    const seq = [r.min, r.p50, r.p99, r.max] as number[];
    for (let i = 1; i < seq.length; i++)
      if (seq[i]! < seq[i - 1]!)
        out.push(`ping ${pg.path}: RTT not ordered (min, p50, p99, max) ${seq.join(", ")}`);
    if ((r.avg as number) < r.min || (r.avg as number) > (r.max as number))
      out.push(`ping ${pg.path}: avg ${r.avg} outside [min, max]`);
  }
  return out;
}
