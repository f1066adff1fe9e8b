// Toeplitz on the IPv4 4-tuple (12 bytes), Microsoft key: Wasm table-driven kernel vs the
// reference shift-register implementation (target ≥ 150 M hashes/s, issue 4 item 9) and vs the
// native C reference (bench/native/toeplitz.c) on an image of the same memory, measured in the
// same run: on a machine shared with other jobs the rates swing run to run, the ratio to native
// by CPU time does not.
import * as A from "../assembly/abi.ts";
import { MS_RSS_KEY } from "../src/switch/config.ts";
import { Layout } from "../src/switch/layout.ts";
import { toeplitzTable } from "../src/switch/nic.ts";
import { toeplitzHash } from "../src/switch/reference/toeplitz.ts";
import { createMemory, instantiateKernels, loadModule } from "../src/switch/wasm.ts";
import { buildNative, cpuRate, FNV_INIT, nativeUnavailable, runNative, writeImage } from "./native-ref.ts";
import type { Suite, SuiteItem } from "./types.ts";

const N = 1024;

/** The bench's table and 1024 pseudo-random tuples in a Wasm memory, the kernel's batch call,
 *  and the checksum toeplitz.c computes (FNV-1a of every tuple's hash). */
export async function prepareToeplitz() {
  const inst = instantiateKernels(await loadModule(), createMemory(8));
  const layout = new Layout(inst.memory, inst.heapBase);
  const table = layout.addRegion("toeplitz", A.TOEPLITZ_TABLE_BYTES).offset;
  layout.u32().set(toeplitzTable(MS_RSS_KEY), table >>> 2);
  const data = layout.addRegion("tuples", N * 12).offset;
  const tuples: Uint8Array[] = [];
  let seed = 12345;
  for (let i = 0; i < N; i++) {
    const t = new Uint8Array(12);
    for (let k = 0; k < 12; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      t[k] = seed >>> 24;
    }
    tuples.push(t);
    layout.u8().set(t, data + i * 12);
  }
  const k = inst.exports;
  const batch = () => k.toeplitzBatchIpv4(table, data, 12, N);
  const checksum = () => {
    let h = FNV_INIT;
    for (let i = 0; i < N; i++) {
      const x = k.toeplitzIpv4Tuple(table, data + i * 12) >>> 0;
      for (let b = 0; b < 4; b++) h = Math.imul(h ^ ((x >>> (8 * b)) & 0xff), 16777619) >>> 0;
    }
    return h;
  };
  const writeToeplitzImage = () => writeImage("toeplitz", inst.memory, data + N * 12, [table, data, 12, N]);
  /** Flips one bit of tuple `i`'s byte `at` in memory (tests: the checksum must see it). */
  const poke = (i: number, at: number) => {
    layout.u8()[data + i * 12 + at] ^= 1;
  };
  return { k, table, data, tuples, batch, checksum, writeToeplitzImage, poke };
}

export const suite: Suite = async () => {
  const t = await prepareToeplitz();
  // Same answers, or the comparison is meaningless.
  for (let i = 0; i < 16; i++) {
    const w = t.k.toeplitzIpv4Tuple(t.table, t.data + i * 12) >>> 0;
    if (w !== toeplitzHash(t.tuples[i]!, MS_RSS_KEY))
      throw new Error("toeplitz bench: wasm and reference disagree");
  }
  const sink = { v: 0 };
  const group = "toeplitz ipv4 4-tuple";
  const name = `${N} hashes per call`;
  const cases: SuiteItem[] = [
    {
      group,
      name,
      variant: "wasm",
      unit: "M hashes/s",
      items: N,
      target: 150,
      fn: () => {
        sink.v ^= t.batch();
      },
      note: "table-driven (per input byte a byte load and one 32-bit table load), one JS->Wasm call per 1024 hashes",
    },
    {
      group,
      name,
      variant: "reference",
      unit: "M hashes/s",
      items: N,
      fn: () => {
        for (let i = 0; i < N; i++) sink.v ^= toeplitzHash(t.tuples[i]!, MS_RSS_KEY);
      },
    },
  ];
  const why = nativeUnavailable();
  if (why) {
    cases.push({ skipped: `native reference skipped: ${why}` });
    return cases;
  }
  const wasmSum = t.checksum();
  const wasmXor = t.batch() >>> 0;
  const image = t.writeToeplitzImage();
  cases.push({
    group,
    name: `${name}, native C reference (gcc)`,
    variant: "native",
    unit: "M hashes/s",
    items: N,
    measure: () => {
      const b = buildNative("toeplitz");
      const wasmCpuRate = cpuRate(() => {
        sink.v ^= t.batch();
      }, N);
      const r = runNative(b, image);
      if (r.checksum !== wasmSum || r.xor !== wasmXor)
        throw new Error(`native toeplitz disagrees with Wasm (checksum ${r.checksum} vs ${wasmSum})`);
      return { rate: r.rate, cpuRate: r.cpuRate, wasmCpuRate };
    },
    note: "bench/native/toeplitz.c (gcc, flags in build/native/toeplitz.flags): the same batch of hashV4 over the same tuples and table, on an image of the Wasm memory; every tuple's hash agrees with Wasm",
  });
  return cases;
};
