// Toeplitz on the IPv4 4-tuple (12 bytes), Microsoft key: Wasm table-driven kernel vs the
// reference shift-register implementation. Target ≥ 150 M hashes/s (issue 4 item 9).
import * as A from "../assembly/abi.ts";
import { MS_RSS_KEY } from "../src/switch/config.ts";
import { Layout } from "../src/switch/layout.ts";
import { toeplitzTable } from "../src/switch/nic.ts";
import { toeplitzHash } from "../src/switch/reference/toeplitz.ts";
import { createMemory, instantiateKernels, loadModule } from "../src/switch/wasm.ts";
import type { BenchCase, Suite } from "./types.ts";

const N = 1024;

export const suite: Suite = async () => {
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
  // Same answers, or the comparison is meaningless.
  for (let i = 0; i < 16; i++) {
    const w = inst.exports.toeplitzIpv4Tuple(table, data + i * 12) >>> 0;
    if (w !== toeplitzHash(tuples[i]!, MS_RSS_KEY))
      throw new Error("toeplitz bench: wasm and reference disagree");
  }
  const sink = { v: 0 };
  const cases: BenchCase[] = [
    {
      group: "toeplitz ipv4 4-tuple",
      name: `${N} hashes per call`,
      variant: "wasm",
      unit: "M hashes/s",
      items: N,
      target: 150,
      fn: () => {
        sink.v ^= inst.exports.toeplitzBatchIpv4(table, data, 12, N);
      },
      note: "table-driven (one 32-bit load per input byte), one JS->Wasm call per 1024 hashes",
    },
    {
      group: "toeplitz ipv4 4-tuple",
      name: `${N} hashes per call`,
      variant: "reference",
      unit: "M hashes/s",
      items: N,
      fn: () => {
        for (let i = 0; i < N; i++) sink.v ^= toeplitzHash(tuples[i]!, MS_RSS_KEY);
      },
    },
  ];
  return cases;
};
