// One simulation on two threads (conservative parallel simulation, partition.ts): the calling
// thread builds the graph and runs the consumer partition; a worker thread rebuilds the same
// layout in the shared memory and runs the source partition. The simulated result is the
// single-thread result (test/engine/parallel.test.ts); only `simulator` differs.
//   const runner = new PartitionedRunner(); const r = await runner.simulate(spec); await runner.close();
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UserError } from "../../errors.ts";
import { createMemory } from "../../switch/wasm.ts";
import { buildGraph } from "../graph.ts";
import { DRAIN_NS } from "../run.ts";
import { collectRun, scenarioGraphOptions } from "../simulate.ts";
import { threadCpuMs, threadCpuSince, threadRunDelayMs } from "../thread-cpu.ts";
import type { ScenarioSpec, SimResult } from "../types.ts";
import { ESM_ENTRY, esmEntryData, workerExecArgv } from "../worker-thread.ts";
import { Channel, createChannel } from "./channel.ts";
import { runConsumer, splitGraph } from "./partition.ts";
import { mergePartition } from "./report.ts";
import type { SourceReply, SourceTask } from "./worker.ts";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Numbers the runners' memories, so that a worker knows one it has seen (a memory posted
 *  again arrives as a new object on the worker's side). */
let memoriesMade = 0;

export class PartitionedRunner {
  private worker: Worker | null = null;
  /** The memory every run of this runner lays out in (runs are one at a time), and its number. */
  private memory: WebAssembly.Memory | null = null;
  private memoryId = 0;
  /** The run in progress: one worker serves one simulation at a time, so calls queue here. */
  private last: Promise<unknown> = Promise.resolve();

  private start(): Worker {
    if (!this.worker) {
      // Loaded as ESM (worker-thread.ts): through tsx's require hook the partition ran at half speed.
      this.worker = new Worker(ESM_ENTRY, { workerData: esmEntryData(WORKER), execArgv: workerExecArgv() });
      this.worker.unref();
    }
    return this.worker;
  }

  /** The scenario on two threads (one Wasm memory, one worker kept for the next call). */
  simulate(spec: ScenarioSpec): Promise<SimResult> {
    const run = this.last.then(
      () => this.simulateNow(spec),
      () => this.simulateNow(spec),
    );
    this.last = run.catch(() => {});
    return run;
  }

  private async simulateNow(spec: ScenarioSpec): Promise<SimResult> {
    // The cut at the wire has no feedback; a closed loop's acknowledgements would cross it.
    if (spec.window !== undefined)
      throw new UserError("E_USAGE", "a closed-loop window runs on one thread (no --partitions 2)");
    const t0 = performance.now();
    // A memory of its own, not this thread's warm one (src/engine/warm.ts): the main thread may
    // simulate something else while this run awaits its worker. Kept for the runner's next run:
    // a fresh memory each time cost both threads a cold layout and an instance (tens of ms per
    // run, more than a 1 ms trial's event loop); runs after the first are warm on both threads.
    if (!this.memory) {
      this.memory = createMemory(512);
      this.memoryId = ++memoriesMade;
    }
    const g = buildGraph({ ...scenarioGraphOptions(spec), memory: this.memory });
    const split = splitGraph(g);
    const block = createChannel();
    const stopNs = g.ctx.offerUntilNs + DRAIN_NS;
    const w = this.start();
    let settle: (r: SourceReply) => void = () => {};
    let built: () => void = () => {};
    let fail: (e: Error) => void = () => {};
    const builtP = new Promise<void>((res, rej) => {
      built = res;
      fail = rej;
    });
    const doneP = new Promise<SourceReply>((res) => {
      settle = res;
    });
    const onMessage = (m: SourceReply) => {
      if (m.type === "built") built();
      else {
        if (m.type === "error") fail(new Error(`partition worker: ${m.message}`));
        settle(m);
      }
    };
    const onError = (e: Error) => {
      fail(e);
      settle({ type: "error", message: e.message });
    };
    w.on("message", onMessage);
    w.on("error", onError);
    w.ref(); // keeps the process alive while a run waits for the worker (unref'd between runs)
    try {
      w.postMessage({
        spec,
        memory: g.ctx.mem,
        memoryId: this.memoryId,
        channel: block,
        stopNs,
      } satisfies SourceTask);
      await builtP;
      const t1 = performance.now();
      const ch = new Channel(block);
      let state: ReturnType<typeof runConsumer>;
      const c1 = threadCpuMs();
      const d1 = threadRunDelayMs();
      const w1 = performance.now();
      try {
        state = runConsumer(g, split, ch, stopNs);
      } catch (e) {
        ch.abort(); // the worker stops waiting and answers
        await doneP;
        throw e;
      }
      const loopMs = performance.now() - w1;
      const cpu = threadCpuSince(c1);
      const d2 = threadRunDelayMs();
      const consumerEvents = g.ctx.q.popped;
      const reply = await doneP;
      if (reply.type !== "done")
        throw new Error(`partition worker: ${reply.type === "error" ? reply.message : "no result"}`);
      mergePartition(g, state, reply.report);
      const r = collectRun(g, spec, state, t0, t1);
      r.simulator.partitions = 2;
      r.simulator.sync = [
        {
          ...ch.stats,
          events: consumerEvents,
          loop_ms: loopMs,
          ...(d1 !== undefined && d2 !== undefined ? { runnable_ms: d2 - d1 } : {}),
        },
        reply.report.sync,
      ];
      if (cpu !== undefined && reply.report.cpuMs !== undefined) {
        r.simulator.cpu_ms = cpu + reply.report.cpuMs;
        r.simulator.partition_cpu_ms = [cpu, reply.report.cpuMs];
      }
      return r;
    } finally {
      w.off("message", onMessage);
      w.off("error", onError);
      w.unref();
    }
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
