// RFC 2544 throughput for a steering graph: NDR, the highest offered load with zero loss (and no
// saturated resource: see SteeringSim.maxUtil), found
// by binary search between 0 and line rate (the loads a wire can carry) to a resolution of
// `precision` x line rate. Every trial is one simulation in virtual time (simulateSteering);
// the NDR trial's latency and utilization are reported with it. Line rate is computed from the
// mix's mean frame size (with FCS) plus preamble, SFD and the minimum inter-frame gap.
import { type SteeringScenario, type SteeringSim, simulateSteering } from "./simulate.ts";
import { flowSequence, type SteeringTraffic } from "./traffic.ts";

/** Preamble (7) + start-of-frame delimiter (1) + minimum inter-frame gap (12), IEEE 802.3. */
export const PREAMBLE_IFG_BYTES = 20;

export function lineRatePps(frameBytes: number, linkGbps: number): number {
  return (linkGbps * 1e9) / ((frameBytes + PREAMBLE_IFG_BYTES) * 8);
}

/** Mean frame size with FCS of the frames a run offers (same draw as the simulation). */
export function meanFrameBytes(t: SteeringTraffic, frames: number, seed: number): number {
  const seq = flowSequence(t, frames, seed);
  let b = 0;
  for (let i = 0; i < frames; i++) b += t.flowFrames[seq[i]!]!.length;
  return b / frames + 4;
}

export interface NdrResult {
  ndrPps: number;
  linePps: number;
  /** The trial at NDR (null when even the lowest load lost frames). */
  atNdr: SteeringSim | null;
  trials: Array<{ ratePps: number; lossRatio: number; maxUtil: number; bottleneck: string }>;
  /** Simulator totals of the trials (wall clock lives in each trial's simulator block). */
  frames: number;
  events: number;
}

export function searchNdr(
  base: Omit<SteeringScenario, "ratePps">,
  linkGbps: number,
  precision = 0.02,
  /** How a trial is simulated (the matrix passes one that survives an injected worker exit). */
  run: (s: SteeringScenario) => SteeringSim = simulateSteering,
): NdrResult {
  const linePps = lineRatePps(meanFrameBytes(base.traffic, base.frames, base.seed), linkGbps);
  const trials: NdrResult["trials"] = [];
  let frames = 0;
  let events = 0;
  const runs = new Map<number, SteeringSim>();
  const trial = (rate: number): SteeringSim => {
    const key = Math.round(rate);
    const have = runs.get(key);
    if (have) return have;
    const r = run({ ...base, linkGbps, ratePps: key });
    runs.set(key, r);
    frames += r.simulator.frames;
    events += r.simulator.events;
    trials.push({ ratePps: key, lossRatio: r.lossRatio, maxUtil: r.maxUtil, bottleneck: r.bottleneck });
    return r;
  };
  // Zero loss, and no resource but the wire busy all the time (within half the resolution): a
  // saturated core's backlog grows through the trial, loss that a longer trial would show.
  const passes = (r: SteeringSim) => r.lossRatio === 0 && r.maxUtil < 1 - precision / 2;
  const step = precision * linePps;
  let lo = 0;
  let best: SteeringSim | null = null;
  let hi = linePps;
  const top = trial(hi);
  // Passing at line rate proves NDR = line rate: the trial ran at the whole pps nearest to it,
  // which is below the line rate half the time (Math.round(hi) reported 9.328358 Mpps for a
  // 9.328358209 Mpps line, and 9.999999776 Gbps).
  if (passes(top)) return { ndrPps: linePps, linePps, atNdr: top, trials, frames, events };
  while (hi - lo > step) {
    const mid = (lo + hi) / 2;
    const r = trial(mid);
    if (passes(r)) {
      lo = mid;
      best = r;
    } else hi = mid;
  }
  return { ndrPps: Math.round(lo), linePps, atNdr: best, trials, frames, events };
}
