// `iovsim paths --json`: the report built from an experiment, and its schema (zod), which
// docs/paths-json.md documents and test/cli/paths-json.test.ts checks real output against.
// Everything but `simulator` is simulated (virtual time); `simulator` is wall clock.
import { z } from "zod";
import { sumSync } from "../engine/parallel/report.ts";
import { perPacketUnit } from "../engine/resource.ts";
import type { DirectionFigures, MeasuredWindow, SimResult } from "../engine/types.ts";
import type { AboveCapacity } from "../experiment/capacity.ts";
import type { CaseResult, ExperimentResult } from "../experiment/experiment.ts";
import { l1Gbps } from "../experiment/rate.ts";
import type { Trial } from "../experiment/search.ts";
import { shortfallCauses } from "../experiment/shortfall.ts";
import { noWire } from "../paths/path-graphs.ts";

export const PATHS_SCHEMA = "iovsim.paths/2";

const latency = z.object({
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
  max: z.number().nonnegative(),
  /** Smallest latency, exact (percentiles come from a histogram); absent in files from before it. */
  min: z.number().nonnegative().optional(),
  mean: z.number().nonnegative(),
});

export const eventsSchema = z.object({
  interrupts: z.number().nonnegative(),
  vm_exits: z.number().nonnegative(),
  injections: z.number().nonnegative(),
  wakeups: z.number().nonnegative(),
  kicks: z.number().nonnegative(),
  notifications: z.number().nonnegative(),
});

const cpu = z.object({
  resource: z.string(),
  kind: z.string(),
  utilization: z.number().min(0).max(1),
  /** The busy share without polling that yields at once to work (halt-polling): what the
   *  bottleneck is judged on (src/engine/bottleneck.ts). */
  work_utilization: z.number().min(0).max(1),
  cycles_per_packet: z.number().nonnegative(),
  /** What cycles_per_packet counts: "cycles" of the profile's CPU clock (core, vcpu, vhost,
   *  dispatcher), or "ns" of busy time for a resource with no clock (wire, nic, pcie). Absent in
   *  documents written before it was added (the kind then says which). */
  cycles_per_packet_unit: z.enum(["cycles", "ns"]).optional(),
  by_event: z.record(z.string(), z.number()),
});

/** Every frame offered is delivered (per copy), dropped with a reason, or in flight. */
export const conservationSchema = z.object({
  sent: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  dropped: z.record(z.string(), z.number().int().nonnegative()),
  in_flight: z.number().int().nonnegative(),
  copies: z.number().int().nonnegative(),
  /** Copies delivered to pools other than the path's consumer (replication): deliveries. */
  delivered_elsewhere: z.record(z.string(), z.number().int().nonnegative()).optional(),
  ok: z.boolean(),
});

/** What an injected fault did in one simulation (src/engine/faults.ts FaultRecord); steering's
 *  document has the same records. */
export const faultRecord = z.object({
  kind: z.enum(["worker-exit", "sink-stall", "generator-overrun"]),
  spec: z.string(),
  from_us: z.number().nonnegative(),
  to_us: z.number().nonnegative(),
  effect: z.string(),
  dropped: z.record(z.string(), z.number().int().nonnegative()),
  queue: z.number().int().nonnegative().optional(),
  per_queue_delivered: z.array(z.number().int().nonnegative()).optional(),
  attempts: z.number().int().positive().optional(),
});

/** Direction "both": one direction's own figures at a load point (its generators' offered
 *  frames, its consumers' delivered frames and latencies). */
const directionPoint = z.object({
  offered_mpps: z.number().nonnegative(),
  delivered_mpps: z.number().nonnegative(),
  loss_ratio: z.number().min(0).max(1),
  /** null when this direction delivered no frame in the measured window. */
  latency_us: latency.nullable(),
});

/** Frames of the measured window: offered (stamped) in it, and of them delivered. */
const windowFrames = z.object({
  offered: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
});

const loadPoint = z.object({
  /** Fraction of NDR the point was offered at; null for a rate given with --rate. */
  fraction_of_ndr: z.number().nullable(),
  offered_mpps: z.number().nonnegative(),
  offered_gbps: z.number().nonnegative(),
  delivered_mpps: z.number().nonnegative(),
  /** Layer 1, at the case's mean frame on the wire as offered_gbps (absent in documents written
   *  before it was reported: offered_gbps × delivered_mpps / offered_mpps). */
  delivered_gbps: z.number().nonnegative().optional(),
  loss_ratio: z.number().min(0).max(1),
  /** null when no frame was delivered in the measured window: no latency to give (not 0). */
  latency_us: latency.nullable(),
  /** Direction "both" only (absent otherwise, and in documents written before it was added):
   *  each direction's figures; the ones above are over both directions together. */
  per_direction: z.object({ rx: directionPoint, tx: directionPoint }).optional(),
  /** The measured window (virtual ns) the figures above are over, and its own frame counts
   *  (SimResult.window; absent in documents written before it was added). */
  window: windowFrames
    .extend({
      from_ns: z.number().nonnegative(),
      to_ns: z.number().nonnegative(),
      per_direction: z.object({ rx: windowFrames, tx: windowFrames }).optional(),
    })
    .optional(),
  cpu: z.array(cpu),
  /** Senders on a CPU that waited there for receive work, run first (SimResult.receive_first:
   *  FreeBSD runs receive processing above user threads): the CPU, how many waits began in the
   *  measured window, their time in it (ns) and its share of the window. Absent when none waited
   *  (and in documents written before it was added). */
  receive_first: z
    .array(
      z.object({
        sender: z.string(),
        direction: z.enum(["rx", "tx"]),
        resource: z.string(),
        waits: z.number().int().nonnegative(),
        waited_ns: z.number().nonnegative(),
        waited_ratio: z.number().min(0).max(1),
      }),
    )
    .optional(),
  /** Senders on a CPU the path pushed back (SimResult.pushed_back): time in the measured window
   *  behind their schedule with their queue full, or with their CPU busy (ns). Absent when none was. */
  pushed_back: z
    .array(
      z.object({
        sender: z.string(),
        direction: z.enum(["rx", "tx"]),
        resource: z.string(),
        queue_full_ns: z.number().nonnegative(),
        cpu_busy_ns: z.number().nonnegative(),
      }),
    )
    .optional(),
  bottleneck: z.string(),
  events_per_s: eventsSchema,
  conservation: conservationSchema,
  /** paths --pcap: what became of the replayed frames at this point. */
  replay: z
    .object({
      to_consumer: z.number().int().nonnegative(),
      consumer_lost: z.number().int().nonnegative(),
      filtered: z.number().int().nonnegative(),
      all_filtered: z.boolean(),
    })
    .optional(),
  /** Present when a fault was injected into this load point's simulation. */
  faults: z.array(faultRecord).optional(),
  /** --rate only, present when the point is above what the path sustains (a note says so):
   *  `resource` was busy for the whole trial (basis "busy"), or the work it did for the trial's
   *  frames took longer than the trial offered them for (basis "work": its queues absorbed the
   *  excess, so the loss understates what the load does). Simulated, from the point's own figures. */
  above_capacity: z
    .object({
      resource: z.string(),
      basis: z.enum(["busy", "work"]),
      /** Its work for the frames offered over the time they were offered in (above 1: it
       *  cannot keep up); null when nothing was delivered. */
      work_share: z.number().nonnegative().nullable(),
      /** Its work per delivered frame: ns of busy time, cycles at its clock (null: no clock),
       *  and the delivered rate that work allows. */
      ns_per_packet: z.number().nonnegative().nullable(),
      cycles_per_packet: z.number().nonnegative().nullable(),
      capacity_mpps: z.number().nonnegative().nullable(),
    })
    .optional(),
});

/** paths --pcap: the capture replayed and how (docs/paths-json.md). */
export const replaySchema = z.object({
  file: z.string(),
  format: z.enum(["pcap", "pcapng"]),
  records: z.number().int().nonnegative(),
  frames: z.number().int().positive(),
  dropped_before_engine: z.record(z.string(), z.number().int().nonnegative()),
  snaplen_cut: z.number().int().nonnegative(),
  timing: z.enum(["paced", "capture"]),
  capture_rate_pps: z.number().nonnegative().nullable(),
  rewrite_dst: z.string().nullable(),
  rewrite_dst_all: z.boolean(),
  /** --direction tx: the port whose MAC replaced the captured sources (--rewrite-src). */
  rewrite_src: z.string().nullable(),
  promisc: z.array(z.string()),
});
export type ReplayJson = z.infer<typeof replaySchema>;

/** A sender of the trial just above NDR that offered less than its load, and what the engine
 *  recorded holding it back inside that trial's measured window (shares of its length). */
const senderShortJson = z.object({
  direction: z.enum(["rx", "tx"]),
  /** The CPU it sends on; null when the engine recorded no wait or push-back for it. */
  resource: z.string().nullable(),
  /** Waiting for receive work on its CPU, run first (receive first). */
  receive_first_ratio: z.number().min(0).max(1),
  /** Pushed back: its queue full (back-pressure), or behind with its CPU busy. */
  queue_full_ratio: z.number().min(0).max(1),
  cpu_busy_ratio: z.number().min(0).max(1),
  /** The causes recorded (a share above 0): "receive first", "pushed back" (either of the two
   *  above); empty: neither was recorded. */
  causes: z.array(z.enum(["receive first", "pushed back"])),
});

const pathEntry = z.object({
  name: z.string(),
  direction: z.enum(["rx", "tx", "both"]),
  size: z.union([z.number().int(), z.literal("imix"), z.literal("pcap")]),
  frame_bytes: z.number().positive(),
  /** Link speed (Gbit/s) of the port this path crosses (configuration.paths[].port): its wire,
   *  line rate and search ceiling. Optional: documents written before it was added have none
   *  (every path then ran at the top-level `link_gbps`). */
  link_gbps: z.number().positive().optional(),
  /** The wire's line rate for this frame size; null when no frame of the run crosses a wire
   *  (virtio-tap receive: pktgen into the tap; vf-loopback: inside the NIC). */
  line_rate_mpps: z.number().positive().nullable(),
  /** The highest load the search offers, and what sets it: the wire's line rate, or, with no
   *  wire, the port's line rate kept as the search's bound (`no_wire` says why there is none). */
  ceiling_mpps: z.number().positive(),
  no_wire: z.string().nullable(),
  /** null when no search ran (--rate). */
  ndr_mpps: z.number().nonnegative().nullable(),
  ndr_gbps: z.number().nonnegative().nullable(),
  pdr_mpps: z.number().nonnegative().nullable(),
  pdr_gbps: z.number().nonnegative().nullable(),
  bottleneck: z.string(),
  trials: z.number().int().nonnegative(),
  /** What the binary search alone gave, before the loads below its answers were checked (null: --rate). */
  search_ndr_mpps: z.number().nonnegative().nullable(),
  search_pdr_mpps: z.number().nonnegative().nullable(),
  /** Some load passed above one that failed: pass/fail is not monotonic in the load (a note says where). */
  non_monotonic: z.boolean(),
  /** Virtual ms of the final trials that gave NDR, PDR and the load points (null: the search's
   *  own trials were final: --trial-ms or --count given, or --rate). */
  final_trial_ms: z.number().positive().nullable(),
  /** What the short search trials alone gave before the final trials (null without them). */
  short_trial_ndr_mpps: z.number().nonnegative().nullable(),
  short_trial_pdr_mpps: z.number().nonnegative().nullable(),
  /** The trial that failed just above NDR (the search's answer is the highest pass below the
   *  lowest failure) did not offer its load: its senders and why. Absent when it offered its
   *  load, or no search ran (--rate). */
  senders_short_above_ndr: z.array(senderShortJson).optional(),
  load_points: z.array(loadPoint),
});

/** Round-trip times of the replies; every figure null when no reply came back (none to time). */
export const rttSchema = z.union([
  z.strictObject({
    min: z.number().nonnegative(),
    avg: z.number().nonnegative(),
    max: z.number().nonnegative(),
    stddev: z.number().nonnegative(),
    p50: z.number().nonnegative(),
    p99: z.number().nonnegative(),
  }),
  z.strictObject({
    min: z.null(),
    avg: z.null(),
    max: z.null(),
    stddev: z.null(),
    p50: z.null(),
    p99: z.null(),
  }),
]);

export const pingEntrySchema = z
  .object({
    path: z.string(),
    transmitted: z.number().int().nonnegative(),
    received: z.number().int().nonnegative(),
    rtt_us: rttSchema,
  })
  .refine((p) => (p.received === 0) === (p.rtt_us.p50 === null), {
    message: "rtt_us is null exactly when no reply came back",
  });

export const simulatorSchema = z.object({
  frames: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  simulations: z.number().int().nonnegative(),
  virtual_s: z.number().nonnegative(),
  wall_s: z.number().nonnegative(),
  realtime_factor: z.number().nonnegative(),
  frames_per_wall_s: z.number().nonnegative(),
  workers: z.number().int().positive(),
  /** 2 with --partitions 2: each simulation ran on two threads (absent: one). */
  partitions: z.literal(2).optional(),
  /** --partitions 2: how the two threads of the simulations synchronized, summed (wall clock). */
  sync: z
    .object({
      /** Times a thread waited for the other (consumer, source); of them, times it slept in
       *  Atomics.wait until woken (or a long timeout). */
      waits: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
      sleeps: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
      /** Naps (consumer, source): timed sleeps, also in Atomics.wait, that a wait expected to last
       *  took first, counted apart from `sleeps` (no notify needed). Optional: documents written
       *  before it was reported lack it. */
      naps: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
      notifies: z.number().int().nonnegative(),
      /** Link records (write-back windows) the source sent, and consumer takes that found some. */
      records: z.number().int().nonnegative(),
      exchanges: z.number().int().nonnegative(),
      /** Wall seconds each thread waited (consumer, source). */
      wait_s: z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
    })
    .optional(),
  /** Idle pings, apart: their virtual time is mostly idle gaps between echoes. */
  ping: z.object({
    simulations: z.number().int().nonnegative(),
    frames: z.number().int().nonnegative(),
    virtual_s: z.number().nonnegative(),
  }),
});

/** What a path's consumer (or loopback peer) is on the NIC: a VF and how it is set up. */
const vfUse = z.object({
  /** VF-<index> of the iovctl.conf (the VF number). */
  index: z.number().int().nonnegative(),
  /** The driver instance the VF attached to (iavf0, ppt0, ...). */
  device: z.string(),
  /** pciconf selector of the VF (pci<domain>:<bus>:<slot>:<function>). */
  selector: z.string(),
  mac: z.string(),
  /** Port (access) VLAN the NIC tags the VF's frames with, "trunk", or null: none. */
  vlan: z.union([z.number().int().nonnegative(), z.literal("trunk")]).nullable(),
  /** The VF's transmit rate limit (ip link ... max_tx_rate), as the NIC runs it; absent: none. */
  max_tx_rate: z
    .object({
      /** What ip link set (Mb/s). */
      asked_mbps: z.number().positive(),
      /** What the hardware runs after its granularity (i40e 50 Mb/s credits, ixgbe/igb rate factor). */
      programmed_mbps: z.number().positive(),
      /** What a frame costs the limiter: "layer1" (frame + FCS + 20 B preamble and IFG) or "frame". */
      counts: z.enum(["layer1", "frame"]),
      /** Bytes it lets through back to back after an idle spell. */
      burst_bytes: z.number().int().positive(),
      /** How sure the NIC profile is of `counts` and of `burst_bytes` (verified, secondary,
       *  derived, assumption); absent in documents from before they were reported. */
      counts_tag: z.enum(["verified", "secondary", "derived", "assumption"]).optional(),
      burst_tag: z.enum(["verified", "secondary", "derived", "assumption"]).optional(),
    })
    .optional(),
});

/** Where the run's VFs came from and which port or VF each path used (text: the header). */
export const configurationSchema = z.object({
  /** embedded: the talk's iovctl.conf (no -f); file: -f FILE on a fresh in-memory host;
   *  host: the VFs that exist on the saved simulated host (--host). */
  source: z.enum(["embedded", "file", "host"]),
  /** The file given with -f, or where the saved host lives; null for the embedded one. */
  file: z.string().nullable(),
  /** The host file (`iovsim reset --host FILE`) the state describes, whose devices the run's
   *  host has; null: the embedded default host. Optional: absent in documents from before it. */
  host_file: z.string().nullable().optional(),
  /** The SR-IOV PF the VFs live on, and how many VFs it has. */
  pf: z.string(),
  vf_count: z.number().int().nonnegative(),
  paths: z.array(
    z.object({
      name: z.string(),
      /** The port the path's consumer is on (the SR-IOV PF, or a second PF passed through whole). */
      port: z.string(),
      /** The consumer's VF, or null: the consumer is the PF itself. */
      vf: vfUse.nullable(),
      /** vf-loopback: the VF its frames are looped back to inside the NIC (else absent). */
      peer_vf: vfUse.optional(),
    }),
  ),
});
export type ConfigurationJson = z.infer<typeof configurationSchema>;

export const toolSchema = z.object({ name: z.literal("iovsim"), version: z.string() });

export const pathsJsonSchema = z.object({
  schema: z.literal(PATHS_SCHEMA),
  tool: toolSchema,
  profile: z.object({ name: z.string(), origin: z.string() }),
  /** Link speed (Gbit/s) of `nic`, the run's SR-IOV PF; a path on another port (passthrough of
   *  ix0) has its own in its entry's `link_gbps`. */
  link_gbps: z.number().positive(),
  /** The PF (NIC port) the run's VFs live on, e.g. "ixl0"; its driver names the NIC. Optional:
   *  documents written before it was added have none. */
  nic: z.string().min(1).optional(),
  /** The MTU every interface of the paths ran at (paths --mtu; 1500 by default). Optional:
   *  documents written before it was added have none (they ran at 1500). */
  mtu_bytes: z.number().int().positive().optional(),
  direction: z.enum(["rx", "tx", "both"]),
  arrival: z.enum(["constant", "poisson"]),
  trial: z.object({
    virtual_ms: z.number().positive().nullable(),
    count: z.number().int().positive().nullable(),
  }),
  search: z
    .object({ precision_of_line_rate: z.number().positive(), pdr_loss: z.number().min(0).max(1) })
    .nullable(),
  rate: z.string().nullable(),
  /** How the load was offered: open loop (at the offered rate, whatever the path does) or
   *  closed loop (--window: the sender keeps at most `window` frames sent and not yet read by
   *  the consumer's application, sending up to `rate`). */
  load: z.discriminatedUnion("loop", [
    z.strictObject({ loop: z.literal("open") }),
    z.strictObject({ loop: z.literal("closed"), window: z.number().int().positive() }),
  ]),
  seed: z.number().int(),
  /** --encap, --flows, --proto of the generated frames (defaults filled in); null with --pcap.
   *  Optional: documents written before it was added have none. */
  traffic: z
    .strictObject({
      // src/traffic/profiles.ts ENCAPS and L4 (src/report does not import src/traffic).
      encap: z.enum(["none", "vxlan", "geneve", "gre", "nvgre", "gtpu", "mpls", "qinq"]),
      flows: z.number().int().min(1).max(65535),
      proto: z.enum(["udp", "tcp", "icmp"]),
    })
    .nullable()
    .optional(),
  paths: z.array(pathEntry),
  ping: z.array(pingEntrySchema),
  notes: z.array(z.string()),
  warnings: z.array(z.string()),
  /** Present with --pcap. */
  replay: replaySchema.optional(),
  /** The configuration file (or saved host) and the PF or VF each path used (absent in
   *  documents written before it was added). */
  configuration: configurationSchema.optional(),
  /** Present only with --inject-fault: the faults asked for and what each did, per simulation. */
  faults: z
    .object({
      injected: z.array(z.string()),
      /** How the faults relate to the search (NDR/PDR come from fault-free trials). */
      note: z.string(),
      records: z.array(
        faultRecord.extend({
          path: z.string(),
          direction: z.enum(["rx", "tx", "both"]),
          frame_bytes: z.number().nonnegative(),
          offered_mpps: z.number().nonnegative(),
        }),
      ),
    })
    .optional(),
  simulator: simulatorSchema,
});

export type PathsJson = z.infer<typeof pathsJsonSchema>;

/** Paths that crossed a link of another speed than the document's (`link_gbps`, its `nic`'s). */
export interface OtherLink {
  link_gbps: number;
  /** The port they crossed (from `configuration`; absent in documents without it). */
  port?: string;
  paths: string[];
}

/**
 * The links other than the run's PF's that paths crossed, one per speed and port, in the order
 * the paths ran: e.g. passthrough on ix0 (10 GbE) beside an igb0 PF (1 GbE). Empty when every
 * path ran at `link_gbps` (or the document predates per-path links).
 */
export function otherLinks(j: Pick<PathsJson, "link_gbps" | "paths" | "configuration">): OtherLink[] {
  const portOf = (name: string) => j.configuration?.paths.find((c) => c.name === name)?.port;
  const out = new Map<string, OtherLink>();
  for (const p of j.paths) {
    const gbps = p.link_gbps ?? j.link_gbps;
    if (gbps === j.link_gbps) continue;
    const port = portOf(p.name);
    const key = `${gbps}|${port ?? ""}`;
    const o = out.get(key) ?? { link_gbps: gbps, ...(port ? { port } : {}), paths: [] };
    if (!o.paths.includes(p.name)) o.paths.push(p.name);
    out.set(key, o);
  }
  return [...out.values()];
}
export type PingJson = z.infer<typeof pingEntrySchema>;
export type SimulatorJson = z.infer<typeof simulatorSchema>;

const mpps = (pps: number) => pps / 1e6;

/**
 * The mean frame on the wire that a load point's Gbit/s counts. A fixed size: the case's
 * (frame_bytes, as line rate and NDR count it, a port VLAN's tag included). imix or a capture:
 * the trial's own draw (r.frameBytes, which varies from trial to trial), plus the tag the NIC adds
 * to the frames the consumer transmits (the wire peer's frames are generated tagged): all of them
 * for tx, half for both (its two generators offer the same rate).
 */
function loadPointFrameBytes(c: CaseResult, r: SimResult): number {
  if (typeof c.case.size === "number") return c.case.frameBytes;
  const txShare = c.case.direction === "tx" ? 1 : c.case.direction === "both" ? 0.5 : 0;
  return r.frameBytes + (c.case.wireTagBytes ?? 0) * txShare;
}

/** `wireFrameBytes`: loadPointFrameBytes. */
function loadPointJson(
  fraction: number | null,
  r: SimResult,
  above: AboveCapacity | null,
  wireFrameBytes: number,
) {
  return {
    fraction_of_ndr: fraction,
    offered_mpps: mpps(r.offered_pps),
    offered_gbps: l1Gbps(r.offered_pps, wireFrameBytes),
    delivered_mpps: mpps(r.delivered_pps),
    delivered_gbps: l1Gbps(r.delivered_pps, wireFrameBytes),
    loss_ratio: Math.min(1, Math.max(0, r.loss_ratio)),
    // No frame delivered, no latency: null, never a 0 that reads as a measurement.
    latency_us: r.delivered_pps > 0 ? r.latency_us : null,
    ...(r.per_direction
      ? { per_direction: { rx: directionJson(r.per_direction.rx), tx: directionJson(r.per_direction.tx) } }
      : {}),
    window: windowJson(r.window),
    cpu: r.resources.map((u) => ({
      resource: u.resource,
      kind: u.kind,
      utilization: u.utilization,
      work_utilization: u.work_utilization ?? u.utilization,
      cycles_per_packet: u.cycles_per_packet,
      cycles_per_packet_unit: perPacketUnit(u.kind),
      by_event: u.by_event,
    })),
    ...(r.receive_first ? { receive_first: r.receive_first.map((h) => receiveFirstJson(h, r.window)) } : {}),
    ...(r.pushed_back ? { pushed_back: r.pushed_back.map((h) => ({ ...h })) } : {}),
    bottleneck: r.bottleneck,
    events_per_s: r.events_per_s,
    conservation: conservationJson(r.conservation),
    ...(r.replay ? { replay: r.replay } : {}),
    ...(r.faults ? { faults: r.faults } : {}),
    ...(above
      ? {
          above_capacity: {
            resource: above.resource,
            basis: above.basis,
            work_share: above.workShare,
            ns_per_packet: above.nsPerPacket,
            cycles_per_packet: above.cyclesPerPacket,
            capacity_mpps: above.capacityPps === null ? null : mpps(above.capacityPps),
          },
        }
      : {}),
  };
}

/** One sender's waits for receive work, with their share of the measured window. */
function receiveFirstJson(
  h: NonNullable<SimResult["receive_first"]>[number],
  w: MeasuredWindow,
): NonNullable<z.infer<typeof loadPoint>["receive_first"]>[number] {
  const windowNs = w.to_ns - w.from_ns;
  return {
    sender: h.sender,
    direction: h.direction,
    resource: h.resource,
    waits: h.waits,
    waited_ns: h.waited_ns,
    waited_ratio: windowNs > 0 ? Math.min(1, h.waited_ns / windowNs) : 0,
  };
}

/** The window's bounds and counts, keys in the documented order. */
function windowJson(w: MeasuredWindow): NonNullable<z.infer<typeof loadPoint>["window"]> {
  const frames = (f: { offered: number; delivered: number }) => ({
    offered: f.offered,
    delivered: f.delivered,
  });
  return {
    from_ns: w.from_ns,
    to_ns: w.to_ns,
    ...frames(w),
    ...(w.per_direction
      ? { per_direction: { rx: frames(w.per_direction.rx), tx: frames(w.per_direction.tx) } }
      : {}),
  };
}

function directionJson(d: DirectionFigures): z.infer<typeof directionPoint> {
  return {
    offered_mpps: mpps(d.offered_pps),
    delivered_mpps: mpps(d.delivered_pps),
    loss_ratio: Math.min(1, Math.max(0, d.loss_ratio)),
    latency_us: d.delivered_pps > 0 ? d.latency_us : null,
  };
}

/** The engine's conservation record as the JSON documents write it. */
export function conservationJson(c: SimResult["conservation"]): z.infer<typeof conservationSchema> {
  return {
    sent: c.sent,
    delivered: c.delivered,
    dropped: c.dropped,
    in_flight: c.inFlight,
    copies: c.copies,
    ...(c.deliveredElsewhere ? { delivered_elsewhere: c.deliveredElsewhere } : {}),
    ok: c.ok,
  };
}

/**
 * What limits the case: at NDR = line rate the wire; else the bottleneck of the lowest trial
 * that lost frames (the load just above NDR); with --rate, that point's own.
 */
export function caseBottleneck(c: CaseResult): string {
  if (c.ndrPps === null) return c.loadPoints[0]?.result.bottleneck ?? "n/a";
  // At the search's ceiling: the wire, or, where no wire carries the run, the ceiling itself.
  if (c.ndrPps >= Math.round(c.lineRatePps))
    return noWire(c.case.path, c.case.direction) === null ? "wire" : "search ceiling";
  return failureAbove(c, c.ndrPps)?.bottleneck ?? c.loadPoints.at(-1)?.result.bottleneck ?? "n/a";
}

/** The lowest trial above `pps` among the final trials (or the search's, without a final
 *  phase): the failure that bounds NDR (or PDR) from above, or undefined. */
function failureAbove(c: CaseResult, pps: number | null): Trial | undefined {
  if (pps === null) return undefined;
  const final = c.finalTrialNs !== null;
  return c.trials
    .filter((t) => t.final === final && t.ratePps > pps)
    .sort((a, b) => a.ratePps - b.ratePps)[0];
}

/** Why a trial's senders offered less than its load, from what the engine recorded for each
 *  (Trial.senderHeld: receive first, pushed back). */
function senderShortText(t: Trial): string {
  const held = t.senderHeld ?? [];
  if (held.length === 0) return "its senders offered less than that load";
  return held
    .map((h) => {
      const on = h.resource === null ? "" : ` on ${h.resource}`;
      return `its ${h.direction} sender${on} offered less than that load: it ${shortfallCauses(h)}`;
    })
    .join("; ");
}

/** The trial that bounded NDR from above, when its senders fell short: each one, what held it
 *  back (shares of the measured window), and the causes recorded. */
function sendersShortJson(t: Trial | undefined): z.infer<typeof senderShortJson>[] | undefined {
  if (!t?.senderShort) return undefined;
  return (t.senderHeld ?? []).map((h) => ({
    direction: h.direction,
    resource: h.resource,
    receive_first_ratio: h.receiveFirstShare,
    queue_full_ratio: h.queueFullShare,
    cpu_busy_ratio: h.cpuBusyShare,
    causes: [
      ...(h.receiveFirstShare > 0 ? ["receive first" as const] : []),
      ...(h.queueFullShare + h.cpuBusyShare > 0 ? ["pushed back" as const] : []),
    ],
  }));
}

/**
 * Direction both: what decided NDR (and PDR, where higher): the lowest trial above it, which
 * failed (the search's answer is the highest pass below the lowest failure), with its length
 * (a final trial's, when the search had a final phase) and its loss in each direction. The
 * search judges the loss over both directions together; a path can lose in one direction only,
 * which this says, and a trial can fail without losing anything within its length (a resource
 * busy for the whole trial, a sender pushed back), which this says too rather than leave a
 * failure that lost nothing looking like a pass.
 */
export function directionLossNotes(exp: ExperimentResult): string[] {
  const notes: string[] = [];
  const m = (pps: number) => ((2 * pps) / 1e6).toFixed(3);
  const p = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 2)} %`;
  const ms = (ns: number) => `${+(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  const decided = (name: string, c: CaseResult, t: Trial): string => {
    const { rx, tx } = t.lossByDirection as { rx: number; tx: number };
    const kind = c.finalTrialNs !== null ? "final trial" : "trial";
    const length = t.lengthNs !== undefined ? `, ${ms(t.lengthNs)}` : "";
    const what = `the ${kind} that failed just above ${name} (${m(t.ratePps)} Mpps${length})`;
    const why: string[] = [];
    if (t.saturated !== null)
      why.push(
        `${t.saturated} was busy for the whole trial, so its backlog grows for as long as the load lasts`,
      );
    if (t.senderShort) why.push(senderShortText(t));
    // Nothing lost within the trial's length: it failed on the resource or the sender alone.
    if (!(rx > 0 || tx > 0))
      return `${what} lost nothing in either direction (rx ${p(rx)}, tx ${p(tx)}) but failed because ${why.join(", and ")}`;
    const which = rx > 0 && tx > 0 ? "in both directions" : rx > 0 ? "in rx only" : "in tx only";
    return `${what} lost ${which}: rx ${p(rx)}, tx ${p(tx)}${why.length > 0 ? `; ${why.join("; ")}` : ""}`;
  };
  for (const c of exp.cases) {
    if (c.case.direction !== "both") continue;
    const parts: string[] = [];
    const ndr = failureAbove(c, c.ndrPps);
    if (ndr?.lossByDirection) parts.push(decided("NDR", c, ndr));
    if (c.pdrPps !== null && c.pdrPps !== c.ndrPps) {
      const pdr = failureAbove(c, c.pdrPps);
      if (pdr?.lossByDirection) parts.push(decided("PDR", c, pdr));
    }
    if (parts.length === 0) continue;
    notes.push(
      `${c.case.path} both ${c.case.size}: ${parts.join("; ")} (Mpps of both directions together; NDR and PDR judge the loss over both)`,
    );
  }
  return notes;
}

export function pathEntryJson(c: CaseResult, above: (r: SimResult) => AboveCapacity | null = () => null) {
  // Direction "both" offers the rate in each direction of the full-duplex link; its rates are
  // reported summed over the two directions, like the engine's offered and delivered rates.
  const k = c.case.direction === "both" ? 2 : 1;
  // The search counts whole frames per second: line rate passing is reported as
  // Math.round(line rate), up to half a frame per second above it (1518 B: 812,744 pps against
  // 812,743.8, 10.000002 Gbit/s). A rate the search found is never above the ceiling it searched under.
  const capped = (pps: number) => Math.min(pps, c.lineRatePps);
  const mppsOf = (pps: number | null) => (pps === null ? null : mpps(k * capped(pps)));
  const gbps = (pps: number | null) => (pps === null ? null : l1Gbps(k * capped(pps), c.case.frameBytes));
  const wireless = noWire(c.case.path, c.case.direction);
  return {
    name: c.case.path,
    direction: c.case.direction,
    size: c.case.size,
    frame_bytes: c.case.frameBytes,
    link_gbps: c.linkGbps,
    line_rate_mpps: wireless === null ? mpps(k * c.lineRatePps) : null,
    ceiling_mpps: mpps(k * c.lineRatePps),
    no_wire: wireless,
    ndr_mpps: mppsOf(c.ndrPps),
    ndr_gbps: gbps(c.ndrPps),
    pdr_mpps: mppsOf(c.pdrPps),
    pdr_gbps: gbps(c.pdrPps),
    bottleneck: caseBottleneck(c),
    trials: c.trials.length,
    search_ndr_mpps: mppsOf(c.searchNdrPps),
    search_pdr_mpps: mppsOf(c.searchPdrPps),
    non_monotonic: c.nonMonotonic,
    final_trial_ms: c.finalTrialNs === null ? null : c.finalTrialNs / 1e6,
    short_trial_ndr_mpps: mppsOf(c.shortNdrPps),
    short_trial_pdr_mpps: mppsOf(c.shortPdrPps),
    ...((short) => (short ? { senders_short_above_ndr: short } : {}))(
      sendersShortJson(failureAbove(c, c.ndrPps)),
    ),
    load_points: c.loadPoints.map((p) =>
      loadPointJson(p.fractionOfNdr, p.result, above(p.result), loadPointFrameBytes(c, p.result)),
    ),
  };
}

/** What one simulation (or ping) cost the simulator. */
export interface SimulatorPart {
  frames: number;
  events: number;
  virtual_ns: number;
  /** A partitioned run's threads (consumer, source): SimResult.simulator.sync. */
  sync?: SimResult["simulator"]["sync"];
}

/**
 * The simulator-speed block: wall clock, never part of a simulated figure. Frames and virtual
 * time are the throughput simulations' (trials and load points); pings are counted apart, since
 * their virtual time (mostly idle gaps between echoes) would inflate × real time.
 */
export function simulatorJson(
  parts: SimulatorPart[],
  wallS: number,
  workers: number,
  pings: SimulatorPart[] = [],
  partitions: 1 | 2 = 1,
): SimulatorJson {
  const frames = parts.reduce((a, s) => a + s.frames, 0);
  const virtualS = parts.reduce((a, s) => a + s.virtual_ns, 0) / 1e9;
  return {
    frames,
    events: parts.reduce((a, s) => a + s.events, 0),
    simulations: parts.length,
    virtual_s: virtualS,
    wall_s: wallS,
    realtime_factor: wallS > 0 ? virtualS / wallS : 0,
    frames_per_wall_s: wallS > 0 ? frames / wallS : 0,
    workers,
    ...(partitions === 2 ? { partitions: 2 as const } : {}),
    ...(partitions === 2 ? { sync: syncTotals(parts) } : {}),
    ping: {
      simulations: pings.length,
      frames: pings.reduce((a, s) => a + s.frames, 0),
      virtual_s: pings.reduce((a, s) => a + s.virtual_ns, 0) / 1e9,
    },
  };
}

/** The partitioned simulations' synchronization, summed over them. */
function syncTotals(parts: SimulatorPart[]): NonNullable<SimulatorJson["sync"]> {
  const t = sumSync(parts.flatMap((p) => (p.sync ? [p.sync] : [])));
  return {
    waits: t.waits,
    sleeps: t.sleeps,
    naps: t.naps,
    notifies: t.notifies,
    records: t.records,
    exchanges: t.exchanges,
    wait_s: [t.wait_ms[0] / 1e3, t.wait_ms[1] / 1e3],
  };
}

/** A SimResult's cost to the simulator. */
export function simulatorPart(r: SimResult): SimulatorPart {
  return {
    frames: r.simulator.frames,
    events: r.simulator.events,
    virtual_ns: r.virtual_ns,
    ...(r.simulator.sync ? { sync: r.simulator.sync } : {}),
  };
}

export interface PathsMeta {
  version: string;
  profile: { name: string; origin: string };
  linkGbps: number;
  /** The PF the run's VFs live on (absent: not said). */
  nic?: string;
  /** The paths' MTU (paths --mtu). */
  mtu?: number;
  direction: "rx" | "tx" | "both";
  arrival: "constant" | "poisson";
  trialMs: number | null;
  count: number | null;
  search: { precision: number; pdrLoss: number } | null;
  rate: string | null;
  /** --window: the closed loop's window (frames); absent: open loop. */
  window?: number;
  seed: number;
  /** The generated frames' --encap/--flows/--proto; null: a capture replayed (absent: not said). */
  traffic?: { encap: string; flows: number; proto: string } | null;
  notes: string[];
  warnings: string[];
  replay?: ReplayJson;
  /** --inject-fault as given (canonical text); empty or absent: no fault. */
  faults?: string[];
  /** --rate: whether a load point is above what the path sustains (absent: never flagged). */
  aboveCapacity?: (r: SimResult) => AboveCapacity | null;
  /** The configuration the run's VFs came from and what each path used. */
  configuration?: ConfigurationJson;
}

/** One note per case whose pass/fail was not monotonic in the load: where, and what was reported. */
export function nonMonotonicNotes(exp: ExperimentResult): string[] {
  const notes: string[] = [];
  for (const c of exp.cases) {
    if (!c.nonMonotonic || c.ndrPps === null) continue;
    const k = c.case.direction === "both" ? 2 : 1;
    const m = (pps: number) => ((k * pps) / 1e6).toFixed(3);
    const inv = c.inversion;
    const where = inv
      ? ` (a trial passed at ${m(inv.passedPps)} Mpps above one that failed at ${m(inv.failedPps)} Mpps)`
      : "";
    const moved =
      c.searchNdrPps !== c.ndrPps || c.searchPdrPps !== c.pdrPps
        ? `; the binary search alone gave NDR ${m(c.searchNdrPps ?? 0)} / PDR ${m(c.searchPdrPps ?? 0)} Mpps`
        : "";
    notes.push(
      `${c.case.path} ${c.case.direction} ${c.case.size}: pass/fail is not monotonic in the offered load${where}; NDR ${m(c.ndrPps)} / PDR ${m(c.pdrPps ?? 0)} Mpps are the highest loads below every failure whose checked loads below pass${moved}`,
    );
  }
  return notes;
}

/** NDR and PDR stay the fault-free path's: the simulation-changing faults hit load points only. */
export const FAULTS_NOTE =
  "NDR and PDR come from fault-free trials; sink-stall and generator-overrun are injected at the load points (or the --rate point); worker-exit into the first simulation run";

export function buildPathsJson(
  exp: ExperimentResult,
  ping: PingJson[],
  meta: PathsMeta,
  simulator: SimulatorJson,
): PathsJson {
  return {
    schema: PATHS_SCHEMA,
    tool: { name: "iovsim", version: meta.version },
    profile: meta.profile,
    link_gbps: meta.linkGbps,
    ...(meta.nic !== undefined ? { nic: meta.nic } : {}),
    ...(meta.mtu !== undefined ? { mtu_bytes: meta.mtu } : {}),
    direction: meta.direction,
    arrival: meta.arrival,
    trial: { virtual_ms: meta.trialMs, count: meta.count },
    search: meta.search
      ? { precision_of_line_rate: meta.search.precision, pdr_loss: meta.search.pdrLoss }
      : null,
    rate: meta.rate,
    load: meta.window !== undefined ? { loop: "closed", window: meta.window } : { loop: "open" },
    seed: meta.seed,
    ...(meta.traffic !== undefined ? { traffic: meta.traffic as PathsJson["traffic"] } : {}),
    paths: exp.cases.map((c) => pathEntryJson(c, meta.aboveCapacity)),
    ...(meta.configuration ? { configuration: meta.configuration } : {}),
    ping,
    notes: [...meta.notes, ...nonMonotonicNotes(exp), ...directionLossNotes(exp)],
    warnings: meta.warnings,
    ...(meta.replay ? { replay: meta.replay } : {}),
    ...(meta.faults && meta.faults.length > 0
      ? {
          faults: {
            injected: meta.faults,
            note: FAULTS_NOTE,
            records: exp.simulations.flatMap((r) =>
              (r.faults ?? []).map((f) => ({
                ...f,
                path: r.path,
                direction: r.direction,
                frame_bytes: r.frameBytes,
                offered_mpps: mpps(r.offered_pps),
              })),
            ),
          },
        }
      : {}),
    simulator,
  };
}
