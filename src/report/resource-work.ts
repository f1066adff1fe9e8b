// A resource's busy time split into work and polling that yields at once to work (KVM's halt
// polling, a guest idle thread's spin, a paced sender's busy-wait: POLL_EVENTS). Reports print
// the work figures, with polling beside them, so an idle spinning vCPU does not read as loaded.
import { pollCycles } from "../engine/resource.ts";

/** What the reports read of one resource row (`paths --json` cpu[]; older documents may lack
 *  work_utilization or by_event: then nothing is polling). */
export interface ResourceRow {
  utilization: number;
  work_utilization?: number;
  cycles_per_packet: number;
  by_event?: Readonly<Record<string, number>>;
}

export interface ResourceWork {
  /** Busy share doing work (0..1). */
  workUtilization: number;
  /** Busy share polling (0..1). */
  pollUtilization: number;
  /** Work per delivered packet (cycles or ns, as cycles_per_packet). */
  workPerPacket: number;
  /** Polling per delivered packet (same unit). */
  pollPerPacket: number;
}

export function resourceWork(c: ResourceRow): ResourceWork {
  const work = c.work_utilization ?? c.utilization;
  const poll = pollCycles(c.by_event ?? {});
  return {
    workUtilization: work,
    pollUtilization: Math.max(0, c.utilization - work),
    workPerPacket: Math.max(0, c.cycles_per_packet - poll),
    pollPerPacket: poll,
  };
}
