// The switch burst on 64-byte frames (60 bytes + FCS): VF-to-VF unicast with MAC anti-spoof,
// exact-MAC look-up, outer RSS (RSS on loopback switched on) and Rx descriptor enqueue, 256
// frames per JS->Wasm call; then the same with every frame copied into a fresh Rx buffer (the
// NIC's DMA); the TypeScript reference switch doing the same work; and the native C reference
// (bench/native/switch.c) doing the same burst on an image of the same Wasm memory.
// Each Wasm iteration also moves the 256 Rx descriptors back to the Tx ring (ringMove), a
// stand-in for the VF's driver; that cost is included in the figure.
import type { SwitchConfig } from "../src/switch/config.ts";
import { WasmSwitch } from "../src/switch/nic.ts";
import { programSwitch, testPfRecordT } from "../src/switch/program.ts";
import { ReferenceSwitch } from "../src/switch/reference/veb.ts";
import { loadModule } from "../src/switch/wasm.ts";
import { eth } from "../src/traffic/frames.ts";
import {
  buildNative,
  cpuRate,
  nativeUnavailable,
  runNative,
  switchChecksum,
  writeImage,
} from "./native-ref.ts";
import type { NativeCase, Suite, SuiteItem } from "./types.ts";

const BURST = 256;

function benchConfig(): SwitchConfig {
  const pf = testPfRecordT();
  pf.vfs = pf.vfs.slice(0, 2); // VF-0, VF-1: untagged, anti-spoof on, 4 queues
  return programSwitch(pf, { pfQueues: 4, ringSize: 4096, rssOnLoopback: true });
}

function frames(): Uint8Array[] {
  return Array.from({ length: BURST }, (_, i) =>
    eth({ dst: "02:00:00:00:00:11", src: "02:00:00:00:00:10" })
      .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
      .tcp({ sport: 10000 + i, dport: 80 })
      .payload(6)
      .build(),
  );
}

/** The Wasm switch with the bench's burst queued on VF-0's Tx ring 0. */
export function prepareSwitch(module: WebAssembly.Module, alwaysCopy: boolean) {
  const config = benchConfig();
  const w = new WasmSwitch(config, { module, alwaysCopy, bufCount: 4 * BURST });
  const fs = frames();
  if (fs[0]!.length !== 60) throw new Error(`bench frame is ${fs[0]!.length} bytes, expected 60`);
  w.injectTx(0, fs);
  const txId = w.sl.txRings[0]![0]!.id;
  const rxIds = w.sl.rxRings[1]!.map((r) => r.id);
  const k = w.kernels as unknown as {
    vebTxBurst(p: number, q: number, n: number): number;
    ringMove(s: number, d: number, n: number): number;
  };
  return { w, txId, rxIds, k };
}

/**
 * The image the native reference (bench/native/switch.c) starts from (written before the first
 * burst), then one Wasm burst and the checksum of what it produced (native-ref switchChecksum).
 */
export function firstBurst(s: ReturnType<typeof prepareSwitch>, imageName: string) {
  const { w, txId, rxIds, k } = s;
  const header = w.layout.header;
  const image = writeImage(imageName, w.memory, w.memory.buffer.byteLength, [
    header,
    0,
    0,
    BURST,
    txId,
    rxIds.length,
    ...rxIds,
  ]);
  const consumed = k.vebTxBurst(0, 0, BURST);
  const checksum = switchChecksum(w.memory, header, rxIds);
  const fast = w.fastPathFrames();
  let moved = 0;
  for (const id of rxIds) moved += k.ringMove(id, txId, BURST);
  return { image, checksum, consumed, fast, moved };
}

function wasmCase(module: WebAssembly.Module, alwaysCopy: boolean, native: NativeState): () => void {
  const s = prepareSwitch(module, alwaysCopy);
  const { w, txId, rxIds, k } = s;
  const first = firstBurst(s, `switch-${alwaysCopy ? "copy" : "zero-copy"}`);
  // Sanity: one burst delivers every frame to VF-1 and nothing is dropped.
  if (first.consumed !== BURST) throw new Error("switch bench: burst not consumed");
  if (first.moved !== BURST) throw new Error(`switch bench: ${first.moved} of ${BURST} frames delivered`);
  if (w.counters().pools[0]!.tx_spoofed !== 0) throw new Error("switch bench: frames spoof-dropped");
  native.image = first.image;
  native.checksum = first.checksum;
  const fn = () => {
    k.vebTxBurst(0, 0, BURST);
    for (let q = 0; q < rxIds.length; q++) k.ringMove(rxIds[q]!, txId, BURST);
  };
  native.wasm = fn;
  return fn;
}

interface NativeState {
  image: string;
  checksum: number;
  /** The group's Wasm case (timed by CPU time beside the native one). */
  wasm: () => void;
}

/** The native case of a group: runs switch.c on the image and checks it agrees with Wasm. */
function nativeCase(group: string, name: string, state: NativeState): NativeCase {
  return {
    group,
    name,
    variant: "native",
    unit: "Mpps",
    items: BURST,
    measure: () => {
      const b = buildNative("switch");
      const wasmCpuRate = cpuRate(state.wasm, BURST);
      const r = runNative(b, state.image);
      if (r.checksum !== state.checksum)
        throw new Error(`native switch disagrees with Wasm (checksum ${r.checksum} vs ${state.checksum})`);
      return { rate: r.rate, cpuRate: r.cpuRate, wasmCpuRate };
    },
    note: "bench/native/switch.c (gcc, flags in build/native/switch.flags): same burst + ringMove on an image of the Wasm memory; checksum of descriptors, frames and counters agrees with Wasm",
  };
}

export const suite: Suite = async () => {
  const module = await loadModule();
  const zero: NativeState = { image: "", checksum: 0, wasm: () => {} };
  const copy: NativeState = { image: "", checksum: 0, wasm: () => {} };
  const config = benchConfig();
  const fs = frames();
  const ref = new ReferenceSwitch(config);
  const refFn = () => {
    for (const f of fs) ref.transmitFromPool(0, f);
    ref.drainAll();
  };
  const group = "switch burst VF->VF 64B";
  const cases: SuiteItem[] = [
    {
      group,
      name: "anti-spoof + MAC look-up + outer RSS + enqueue (zero-copy)",
      variant: "wasm",
      unit: "Mpps",
      items: BURST,
      target: 100,
      fn: wasmCase(module, false, zero),
      note: "includes ringMove of the Rx descriptors back to the Tx ring (driver stand-in)",
    },
    {
      group: "switch burst VF->VF 64B + copy",
      name: "same, every frame copied into a fresh Rx buffer",
      variant: "wasm",
      unit: "Mpps",
      items: BURST,
      target: 60,
      fn: wasmCase(module, true, copy),
    },
    {
      group,
      name: "reference transmitFromPool + drain",
      variant: "reference",
      unit: "Mpps",
      items: BURST,
      fn: refFn,
    },
    {
      group: "switch burst VF->VF 64B + copy",
      name: "reference transmitFromPool + drain (copies)",
      variant: "reference",
      unit: "Mpps",
      items: BURST,
      fn: refFn,
    },
  ];
  const why = nativeUnavailable();
  if (why) cases.push({ skipped: `native reference skipped: ${why}` });
  else
    cases.push(
      nativeCase(group, "native C reference (gcc), same burst + ringMove", zero),
      nativeCase("switch burst VF->VF 64B + copy", "native C reference (gcc), same with copies", copy),
    );
  return cases;
};
