// DESIGN principle 2: the compiled Module and the shared Memory go to a worker thread, which
// instantiates its own kernels and runs the switch on rings the main thread filled; the main
// thread then drains the Rx rings and reads the counters from the same memory.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { T_MACS, testConfigT } from "../../src/switch/program.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";

describe("Wasm switch on a worker thread", () => {
  it("a worker switches frames in the shared memory; the main thread sees the results", async () => {
    const module = await loadModule();
    const w = new WasmSwitch(testConfigT(), { module, bufCount: 2048 });
    const frames = Array.from({ length: 300 }, (_, i) =>
      eth({ dst: T_MACS.vf1, src: T_MACS.vf0 }).ipv4({}).tcp({ sport: i, dport: 80 }).build(),
    );
    w.injectTx(0, frames); // fills VF-0's Tx ring (capacity permitting); the rest waits in JS
    const queued = w.tx[0]![0]!.count();
    expect(queued).toBeGreaterThan(0);
    const result = await new Promise<{ rc: number; processed: number }>((resolve, reject) => {
      const worker = new Worker(new URL("./fixtures/veb-worker.mjs", import.meta.url), {
        workerData: { module, memory: w.memory, header: w.layout.header, budget: 64 },
      });
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    expect(result).toEqual({ rc: 0, processed: queued });
    const got = w.drainAll();
    expect(got).toHaveLength(queued);
    expect(got.every((d) => d.pool === 1 && d.loopback)).toBe(true);
    expect(w.counters().pools[0]!.tx_packets).toBe(queued);
    // The rest runs on the main thread's own instance: same memory, same rings.
    w.run();
    expect(w.counters().pools[1]!.rx_packets).toBe(300);
  });
});
