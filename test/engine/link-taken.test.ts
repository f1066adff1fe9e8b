// A producer parked on a full ring resumes when its consumer takes from it (Link.taken, called by
// the consumer's Stage after a batch that took something), not after a timed retry: vhost's
// transmit behind the tap's hand-off (src/engine/elements/vhost-tx.ts) relies on it.
import { describe, expect, it } from "vitest";
import { Stage, type WorkEnd } from "../../src/engine/activation.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { Link } from "../../src/engine/link.ts";
import { EventQueue } from "../../src/engine/queue.ts";
import { Resource } from "../../src/engine/resource.ts";

describe("Link.taken", () => {
  it("is called at the end of each consumer batch that took descriptors, never for an empty one", () => {
    const q = new EventQueue();
    const ctx = { q, costs: { c: {} }, events: {} } as unknown as SimContext;
    let tail = 0;
    let head = 0;
    const link = new Link(
      "ring",
      new Uint32Array(1),
      () => tail,
      () => head,
      2 ** 16,
      (t, n) => q.push(t, n),
    );
    const res = new Resource("host-core0", "core", 3);
    new Stage(ctx, res, link, 4, (start: number, n: number, done: WorkEnd) => {
      head += n;
      done.end = start + 100;
      return n;
    });
    const seen: number[] = [];
    link.taken = (t) => seen.push(t);
    tail = 6;
    link.publish(1000);
    while (q.runNext()) {}
    // Two batches (4 + 2 descriptors), each ending 100 ns after it started.
    expect(head).toBe(6);
    expect(seen).toEqual([1100, 1200]);
  });
});
