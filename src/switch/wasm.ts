// Loads the kernels: builds build/release.wasm when missing or stale (fresh clone), compiles it
// once into a WebAssembly.Module, and instantiates it on a shared WebAssembly.Memory. The Module
// and the Memory can both be passed to worker threads (piscina workerData) and instantiated there.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WASM_PATH = join(root, "build", "release.wasm");

/** Pages the module may address (asconfig.json maximumMemory). */
export const MAX_PAGES = 16384;

/** The kernels' exports (raw bindings: numbers in, numbers out). */
export interface Kernels {
  heapBase(): number;
  init(header: number): number;
  abiVersion(): number;
  parse(frame: number, len: number, out: number): number;
  parseRss(record: number, frame: number, table: number, enabledTypes: number): void;
  toeplitz(table: number, data: number, n: number): number;
  toeplitzIpv4Tuple(table: number, data: number): number;
  toeplitzBatchIpv4(table: number, data: number, stride: number, count: number): number;
  vebTxBurst(pool: number, queue: number, budget: number): number;
  wireRxBurst(budget: number): number;
  vebRunAll(budget: number): number;
  ringCount(ring: number): number;
  [name: string]: unknown;
}

export interface KernelInstance {
  exports: Kernels;
  memory: WebAssembly.Memory;
  heapBase: number;
}

let compiled: WebAssembly.Module | undefined;
let compiling: Promise<WebAssembly.Module> | undefined;

/** Compiles the module once per process (building it first when needed). */
export async function loadModule(): Promise<WebAssembly.Module> {
  if (compiled) return compiled;
  compiling ??= (async () => {
    const { buildWasm } = (await import(join(root, "scripts", "build-wasm.mjs"))) as {
      buildWasm: (o?: { force?: boolean; quiet?: boolean }) => Promise<string>;
    };
    await buildWasm();
    compiled = await WebAssembly.compile(readFileSync(WASM_PATH));
    return compiled;
  })();
  return compiling;
}

/** Synchronous variant for callers that know the wasm file is built (workers, benches). */
export function loadModuleSync(): WebAssembly.Module {
  if (compiled) return compiled;
  if (!existsSync(WASM_PATH)) throw new Error(`${WASM_PATH} is missing: run "npm run build:wasm"`);
  compiled = new WebAssembly.Module(readFileSync(WASM_PATH));
  return compiled;
}

export function createMemory(initialPages = 64): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
}

/** Instantiates the module on `memory` (env.memory). env.abort is provided in case a debug build traps. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelInstance {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new Error(`wasm abort at ${line}:${col}`);
      },
    },
  });
  const exports = instance.exports as unknown as Kernels;
  return { exports, memory, heapBase: exports.heapBase() };
}

/** Convenience: compile (building if needed), create a shared memory, instantiate. */
export async function loadKernels(memory: WebAssembly.Memory = createMemory()): Promise<KernelInstance> {
  return instantiateKernels(await loadModule(), memory);
}

/**
 * In a worker: instantiate the shared Module on the shared Memory (both from workerData) and
 * point the kernels at an existing layout's header. The instance's globals are its own.
 */
export function attachKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  header: number,
): KernelInstance {
  const k = instantiateKernels(module, memory);
  const rc = k.exports.init(header);
  if (rc !== 0) throw new Error(`wasm init: header at ${header} is not a valid layout (code ${rc})`);
  return k;
}
