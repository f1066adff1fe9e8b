// The engine's per-thread state kept warm between simulations: one Wasm memory and one kernel
// instance per thread (the main thread, each piscina worker), created at the first simulation
// and reused by every later one. A run lays its graph out from the same base again; every region
// is zeroed as it is laid out (src/switch/layout.ts Layout.addRegion), so a warm run starts from
// the same bytes as a fresh memory, except the frame buffers (never zeroed: every frame is
// written before it is read; test/engine/warm.test.ts fills them with garbage to check). The
// instance's globals are per-call scratch or set by init(header) at each build. What a warm
// thread saves: a 1 GiB address-space reservation and its page faults, and the instantiations.
import type { PathKernels } from "../paths/kernels.ts";
import { clearHostCache } from "../paths/setup.ts";
import { createMemory, instantiateKernels, type KernelInstance, loadModuleSync } from "../switch/wasm.ts";
import { clearPreparedLayouts } from "./layout-cache.ts";

export interface ThreadEngine {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The one instance on `memory` (the switch programs through it; the run's kernels). */
  instance: KernelInstance;
  k: PathKernels;
  heapBase: number;
  /** Simulations laid out in this memory so far (0: it is fresh). */
  uses: number;
}

let engine: ThreadEngine | undefined;

/** This thread's warm engine (created on first use; the Wasm file must be built). */
export function threadEngine(): ThreadEngine {
  if (!engine) {
    const module = loadModuleSync();
    const memory = createMemory(512);
    const instance = instantiateKernels(module, memory);
    engine = {
      module,
      memory,
      instance,
      k: instance.exports as unknown as PathKernels,
      heapBase: instance.heapBase,
      uses: 0,
    };
  }
  return engine;
}

/** This thread's warm memory and instance for a switch laid out by its caller (the steering
 *  simulation): the same rules as a path's layout (regions zeroed as laid out, frames written
 *  before they are read). The caller must be done with it before the next simulation starts. */
export function warmSwitchMemory(): { memory: WebAssembly.Memory; kernels: KernelInstance } {
  const e = threadEngine();
  e.uses++;
  return { memory: e.memory, kernels: e.instance };
}

/** Drops this thread's warm engine and its cached hosts: the next simulation starts cold, on a
 *  fresh memory (tests compare the two). */
export function dropThreadEngine(): void {
  engine = undefined;
  clearHostCache();
  clearPreparedLayouts();
}
