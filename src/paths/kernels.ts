// Instantiates the kernel module on a shared memory for the path elements (main thread and
// workers). Kept here so the paths do not depend on how src/switch/wasm.ts reports __heap_base.
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
