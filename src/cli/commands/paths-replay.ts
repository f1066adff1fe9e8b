// `iovsim paths --pcap FILE`: the options of a capture replay (timing, destination rewrite,
// promiscuous ports), checked against the configuration before any simulation, the cases they
// make, and the warnings when the switch filtered everything (with the options that fix it) or
// dropped frames longer than the MTU allows.
import { resolve } from "node:path";
import { checkReplayDirection, checkReplayPorts, TX_REPLAY_PATHS } from "../../engine/replay.ts";
import type { Direction } from "../../engine/types.ts";
import { UserError } from "../../errors.ts";
import type { ExperimentCase, ExperimentResult } from "../../experiment/experiment.ts";
import { lineRatePps, type RateSpec } from "../../experiment/rate.ts";
import { enginePath } from "../../paths/path-graphs.ts";
import { type PathHost, pathLinkGbps, portOf } from "../../paths/setup.ts";
import type { ReplayJson } from "../../report/paths-json.ts";
import { programSwitch } from "../../switch/program.ts";
import type { VfSource } from "../../switch/replay-ports.ts";
import type { TrafficProfile } from "../../traffic/profiles.ts";
import {
  captureRatePps,
  loadReplayCapture,
  outOfOrderNote,
  type ReplayCapture,
  type ReplaySpec,
  replayFrameBytes,
  shownCaptureName,
} from "../../traffic/replay.ts";
import { refuseRepeatedValues } from "../list-option.ts";
import { captureFrameMtu } from "./paths-mtu.ts";

export interface ReplayOptions {
  spec: ReplaySpec;
  capture: ReplayCapture;
  /** --pcap-timing capture: the capture's own rate, offered as one load point. */
  rate?: RateSpec;
  json: ReplayJson;
  notes: string[];
}

type Values = Record<string, string | string[] | boolean | undefined>;

/** Options that only mean something with --pcap, and generator options that --pcap replaces. */
const NEEDS_PCAP = ["pcap-timing", "rewrite-dst", "rewrite-dst-all", "rewrite-src", "promisc"];
const NOT_WITH_PCAP = ["size", "encap", "flows", "proto"];

/** Refuses replay options without --pcap (never silently ignored). */
export function checkReplayOptionUse(v: Values): void {
  if (v.pcap !== undefined) {
    for (const o of NOT_WITH_PCAP)
      if (v[o] !== undefined)
        throw new UserError(
          "E_USAGE",
          `--${o} cannot be used with --pcap: the frames, their sizes and headers come from the capture`,
        );
    return;
  }
  for (const o of NEEDS_PCAP)
    if (v[o] !== undefined)
      throw new UserError("E_USAGE", `--${o} needs --pcap FILE (it applies to a replayed capture)`);
}

/**
 * The runs a capture replays on. rx: from the wire to each path's consumer (a transmit-only path
 * such as vf-loopback is left out by the direction, or refused when named). tx: each path's
 * consumer sends it to the wire, on the paths that support it (src/engine/replay.ts
 * TX_REPLAY_PATHS, from each path's txReplay): one named is refused with the reason, the others are left out with a note.
 * both: refused.
 */
export function replayRuns(
  selected: { runs: Array<{ path: string; direction: Direction }>; notes: string[] },
  direction: Direction,
  named: boolean,
): { runs: Array<{ path: string; direction: Direction }>; notes: string[] } {
  if (direction === "both") checkReplayDirection({ file: "", timing: "paced" }, "both");
  if (direction !== "tx") return selected;
  const ok = (p: string) => TX_REPLAY_PATHS.includes(p);
  if (named) for (const r of selected.runs) checkReplayDirection({ file: "", timing: "paced" }, "tx", r.path);
  const left = selected.runs.filter((r) => !ok(r.path)).map((r) => r.path);
  return {
    runs: selected.runs.filter((r) => ok(r.path)),
    notes: [
      ...selected.notes,
      ...(left.length > 0
        ? [
            `--pcap --direction tx runs on ${TX_REPLAY_PATHS.join(", ")}; left out: ${left.join(", ")} (the looped-back peer may receive the NIC's copies, and the replay's timing does not follow them)`,
          ]
        : []),
    ],
  };
}

export function parseReplayOptions(
  v: Values,
  ph: PathHost,
  runs: Array<{ path: string; direction: Direction }>,
  source: VfSource,
): ReplayOptions {
  const file = resolve(String(v.pcap));
  if (v.pcap === "") throw new UserError("E_USAGE", "--pcap needs a capture file (pcap or pcapng)");
  const timing = (v["pcap-timing"] ?? "paced") as string;
  if (timing !== "paced" && timing !== "capture")
    throw new UserError("E_USAGE", `--pcap-timing: '${timing}' is not paced or capture`);
  if (timing === "capture" && v.rate !== undefined)
    throw new UserError(
      "E_USAGE",
      "--pcap-timing capture and --rate are exclusive: the capture's timestamps set the offered load (re-paced replay, the default, takes --rate or runs the NDR search)",
    );
  if (timing === "capture" && v.arrival !== undefined && v.arrival !== "constant")
    throw new UserError(
      "E_USAGE",
      "--pcap-timing capture: frames arrive at the capture's timestamps (no --arrival)",
    );
  const rewrite = v["rewrite-dst"] as string | undefined;
  if (rewrite === "") throw new UserError("E_USAGE", "--rewrite-dst needs a port: consumer, PF or VF-<n>");
  const promisc = (v.promisc as string[] | undefined) ?? [];
  refuseRepeatedValues("--promisc", promisc);
  const rewriteSrc = v["rewrite-src"] as string | undefined;
  if (rewriteSrc === "") throw new UserError("E_USAGE", "--rewrite-src needs a port: consumer, PF or VF-<n>");
  const spec: ReplaySpec = {
    file,
    timing,
    ...(rewrite !== undefined ? { rewriteDst: rewrite } : {}),
    ...(v["rewrite-dst-all"] ? { rewriteAll: true } : {}),
    ...(promisc.length > 0 ? { promisc } : {}),
    ...(rewriteSrc !== undefined ? { rewriteSrc } : {}),
  };
  // Every port named must exist, and every promiscuous request be honoured, on each path's NIC;
  // the options must belong to the direction replayed.
  for (const r of runs) {
    checkReplayDirection(spec, r.direction, r.path);
    const b = enginePath(r.path)?.nic;
    if (!b) continue;
    const pf = ph.host.pf(portOf(ph, b));
    if (!pf) continue;
    const vf = b.pool === "host-vf" ? ph.jailVf : b.pool === "ppt-vf" ? ph.vmVf : undefined;
    const consumer = b.pool === "pf" ? ("pf" as const) : (vf?.index ?? 0);
    checkReplayPorts(spec, { nic: { pf, consumer }, mac: pf.mac }, programSwitch(pf), source);
  }
  const capture = loadReplayCapture(file);
  const notes = [...capture.notes];
  let rate: RateSpec | undefined;
  let captureRate: number | null = null;
  if (timing === "capture") {
    captureRate = captureRatePps(capture);
    const disorder = outOfOrderNote(capture);
    if (disorder) notes.push(disorder);
    // The wire holds back frames the capture packed closer than its link carries them: each
    // path's own link (the case's rate is capped at its line rate, src/experiment/rate.ts).
    rate = {
      kind: "pps",
      pps: captureRate,
      upToLine: true,
      text: `capture timing (${captureRate.toPrecision(4)} frames/s on average)`,
    };
    const byLink = new Map<number, string[]>();
    for (const r of runs) {
      const b = enginePath(r.path)?.nic;
      if (!b) continue;
      const link = pathLinkGbps(ph, b);
      byLink.set(link, [...(byLink.get(link) ?? []), r.path]);
    }
    for (const [linkGbps, paths] of byLink) {
      const line = lineRatePps(replayFrameBytes(capture), linkGbps);
      if (captureRate <= line) continue;
      const which = byLink.size > 1 ? ` on the link of ${[...new Set(paths)].join(", ")}` : "";
      notes.push(
        `--pcap-timing capture: ${capture.file}'s frames come ${(captureRate / 1e6).toPrecision(4)} Mpps on average, above the ${linkGbps} Gbit/s line rate of their sizes${which} (${(line / 1e6).toPrecision(4)} Mpps): the wire serializes them, so they arrive at line rate, not at their captured times`,
      );
    }
  }
  return {
    spec,
    capture,
    ...(rate ? { rate } : {}),
    notes,
    json: {
      file: file === shownCaptureName(file) ? String(v.pcap) : shownCaptureName(file),
      format: capture.format,
      records: capture.records,
      frames: capture.frames.length,
      dropped_before_engine: capture.dropped,
      snaplen_cut: capture.snaplenCut,
      timing,
      capture_rate_pps: captureRate,
      rewrite_dst: rewrite ?? null,
      rewrite_dst_all: Boolean(v["rewrite-dst-all"]),
      rewrite_src: rewriteSrc ?? null,
      promisc,
    },
  };
}

/** One case per path: the capture's frames (size "pcap"; line rate from their mean size). */
export function replayCases(
  runs: Array<{ path: string; direction: Direction }>,
  traffic: TrafficProfile,
  r: ReplayOptions,
): ExperimentCase[] {
  const frameBytes = replayFrameBytes(r.capture);
  return runs.map((run) => ({ ...run, size: "pcap" as const, frameBytes, traffic, replay: r.spec }));
}

/** The transmit bridge's drop of a frame addressed to a MAC it learned on the sending port. */
const TX_BRIDGE_LEARNED = "bridge-tx: destination on the ingress port";

/** The hint when a transmitted capture never reaches the wire: the sender's checks dropped it. */
export const TX_FILTERED_HINT =
  "an untrusted VF's anti-spoof check drops frames whose source MAC is not its own: rewrite the source with --rewrite-src consumer (or allow it: mac-anti-spoof: false in the VF's iovctl.conf section, or on a host measured with --state, ip link set PF vf N spoofchk off)";

/** The hint when a capture's frames reach no consumer: the options that make them. */
export const FILTERED_HINT =
  "to replay a capture taken elsewhere, rewrite its destination MACs with --rewrite-dst consumer|PF|VF-<n> (add --rewrite-dst-all for broadcast/multicast too) or put a port in promiscuous mode with --promisc PORT (a VF only where its iovctl.conf section allows it)";

/** The switch's drop of a received frame longer than the receiving pool's limit (MTU + 18). */
const RX_OVERSIZE = "NIC switch: oversize";

/**
 * A received capture's frames the switch dropped as longer than the path's MTU allows: the
 * switch's policy, so not loss (loss_ratio counts what reached the consumer's side), and
 * without a word the row read 0.0 % loss beside a delivered rate a fraction of the offered one.
 * Names the capture's longest frame and the --mtu that carries it.
 */
function oversizeWarning(path: string, dropped: number, sent: number, mtu: number, capture?: ReplayCapture) {
  // The MTU each frame needs (the pools' limit counts one VLAN tag beyond it).
  const needOf = captureFrameMtu;
  const widest = capture?.frames.reduce<Uint8Array | undefined>(
    (a, f) => (a === undefined || needOf(f) > needOf(a) ? f : a),
    undefined,
  );
  const need =
    widest !== undefined && needOf(widest) > mtu
      ? `; the capture's longest frame is ${widest.length} bytes without FCS (${widest.length + 4} with it${needOf(widest) < widest.length - 14 ? ", a VLAN tag among them" : ""}), which needs --mtu ${needOf(widest)}`
      : "";
  return `${path}: ${dropped} of ${sent} replayed frames were dropped by the NIC switch as oversize, longer than the path's MTU ${mtu} allows (${mtu + 18} bytes with FCS)${need}; the switch's drops are not counted in loss, which is over the frames it passed toward the consumer`;
}

/** Warnings for cases whose replayed frames never reached the consumer, or were cut by the MTU. */
export function replayWarnings(exp: ExperimentResult, mtu = 1500, capture?: ReplayCapture): string[] {
  const out: string[] = [];
  for (const c of exp.cases) {
    const results = [...c.loadPoints.map((p) => p.result)];
    // The search's trials are not kept as results: the case's simulations are found by path.
    const sims = results.length > 0 ? results : exp.simulations.filter((s) => s.path === c.case.path);
    const last = sims.at(-1);
    if (!last?.replay) continue;
    const learned = last.conservation.dropped[TX_BRIDGE_LEARNED] ?? 0;
    if (c.case.direction === "tx" && learned > 0)
      out.push(
        `${c.case.path}: the host bridge dropped ${learned} of ${last.conservation.sent} replayed frames: it learns the capture's source MACs on the sending port, and a frame addressed to one of them is for its ingress port (if_bridge drops it); --rewrite-src consumer sends every frame from the consumer's own MAC`,
      );
    const oversize = last.conservation.dropped[RX_OVERSIZE] ?? 0;
    if (c.case.direction !== "tx" && oversize > 0)
      out.push(oversizeWarning(c.case.path, oversize, last.conservation.sent, mtu, capture));
    if (sims.some((s) => (s.replay?.to_consumer ?? 0) > 0)) continue;
    const k = last.conservation;
    const filters = Object.entries(k.dropped)
      .filter(([why]) => why.startsWith("NIC switch:"))
      .map(([why, n]) => `${why.replace("NIC switch: ", "")} ${n}`)
      .join(", ");
    if (c.case.direction === "tx") {
      out.push(
        `${c.case.path}: no replayed frame reached the wire (sent ${k.sent}; dropped by the NIC switch: ${filters || "none"}); ${TX_FILTERED_HINT}`,
      );
      continue;
    }
    // Every frame cut by the MTU alone: the oversize warning above says so and what fixes it.
    if (last.replay.all_filtered && oversize >= k.sent) continue;
    out.push(
      last.replay.all_filtered
        ? `${c.case.path}: every replayed frame (${k.sent}) was dropped by the NIC switch's filters (${filters}): their destinations match no port that accepts them; ${FILTERED_HINT}`
        : `${c.case.path}: no replayed frame reached the path's consumer (sent ${k.sent}; ${filters || "none dropped"}; delivered to other pools ${Object.values(k.deliveredElsewhere ?? {}).reduce((a, b) => a + b, 0)}); ${FILTERED_HINT}`,
    );
  }
  return out;
}
