// The contract between the virtual-time engine (src/engine) and what runs experiments on it
// (RFC 2544 search, load points, CLI, reports). One simulation = one scenario at one offered
// load, run to completion in virtual time on real frames; every figure in SimResult comes out
// of simulated events priced by the cost profile. Wall-clock figures live only in `simulator`.
import type { HostSpec } from "../nic/host-spec.ts";
import type { TrafficProfile } from "../traffic/profiles.ts";
import type { ReplaySpec } from "../traffic/replay.ts";
import type { FaultRecord, FaultSpec } from "./faults.ts";

export type Direction = "rx" | "tx" | "both";
export type Arrival = "constant" | "poisson";

/** What one simulation runs: a path (a graph of elements) at one offered load. */
export interface ScenarioSpec {
  /** Path graph name: native, jail-vf, vm-vf, passthrough, virtio, virtio-tap, jail-epair, jail-epair-fwd, bridge-epair-fwd, vf-loopback. */
  path: string;
  direction: Direction;
  /** Frames offered (sizes, flows, encapsulation, L4); a capture is replayed with `replay`. */
  traffic: TrafficProfile;
  /** Offered load per direction in frames per second of virtual time, capped at the line rate
   *  of the wire the run crosses, for a sender on the wire and on a CPU alike
   *  (src/engine/line-rate.ts). */
  ratePps: number;
  arrival: Arrival;
  /** Virtual time to offer traffic for (ns); the run then drains what is in flight. */
  durationNs: number;
  /** Virtual time at the start whose frames are not measured (ns, default 0). */
  warmupNs?: number;
  /** Or: stop offering after this many frames (whichever comes first). */
  count?: number;
  seed: number;
  /** Cost profile name (src/model/costs) or a loaded profile. */
  profile: string;
  /** iovctl.conf text and its file name (for located errors); default: the talk's config. */
  config?: { text: string; file: string };
  /** Link rate of the port (Gbit/s), default from the NIC profile. */
  linkGbps?: number;
  /** The simulated host's devices (default: the embedded host); a NIC of any loaded profile. */
  host?: HostSpec;
  /** Replay a capture instead of generating frames (src/traffic/replay.ts); receive direction. */
  replay?: ReplaySpec;
  /** Faults to inject (src/engine/faults.ts, `--inject-fault`); none by default. */
  faults?: FaultSpec[];
  /** An application reads every frame a consumer on a CPU receives (`app_rx_cycles` each, below
   *  the stack's priority: src/engine/application.ts); default: none (the stack is the end). */
  application?: boolean;
  /** Closed loop (TCP-like; needs `application`): the sender on the wire keeps at most this many
   *  frames sent and not yet read by the application, sending up to `ratePps`; default: open loop. */
  window?: number;
  /** Closed loop only: the receiver sends one ACK per this many frames read, through the path's
   *  transmit direction to the wire, and the sender's window opens when it arrives (default 2:
   *  RFC 1122 §4.2.3.2, Linux tcp_cleanup_rbuf); 0: a read opens the window at once (the ACK's
   *  way back not simulated). */
  ackEvery?: number;
  /** The MTU every interface of the path runs at (the consumer's and the PF's drivers, bridge,
   *  epair, tap, the guest's vtnet): above 1500 the NIC's pools take jumbo frames (long-packet
   *  enable) and the drivers post larger receive buffers (src/nic/frames.ts). Default 1500. */
  mtu?: number;
}

/** Percentiles of one-way latency (frame arrival on the wire -> consumer done), ns. */
export interface LatencyNs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One-way latency figures of a result (µs): percentiles from the histogram, min and max exact. */
export interface LatencyUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
}

/** One direction of a run in both directions, over the measured window (simulated). */
export interface DirectionFigures {
  offered_pps: number;
  delivered_pps: number;
  /** 1 - delivered/offered of this direction alone. */
  loss_ratio: number;
  latency_us: LatencyUs;
}

/** Frames of the measured window: those offered (stamped) in it, and of them those delivered
 *  (whenever they arrived, the drain after it included). */
export interface WindowFrames {
  offered: number;
  delivered: number;
}

/** The measured window of a run (virtual time): the rates, loss and latency are over it, and a
 *  judgment of a trial (a sender's shortfall, a resource's work against the time) reads its
 *  length and counts from here, never from whole-run counts (which hold the warm-up too). */
export interface MeasuredWindow extends WindowFrames {
  /** Frames stamped from from_ns (the warm-up's end, in whole microseconds, as the sinks
   *  count) to to_ns (the end of the offered traffic) are measured. */
  from_ns: number;
  to_ns: number;
  /** Direction "both" only: each direction's own frames. */
  per_direction?: { rx: WindowFrames; tx: WindowFrames };
}

/** Totals of the events the run simulated (not derived by formulas). */
export interface EventTotals {
  interrupts: number;
  vm_exits: number;
  injections: number;
  wakeups: number;
  kicks: number;
  notifications: number;
}

export interface ResourceUse {
  /** e.g. "wire", "nic", "pcie", "host-core0", "guest-vcpu0", "vhost0", "dispatcher", and a
   *  rate-limited VF's transmit limiter "vf0-max-tx-rate" (kind "shaper": busy while the NIC's
   *  scheduler holds the VF's queue back, so 100 % is the VF's max_tx_rate). */
  resource: string;
  kind: "wire" | "nic" | "pcie" | "core" | "vcpu" | "vhost" | "dispatcher" | "shaper";
  /** Busy virtual time / measured virtual time, 0..1. */
  utilization: number;
  /** The same without time spent polling for work that yields to it at once (KVM halt-polling):
   *  how much of the resource's capacity the load takes (what saturation is judged on). */
  work_utilization?: number;
  /** Busy cycles (or ns x GHz for non-CPU resources) per delivered packet. */
  cycles_per_packet: number;
  /** cycles_per_packet broken down by event kind (stack, driver, irq, exit, injection, copy, ...). */
  by_event: Record<string, number>;
}

export interface Conservation {
  sent: number;
  delivered: number;
  dropped: Record<string, number>;
  inFlight: number;
  /** Extra copies made by replication/flooding (counted once each as delivered or dropped). */
  copies: number;
  /** Copies the NIC delivered to pools other than the path's consumer (broadcast/multicast
   *  replication, promiscuous pools): deliveries, not drops. ok reads
   *  sent + copies == delivered + delivered elsewhere + dropped + in flight. */
  deliveredElsewhere?: Record<string, number>;
  ok: boolean;
}

/** What became of replayed frames (paths --pcap), over the whole run. */
export interface ReplayOutcome {
  /** Frames (copies) that reached the path's consumer, and those the consumer lost (no
   *  descriptor on its rings, or still queued when the run ended). */
  to_consumer: number;
  consumer_lost: number;
  /** Frames the switch dropped by policy (MAC/VLAN filter, no pool, runt, oversize...). */
  filtered: number;
  /** Every offered frame was dropped by policy before any pool: nothing reached the consumer. */
  all_filtered: boolean;
}

/** What one simulation produced. Everything but `simulator` is simulated (virtual time). */
export interface SimResult {
  path: string;
  direction: Direction;
  /** Mean frame size on the wire (bytes, with FCS, without preamble/IFG). */
  frameBytes: number;
  offered_pps: number;
  delivered_pps: number;
  /** 1 - delivered/offered over the measured window. */
  loss_ratio: number;
  latency_us: LatencyUs;
  /** The measured window the figures above are over: its bounds and frame counts. */
  window: MeasuredWindow;
  /** Direction "both" only: each direction's own figures (its generators and consumers), as
   *  FD.io CSIT reports bidirectional tests. The combined figures above are over both: delivered
   *  and offered are the sums, min and max the extremes of the two, percentiles from the two
   *  histograms merged (not derivable from the two directions' percentiles). */
  per_direction?: { rx: DirectionFigures; tx: DirectionFigures };
  resources: ResourceUse[];
  /** The resource with the highest utilization (or "wire" when the link is full). */
  bottleneck: string;
  /** Events of the whole run (warm-up and drain included). */
  events: EventTotals;
  /** Events per second over the measured window (warm-up end to end of the offered window),
   *  as utilization; over the whole run where there is none (ping). */
  events_per_s: EventTotals;
  conservation: Conservation;
  /** Replay only: to the consumer, lost by it, filtered (loss_ratio = consumer_lost /
   *  (to_consumer + consumer_lost): frames the switch's policy sends elsewhere are not loss). */
  replay?: ReplayOutcome;
  /** Frames that failed the integrity check (stamp, payload), counted and dropped. */
  integrity: { bad: number; reordered: number };
  virtual_ns: number;
  /** Per element: the resource it ran on, kernel calls that moved frames, frames, mean and
   *  largest batch (write-back windows for generators): batch sizes are outcomes of the load. */
  elements?: Array<{
    name: string;
    kind: string;
    resource: string;
    batches: number;
    packets: number;
    mean_batch: number;
    max_batch: number;
  }>;
  /** Senders on a CPU that waited for receive work there (src/engine/receive-first.ts: FreeBSD
   *  runs receive processing above user threads): each one's waits begun in the measured window
   *  and their time in it (ns). Absent when no sender waited. */
  receive_first?: Array<{
    sender: string;
    direction: "rx" | "tx";
    resource: string;
    waits: number;
    waited_ns: number;
  }>;
  /** Senders on a CPU that the path pushed back (src/engine/elements/gen.ts): their time inside
   *  the measured window behind their schedule (ns), their queue full (a burst cut short by
   *  ring room or buffers: back-pressure) or, not full, their CPU busy with work already placed
   *  there. Time waiting for receive work is `receive_first`'s, not this. Absent when none was. */
  pushed_back?: Array<{
    sender: string;
    direction: "rx" | "tx";
    resource: string;
    queue_full_ns: number;
    cpu_busy_ns: number;
  }>;
  /** Closed loop only: frames read, the window, and the ACK frames sent by the receiver and
   *  received by the sender (over the whole run; not counted in delivered_pps or latency). */
  closed_loop?: { window: number; ack_every: number; reads: number; acks_sent: number; acks_arrived: number };
  /** Injected faults and what each did (absent when none was injected). */
  faults?: FaultRecord[];
  /** How fast the simulator ran (wall clock): never part of a simulated figure. */
  simulator: {
    frames: number;
    events: number;
    wall_ms: number;
    /** Of wall_ms: building the host, the switch and the layout before the first event. */
    setup_ms?: number;
    /** Threads that ran this one simulation (src/engine/parallel); absent: one. */
    partitions?: number;
    /** CPU time of the event loop (setup apart), every thread that ran it together (Linux only:
     *  src/engine/thread-cpu.ts); with partitions, `partition_cpu_ms` gives each thread's. */
    cpu_ms?: number;
    /** Partitioned runs: CPU ms of the calling thread (consumer) and of the worker (source). */
    partition_cpu_ms?: number[];
    /** Partitioned runs: each thread's synchronization, [consumer, source] (PartitionSync). */
    sync?: PartitionSync[];
  };
}

/** What one partition's side of the channel did (simulator speed, wall clock; never a simulated
 *  figure): kept by that thread in plain fields (src/engine/parallel/channel.ts), read once the
 *  run is over. */
export interface SyncStats {
  /** Times this partition could not go on and waited for the other. */
  waits: number;
  /** Of those, the waits that slept in Atomics.wait untimed by an estimate (until the other side
   *  notifies, or a long timeout); naps, though also in Atomics.wait, are counted apart. */
  sleeps: number;
  /** Wall ms spent waiting (polling, napping or asleep). */
  wait_ms: number;
  /** Atomics.notify calls this side made (each wakes the other side from a sleep). */
  notifies: number;
  /** Timed sleeps (naps, in Atomics.wait on a timer) this side took first in a wait it expected
   *  to last (no notify needed; only an urgent wake-up cuts one short). */
  naps: number;
  /** Link records this side sent (source) or took (consumer). */
  records: number;
  /** Consumer: exchanges (receive calls that took at least one record). */
  exchanges: number;
}

/** One partition's synchronization figures (simulator speed, wall clock; never simulated). */
export interface PartitionSync extends SyncStats {
  /** Events this partition ran. */
  events: number;
  /** Wall ms of its event loop. */
  loop_ms: number;
  /** Wall ms the thread was runnable but had no CPU (the machine's load; Linux only). */
  runnable_ms?: number;
}
