// Work booked ahead of the event time is charged by an event at that time, so a resource is
// charged in time order (docs/engine.md, "How a resource places work"): a driver's doorbell rung
// at the end of its CPU batch no longer holds back PCIe DMA asked for before it.
import { describe, expect, it } from "vitest";
import type { SimContext } from "../../src/engine/context.ts";
import { PcieLink } from "../../src/engine/elements/common.ts";
import { EventQueue } from "../../src/engine/queue.ts";
import { Resource } from "../../src/engine/resource.ts";

function link() {
  const q = new EventQueue();
  const up = new Resource("pcie-up", "pcie");
  const down = new Resource("pcie-down", "pcie");
  // The default NIC's PF driven by a FreeBSD host (the write-back policy PcieLink prices).
  const ctx = {
    q,
    built: {},
    path: { nic: { pool: "pf", assigned: false } },
    costs: { os: { host: "freebsd", guest: "freebsd" } },
  } as unknown as SimContext;
  return { q, up, down, pcie: new PcieLink(ctx, up, down) };
}

describe("a resource booked ahead", () => {
  it("a transmit DMA asked for before a doorbell rung ahead is not delayed by it", () => {
    const { q, down, pcie } = link();
    let dmaEnd = -1;
    // At 1 µs a driver's batch ends at 10 µs and rings the doorbell then; at 2 µs (an event
    // that comes later in event order, earlier in virtual time) the NIC fetches frames.
    q.push(1_000, () => pcie.doorbell(10_000));
    q.push(2_000, (t) => {
      dmaEnd = pcie.tx(t, 1518, 1);
    });
    while (q.runNext()) {}
    expect(dmaEnd).toBeGreaterThan(2_000);
    expect(dmaEnd).toBeLessThan(10_000); // the link was idle until the doorbell
    // The doorbell still leaves at the end of the batch, and is charged.
    expect(down.busyUntil).toBeGreaterThan(10_000);
    expect(down.cyclesByKind().doorbell).toBeGreaterThan(0);
  });

  it("a doorbell rung at the event time is charged at once", () => {
    const { q, down, pcie } = link();
    q.push(3_000, (t) => pcie.doorbell(t));
    q.runNext();
    expect(down.lastStart).toBe(3_000);
    expect(q.size).toBe(0);
  });
});
