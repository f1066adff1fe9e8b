// Scenario switches: named sets of constants a cost profile's name may add, written
// `NAME!SWITCH` (`kvm-exits!irqfd-2010`), to run a scenario on an older host or guest than the
// profile describes. Each sets constants to values inside their published ranges (the constants'
// records in costs/*.json say where each value comes from); the fidelity cases name them.
import type { CostName } from "./costs.ts";

export interface CostSwitch {
  /** The constants it sets. */
  set: Partial<Record<CostName, number>>;
  /** What it stands for (shown when a switch name is unknown and in `model show`). */
  why: string;
}

export const COST_SWITCHES: Readonly<Record<string, CostSwitch>> = {
  "no-event-idx": {
    set: { virtio_event_idx: 0 },
    why: "virtio without VIRTIO_RING_F_EVENT_IDX (before 2011): the ring flags suppress notifications and kicks",
  },
  "vhost-2016": {
    // 8192, the packet weight's range end, lies above what the byte weight lets one call move
    // at any frame size (0x80000 / 76 B = 6,898), so the byte weight (vhost_byte_weight) ends it.
    set: { vhost_signal_per_packet: 1, vhost_pkt_weight: 8192 },
    why: "Linux 4.8's vhost-net (2016): handle_rx publishes the used index after every packet; only the byte weight (VHOST_NET_WEIGHT) ends a call",
  },
  "tun-queue-lock": {
    set: { tap_lock_lines: 2 },
    why: "the tap before 1576d986 (2016): sk_receive_queue and its lock shared with the producer",
  },
  "guest-refill-half": {
    set: { virtio_rx_refill_free: 128 },
    why: "a Linux guest before 2019: virtio-net re-posts receive buffers only when more than half its ring is free",
  },
  "irqfd-2010": {
    set: { irqfd_msi_fastpath: 0 },
    why: "KVM before irqfd's MSI fast path (bd2b53b20fcd, 2010): signals bounce through a kernel thread",
  },
};

/**
 * Switches that are gone, with what replaces them: `ixgbe` set Linux ixgbe/ixgbevf's transmit
 * queue bounds on a KVM profile; the bounds are now the NIC profile's, for the NIC and OS a path's
 * driver runs on (src/nic/tx-queue.ts), so naming the 82599 is choosing the NIC.
 */
export const REMOVED_SWITCHES: Readonly<Record<string, string>> = {
  ixgbe:
    "the switch 'ixgbe' is gone: a transmit queue's bounds (Linux ixgbe/ixgbevf's 21/42 on an 82599) now come from the NIC profile of the port the path crosses and the OS driving it (the cost profile's os): run on a host whose port is an 82599 (NIC profile ix: iovsim reset --host FILE; iovsim model show --nic ix lists its drivers' bounds)",
};

/** `name (constant=value, ...)` for each switch, for error messages. */
export function switchList(): string {
  return Object.entries(COST_SWITCHES)
    .map(
      ([n, s]) =>
        `${n} (${Object.entries(s.set)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")})`,
    )
    .join(", ");
}
