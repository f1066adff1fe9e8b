// Instantiates the kernel module on a shared memory for the path elements (main thread and
// workers). Kept here so the paths do not depend on how src/switch/wasm.ts reports __heap_base.
import type { PlanStep } from "./build.ts";

export type PathKernels = Record<string, (...a: number[]) => number>;

export function instantiatePathKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): { k: PathKernels; heapBase: number } {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: (_m: number, _f: number, line: number, col: number) => {
        throw new Error(`wasm abort at ${line}:${col}`);
      },
    },
  });
  const ex = instance.exports as Record<string, unknown>;
  const hb =
    typeof ex.heapBase === "function"
      ? (ex.heapBase as () => number)()
      : (ex.__heap_base as WebAssembly.Global).value;
  return { k: ex as unknown as PathKernels, heapBase: Number(hb) };
}

/** The burst call of one element (a worker, or ping on the main thread, runs these in turn). */
export function elementCall(k: PathKernels, s: PlanStep, burst: number, worker = 0): () => number {
  switch (s.kind) {
    case "veb-wasm": {
      if (k.init(s.ctx) !== 0) throw new Error(`worker ${worker}: switch kernels refused the layout header`);
      // One thread runs every switch kernel of a layout (single writer): the receive side from
      // the wire and the transmit side of each sending pool (queue 0).
      const pools = s.txPools ?? [];
      const wire = s.wireRx !== false;
      if (pools.length === 0) return () => k.wireRxBurst(burst);
      if (!wire && pools.length === 1) return () => k.vebTxBurst(pools[0], 0, burst);
      return () => {
        let m = 0;
        for (const p of pools) m += k.vebTxBurst(p, 0, burst);
        return wire ? m + k.wireRxBurst(burst) : m;
      };
    }
    case "gen":
      return () => k.genBurst(s.ctx, burst);
    case "sink": {
      const ctxs = s.ctxs;
      if (!ctxs) return () => k.sinkBurst(s.ctx, burst);
      return () => {
        let m = 0;
        for (const c of ctxs) m += k.sinkBurst(c, burst);
        return m;
      };
    }
    case "hop":
      return () => k.hopBurst(s.ctx, burst);
    case "bridge":
      return () => k.bridgeBurst(s.ctx, s.inRing ?? 0, s.inPort ?? 0, burst);
    case "vhost":
      return () => k.vhostRxBurst(s.ctx, burst);
    case "guest-rx":
      return () => k.vqGuestRxBurst(s.ctx, burst);
    case "txdrv":
      return () => k.txDriverBurst(s.ctx, burst);
    case "guest-tx":
      return () => k.vqGuestTxBurst(s.ctx, burst);
    case "vhost-tx":
      return () => k.vhostTxBurst(s.ctx, burst);
    case "echo":
      return () => k.echoBurst(s.ctx, burst);
    case "ipfwd":
      return () => k.ipfwdBurst(s.ctx, burst);
    default:
      throw new Error(`worker ${worker}: no kernel for element kind ${s.kind}`);
  }
}
