// A sender's records on two threads (src/engine/parallel/report.ts): its waits for receive work
// (SimResult.receive_first) and its time pushed back (SimResult.pushed_back) are kept by its
// generator on the thread that runs it. The consumer partition holds the consumer's own sender
// (native both: gen-tx on host-core0, with the receive path); the source partition holds a
// sender alone on its resource (virtio-tap rx: pktgen on host-core0). 1 and 2 partitions must
// report the same records. A source-partition sender never waits for receive work: the cut puts
// there only an element whose resource no other element uses (partition.ts splitGraph), so
// nothing receives on its CPU; its push-back is its own (pktgen's skipped slots, its full tap).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartitionedRunner } from "../../src/engine/parallel/run.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { baseSpec, simulated } from "./base-spec.ts";

const runner = new PartitionedRunner();

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

afterAll(async () => {
  await runner.close();
});

describe("senders' waits and push-back, whichever partition runs them", () => {
  it("native both above capacity: gen-tx (consumer partition) waits for receive work, the same on 2 threads", async () => {
    const spec = baseSpec({ direction: "both", ratePps: 3e6 });
    const one = simulate(spec);
    const two = await runner.simulate(spec);
    expect(two.simulator.partitions).toBe(2);
    expect(one.receive_first?.[0]?.sender).toBe("gen-tx");
    expect(one.receive_first?.[0]?.waited_ns).toBeGreaterThan(0);
    expect(two.receive_first).toEqual(one.receive_first);
    expect(two.pushed_back).toEqual(one.pushed_back);
    expect(simulated(two)).toEqual(simulated(one));
  });

  it("virtio-tap rx at line rate: pktgen (source partition) is pushed back, the same on 2 threads", async () => {
    const spec = baseSpec({ path: "virtio-tap", ratePps: 14.88e6 });
    const one = simulate(spec);
    const two = await runner.simulate(spec);
    expect(two.simulator.partitions).toBe(2);
    const pushed = one.pushed_back?.find((p) => p.sender === "pktgen");
    expect(pushed).toBeDefined();
    expect(pushed!.queue_full_ns + pushed!.cpu_busy_ns).toBeGreaterThan(0);
    expect(one.receive_first).toBeUndefined();
    expect(two.pushed_back).toEqual(one.pushed_back);
    expect(two.receive_first).toBeUndefined();
    expect(simulated(two)).toEqual(simulated(one));
  });
});
