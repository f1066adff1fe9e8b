// The source partition's thread (worker_threads): for each simulation it is sent, it lays the
// same graph out in the shared memory (deterministic: the same bytes the main thread wrote),
// says so, runs the source partition's events and answers with what they did to its resources,
// elements and counters.
import { parentPort } from "node:worker_threads";
import { buildGraph } from "../graph.ts";
import { scenarioGraphOptions } from "../simulate.ts";
import { threadCpuMs, threadCpuSince, threadRunDelayMs } from "../thread-cpu.ts";
import type { ScenarioSpec } from "../types.ts";
import { Channel, type ChannelBlock } from "./channel.ts";
import { runSource, splitGraph } from "./partition.ts";
import { type PartitionReport, reportPartition } from "./report.ts";

export interface SourceTask {
  spec: ScenarioSpec;
  memory: WebAssembly.Memory;
  channel: ChannelBlock;
  stopNs: number;
}

export type SourceReply =
  | { type: "built" }
  | { type: "done"; report: PartitionReport }
  | { type: "error"; message: string };

parentPort?.on("message", (task: SourceTask) => {
  const ch = new Channel(task.channel);
  try {
    const g = buildGraph({ ...scenarioGraphOptions(task.spec), memory: task.memory });
    const split = splitGraph(g);
    parentPort?.postMessage({ type: "built" } satisfies SourceReply);
    const c0 = threadCpuMs();
    const d0 = threadRunDelayMs();
    const w0 = performance.now();
    const state = runSource(g, split, ch, task.stopNs);
    const loopMs = performance.now() - w0;
    const cpu = threadCpuSince(c0);
    const d1 = threadRunDelayMs();
    const sync = {
      ...ch.stats,
      events: g.ctx.q.popped,
      loop_ms: loopMs,
      ...(d0 !== undefined && d1 !== undefined ? { runnable_ms: d1 - d0 } : {}),
    };
    parentPort?.postMessage({
      type: "done",
      report: reportPartition(g, split, state, cpu, sync),
    } satisfies SourceReply);
  } catch (e) {
    ch.abort();
    parentPort?.postMessage({
      type: "error",
      message: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
  }
});
