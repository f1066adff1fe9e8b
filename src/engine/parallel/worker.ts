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
  /** The runner's number for `memory`: the same number, the same memory as an earlier task. */
  memoryId: number;
  channel: ChannelBlock;
  stopNs: number;
}

export type SourceReply =
  | { type: "built" }
  | { type: "done"; report: PartitionReport }
  | { type: "error"; message: string };

/** The memory of the last task: a posted memory arrives as a new object each time, and the
 *  thread's instance and kept layouts are found by the object (src/engine/graph.ts). */
let kept: { id: number; memory: WebAssembly.Memory } | undefined;

/** The task's memory as this thread first received it (the same object, so its instance and
 *  layouts are reused), unless it is another memory or its size differs. */
function taskMemory(task: SourceTask): WebAssembly.Memory {
  const same =
    kept !== undefined &&
    kept.id === task.memoryId &&
    kept.memory.buffer.byteLength === task.memory.buffer.byteLength;
  if (!same) kept = { id: task.memoryId, memory: task.memory };
  return (kept as { memory: WebAssembly.Memory }).memory;
}

parentPort?.on("message", (task: SourceTask) => {
  const ch = new Channel(task.channel);
  try {
    const g = buildGraph({ ...scenarioGraphOptions(task.spec), memory: taskMemory(task) });
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
