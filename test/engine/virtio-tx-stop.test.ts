// The guest's virtio-net transmit queue when vhost is slower than its sender (src/engine/elements/
// guest-tx.ts): start_xmit stops the queue once fewer than 2 + MAX_SKB_FRAGS descriptors are free
// (netif_stop_subqueue) and asks for a completion interrupt (virtqueue_enable_cb_delayed: after
// 3/4 of the pending completions with EVENT_IDX, the next one without); skb_xmit_done wakes the
// queue. No timed retry: while stopped the driver posts and reaps nothing and the vCPU idles.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { virtioTxOverload } from "../helpers/virtio-tx-overload.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const run = (eventIdx: number) => virtioTxOverload({ virtio_event_idx: eventIdx });

describe("virtio-net transmit: a full ring stops the queue until the completion interrupt", () => {
  it.each([1, 0])("event_idx %i: while the queue is stopped the vCPU idles as its guest does", (eventIdx) => {
    const r = run(eventIdx);
    expect(r.conservation.ok).toBe(true);
    // vhost (the bottleneck) fills the ring: the queue stops and completions wake it.
    expect(r.events.notifications).toBeGreaterThan(0);
    expect(r.events.injections).toBeGreaterThanOrEqual(r.events.notifications);
    // Idle per the idle model (idle.ts idle): the paced sender busy-waits for its next frame's time.
    // A timed re-poll of the ring kept the vCPU active instead, so it never idled (no send_wait).
    const vcpu = r.resources.find((x) => x.resource === "guest-vcpu0")!;
    expect(vcpu.by_event.send_wait ?? 0).toBeGreaterThan(0);
  });
});
