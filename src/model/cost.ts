// The cost model: event counts + a cost profile -> modeled cycles per packet per CPU,
// throughput (bottleneck named, capped by line rate), latency and ping round trip.
// Formulas are documented in docs/paths.md; every constant comes from the profile.
import { type EventCounts, zeroCounts } from "./events.ts";
import type { CostProfile } from "./profile.ts";

/** How a path's receive side is virtualized; decides who pays for each event. */
export type PathContext = "host" | "vm-assigned" | "virtio";

export type CpuName = "host" | "guest vCPU" | "backend thread";

export interface CpuCost {
  cpu: CpuName;
  cyclesPerPacket: number;
  /** Packets per second this CPU alone could sustain, in millions. */
  mpps: number;
}

export interface DerivedEvents {
  vmExits: number;
  injections: number;
  /** vCPU wake-ups (only an idle guest pays them; zero under load). */
  wakeups: number;
}

export interface ModelResult {
  cpus: CpuCost[];
  /** Sum over all CPUs. */
  cyclesPerPacket: number;
  mpps: number;
  gbps: number;
  /** "host" | "guest vCPU" | "backend thread" | "line rate". */
  bottleneck: string;
  lineRateMpps: number;
  latencyUs: { p50: number; p99: number };
  derived: DerivedEvents;
}

/** Wire bits per frame: frame + 8 B preamble/SFD + 12 B inter-frame gap (anchors §1.1). */
export function wireBits(frameBytes: number): number {
  return (Math.max(frameBytes, 64) + 20) * 8;
}

export function lineRateMpps(linkGbps: number, frameBytes: number): number {
  return (linkGbps * 1e3) / wireBits(frameBytes);
}

const ns = (p: CostProfile, cycles: number) => cycles / p.c.cpu_ghz;
const cyc = (p: CostProfile, nanos: number) => nanos * p.c.cpu_ghz;

/** Cycles one VM exit costs in all (world switch + handler + cache pollution). */
export function exitCycles(p: CostProfile): number {
  return p.c.exit_direct_cycles + p.c.exit_handler_cycles + p.c.exit_indirect_cycles;
}

/** Where one device interrupt to an assigned device costs, per profile. */
export function deviceInterruptCost(p: CostProfile): {
  guest: number;
  host: number;
  exits: number;
  injections: number;
} {
  const c = p.c;
  let guest = c.irq_cycles; // the guest's own handler, as on bare metal
  let host = 0;
  let exits = 0;
  let injections = 0;
  if (c.device_irq_via_host) {
    injections = 1;
    const hostWork = c.irq_cycles + c.injection_cycles;
    if (c.device_irq_exits) {
      // Lands on the vCPU's core: an external-interrupt exit, host handler and injection run there.
      guest += exitCycles(p) + hostWork;
      exits += 1;
    } else host += hostWork;
  }
  if (c.eoi_exits) {
    guest += c.eoi_exit_cycles + c.exit_indirect_cycles;
    exits += 1;
  }
  return { guest, host, exits, injections };
}

/** A virtual interrupt from a software backend (virtio used notification): always injected by the host. */
export function virtualInterruptCost(p: CostProfile): { guest: number; backend: number; exits: number } {
  const c = p.c;
  let guest = c.irq_cycles;
  let exits = 0;
  if (c.eoi_exits) {
    guest += c.eoi_exit_cycles + c.exit_indirect_cycles;
    exits += 1;
  }
  return { guest, backend: c.injection_cycles, exits };
}

/** Backend thread cycles for one packet of `bytes`: tap read, vring cache lines, one copy. */
export function backendCyclesPerPacket(
  p: CostProfile,
  bytesPerCopy: number,
  copiesPerPacket: number,
): number {
  const c = p.c;
  const copyNs = copiesPerPacket * (c.copy_fixed_ns + bytesPerCopy / c.copy_gbytes_per_s);
  return cyc(p, c.tap_ns + c.vring_lines_per_packet * c.cacheline_transfer_ns + copyNs);
}

function perPacket(counts: EventCounts) {
  const n = Math.max(counts.packets, 1);
  return {
    doorbells: counts.doorbells / n,
    interrupts: counts.interrupts / n,
    copies: counts.copies / n,
    bytesPerCopy: counts.copies > 0 ? counts.bytesCopied / counts.copies : 0,
    iotlb: counts.iotlbLookups / n,
    bridge: counts.bridgeLookups / n,
    epair: counts.epairHops / n,
    kicks: counts.kicks / n,
    used: counts.usedNotifications / n,
  };
}

export interface ModelInput {
  context: PathContext;
  counts: EventCounts;
  frameBytes: number;
  linkGbps: number;
  /** Which way the counted frames went: rx (default; latency wire -> consumer) or tx. */
  direction?: "rx" | "tx";
}

/** Per-CPU cycles per packet for a run. */
export function cpuCosts(p: CostProfile, input: ModelInput): { cpus: CpuCost[]; derived: DerivedEvents } {
  const c = p.c;
  const k = perPacket(input.counts);
  const stackAndDoorbell = c.stack_cycles + k.doorbells * c.doorbell_cycles;
  const mk = (cpu: CpuName, cycles: number): CpuCost => ({
    cpu,
    cyclesPerPacket: cycles,
    mpps: (c.cpu_ghz * 1e3) / cycles,
  });
  const softSwitch = k.bridge * c.bridge_lookup_cycles + k.epair * c.epair_hop_cycles;
  if (input.context === "host") {
    const host = stackAndDoorbell + k.interrupts * c.irq_cycles + softSwitch;
    return { cpus: [mk("host", host)], derived: { vmExits: 0, injections: 0, wakeups: 0 } };
  }
  if (input.context === "vm-assigned") {
    const irq = deviceInterruptCost(p);
    const guest = stackAndDoorbell + k.interrupts * irq.guest;
    const cpus = [mk("guest vCPU", guest)];
    if (irq.host > 0 && k.interrupts > 0) cpus.push(mk("host", k.interrupts * irq.host));
    return {
      cpus,
      derived: {
        vmExits: input.counts.interrupts * irq.exits,
        injections: input.counts.interrupts * irq.injections,
        wakeups: 0,
      },
    };
  }
  // virtio: the PF is in the host (driver + stack + bridge + tap enqueue), a backend thread
  // copies into the guest's buffers, the guest runs virtio-net and kicks to refill.
  const vIrq = virtualInterruptCost(p);
  const host = stackAndDoorbell + k.interrupts * c.irq_cycles + softSwitch;
  const backend = backendCyclesPerPacket(p, k.bytesPerCopy, k.copies) + k.used * vIrq.backend;
  const guest = c.stack_cycles + k.kicks * c.kick_exit_cycles + k.used * vIrq.guest;
  return {
    cpus: [mk("host", host), mk("backend thread", backend), mk("guest vCPU", guest)],
    derived: {
      vmExits: input.counts.kicks + input.counts.usedNotifications * vIrq.exits,
      injections: input.counts.usedNotifications,
      wakeups: 0,
    },
  };
}

/** One-way receive latency (ns) from the wire to the consumer, without moderation delay. */
export function receiveLatencyNs(
  p: CostProfile,
  context: PathContext,
  counts: EventCounts,
  idle: boolean,
): number {
  const c = p.c;
  const k = perPacket(counts);
  const softSwitch = ns(p, k.bridge * c.bridge_lookup_cycles + k.epair * c.epair_hop_cycles);
  const dma = c.pcie_rtt_ns;
  const stack = ns(p, c.stack_cycles);
  const irq = ns(p, c.irq_cycles);
  if (context === "host") return dma + irq + stack + softSwitch;
  // A halted vCPU must be woken unless halt-polling keeps it spinning; under load it is running.
  const wake = idle && c.halt_poll_us === 0 ? c.idle_wakeup_us * 1e3 : 0;
  const entry = idle ? ns(p, c.exit_direct_cycles) : 0; // resuming the guest after the halt
  if (context === "vm-assigned") {
    const iotlb = k.iotlb * c.iotlb_miss_rate * c.iotlb_miss_ns;
    const viaHost = c.device_irq_via_host ? ns(p, c.irq_cycles + c.injection_cycles) : 0;
    const exitNs = c.device_irq_exits && !idle ? ns(p, exitCycles(p)) : 0;
    const eoi = c.eoi_exits ? ns(p, c.eoi_exit_cycles) : 0;
    return dma + iotlb + viaHost + exitNs + wake + entry + irq + eoi + stack;
  }
  const hostSide = dma + irq + stack + softSwitch;
  const backend = ns(p, backendCyclesPerPacket(p, k.bytesPerCopy, Math.max(k.copies, 1)));
  const backendWake = idle ? c.idle_wakeup_us * 1e3 : 0; // the backend thread sleeps when idle
  const inject = ns(p, c.injection_cycles);
  return hostSide + backendWake + backend + inject + wake + entry + irq + stack;
}

/** One-way transmit latency (ns) from the consumer's send to the frame on the wire. */
export function transmitLatencyNs(
  p: CostProfile,
  context: PathContext,
  counts: EventCounts,
  idle: boolean,
): number {
  const c = p.c;
  const k = perPacket(counts);
  const softSwitch = ns(p, k.bridge * c.bridge_lookup_cycles + k.epair * c.epair_hop_cycles);
  const nicTx = ns(p, c.doorbell_cycles) + 2 * c.pcie_rtt_ns; // doorbell, then descriptor+payload fetch
  const stack = ns(p, c.stack_cycles);
  if (context === "host") return stack + softSwitch + nicTx;
  if (context === "vm-assigned") return stack + nicTx + k.iotlb * c.iotlb_miss_rate * c.iotlb_miss_ns;
  const kick = ns(p, c.kick_exit_cycles);
  const backendWake = idle ? c.idle_wakeup_us * 1e3 : 0;
  const backend = ns(p, backendCyclesPerPacket(p, k.bytesPerCopy, Math.max(k.copies, 1)));
  return stack + kick + backendWake + backend + stack + softSwitch + nicTx;
}

/** Modeled throughput and latency of one run. */
export function modelRun(p: CostProfile, input: ModelInput): ModelResult {
  const { cpus, derived } = cpuCosts(p, input);
  const line = lineRateMpps(input.linkGbps, input.frameBytes);
  let bottleneck = "line rate";
  let mpps = line;
  for (const cpu of cpus) {
    if (cpu.mpps < mpps) {
      mpps = cpu.mpps;
      bottleneck = cpu.cpu;
    }
  }
  const base =
    input.direction === "tx"
      ? transmitLatencyNs(p, input.context, input.counts, false)
      : receiveLatencyNs(p, input.context, input.counts, false);
  // Under load the interrupt fires once per ITR interval: the wait is uniform over [0, ITR].
  const itrNs = p.c.itr_us * 1e3;
  return {
    cpus,
    cyclesPerPacket: cpus.reduce((s, x) => s + x.cyclesPerPacket, 0),
    mpps,
    gbps: (mpps * wireBits(input.frameBytes)) / 1e3,
    bottleneck,
    lineRateMpps: line,
    latencyUs: { p50: (base + 0.5 * itrNs) / 1e3, p99: (base + 0.99 * itrNs) / 1e3 },
    derived,
  };
}

/**
 * Modeled ping round trip (µs): our side sends an echo request through the path, a native peer
 * on the wire answers, the reply comes back through the path to an idle receiver (the pinger
 * sleeps between packets: idle vCPUs and idle backend threads must be woken).
 */
export function pingRttUs(
  p: CostProfile,
  context: PathContext,
  counts: EventCounts,
  linkGbps: number,
  frameBytes = 98,
  /** Events of the transmit side when it was simulated (else `counts` stand for both sides). */
  txCounts?: EventCounts,
): number {
  const wire = wireBits(frameBytes) / linkGbps; // ns
  const peer =
    receiveLatencyNs(p, "host", emptyCounts, true) + transmitLatencyNs(p, "host", emptyCounts, true);
  const ours =
    transmitLatencyNs(p, context, txCounts ?? counts, true) + receiveLatencyNs(p, context, counts, true);
  return (ours + peer + 2 * wire) / 1e3;
}

const emptyCounts: EventCounts = { ...zeroCounts(), packets: 1 };

/**
 * ELI's I/O-intensive workload (anchors §2.1): a single-vCPU guest that is CPU-bound, taking
 * device interrupts at the workload's rate; throughput is what the per-packet stack work leaves
 * after interrupt (and exit) work. Returns VM throughput / bare-metal throughput.
 */
export function ioBoundThroughputRatio(p: CostProfile): {
  ratio: number;
  bareMetalMpps: number;
  vmMpps: number;
  exitsPerSec: number;
} {
  const c = p.c;
  const hz = c.cpu_ghz * 1e9;
  const r = c.workload_interrupts_per_sec;
  const irq = deviceInterruptCost(p);
  const bare = (hz - r * c.irq_cycles) / c.stack_cycles;
  const vm = Math.max(0, hz - r * irq.guest) / c.stack_cycles;
  return { ratio: vm / bare, bareMetalMpps: bare / 1e6, vmMpps: vm / 1e6, exitsPerSec: r * irq.exits };
}
