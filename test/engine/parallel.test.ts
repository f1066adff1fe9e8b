// One simulation on two threads (src/engine/parallel): the wire generator's partition in a worker,
// the NIC and hosts on this thread, synchronized conservatively on virtual time. The simulated
// result must be the single-thread result, figure for figure (only `simulator` differs).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, createChannel } from "../../src/engine/parallel/channel.ts";
import { sumSync } from "../../src/engine/parallel/report.ts";
import { PartitionedRunner } from "../../src/engine/parallel/run.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { poolRunner } from "../../src/experiment/pool.ts";
import { costVariant } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { simulated, baseSpec as spec } from "./base-spec.ts";

const runner = new PartitionedRunner();

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

afterAll(async () => {
  await runner.close();
});

describe("one simulation on two threads (conservative synchronization)", () => {
  const cases: Array<[string, Partial<ScenarioSpec>]> = [
    ["native rx 200 kpps poisson", { ratePps: 2e5, arrival: "poisson" }],
    ["native rx 2 Mpps (above capacity: drops)", { ratePps: 2e6 }],
    ["native rx line rate 64 B", { ratePps: 14.88e6, durationNs: 3e6, warmupNs: 0 }],
    ["vm-vf rx 50 kpps poisson", { path: "vm-vf", ratePps: 5e4, arrival: "poisson" }],
    ["vm-vf rx 1.5 Mpps", { path: "vm-vf", ratePps: 1.5e6 }],
    ["vm-vf both 600 kpps poisson", { path: "vm-vf", direction: "both", ratePps: 6e5, arrival: "poisson" }],
    ["virtio rx 1 Mpps imix", { path: "virtio", traffic: defaultProfile({ sizes: { kind: "imix" } }) }],
  ];
  for (const [name, over] of cases)
    it(`${name}: 2 partitions give the 1-thread JSON`, async () => {
      const one = simulate(spec(over));
      const two = await runner.simulate(spec(over));
      expect(two.simulator.partitions).toBe(2);
      expect(one.conservation.delivered).toBeGreaterThan(0);
      expect(simulated(two)).toEqual(simulated(one));
    });

  it("calls made at once (as an experiment's runner may) queue on the one worker: each gets its own result", async () => {
    const specs = [spec({ ratePps: 2e5 }), spec({ ratePps: 1.5e6 }), spec({ path: "vm-vf", ratePps: 5e5 })];
    const together = await Promise.all(specs.map((s) => runner.simulate(s)));
    for (const [i, r] of together.entries()) expect(simulated(r)).toEqual(simulated(simulate(specs[i])));
  }, 60_000);

  it("reports each thread's CPU time apart from the simulated figures (Linux)", async () => {
    const one = simulate(spec({ ratePps: 2e5 }));
    const two = await runner.simulate(spec({ ratePps: 2e5 }));
    if (process.platform !== "linux") return;
    expect(one.simulator.cpu_ms).toBeGreaterThanOrEqual(0);
    expect(one.simulator.partition_cpu_ms).toBeUndefined();
    const [consumer, source] = two.simulator.partition_cpu_ms!;
    expect(consumer).toBeGreaterThanOrEqual(0);
    expect(source).toBeGreaterThanOrEqual(0);
    expect(two.simulator.cpu_ms).toBeCloseTo(consumer + source, 9);
  });

  it("reports each thread's synchronization (records, exchanges, waits) apart from the simulated figures", async () => {
    const over = { ratePps: 14.88e6, durationNs: 2e6, warmupNs: 0 };
    const two = await runner.simulate(spec(over));
    const [consumer, source] = two.simulator.sync!;
    // Every record the source sent was taken, each exchange took at least one, and the events of
    // the two loops add up to the run's.
    expect(source.records).toBeGreaterThan(0);
    expect(consumer.records).toBe(source.records);
    expect(consumer.exchanges).toBeGreaterThan(0);
    expect(consumer.exchanges).toBeLessThanOrEqual(consumer.records);
    expect(source.exchanges).toBe(0);
    expect(consumer.events + source.events).toBe(two.simulator.events);
    for (const side of [consumer, source]) {
      expect(side.wait_ms).toBeGreaterThanOrEqual(0);
      expect(side.loop_ms).toBeGreaterThanOrEqual(side.wait_ms);
    }
    // Whether the source ever waits for room depends on how the threads were scheduled (a
    // consumer that keeps up leaves it none to wait for): counted, never asserted.
    expect(source.waits).toBeGreaterThanOrEqual(0);
    expect(simulated(two)).toEqual(simulated(simulate(spec(over))));
    expect(simulate(spec(over)).simulator.sync).toBeUndefined();
  });

  it("refuses a graph without a cut (transmit only: the generator shares the sender's core)", async () => {
    await expect(runner.simulate(spec({ direction: "tx" }))).rejects.toThrow(/no cut/);
  });
});

describe("cost-profile variants on other threads (rebuilt from the name alone)", () => {
  // A user's file extending a built-in, named by absolute path as the CLI sends it to workers.
  const dir = mkdtempSync(join(tmpdir(), "iovsim-variant-"));
  const mine = join(dir, "mine.json");
  writeFileSync(
    mine,
    JSON.stringify({ name: "mine", description: "kvm-exits", extends: "kvm-exits", constants: {} }),
  );
  const variants: Array<[string, string, Partial<ScenarioSpec>]> = [
    ["kvm-exits!irqfd-2010", "kvm-exits", { path: "virtio", ratePps: 5e5 }],
    ["kvm-posted!vhost-2016!tun-queue-lock", "kvm-posted", { path: "virtio-tap", ratePps: 5e5 }],
    [costVariant("kvm-exits", { cpu_ghz: 2 }), "kvm-exits", { path: "virtio", ratePps: 5e5 }],
    [`${mine}!irqfd-2010`, mine, { path: "virtio", ratePps: 5e5 }],
  ];

  it("a piscina worker gives the in-process result of each variant (and the switch took effect)", async () => {
    const pool = poolRunner(1);
    try {
      for (const [profile, base, over] of variants) {
        const here = simulate(spec({ ...over, profile }));
        expect(simulated(here), profile).not.toEqual(simulated(simulate(spec({ ...over, profile: base }))));
        expect(simulated(await pool.run(spec({ ...over, profile }))), profile).toEqual(simulated(here));
      }
    } finally {
      await pool.close();
    }
  }, 120_000);

  it("two partitions give the one-thread result of a variant", async () => {
    for (const [profile, , over] of variants.filter(([, , o]) => o.path === "virtio")) {
      const two = await runner.simulate(spec({ ...over, profile }));
      expect(two.simulator.partitions).toBe(2);
      expect(simulated(two), profile).toEqual(simulated(simulate(spec({ ...over, profile }))));
    }
  }, 120_000);

  it("an unknown switch fails on the worker with the message the CLI prints", async () => {
    await expect(runner.simulate(spec({ path: "virtio", profile: "kvm-exits!nope" }))).rejects.toThrow(
      /unknown switch 'nope' \(switches: no-event-idx \(virtio_event_idx=0\), .*irqfd-2010/,
    );
  });
});

describe("partition channel (SharedArrayBuffer SPSC ring of link records)", () => {
  it("delivers records in order, only those published before the bound, and fills at capacity", () => {
    const block = createChannel(4);
    const tx = new Channel(block);
    const rx = new Channel(block);
    for (let i = 0; i < 4; i++) {
      expect(tx.hasRoom()).toBe(true);
      expect(rx.ringFull()).toBe(false);
      tx.send(i % 2, 100 + i, 10 * i + 5, 10 * i);
    }
    expect(tx.hasRoom()).toBe(false);
    // The consumer's view of the same (it reads the producer's tail, the producer its head).
    expect(rx.ringFull()).toBe(true);
    const got: number[][] = [];
    // The consumer sees the records below the tail it read with the source's progress.
    rx.receive(
      () => 15,
      (l, t, r) => got.push([l, t, r]),
    );
    expect(got).toEqual([]);
    tx.setProgress(0, 40);
    expect(rx.sourceProgress()).toBe(40);
    rx.receive(
      () => 15,
      (l, t, r) => got.push([l, t, r]),
    );
    expect(got).toEqual([
      [0, 100, 5],
      [1, 101, 15],
    ]);
    expect(tx.hasRoom()).toBe(true);
    expect(rx.ringFull()).toBe(false);
    rx.receive(
      () => Number.POSITIVE_INFINITY,
      (l, t, r) => got.push([l, t, r]),
    );
    expect(got.map((g) => g[1])).toEqual([100, 101, 102, 103]);
  });

  it("publishes progress as whole doubles", () => {
    const ch = new Channel(createChannel(8));
    ch.setProgress(0, 1234.5678);
    ch.setProgress(1, Number.POSITIVE_INFINITY);
    expect(ch.progress(0)).toBe(1234.5678);
    expect(ch.progress(1)).toBe(Number.POSITIVE_INFINITY);
    ch.setProgress(0, 2 ** 40 + 0.125);
    expect(ch.progress(0)).toBe(2 ** 40 + 0.125);
    expect(ch.progress(1)).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts what each side sent and took (simulator-speed statistics)", () => {
    const block = createChannel(8);
    const tx = new Channel(block);
    const rx = new Channel(block);
    for (let i = 0; i < 5; i++) tx.send(0, i + 1, 10 * i + 5, 10 * i);
    rx.sourceProgress();
    rx.receive(
      () => 25,
      () => {},
    );
    rx.receive(
      () => 25,
      () => {},
    );
    rx.receive(
      () => Number.POSITIVE_INFINITY,
      () => {},
    );
    expect(tx.stats.records).toBe(5);
    expect(rx.stats.records).toBe(5);
    expect(rx.stats.exchanges).toBe(2); // the second call took nothing
    // A wait whose condition holds at once is no wait.
    rx.waitUntil(1, () => true, 1);
    expect(rx.stats.waits).toBe(0);
    let polls = 0;
    rx.waitUntil(1, () => ++polls > 3, 1);
    expect(rx.stats.waits).toBe(1);
    expect(rx.waiting(1)).toBe(0);
    // A wait expected to last naps first on a timer, and is still a wait.
    const until = performance.now() + 2;
    rx.waitUntil(1, () => performance.now() >= until, 1, Number.POSITIVE_INFINITY, false, 0, 50, 1);
    expect(rx.stats.naps).toBe(1);
    expect(rx.stats.waits).toBe(2);
    expect(rx.asleep(1)).toBe(false);
  });
});

describe("sumSync (the synchronization figures paths --json and the bench report)", () => {
  const side = (n: number, runnable?: number) => ({
    waits: n,
    sleeps: n + 1,
    wait_ms: n + 2,
    notifies: n + 3,
    naps: n + 4,
    records: n + 5,
    exchanges: n + 6,
    events: 0,
    loop_ms: 0,
    ...(runnable !== undefined ? { runnable_ms: runnable } : {}),
  });
  it("sums each figure per thread [consumer, source] over the runs", () => {
    const t = sumSync([
      [side(0, 1), side(10, 2)],
      [side(100, 3), side(1000, 4)],
    ]);
    expect(t).toEqual({
      waits: [100, 1010],
      sleeps: [102, 1012],
      naps: [108, 1018],
      notifies: 3 + 13 + 103 + 1003,
      records: 15 + 1005,
      exchanges: 6 + 106,
      wait_ms: [104, 1014],
      runnable_ms: [4, 6],
    });
  });
  it("leaves runnable_ms out unless every thread reported it", () => {
    expect(sumSync([[side(0, 1), side(0)]]).runnable_ms).toBeUndefined();
  });
});
