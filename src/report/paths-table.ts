// The human and CSV forms of a paths report. Every figure in the tables is simulated (virtual
// time) and its column says so; how fast the simulator ran is one separate footer line.
import Table from "cli-table3";
import { perPacketUnit, type ResourceKind } from "../engine/resource.ts";
import { otherLinkText } from "./link-text.ts";
import { maxTxRateText } from "./max-tx-rate-text.ts";
import { otherLinks, type PathsJson, type PingJson, type SimulatorJson } from "./paths-json.ts";
import { profileLabel } from "./profile-label.ts";
import { resourceWork } from "./resource-work.ts";

const f = (x: number | null, d = 2) => (x === null ? "-" : x.toFixed(d));
const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

/** `n noun`, the noun plural unless n is 1 ("1 frame", "2 frames", "6.6k frames"). */
function count(n: number, noun: string, nouns = `${noun}s`, shown: string = String(n)): string {
  return `${shown} ${n === 1 ? noun : nouns}`;
}

/** `x` to `digits` decimals, or to 3 significant digits when that would print a nonzero x as 0
 *  (a 100-frame run is 0.0001 s of virtual time, not "0.0000"). */
function small(x: number, digits: number): string {
  return x > 0 && x < 10 ** -digits ? x.toPrecision(3) : x.toFixed(digits);
}

function si(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

/** How long the trials were: the given length, or short search trials and then final ones. */
export function trialText(j: PathsJson): string {
  const finals = j.paths.map((p) => p.final_trial_ms).filter((x): x is number => x !== null);
  return j.trial.count !== null
    ? `${j.trial.count} ${j.trial.count === 1 ? "frame" : "frames"} per trial`
    : finals.length > 0
      ? `${j.trial.virtual_ms} ms search trials, then final trials of ${fmtRange(finals)} ms of virtual time (the path's queues over the resolution step: docs/experiments.md, Trial length)`
      : `${j.trial.virtual_ms} ms of virtual time per trial`;
}

export function describeRun(j: PathsJson): string {
  const trial = trialText(j);
  const how =
    j.search !== null
      ? `RFC 2544 binary search to ${(100 * j.search.precision_of_line_rate).toFixed(2)} % of line rate: NDR = no loss, PDR = loss ≤ ${(100 * j.search.pdr_loss).toFixed(2)} %; latency at 10/50/90 % of NDR`
      : j.load.loop === "closed"
        ? `closed loop, one load point: the sender on the wire keeps at most ${count(j.load.window, "frame")} sent and not yet read by the consumer's application, sending up to ${j.rate}${j.rate?.endsWith("%") ? " of line rate" : ""} (delivered = what the receiver sustains; nothing is lost by construction)`
        : j.replay?.timing === "capture"
          ? "one load point at the capture's own timestamps"
          : `one load point at --rate ${j.rate}${perDirection(j)}`;
  return (
    `Simulated in virtual time: cost profile ${profileLabel(j.profile, "'")}, ${linkText(j)}${j.mtu_bytes !== undefined && j.mtu_bytes !== 1500 ? `, MTU ${j.mtu_bytes}` : ""}, ${j.arrival} arrivals, ${trial}, seed ${j.seed}\n` +
    `${how}. Gbps are Layer 1 (frame + 20 B preamble and inter-frame gap).\n` +
    (j.replay ? describeReplay(j.replay, j.direction) : "")
  );
}

/** The link speed a path entry ran at (documents before per-path links: the run's). */
export function entryLinkGbps(j: PathsJson, p: PathsJson["paths"][number]): number {
  return p.link_gbps ?? j.link_gbps;
}

/** Whether the run's paths crossed links of different speeds (e.g. passthrough on ix0's 10 GbE
 *  beside an igb0 PF's 1 GbE). */
export function mixedLinks(j: PathsJson): boolean {
  return otherLinks(j).length > 0;
}

/**
 * "10 Gbit/s link (PF ixl0)"; where paths crossed links of other speeds, each of those too, with
 * its paths and port: "1 Gbit/s link (PF igb0), passthrough on a 10 Gbit/s link (ix0)".
 */
export function linkText(j: PathsJson): string {
  const main = `${j.link_gbps} Gbit/s link${j.nic ? ` (PF ${j.nic})` : ""}`;
  return [main, ...otherLinks(j).map(otherLinkText)].join(", ");
}

/** A path's line rate cell; where links differ, with the link it is the line rate of. */
function lineRateCell(j: PathsJson, p: PathsJson["paths"][number], mixed: boolean): string {
  if (p.line_rate_mpps === null) return "- (no wire)";
  return mixed ? `${f(p.line_rate_mpps, 3)}\n(${entryLinkGbps(j, p)} Gbit/s)` : f(p.line_rate_mpps, 3);
}

function fmtRange(ms: number[]): string {
  const lo = Math.min(...ms);
  const hi = Math.max(...ms);
  const r = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return lo === hi ? r(lo) : `${r(lo)}-${r(hi)}`;
}

/** paths --pcap: the capture, what was left out of it, how it is paced and addressed. */
function describeReplay(r: NonNullable<PathsJson["replay"]>, direction: PathsJson["direction"]): string {
  const dropped = Object.entries(r.dropped_before_engine).map(([why, n]) => `${n} ${why}`);
  const pacing =
    r.timing === "capture"
      ? `at the capture's own timestamps (${(r.capture_rate_pps ?? 0).toPrecision(3)} frames/s on average)`
      : "re-paced at the offered load";
  const to =
    direction === "tx"
      ? `sent by each path's consumer to the wire, ${r.rewrite_src === null ? "source MACs as captured" : `source MACs rewritten to ${r.rewrite_src}'s`}`
      : r.rewrite_dst === null
        ? "destination MACs as captured"
        : `destination MACs rewritten to ${r.rewrite_dst}${r.rewrite_dst_all ? " (broadcast and multicast too)" : " (unicast only)"}`;
  return (
    `Replaying ${r.file} (${r.format}): ${r.frames} of ${count(r.records, "record")} as ${r.frames === 1 ? "a frame" : "frames"}, looped, ${pacing}; ${to}` +
    `${r.promisc.length > 0 ? `; promiscuous: ${r.promisc.join(", ")}` : ""}` +
    `${dropped.length > 0 ? `; not replayed: ${dropped.join(", ")}` : ""}` +
    `${r.snaplen_cut > 0 ? `; ${count(r.snaplen_cut, "frame")} cut by the capture's snaplen (sent as captured)` : ""}.\n`
  );
}

/** NDR/PDR per path and size. */
export function throughputTable(j: PathsJson): string {
  const t = table([
    "path",
    "dir",
    "size",
    "NDR Mpps\n(simulated)",
    "NDR Gbps\n(simulated)",
    "PDR Mpps\n(simulated)",
    "PDR Gbps\n(simulated)",
    "line rate\nMpps",
    "bottleneck\n(simulated)",
  ]);
  const mixed = mixedLinks(j);
  for (const p of j.paths)
    t.push([
      p.name,
      p.direction,
      sizeCell(p),
      f(p.ndr_mpps, 3),
      f(p.ndr_gbps),
      f(p.pdr_mpps, 3),
      f(p.pdr_gbps),
      lineRateCell(j, p, mixed),
      p.bottleneck,
    ]);
  return `${t.toString()}\n${noWireNotes(j)}`;
}

/** A run no wire carries has no line rate: say what bounds its offered load instead. */
function noWireNotes(j: PathsJson): string {
  const seen = new Set<string>();
  let notes = "";
  for (const p of j.paths)
    if (p.no_wire !== null && !seen.has(`${p.name} ${p.direction}`)) {
      seen.add(`${p.name} ${p.direction}`);
      const ceiling = `the port's line rate (${f(p.ceiling_mpps, 3)} Mpps at ${p.size}${typeof p.size === "number" ? " B" : ""})`;
      const offered =
        j.search !== null
          ? `the search offers up to ${ceiling} as its ceiling`
          : `the load offered is at most ${ceiling}`;
      notes += `no wire: ${p.name} ${p.direction}: ${p.no_wire}; ${offered}, and what it delivers is bounded by the resources in the resources column\n`;
    }
  return notes;
}

const EVENT_LABELS: Array<[keyof PathsJson["paths"][number]["load_points"][number]["events_per_s"], string]> =
  [
    ["interrupts", "irq"],
    ["vm_exits", "exits"],
    ["injections", "inj"],
    ["wakeups", "wake"],
    ["kicks", "kicks"],
    ["notifications", "notif"],
  ];

/** The loss of a load point and, when it lost frames, its largest drop reason (conservation). */
function lossCell(lp: PathsJson["paths"][number]["load_points"][number]): string {
  if (lp.loss_ratio <= 0) return pct(lp.loss_ratio);
  const top = Object.entries(lp.conservation.dropped).sort((a, b) => b[1] - a[1])[0];
  return top ? `${pct(lp.loss_ratio)}\n${si(top[1])} ${top[0]}` : pct(lp.loss_ratio);
}

type CpuRow = PathsJson["paths"][number]["load_points"][number]["cpu"][number];

/** What a resource's cycles_per_packet counts: CPU cycles, or ns where it has no clock (the
 *  wire, the NIC, PCIe); a document written before the unit field says it by its kind. */
export function unitOf(c: CpuRow): "cycles" | "ns" {
  return c.cycles_per_packet_unit ?? perPacketUnit(c.kind as ResourceKind);
}

/** A resource's work utilization and work per packet; polling (a busy-wait, an idle spin, halt
 *  polling) beside them, as it is busy time but not work. */
function resourceCell(c: CpuRow): string {
  const w = resourceWork(c);
  const poll = w.pollUtilization > 0 ? ` work (+${pct(w.pollUtilization)} polling)` : "";
  return `${c.resource} ${pct(w.workUtilization)}${poll}, ${w.workPerPacket.toFixed(0)} ${unitOf(c)}`;
}

/** Latency, loss, CPU per resource and events per second at each load point. */
export function loadPointTable(j: PathsJson): string {
  const t = table([
    "path",
    "dir",
    "size",
    "load",
    "offered /\ndelivered Mpps\n(simulated)",
    "loss\n(simulated)",
    "latency µs (simulated)\np50 / p90 / p99 / p99.9\nmin, avg, max",
    "resources (simulated)\nwork utilization (+polling),\nwork per packet (CPU cycles;\nns without a clock)",
    "events/s\n(simulated)",
  ]);
  for (const p of j.paths)
    for (const lp of p.load_points) {
      const cpu = lp.cpu
        .filter((c) => c.utilization > 0 || c.cycles_per_packet > 0)
        .map((c) => resourceCell(c))
        .join("\n");
      const ev = EVENT_LABELS.filter(([k]) => lp.events_per_s[k] > 0)
        .map(([k, label]) => `${label} ${si(lp.events_per_s[k])}`)
        .join("\n");
      t.push([
        p.name,
        p.direction,
        sizeCell(p),
        lp.fraction_of_ndr !== null
          ? `${Math.round(100 * lp.fraction_of_ndr)}% NDR`
          : j.load.loop === "closed"
            ? `closed loop\nwindow ${j.load.window}`
            : j.replay?.timing === "capture"
              ? "capture\ntiming"
              : "--rate",
        `${f(lp.offered_mpps, 3)} / ${f(lp.delivered_mpps, 3)}`,
        lossCell(lp),
        latencyCell(lp.latency_us),
        cpu || "-",
        ev || "-",
      ]);
      for (const [dir, d] of directions(lp))
        t.push([
          "",
          `└ ${dir}`,
          "",
          "",
          `${f(d.offered_mpps, 3)} / ${f(d.delivered_mpps, 3)}`,
          pct(d.loss_ratio),
          latencyCell(d.latency_us),
          "",
          "",
        ]);
    }
  return `${t.toString()}\n${perDirectionKey(j)}`;
}

type LoadPointJson = PathsJson["paths"][number]["load_points"][number];

/** Delivered Gbit/s (Layer 1) of a load point: the document's own figure; one written before it
 *  was reported, the offered Gbit/s scaled by the delivered share (the same mean frame). */
export function deliveredGbps(
  lp: Pick<LoadPointJson, "offered_mpps" | "offered_gbps" | "delivered_mpps" | "delivered_gbps">,
): number {
  if (lp.delivered_gbps !== undefined) return lp.delivered_gbps;
  return lp.offered_mpps > 0 ? (lp.offered_gbps * lp.delivered_mpps) / lp.offered_mpps : 0;
}

type DirectionJson = NonNullable<LoadPointJson["per_direction"]>["rx"];

/** Direction both: the point's rx and tx figures (none for one direction). */
function directions(lp: LoadPointJson): Array<["rx" | "tx", DirectionJson]> {
  return lp.per_direction
    ? [
        ["rx", lp.per_direction.rx],
        ["tx", lp.per_direction.tx],
      ]
    : [];
}

/** What the └ rx / └ tx rows are (said once, under a table that has them). */
function perDirectionKey(j: PathsJson): string {
  return j.paths.some((p) => p.load_points.some((lp) => lp.per_direction))
    ? "└ rx / └ tx: the load point above, each direction on its own (its generator's offered frames, its consumer's delivered frames and latency); the row above is both together, sharing the resources\n"
    : "";
}

function latencyCell(l: LoadPointJson["latency_us"]): string {
  return l === null
    ? "- (none delivered)"
    : `${f(l.p50, 1)} / ${f(l.p90, 1)} / ${f(l.p99, 1)} / ${f(l.p999, 1)}\n${l.min !== undefined ? `min ${f(l.min, 1)}, ` : ""}avg ${f(l.mean, 1)}, max ${f(l.max, 1)}`;
}

export function pingTable(ping: PingJson[]): string {
  const t = table([
    "path",
    "echoes\nsent / replies",
    "RTT µs (simulated)\nmin / avg / max / stddev",
    "RTT µs p50\n(simulated)",
    "RTT µs p99\n(simulated)",
  ]);
  for (const p of ping) {
    const r = p.rtt_us;
    // No reply, no round-trip time: a dash, not a 0.0 that reads as a measured figure.
    const none = p.received === 0;
    t.push([
      p.path,
      `${p.transmitted} / ${p.received}`,
      none ? "-" : `${f(r.min, 1)} / ${f(r.avg, 1)} / ${f(r.max, 1)} / ${f(r.stddev, 1)}`,
      none ? "-" : f(r.p50, 1),
      none ? "-" : f(r.p99, 1),
    ]);
  }
  return `${t.toString()}\n`;
}

/** The one line about the simulator itself (wall clock), kept apart from simulated figures. */
export function simulatorLine(s: SimulatorJson): string {
  return (
    `simulator speed (wall clock on this machine, not a simulated figure): ${count(s.simulations, "simulation")}, ` +
    `${count(s.frames, "frame", "frames", si(s.frames))}, ${small(s.virtual_s, 4)} s of virtual time in ${s.wall_s.toFixed(2)} s wall = ` +
    `${small(s.realtime_factor, 3)}× real time, ${si(s.frames_per_wall_s)} frames/s, ${count(s.workers, "worker")}${s.partitions === 2 ? " (each simulation on 2 threads, --partitions 2)" : ""}` +
    (s.sync
      ? `; the threads waited for each other ${s.sync.waits[0]} + ${count(s.sync.waits[1], "time")} (consumer + source), ` +
        `${s.sync.wait_s[0].toFixed(2)} + ${s.sync.wait_s[1].toFixed(2)} s wall, ${count(s.sync.notifies, "wake-up")}, ` +
        `${count(s.sync.records, "link record")} in ${count(s.sync.exchanges, "exchange")}`
      : "") +
    (s.ping.simulations > 0
      ? ` (plus ${count(s.ping.simulations, "idle ping")}: ${count(s.ping.frames, "frame", "frames", si(s.ping.frames))}, ${s.ping.virtual_s.toFixed(1)} s virtual)\n`
      : "\n")
  );
}

/** Where the run's VFs came from and the PF or VF each path's consumer used (one line each). */
export function configurationText(c: NonNullable<PathsJson["configuration"]>): string {
  // A host file of the user's (reset --host FILE, as the state records it) is named: its PFs
  // are the ones the iovctl.conf was applied to.
  const of = c.host_file ? ` of host file ${c.host_file}` : "";
  const where =
    c.source === "embedded"
      ? `the talk's iovctl.conf (embedded; -f FILE for yours)${c.host_file ? `, on a fresh in-memory host${of}` : ""}`
      : c.source === "file"
        ? `${c.file} (-f), on a fresh in-memory host${of}`
        : `the VFs on the simulated host (${c.file}${c.host_file ? `; host file ${c.host_file}` : ""})`;
  // The SR-IOV PF, said unused when every path that ran was on another (only passthrough ran).
  const unused =
    c.paths.length > 0 && c.paths.every((p) => p.port !== c.pf) ? " (no path that ran uses it)" : "";
  let out = `Configuration: ${where}: ${c.pf} with ${c.vf_count} VF${c.vf_count === 1 ? "" : "s"}${unused}\n`;
  type Vf = NonNullable<(typeof c.paths)[number]["vf"]>;
  // A limit is named on the VF that sends: a loopback peer only receives, so its limit is unused.
  const vf = (v: Vf, sends = true) =>
    `VF-${v.index} ${v.device} (${v.selector}), MAC ${v.mac}, ${v.vlan === null ? "no port VLAN" : v.vlan === "trunk" ? "VLAN trunk" : `port VLAN ${v.vlan}`}${v.max_tx_rate && sends ? `, ${maxTxRateText(v.index, v.max_tx_rate)}` : ""}`;
  for (const p of c.paths)
    out += `  ${p.name}: ${p.vf ? vf(p.vf) : `the PF ${p.port}${p.port !== c.pf ? ", passed through whole" : ""}`}${p.peer_vf ? `, looped back to ${vf(p.peer_vf, false)}` : ""}\n`;
  return out;
}

/** --rate (or a capture at its own timestamps, or a closed loop): one load point and no search,
 *  so no NDR/PDR: what the run measured at that load, with the point's own bottleneck. */
export function atRateTable(j: PathsJson): string {
  const t = table([
    "path",
    "dir",
    "size",
    "offered Mpps\n(simulated)",
    "delivered Mpps\n(simulated)",
    "delivered Gbps\n(simulated)",
    "loss\n(simulated)",
    "line rate\nMpps",
    "bottleneck at this load\n(simulated, work utilization)",
  ]);
  const mixed = mixedLinks(j);
  for (const p of j.paths)
    for (const lp of p.load_points) {
      const b = lp.cpu.find((c) => c.resource === lp.bottleneck);
      const gbps = deliveredGbps(lp);
      t.push([
        p.name,
        p.direction,
        sizeCell(p),
        f(lp.offered_mpps, 3),
        f(lp.delivered_mpps, 3),
        f(gbps),
        lossCell(lp),
        lineRateCell(j, p, mixed),
        `${lp.bottleneck}${b ? ` ${pct(resourceWork(b).workUtilization)}` : ""}${lp.above_capacity ? `\nabove capacity (${lp.above_capacity.resource}: see note)` : ""}`,
      ]);
      for (const [dir, d] of directions(lp)) {
        const g = lp.offered_mpps > 0 ? (lp.offered_gbps * d.delivered_mpps) / lp.offered_mpps : 0;
        t.push([
          "",
          `└ ${dir}`,
          "",
          f(d.offered_mpps, 3),
          f(d.delivered_mpps, 3),
          f(g),
          pct(d.loss_ratio),
          "",
          "",
        ]);
      }
    }
  return `${t.toString()}\n${noWireNotes(j)}${perDirectionKey(j)}`;
}

/** The heading of the one-load-point table: which load, and that no search ran. */
/** The size column: as asked, and the frames that ran where --encap or --proto raised them
 *  ("64→112"), so the Gbps columns (of the frames that ran) can be checked against it. */
function sizeCell(p: { size: number | string; frame_bytes: number }): string {
  return typeof p.size === "number" && p.frame_bytes !== p.size
    ? `${p.size}→${p.frame_bytes}`
    : String(p.size);
}

/** --direction both offers --rate in each direction (the 'both' row's offered is the sum). */
function perDirection(j: PathsJson): string {
  return j.direction === "both" ? " in each direction" : "";
}

function atRateHeading(j: PathsJson): string {
  const load =
    j.load.loop === "closed"
      ? `Closed loop, window ${j.load.window}`
      : j.replay?.timing === "capture"
        ? "At the capture's own timestamps"
        : `At --rate ${j.rate}${perDirection(j)}`;
  return `${load} (one load point, no RFC 2544 search, so no NDR or PDR): what the run measured at this load:\n`;
}

/** `charts`: simulated figures drawn in text (paths --chart), printed before the simulator's
 *  speed so that line stays last and apart. */
export function pathsHuman(j: PathsJson, charts = ""): string {
  let out = describeRun(j);
  if (j.configuration) out += configurationText(j.configuration);
  for (const n of j.notes) out += `note: ${n}\n`;
  if (j.search === null) {
    out += `\n${atRateHeading(j)}`;
    out += atRateTable(j);
    out += "\nLatency, resources and events at this load:\n";
  } else {
    out += "\nThroughput (RFC 2544):\n";
    out += throughputTable(j);
    out += "\nAt the load points:\n";
  }
  out += loadPointTable(j);
  if (j.ping.length > 0) {
    out += "\nPing (ICMP echo through each path at an idle operating point):\n";
    out += pingTable(j.ping);
  }
  out += faultsText(j);
  for (const w of j.warnings) out += `warning: ${w}\n`;
  if (charts !== "") out += `\nLatency against offered load (simulated):\n\n${charts}`;
  out += `\n${simulatorLine(j.simulator)}`;
  return out;
}

/** The injected faults and what each did (empty without --inject-fault). */
export function faultsText(j: PathsJson, prefix = ""): string {
  if (!j.faults) return "";
  let out = `\n${prefix}Injected faults (simulated): ${j.faults.injected.join(", ")}\n${prefix}  ${j.faults.note}\n`;
  for (const r of j.faults.records) {
    const drops = Object.entries(r.dropped)
      .map(([why, n]) => `${n} ${why}`)
      .join(", ");
    out += `${prefix}  ${r.kind} on ${r.path} ${r.direction} ${Math.round(r.frame_bytes)} B at ${f(r.offered_mpps, 3)} Mpps: ${r.effect}${drops ? ` [dropped: ${drops}]` : ""}\n`;
  }
  return out;
}
