// One `paths` experiment end to end, for the `paths` command and the demo: the RFC 2544 search
// and load points on the engine, the pings, and the iovsim.paths/2 document they make.
import { performance } from "node:perf_hooks";
import { faultText } from "../../engine/faults.ts";
import { aboveCapacity } from "../../experiment/capacity.ts";
import {
  caseLinkGbps,
  type ExperimentCase,
  type ExperimentResult,
  runExperiment,
  trialSpec,
} from "../../experiment/experiment.ts";
import { lineRatePps, resolveRate } from "../../experiment/rate.ts";
import { receiveFirstNote, receiveStarved } from "../../experiment/receive-first.ts";
import { createRunner } from "../../experiment/runners.ts";
import { directionShortfall, senderShortfall, shortSenders } from "../../experiment/shortfall.ts";
import { finalTrialNs, pathBufferingFrames } from "../../experiment/trial-length.ts";
import { portLinkGbps } from "../../paths/setup.ts";
import {
  buildPathsJson,
  type PathsJson,
  type PingJson,
  type SimulatorPart,
  simulatorJson,
  simulatorPart,
} from "../../report/paths-json.ts";
import type { CommandContext } from "../context.ts";
import { toolVersion } from "../version.ts";
import { configurationJson, runPf } from "./paths-configuration.ts";
import type { PathsOptions } from "./paths-options.ts";
import { replayWarnings } from "./paths-replay.ts";
import { pingPaths } from "./ping-run.ts";
import { withProgress } from "./progress.ts";

export interface PathsRun {
  json: PathsJson;
  violations: string[];
}

export async function runPaths(o: PathsOptions, ctx: CommandContext): Promise<PathsRun> {
  const started = performance.now();
  const workerExit = o.faults.find((f) => f.kind === "worker-exit");
  const runner = await createRunner(o.workers, {
    ...(workerExit?.kind === "worker-exit" ? { workerExit } : {}),
    partitions: o.partitions,
  });
  // Frames each case's path can buffer (one build per path and direction; the runner loaded
  // the kernels): the final trials' length, and a note where a given --trial-ms is too short.
  const buffered = new Map<string, number>();
  const buffering = (c: ExperimentCase): number => {
    const key = `${c.path}|${c.direction}`;
    let b = buffered.get(key);
    if (b === undefined) {
      b = pathBufferingFrames(trialSpec(c, o.trial, 1e6));
      buffered.set(key, b);
    }
    return b;
  };
  const shortTrialNotes = o.finalTrials || o.rate !== undefined ? [] : shortTrials(o, buffering);
  let exp: ExperimentResult;
  let ping: { entries: PingJson[]; parts: SimulatorPart[] };
  try {
    exp = await withProgress(ctx, o.cases.length, (onProgress) =>
      runExperiment({
        cases: o.cases,
        trial: o.trial,
        rate: o.rate,
        precision: o.precision,
        pdrLoss: o.pdrLoss,
        runner,
        onProgress,
        ...(o.finalTrials
          ? { finalTrialNs: async (c, step) => finalTrialNs(buffering(c), step, o.trial.durationNs) }
          : {}),
      }),
    );
    ping = pingPaths(o);
  } finally {
    await runner.close();
  }
  const wallS = (performance.now() - started) / 1000;
  const nic = runPf(o.pathHost, o.cases);
  const json = buildPathsJson(
    exp,
    ping.entries,
    {
      version: await toolVersion(),
      profile: { name: o.profile.name, origin: o.profile.origin },
      // The document's link is its NIC's (the SR-IOV PF's); each path entry has its own.
      linkGbps: portLinkGbps(o.pathHost, nic),
      nic,
      mtu: o.trial.mtu ?? 1500,
      direction: o.direction,
      arrival: o.trial.arrival,
      trialMs: o.trial.count === undefined ? o.trial.durationNs / 1e6 : null,
      count: o.trial.count ?? null,
      search: o.rate ? null : { precision: o.precision, pdrLoss: o.pdrLoss },
      rate: o.rate?.text ?? null,
      ...(o.window !== undefined ? { window: o.window } : {}),
      seed: o.trial.seed,
      traffic: o.traffic,
      notes: [
        ...o.notes,
        ...shortTrialNotes,
        ...unfaultedCases(o, exp),
        ...aboveCapacityAtRate(o, exp),
        ...receiveFirstAtRate(o, exp),
        ...belowResolution(o, exp),
        ...shortCounts(o, exp, buffering),
      ],
      warnings: o.replay ? replayWarnings(exp, o.trial.mtu ?? 1500, o.replay.capture) : [],
      ...(o.replay ? { replay: o.replay.json } : {}),
      faults: o.faults.map(faultText),
      ...(atRateOpenLoop(o)
        ? { aboveCapacity: (r) => aboveCapacity(r, o.profile.c.cpu_ghz, o.precision) }
        : {}),
      configuration: configurationJson(
        o.config,
        o.pathHost,
        o.cases.map((c) => c.path),
      ),
    },
    simulatorJson(exp.simulations.map(simulatorPart), wallS, o.workers, ping.parts, o.partitions),
  );
  return { json, violations: exp.violations };
}

/** Cases where a load-point fault had nowhere to go (NDR 0: no load point ran), said. */
function unfaultedCases(o: PathsOptions, exp: ExperimentResult): string[] {
  const atPoints = o.faults.filter((f) => f.kind !== "worker-exit");
  if (atPoints.length === 0) return [];
  return exp.cases
    .filter((c) => c.loadPoints.length === 0)
    .map(
      (c) =>
        `${c.case.path} ${c.case.direction} ${c.case.size}: NDR 0, no load point ran, so ${atPoints.map(faultText).join(", ")} was not injected there`,
    );
}

/** A single load point offered open loop (--rate, or a capture at its own timestamps): no
 *  search judged it, so whether the path sustains it is said (a closed loop cannot overload). */
function atRateOpenLoop(o: PathsOptions): boolean {
  return o.rate !== undefined && o.window === undefined;
}

/** A --rate load point above what the path sustains (src/experiment/capacity.ts): the search
 *  would fail that load (docs/experiments.md), though the trial may show no loss because the
 *  path's queues absorbed the excess for its length. Said, so 0 % loss is not read as NDR. */
/** The one load a note is about, named by the option that set it: --rate R, or the capture's
 *  own timestamps (--pcap-timing capture), which no --rate was given for. */
function atLoad(o: PathsOptions): string {
  if (o.replay?.rate !== undefined && o.rate === o.replay.rate)
    return `at the capture's own timestamps (--pcap-timing capture, ${o.rate.text.replace(/^capture timing \((.*)\)$/, "$1")})`;
  return `at --rate ${o.rate?.text}`;
}

function aboveCapacityAtRate(o: PathsOptions, exp: ExperimentResult): string[] {
  if (!atRateOpenLoop(o) || o.rate === undefined) return [];
  const notes: string[] = [];
  for (const c of exp.cases)
    for (const lp of c.loadPoints) {
      const a = aboveCapacity(lp.result, o.profile.c.cpu_ghz, o.precision);
      // Engine rates of direction both are already summed over the two directions.
      const m = (pps: number) => (pps / 1e6).toFixed(3);
      const at = `${c.case.path} ${c.case.direction} ${c.case.size}: ${atLoad(o)}`;
      const asked = resolveRate(o.rate, c.case.frameBytes, caseLinkGbps(c.case, o.trial));
      const short = senderShortfall(lp.result, asked, o.precision / 2, o.trial.arrival === "poisson");
      const loss = (Math.max(0, lp.result.loss_ratio) * 100).toFixed(1);
      // The option that sets the trial's length: --count N frames lasts N / the rate.
      const length = o.trial.count === undefined ? "--trial-ms" : "--count";
      let lossShown = `${loss} % loss`;
      const poisson = o.trial.arrival === "poisson";
      const senders = shortSenders(lp.result, asked, o.precision / 2, poisson);
      // What held the sender back, as the engine recorded it: receive work run first on its CPU,
      // or the path pushing back (its queue full, its CPU busy).
      const held = (dir: "rx" | "tx") => {
        const s = senders.find((x) => x.direction === dir);
        const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
        const pushed = s === undefined ? 0 : s.queueFullShare + s.cpuBusyShare;
        const cause =
          s !== undefined && s.receiveFirstShare > pushed
            ? `receive work on its CPU comes first: it waited for it ${pct(s.receiveFirstShare)} of the measured window${pushed > 0 ? ` and was pushed back ${pct(pushed)}` : ""}, and offers less instead of dropping`
            : `the path pushes back on it (it waits for room, or skips the slots it missed while busy${s === undefined ? "" : `: its queue full ${pct(s.queueFullShare)} of the measured window, its CPU busy ${pct(s.cpuBusyShare)}${s.receiveFirstShare > 0 ? `, waiting for receive work ${pct(s.receiveFirstShare)}` : ""}`}) instead of dropping`;
        return `${cause}${a === null ? "" : `, and ${a.resource} ${a.basis === "busy" ? "was busy for the whole trial" : "has more work than the trial's time"}`}, so the path does not sustain this load`;
      };
      const made = "the latency runs from when it made each frame (late, never back-dated to its slot)";
      const perDirection = lp.result.per_direction;
      if (c.case.direction === "both" && perDirection !== undefined) {
        // Each direction's own sender, with its own loss: summed, a transmit sender held back
        // was read against the receive direction's loss (which grows with the trial).
        const dirs = ["rx", "tx"] as const;
        const shorts = dirs.map((dir) => directionShortfall(lp.result, dir, asked, o.precision / 2, poisson));
        dirs.forEach((dir, i) => {
          const s = shorts[i];
          if (s === null) return;
          const dirLoss = (Math.max(0, perDirection[dir].loss_ratio) * 100).toFixed(1);
          notes.push(
            `${at} its ${dir} sender offered ${m(s.offeredPps)} of the ${m(s.askedPps)} Mpps asked: ${held(dir)}; the ${dirLoss} % ${dir} loss shown stays with ${length}, and ${made}`,
          );
        });
        // The other direction's loss, when it has any, is the above-capacity note's.
        if (shorts.some((x) => x !== null)) {
          const other = dirs.find((dir, i) => shorts[i] === null && perDirection[dir].loss_ratio > 0);
          if (other === undefined) continue;
          lossShown = `${(perDirection[other].loss_ratio * 100).toFixed(1)} % ${other} loss`;
        }
      } else if (short !== null) {
        // A sender pushed back offers less and loses nothing: no trial length shows a loss.
        notes.push(
          `${at} the sender offered ${m(short.offeredPps)} of the ${m(short.askedPps)} Mpps asked: ${held(c.case.direction === "rx" ? "rx" : "tx")}; the ${loss} % loss shown stays with ${length}, and ${made}`,
        );
        continue;
      }
      if (a === null) continue;
      const cost =
        a.nsPerPacket === null
          ? ""
          : ` (${a.cyclesPerPacket !== null ? `${a.cyclesPerPacket.toFixed(0)} cycles at ${o.profile.c.cpu_ghz} GHz` : `${a.nsPerPacket.toFixed(0)} ns`} per delivered frame: at most ${m(a.capacityPps as number)} Mpps)`;
      const why =
        a.basis === "busy"
          ? `${a.resource} was busy for the whole trial`
          : `${a.resource}'s work for the frames offered${cost} takes ${((a.workShare as number) * 100).toFixed(1)} % of the time they were offered in`;
      notes.push(
        `${at} ${why}: the path does not sustain this load (${a.basis === "busy" ? "the search fails it at any loss" : "its queues fill for as long as the load lasts"}); the ${lossShown} shown is what its queues did not absorb in this trial, and grows with ${length}`,
      );
    }
  return notes;
}

/** A --rate load point whose sender fell short because receive work on its CPU came first
 *  (src/experiment/receive-first.ts): said, so the shortfall is read as receive livelock. */
function receiveFirstAtRate(o: PathsOptions, exp: ExperimentResult): string[] {
  if (!atRateOpenLoop(o) || o.rate === undefined) return [];
  const notes: string[] = [];
  for (const c of exp.cases)
    for (const lp of c.loadPoints) {
      const asked = resolveRate(o.rate, c.case.frameBytes, caseLinkGbps(c.case, o.trial));
      const at = `${c.case.path} ${c.case.direction} ${c.case.size}: ${atLoad(o)}`;
      const poisson = o.trial.arrival === "poisson";
      for (const s of receiveStarved(lp.result, asked, o.precision / 2, poisson))
        notes.push(receiveFirstNote(at, s));
    }
  return notes;
}

/** --precision (percent) of 1, 2 or 5 times a power of ten at most `fraction` of line rate,
 *  and no finer than the option takes (0.01). */
function nicePrecisionBelow(fraction: number): number {
  const pct = fraction * 100;
  if (pct <= 0.01) return 0.01;
  const decade = 10 ** Math.floor(Math.log10(pct));
  const nice = [5, 2, 1].map((f) => f * decade).find((x) => x <= pct) ?? decade;
  return Math.max(0.01, Number(nice.toPrecision(1)));
}

/** A case whose every trial failed: NDR 0 says only that the path's capacity is below the
 *  search's resolution step, which a bare 0.000 in the table does not; and a case whose NDR is
 *  no more than one step above 0, which the search cannot place any closer than that step. */
function belowResolution(o: PathsOptions, exp: ExperimentResult): string[] {
  if (o.rate !== undefined) return [];
  const notes: string[] = [];
  const m = (pps: number) => (pps / 1e6).toFixed(3);
  for (const c of exp.cases) {
    const step = o.precision * c.lineRatePps;
    // Found, but no further from 0 than one step: the search brackets it only to [NDR, NDR +
    // step], wider than the figure itself (64 B on a 100 GbE port: step 1.488 Mpps, NDR 1.163
    // shown, 1.83 at --precision 0.1), and the table's three decimals said nothing of it.
    if (c.ndrPps !== null && c.ndrPps > 0 && step >= c.ndrPps) {
      const k = c.case.direction === "both" ? 2 : 1;
      const finer = nicePrecisionBelow((0.05 * c.ndrPps) / c.lineRatePps);
      notes.push(
        `${c.case.path} ${c.case.direction} ${c.case.size}: NDR ${m(k * c.ndrPps)} Mpps is within one search resolution step of 0 (${m(k * step)} Mpps, --precision ${+(o.precision * 100).toFixed(4)} % of the ${m(k * c.lineRatePps)} Mpps line rate): the search places it only between ${m(k * c.ndrPps)} and ${m(k * (c.ndrPps + step))} Mpps; a finer --precision resolves it (e.g. --precision ${finer})`,
      );
      continue;
    }
    if (c.ndrPps !== 0) continue;
    const k = c.case.direction === "both" ? 2 : 1;
    const final = c.finalTrialNs !== null;
    const tried = c.trials.filter((t) => t.final === final).map((t) => t.ratePps);
    const lowest = Math.min(...tried);
    // Nothing delivered at any load (e.g. a loopback between VFs in different VLANs: the switch
    // drops every frame): a finer resolution finds nothing, the drop reason is what to look at.
    if (c.trials.every((t) => t.deliveredShare === 0)) {
      notes.push(
        `${c.case.path} ${c.case.direction} ${c.case.size}: NDR 0: no load the search tried delivered a frame (the lowest at ${m(k * lowest)} Mpps): the path drops every frame, at any load, which no --precision changes; --rate (e.g. --rate 1%) shows where they are dropped`,
      );
      continue;
    }
    notes.push(
      `${c.case.path} ${c.case.direction} ${c.case.size}: NDR 0: every load the search tried failed NDR's limit, the lowest at ${m(k * lowest)} Mpps; the path's capacity is below the search's resolution step (${m(k * o.precision * c.lineRatePps)} Mpps, --precision ${+(o.precision * 100).toFixed(4)} % of line rate): a finer --precision finds it`,
    );
  }
  return notes;
}

/** --count N: a trial of N frames one resolution step above capacity C lasts N / (C + step)
 *  and overflows the path's B buffered frames only if N >= B (C + step) / step. Fewer frames pass
 *  a load the queues merely absorb (a 1000-frame trial gave native 64 B an NDR 50 % high), as a
 *  short --trial-ms does, and --count has no final trials: said per case, at the NDR found. */
function shortCounts(
  o: PathsOptions,
  exp: ExperimentResult,
  buffering: (c: ExperimentCase) => number,
): string[] {
  const count = o.trial.count;
  if (count === undefined || o.rate !== undefined) return [];
  const short: string[] = [];
  for (const c of exp.cases) {
    if (c.ndrPps === null) continue;
    const step = o.precision * c.lineRatePps;
    const need = Math.ceil((buffering(c.case) * (c.ndrPps + step)) / step);
    if (count < need) short.push(`${c.case.path} ${c.case.direction} ${c.case.size} ${need}`);
  }
  if (short.length === 0) return [];
  return [
    `--count ${count} is fewer frames than the queues of ${short.length === exp.cases.length ? "every case" : "some cases"} need to overflow one resolution step above the NDR found (${short.join(", ")} frames), so their NDR and PDR may be overstated: a trial that short passes a load the queues only absorb (without --count the search ends with trials long enough; docs/experiments.md, Trial length)`,
  ];
}

/** A --trial-ms shorter than a case's queues need to overflow one resolution step above
 *  capacity: the user's length is kept, and said (one note) to be able to overstate NDR. */
function shortTrials(o: PathsOptions, buffering: (c: ExperimentCase) => number): string[] {
  if (o.trial.count !== undefined) return [];
  const short: string[] = [];
  for (const c of o.cases) {
    const step = o.precision * lineRatePps(c.frameBytes, caseLinkGbps(c, o.trial));
    const need = finalTrialNs(buffering(c), step, o.trial.durationNs);
    if (need !== null) short.push(`${c.path} ${c.direction} ${c.size} ${(need / 1e6).toFixed(1)} ms`);
  }
  if (short.length === 0) return [];
  return [
    `--trial-ms ${o.trial.durationNs / 1e6} is shorter than the queues of ${short.length === o.cases.length ? "every case" : "some cases"} need to overflow one resolution step above capacity (${short.join(", ")}), so their NDR and PDR may be overstated; without --trial-ms the search ends with trials of that length (docs/experiments.md, Trial length)`,
  ];
}
