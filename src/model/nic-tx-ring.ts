/**
 * Descriptors of the NIC transmit ring a driver posts on: the switch's default Tx ring
 * (src/switch/nic.ts `txRingSize`, 512; test/model/tx-queue-bounds.test.ts runs a driver that
 * needs all of them). It is restated here, not imported, because src/model imports nothing from
 * the switch, and the cost-profile checks bound tx_stop_free_desc and tx_wake_free_desc by it: a
 * queue that needs more free descriptors than the ring holds would never post, or never be woken.
 */
export const NIC_TX_RING_SIZE = 512;
