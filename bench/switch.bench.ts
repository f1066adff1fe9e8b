// The switch burst on 64-byte frames (60 bytes + FCS): VF-to-VF unicast with MAC anti-spoof,
// exact-MAC look-up, outer RSS (RSS on loopback switched on) and Rx descriptor enqueue, 256
// frames per JS->Wasm call; then the same with every frame copied into a fresh Rx buffer (the
// NIC's DMA); and the TypeScript reference switch doing the same work.
// Each Wasm iteration also moves the 256 Rx descriptors back to the Tx ring (ringMove), a
// stand-in for the VF's driver; that cost is included in the figure.
import type { SwitchConfig } from "../src/switch/config.ts";
import { WasmSwitch } from "../src/switch/nic.ts";
import { programSwitch, testPfRecordT } from "../src/switch/program.ts";
import { ReferenceSwitch } from "../src/switch/reference/veb.ts";
import { loadModule } from "../src/switch/wasm.ts";
import { eth } from "../src/traffic/frames.ts";
import type { BenchCase, Suite } from "./types.ts";

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

function wasmCase(module: WebAssembly.Module, alwaysCopy: boolean): () => void {
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
  // Sanity: one burst delivers every frame to VF-1 and nothing is dropped.
  if (k.vebTxBurst(0, 0, BURST) !== BURST) throw new Error("switch bench: burst not consumed");
  let moved = 0;
  for (const id of rxIds) moved += k.ringMove(id, txId, BURST);
  if (moved !== BURST) throw new Error(`switch bench: ${moved} of ${BURST} frames delivered`);
  if (w.counters().pools[0]!.tx_spoofed !== 0) throw new Error("switch bench: frames spoof-dropped");
  return () => {
    k.vebTxBurst(0, 0, BURST);
    for (let q = 0; q < rxIds.length; q++) k.ringMove(rxIds[q]!, txId, BURST);
  };
}

export const suite: Suite = async () => {
  const module = await loadModule();
  const config = benchConfig();
  const fs = frames();
  const ref = new ReferenceSwitch(config);
  const refFn = () => {
    for (const f of fs) ref.transmitFromPool(0, f);
    ref.drainAll();
  };
  const group = "switch burst VF->VF 64B";
  const cases: BenchCase[] = [
    {
      group,
      name: "anti-spoof + MAC look-up + outer RSS + enqueue (zero-copy)",
      variant: "wasm",
      unit: "Mpps",
      items: BURST,
      target: 100,
      fn: wasmCase(module, false),
      note: "includes ringMove of the Rx descriptors back to the Tx ring (driver stand-in)",
    },
    {
      group: "switch burst VF->VF 64B + copy",
      name: "same, every frame copied into a fresh Rx buffer",
      variant: "wasm",
      unit: "Mpps",
      items: BURST,
      target: 60,
      fn: wasmCase(module, true),
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
  return cases;
};
