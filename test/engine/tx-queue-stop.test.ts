// A transmit driver's queue in front of the NIC's transmit ring (src/engine/elements/tx-queue-stop.ts,
// used by txdrv.ts): it posts while at least stopFree descriptors are free, stops once fewer are,
// and stays stopped, handed nothing and retrying nothing, until the NIC's completions
// (Link.completed: a descriptor is done once the NIC has its frame's data) leave wakeFree free
// (the NIC profile's txQueue for the driver: Linux ixgbe DESC_NEEDED 21, TX_WAKE_THRESHOLD 42;
// iavf/i40e 23 and 46, counted on the ring less the one descriptor they keep back).
// Before, a driver behind a full ring re-drained every backpressure_retry_ns.
import { beforeAll, describe, expect, it } from "vitest";
import { R_HEAD, R_LIMIT, R_TAIL } from "../../assembly/abi.ts";
import { Stage, type WorkEnd } from "../../src/engine/activation.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { TxQueueStop } from "../../src/engine/elements/tx-queue-stop.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import { Link } from "../../src/engine/link.ts";
import { EventQueue } from "../../src/engine/queue.ts";
import { Resource } from "../../src/engine/resource.ts";
import { runGraph } from "../../src/engine/run.ts";
import { ensureKernels, scenarioGraphOptions, simulate } from "../../src/engine/simulate.ts";
import { limitedHost } from "../helpers/limited-vf-host.ts";
import { baseSpec } from "./base-spec.ts";

/** A ring in its own small memory (head, tail and limit words where assembly/abi.ts puts them),
 *  wrapped by a Link; `head`/`tail` move it. */
class FakeRing {
  private readonly u32 = new Uint32Array(64);
  private readonly at = 4;
  readonly link: Link;
  constructor(name: string, limit: number, q: EventQueue) {
    this.u32[(this.at + R_LIMIT) >>> 2] = limit;
    this.link = Link.ring(name, this.u32, this.at, (t, n) => q.push(t, n));
  }
  get head(): number {
    return this.u32[(this.at + R_HEAD) >>> 2];
  }
  set head(v: number) {
    this.u32[(this.at + R_HEAD) >>> 2] = v;
  }
  get tail(): number {
    return this.u32[(this.at + R_TAIL) >>> 2];
  }
  set tail(v: number) {
    this.u32[(this.at + R_TAIL) >>> 2] = v;
  }
}

describe("TxQueueStop: stop below stopFree, wake by completion at wakeFree", () => {
  it("stays stopped, with no drain, until the NIC's completions leave the wake threshold free", () => {
    const STOP = 21;
    const WAKE = 42;
    const RING = 64;
    const q = new EventQueue();
    // A large backlog in the stack's queue, all ready at 0.
    const stackRing = new FakeRing("stack.tx", 4096, q);
    stackRing.tail = 1000;
    const nicRing = new FakeRing("nic.tx", RING, q);
    const stack = stackRing.link;
    const nic = nicRing.link;
    const ctx = { q, costs: { c: { backpressure_retry_ns: 1000 } }, events: {} } as unknown as SimContext;
    const core = new Resource("host-core0", "core", 3);
    const queue = new TxQueueStop(nic, STOP, WAKE);
    // The driver's drains: each posts what the queue allows (100 ns per batch).
    const drains: Array<{ t: number; posted: number; free: number }> = [];
    const driver = new Stage(ctx, core, stack, 64, (start: number, n: number, done: WorkEnd) => {
      const k = queue.admit(n, start, done);
      drains.push({ t: start, posted: k, free: nic.room() });
      if (k === 0) return 0;
      stackRing.head += k;
      nicRing.tail += k;
      queue.check();
      done.end = start + 100;
      return k;
    });
    queue.wakeOnCompletion(ctx, driver);
    // The NIC takes one descriptor every 1 µs from 5 µs on, its frame's data fetched 10 ns
    // later (Link.completed: the descriptor is done then).
    for (let i = 0; i < 40; i++)
      q.push(5000 + i * 1000, (t: number) => {
        if (nicRing.tail === nicRing.head) return;
        nicRing.head++;
        nic.completed?.(t, t + 10, 1);
      });
    stack.publish(0);
    while (q.runNext()) {}

    // First drain: posts until fewer than STOP are free (RING - STOP + 1 frames), then stops.
    expect(drains[0]).toEqual({ t: 0, posted: RING - STOP + 1, free: RING });
    expect(queue.stops).toBeGreaterThanOrEqual(1);
    // The drains that posted nothing: only the stage's follow-up right after a drain that
    // stopped the queue (its input still ready), none while the NIC frees descriptors one by one.
    const empty = drains.filter((d) => d.posted === 0);
    expect(empty.length).toBeGreaterThan(0);
    for (const d of empty) {
      const before = drains[drains.indexOf(d) - 1]!;
      expect(before.posted).toBeGreaterThan(0);
      expect(d.t).toBe(before.t + 100);
    }
    expect(drains[1]).toEqual({ t: 100, posted: 0, free: STOP - 1 });
    // The next drain comes when a completion left WAKE free (NIC take number WAKE - (STOP - 1)),
    // at that completion's end, and posts down to the stop bound again.
    const wakeTake = WAKE - (STOP - 1);
    expect(drains[2]).toEqual({ t: 5000 + (wakeTake - 1) * 1000 + 10, posted: WAKE - STOP + 1, free: WAKE });
    expect(queue.wakes).toBe(1);
  });

  it("counts a descriptor in use until its completion is written back, and wakes at the write-back that crosses the bound", () => {
    // WTHRESH 8 (tx-write-back.ts): the NIC takes 30 descriptors at once, and their completions
    // reach the driver 8 at a time; the ring's room comes back only with them.
    const STOP = 21;
    const WAKE = 42;
    const q = new EventQueue();
    const nicRing = new FakeRing("nic.tx", 64, q);
    const nic = nicRing.link;
    const ctx = { q } as unknown as SimContext;
    const queue = new TxQueueStop(nic, STOP, WAKE);
    let woke = -1;
    queue.wakeOnCompletion(ctx, {
      onInput: (t: number) => {
        woke = t;
      },
    } as unknown as Stage);
    nicRing.tail = 64 - STOP + 1;
    queue.check();
    expect(queue.stopped).toBe(true);
    nicRing.head += 30;
    nic.unreported += 30;
    expect(queue.free()).toBe(STOP - 1); // the NIC moved its head, the driver has seen nothing
    for (const t of [1000, 2000, 3000]) {
      nic.unreported -= 8;
      nic.completed?.(t, t, 8);
    }
    expect(queue.free()).toBe(STOP - 1 + 24);
    while (q.runNext()) {}
    // 20 + 8 + 8 = 36 < 42 after the second event; the third leaves 44: the wake is at its time.
    expect(woke).toBe(3000);
  });

  it("at Linux iavf's bounds (stop below 23, wake at 46) it counts one descriptor fewer than the ring's room", () => {
    // IAVF_DESC_UNUSED keeps one descriptor back (unused 1): the driver compares the
    // ring's room less one with DESC_NEEDED and TX_WAKE_THRESHOLD.
    const STOP = 23;
    const WAKE = 46;
    const RING = 64;
    const q = new EventQueue();
    const stackRing = new FakeRing("stack.tx", 4096, q);
    stackRing.tail = 1000;
    const nicRing = new FakeRing("nic.tx", RING, q);
    const nic = nicRing.link;
    const ctx = { q, costs: { c: { backpressure_retry_ns: 1000 } }, events: {} } as unknown as SimContext;
    const queue = new TxQueueStop(nic, STOP, WAKE, 1);
    const drains: Array<{ t: number; posted: number; room: number }> = [];
    const driver = new Stage(
      ctx,
      new Resource("c", "core", 3),
      stackRing.link,
      64,
      (start, n, done: WorkEnd) => {
        const k = queue.admit(n, start, done);
        drains.push({ t: start, posted: k, room: nic.room() });
        if (k === 0) return 0;
        stackRing.head += k;
        nicRing.tail += k;
        queue.check();
        done.end = start + 100;
        return k;
      },
    );
    queue.wakeOnCompletion(ctx, driver);
    for (let i = 0; i < 40; i++)
      q.push(5000 + i * 1000, (t: number) => {
        if (nicRing.tail === nicRing.head) return;
        nicRing.head++;
        nic.completed?.(t, t + 10, 1);
      });
    stackRing.link.publish(0);
    while (q.runNext()) {}
    // The empty ring shows RING - 1 free: the first drain posts RING - 1 - STOP + 1 = 41 frames
    // (an iflib-style count, unused 0, posted 42), leaving the driver 22 free: stopped.
    expect(drains[0]).toEqual({ t: 0, posted: RING - 1 - STOP + 1, room: RING });
    expect(drains[1]).toEqual({ t: 100, posted: 0, room: STOP });
    // The wake comes when the driver sees WAKE free, the ring's room WAKE + 1: NIC take number
    // WAKE + 1 - STOP; it posts WAKE - STOP + 1 = 24 frames.
    expect(drains[2]).toEqual({
      t: 5000 + (WAKE - STOP) * 1000 + 10,
      posted: WAKE - STOP + 1,
      room: WAKE + 1,
    });
    expect(queue.wakes).toBe(1);
  });

  it("a queue woken at the stop bound (iflib: both MAX_TX_DESC + 2) posts what each completion frees", () => {
    const q = new EventQueue();
    const stackRing = new FakeRing("stack.tx", 4096, q);
    stackRing.tail = 500;
    const nicRing = new FakeRing("nic.tx", 16, q);
    const stack = stackRing.link;
    const nic = nicRing.link;
    const ctx = { q, costs: { c: { backpressure_retry_ns: 1000 } }, events: {} } as unknown as SimContext;
    const queue = new TxQueueStop(nic, 4, 4);
    const posts: number[] = [];
    const drainTimes: number[] = [];
    const driver = new Stage(ctx, new Resource("c", "core", 3), stack, 64, (start, n, done: WorkEnd) => {
      const k = queue.admit(n, start, done);
      if (k === 0) return 0;
      posts.push(k);
      drainTimes.push(start);
      stackRing.head += k;
      nicRing.tail += k;
      queue.check();
      done.end = start + 50;
      return k;
    });
    queue.wakeOnCompletion(ctx, driver);
    for (let i = 0; i < 5; i++)
      q.push(1000 + i * 1000, (t: number) => {
        nicRing.head += 2;
        nic.completed?.(t, t + 20, 2);
      });
    stack.publish(0);
    while (q.runNext()) {}
    expect(posts).toEqual([13, 2, 2, 2, 2, 2]);
    expect(queue.wakes).toBe(5);
    // Each wake comes when the first of the two descriptors, the one that leaves 4 free, is done:
    // halfway through the NIC's fetch of the pair.
    expect(drainTimes.slice(1)).toEqual([1010, 2010, 3010, 4010, 5010]);
  });
});

describe("a CPU whose transmit queue stopped runs its application meanwhile", () => {
  // A host core that halts at once (host_idle_spins 0: a Linux host) with an application behind
  // a socket (Resource.background) and a driver whose queue stopped: the application's read gave
  // way to the driver's drain (scheduled, so the CPU was not idle), and that drain parks. The
  // CPU is free until the NIC's completions wake the queue: the application must run there, not
  // wait for the wake (nothing else on the core may call idle() before it).
  it("the drain that parks gives the CPU back to the application (idle())", () => {
    const q = new EventQueue();
    const stackRing = new FakeRing("stack.tx", 4096, q);
    stackRing.tail = 200;
    const nicRing = new FakeRing("nic.tx", 32, q);
    const ctx = {
      q,
      costs: { c: { backpressure_retry_ns: 1000, host_idle_spins: 0 } },
      events: {},
    } as unknown as SimContext;
    const core = new Resource("host-core0", "core", 3);
    const resumed: number[] = [];
    core.background = {
      resume: (t: number) => {
        resumed.push(t);
        return false;
      },
    };
    const queue = new TxQueueStop(nicRing.link, 8, 8);
    const driver = new Stage(ctx, core, stackRing.link, 64, (start: number, n: number, done: WorkEnd) => {
      const k = queue.admit(n, start, done);
      if (k === 0) return 0;
      stackRing.head += k;
      nicRing.tail += k;
      queue.check();
      done.end = core.runNs(start, 100, "driver");
      return k;
    });
    queue.wakeOnCompletion(ctx, driver);
    // The NIC completes the whole ring at 10 µs.
    q.push(10_000, (t: number) => {
      const n = nicRing.tail - nicRing.head;
      nicRing.head = nicRing.tail;
      nicRing.link.completed?.(t, t + 10, n);
    });
    stackRing.link.publish(0);
    while (q.runNext()) {}
    expect(queue.stops).toBeGreaterThanOrEqual(2);
    // The first drain posts 32 - 8 + 1 = 25 frames and stops the queue (0-100 ns); the drain
    // right after it parks at 100 ns: the application is looked at then, long before the wake.
    expect(resumed[0]).toBe(100);
    expect(resumed.filter((t) => t < 10_000).length).toBeGreaterThan(0);
  });
});

describe("the transmit driver behind the NIC's full ring (txdrv)", () => {
  beforeAll(async () => {
    await ensureKernels();
  }, 120_000);

  // A VF limited to 500 Mbit/s (ip link ... max_tx_rate) with its sender at 1.2 Mpps of 64 B:
  // the NIC's scheduler takes one frame every 1.34 µs from the full ring. On an 82599 (ix0) under
  // a Linux host, the jail's VF is driven by ixgbevf (stop below 21 free, wake at 42: the ix NIC
  // profile's txQueue.linux.vf), so each wake posts 42 - 21 + 1 = 22 frames; a driver
  // re-draining every backpressure_retry_ns (1 µs) posted about one frame a drain.
  it("posts wakeFree - stopFree + 1 frames a wake once the ring is full", () => {
    const r = simulate(
      baseSpec({
        path: "jail-vf",
        direction: "tx",
        ratePps: 1.2e6,
        durationNs: 10e6,
        warmupNs: 1e6,
        config: limitedHost(500, 0, "ix0"),
        profile: "kvm-exits",
      }),
    );
    expect(r.conservation.ok).toBe(true);
    expect(r.bottleneck).toBe("vf0-max-tx-rate");
    const drv = r.elements!.find((e) => e.kind === "txdrv")!;
    // Until the ring filled (about 1.1 ms) the driver posted the sender's windows of 2 frames;
    // from then on each wake posts 22 (23 when the NIC took one more before the wake ran, and up
    // to 7 more when the write-back that crosses the bound carries them: the host's ixgbevf has
    // WTHRESH 8, its completions come 8 at a time, tx-write-back.ts). A driver re-draining on a
    // timer posted what the NIC had taken since, about one frame.
    expect(drv.max_batch).toBeGreaterThanOrEqual(22);
    expect(drv.max_batch).toBeLessThanOrEqual(23 + 7);
  });

  // The KVM profiles' guests run Linux: iavf on an X710 VF stops below DESC_NEEDED 23 unused,
  // wakes at TX_WAKE_THRESHOLD 46, one descriptor kept back; on an 82599 VF (ix0) the guest's
  // ixgbevf stops below 21 and wakes at 42. The guest's VF (vm-vf: VF 1) is the limited one.
  it("a Linux guest's driver at the KVM profiles' bounds posts TX_WAKE_THRESHOLD - DESC_NEEDED + 1 a wake", () => {
    const run = (profile: string, pf: string) =>
      simulate(
        baseSpec({
          path: "vm-vf",
          direction: "tx",
          ratePps: 1.2e6,
          durationNs: 10e6,
          warmupNs: 1e6,
          config: limitedHost(500, 1, pf),
          profile,
        }),
      );
    // The last column: the descriptors one write-back event reports (iavf on an X710: an RS every
    // WB_STRIDE 4; ixgbevf: WTHRESH 8), the most a completion can free at once.
    for (const [profile, pf, stop, wake, perEvent] of [
      ["kvm-exits", "ixl0", 23, 46, 4],
      ["kvm-posted", "ixl0", 23, 46, 4],
      ["kvm-exits", "ix0", 21, 42, 8],
    ] as const) {
      const r = run(profile, pf);
      expect(r.conservation.ok).toBe(true);
      expect(r.bottleneck).toBe("vf1-max-tx-rate");
      const drv = r.elements!.find((e) => e.kind === "txdrv")!;
      // wake - stop + 1 frames a wake, one more when the NIC took one before the wake ran, and
      // up to perEvent - 1 more that the write-back crossing the bound brings with it.
      expect(drv.max_batch, `${profile} ${pf}`).toBeGreaterThanOrEqual(wake - stop + 1);
      expect(drv.max_batch, `${profile} ${pf}`).toBeLessThanOrEqual(wake - stop + 1 + perEvent);
    }
  });

  // A descriptor is done once the NIC has its frame's data (Link.completed): the completions of
  // a batch run over the transfer of its data on the PCIe link, from when that transfer starts.
  // Native, both directions at 1.4 Mpps each (the host core overloaded): its receive refill
  // doorbells are booked on the link tens of µs ahead (PcieLink.refillDoorbell), and 32 of the
  // NIC's 72 transmit transfers waited behind them, up to 77 µs; their completions were dated
  // from the NIC's start instead, spread over that wait, so a stopped queue could wake before
  // the transfer that frees its slots had begun.
  it("the NIC's completions run over its transfer of the frames' data, from the transfer's start", () => {
    const g = buildGraph(
      scenarioGraphOptions(baseSpec({ path: "native", direction: "both", ratePps: 1.4e6 })),
    );
    const down = g.ctx.resources.get("pcie-down")!;
    const dma = down.account("dma");
    const charge = down.charge.bind(down);
    let transfer = { from: -1, to: -1 };
    down.charge = (at: number, ns: number, a) => {
      const end = charge(at, ns, a);
      if (a === dma) transfer = { from: down.lastStart, to: end };
      return end;
    };
    const ring = g.ctx.link("nic.tx");
    const wake = ring.completed!;
    const late: number[] = [];
    let batches = 0;
    ring.completed = (from: number, to: number, n: number) => {
      batches++;
      expect(to).toBeGreaterThanOrEqual(transfer.to); // the transfer (and its IOTLB misses)
      if (from !== transfer.from) late.push(transfer.from - from);
      wake(from, to, n);
    };
    runGraph(g);
    expect(batches).toBeGreaterThan(50);
    expect(late).toEqual([]);
  });

  // A VM's VF limited to 500 Mbit/s (the VM's is VF 1) with its guest sending 64 B at 1.2 Mpps:
  // the NIC's scheduler takes one frame every 1.34 µs from the full ring, so the queue stops
  // and the vCPU (bhyve), with nothing else to run, idles as its guest does (a HLT exit); the completion
  // that wakes the queue then reaches it as an interrupt (iflib's IPI_TX_INTR at the bound),
  // priced as one, not as work on a halted vCPU. (This ran passthrough 512 B at line rate, where
  // one backlog's drain found the vCPU halted once; since the NIC switches each frame as its DMA
  // ends, that backlog's completions come before the vCPU halts.)
  it("a vCPU that halted while its queue was stopped is woken by the completion interrupt", () => {
    const r = simulate(
      baseSpec({
        path: "vm-vf",
        direction: "tx",
        ratePps: 1.2e6,
        durationNs: 2e6,
        warmupNs: 0.5e6,
        config: limitedHost(500, 1),
        profile: "bhyve",
      }),
    );
    expect(r.bottleneck).toBe("vf1-max-tx-rate");
    expect(r.conservation.ok).toBe(true);
    const vcpu = r.resources.find((x) => x.resource === "guest-vcpu0")!;
    expect(vcpu.by_event.exit ?? 0).toBeGreaterThan(0);
    expect(vcpu.by_event.irq ?? 0).toBeGreaterThan(0);
    expect(r.events.injections).toBeGreaterThan(0);
  });
});
