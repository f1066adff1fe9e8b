// CPU time of the calling thread (simulator speed, never a simulated figure): Linux's
// /proc/thread-self/schedstat (nanoseconds on a CPU, this thread only, so a worker's time and
// the main thread's stay apart, unlike process.cpuUsage()). Undefined where it cannot be read.
import { readFileSync } from "node:fs";

let readable = true;

/** Milliseconds this thread has run on a CPU, or undefined (not Linux, or no schedstat). */
export function threadCpuMs(): number | undefined {
  if (!readable) return undefined;
  try {
    const ns = Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 1)[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // fall through: not available here
  }
  readable = false;
  return undefined;
}

/** CPU ms the thread spent since `from` (a threadCpuMs() reading), or undefined. */
export function threadCpuSince(from: number | undefined): number | undefined {
  const now = threadCpuMs();
  return from === undefined || now === undefined ? undefined : now - from;
}

/** Milliseconds this thread has been runnable but waiting for a CPU (schedstat's second field:
 *  the machine's load, not this program's work), or undefined. */
export function threadRunDelayMs(): number | undefined {
  if (!readable) return undefined;
  try {
    const ns = Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 2)[1]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // fall through: not available here
  }
  return undefined;
}
