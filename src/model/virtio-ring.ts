/**
 * Entries of each virtio-net ring the paths build (QEMU's default rx/tx_queue_size, 256). It
 * lives here, not in the paths builder, because the cost-profile checks bound
 * virtio_rx_refill_free by it: the guest re-posts its buffers only once more than that many are
 * free, and with the value at or above the ring size it never re-posts them.
 */
export const VIRTIO_RING_SIZE = 256;
