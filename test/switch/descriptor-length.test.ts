// A descriptor's length field is 16 bits: a frame over 65,535 bytes (possible in a capture,
// snaplen 262144) cannot be received or sent by a NIC. Both switches drop it before the switch
// with the size drop reason ("oversize" from the wire, "tx-oversize" from a pool), count it
// (ROC; the pool's tx_errors/tx_dropped) and nothing else, in the frame's place in the order.
// Found by the frame fuzz campaign (seed 1): the Wasm path clamped the length to 16 bits, so
// its byte counters differed from the reference's.
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_DESCRIPTOR_FRAME } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { T_MACS, testConfigT } from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";

const EXT = "00:11:22:33:44:55";
const VF0 = 0;
const VF1 = 1;

/** A UDP frame of exactly `size` bytes from `src` to `dst`. */
function frame(dst: string, src: string, size: number): Uint8Array {
  const f = eth({ dst, src }).ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }).udp({ sport: 1, dport: 2 }).build();
  const out = new Uint8Array(size);
  out.set(f.subarray(0, Math.min(f.length, size)));
  return out;
}

beforeAll(async () => {
  await loadModule();
});

describe("frames longer than a descriptor can describe", () => {
  it("the limit is the 16-bit descriptor length", () => {
    expect(MAX_DESCRIPTOR_FRAME).toBe(65535);
  });

  it("reference: dropped before the switch, counted in ROC only (no rx_packets/rx_bytes)", () => {
    const ref = new ReferenceSwitch(testConfigT());
    const d = ref.receiveFromWire(frame(T_MACS.vf0, EXT, 70_000));
    expect(d.dropped).toBe("oversize");
    expect(ref.counters.port).toMatchObject({ roc: 1, rx_packets: 0, rx_bytes: 0 });
    const t = ref.transmitFromPool(VF0, frame(T_MACS.vf1, T_MACS.vf0, 70_000));
    expect(t.dropped).toBe("tx-oversize");
    expect(ref.counters.pools[VF0]).toMatchObject({ tx_errors: 1, tx_dropped: 1, tx_packets: 0 });
    expect(ref.conservation()).toEqual([]);
  });

  it("Wasm and reference agree frame by frame and on every counter, around the 64 KiB boundary", () => {
    const sizes = [64, 65_535, 65_536, 70_000, 262_144, 1514];
    const events: SwitchEvent[] = [
      ...sizes.map((n): SwitchEvent => ({ kind: "wire", frame: frame(T_MACS.vf0, EXT, n) })),
      ...sizes.map((n): SwitchEvent => ({ kind: "tx", pool: VF0, frame: frame(T_MACS.vf1, T_MACS.vf0, n) })),
      { kind: "drain" },
      { kind: "wire", frame: frame(T_MACS.vf1, EXT, 100_000) },
      { kind: "wire", frame: frame(T_MACS.vf1, EXT, 60) },
    ];
    const r = runBoth(testConfigT(), events);
    expect(r.problems).toEqual([]);
    expect(r.frames).toBe(events.length - 1);
  });

  it("Wasm: the drop is traced in the frame's place and counted; no buffer is used", () => {
    const w = new WasmSwitch(testConfigT(), { traceCapacity: 16, bufCount: 4096 });
    const free = w.free.count();
    w.injectWire([frame(T_MACS.vf0, EXT, 64), frame(T_MACS.vf0, EXT, 70_000), frame(T_MACS.vf1, EXT, 64)]);
    w.run();
    expect(w.takeTrace().map((t) => [t.source, t.dropped, t.delivered])).toEqual([
      ["wire", null, [VF0]],
      ["wire", "oversize", []],
      ["wire", null, [VF1]],
    ]);
    expect(w.counters().port).toMatchObject({ roc: 1, rx_packets: 2, rx_bytes: 2 * 68 });
    expect(w.drainAll()).toHaveLength(2);
    expect(w.free.count()).toBe(free);
    expect(w.inFlight()).toBe(0);
  });

  it("Wasm: behind a disabled Tx queue (VFTE off) the frame waits like the others", () => {
    const cfg = testConfigT();
    cfg.pools[VF0]!.txEnable = false;
    const w = new WasmSwitch(cfg, { traceCapacity: 16, bufCount: 4096 });
    const ref = new ReferenceSwitch(cfg);
    const frames = [frame(T_MACS.vf1, T_MACS.vf0, 64), frame(T_MACS.vf1, T_MACS.vf0, 70_000)];
    w.injectTx(VF0, frames);
    w.run();
    for (const f of frames) expect(ref.transmitFromPool(VF0, f).dropped).toBe("tx-disabled");
    expect(w.inFlight()).toBe(2);
    expect(ref.heldTxCount(VF0)).toBe(2);
    expect(w.takeTrace()).toEqual([]);
  });
});
