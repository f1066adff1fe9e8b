// The generator's one-size constant-rate loop (assembly/elements/gen.ts genFixed: the engine's common case,
// its per-frame work hoisted and its arithmetic rewritten for speed) must build exactly what the
// general loop builds: the same bytes (flow id, stamp, incremental L4 checksum), descriptors and
// times. The general loop is forced by a G_UNTIL_NS beyond genFixed's range (FIXED_MAX_PS); the
// start clock lies beyond 2^32 ns so the stamp's high word enters the checksum.
import { describe, expect, it } from "vitest";
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { buildPath } from "../../src/paths/build.ts";
import { instantiatePathKernels } from "../../src/paths/kernels.ts";
import { enginePath, layoutGraph } from "../../src/paths/path-graphs.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile } from "../../src/traffic/profiles.ts";

const FIXED_MAX_PS = 2 ** 50;

interface Out {
  frames: string[];
  descs: string[];
  state: bigint[];
}

async function timed(
  l4: "udp" | "tcp",
  size: number,
  untilNs: bigint,
  startPs: bigint,
  n: number,
  aboveLineRate = false,
): Promise<Out> {
  const memory = createMemory(512);
  const { k, heapBase } = instantiatePathKernels(await loadModule(), memory);
  const p = defaultProfile({ l4, sizes: { kind: "fixed", size } });
  const ts = buildTemplates(p);
  const len = ts.templates[0].bytes.length; // (raised above `size` when the headers need it)
  const b = buildPath(memory, heapBase, layoutGraph(enginePath("native")!), {
    templates: ts,
    psPerByte: 800,
    count: 0,
    seed: p.seed,
    itrNs: 50_000,
    consumerMac: p.dstMac,
    eventIdx: true,
  });
  const gen = b.ctx.get("gen")!;
  const dv = b.layout.dv();
  dv.setUint32(gen + P.G_FLAGS, dv.getUint32(gen + P.G_FLAGS, true) | P.GF_TIMED, true);
  dv.setUint32(gen + P.G_PS_PER_BYTE, 800, true);
  // Just below line rate (a frame's wire time is (len + FCS, preamble, IFG) x 800 ps): the
  // offered schedule paces, as at 14.88 Mpps for 64 B.
  // Above line rate (half the wire time): the wire holds every frame back, the schedule runs on
  // behind it, and both loops must leave the same G_NEXT_PS for the next burst.
  const wirePs = (len + 24) * 800;
  dv.setBigUint64(gen + P.G_GAP_PS, BigInt(aboveLineRate ? wirePs >> 1 : wirePs + 4), true);
  dv.setBigUint64(gen + P.G_NEXT_PS, startPs, true);
  dv.setBigUint64(gen + P.G_WIRE_PS, startPs, true);
  dv.setBigUint64(gen + P.G_UNTIL_NS, untilNs, true);
  // Two bursts: the second starts from the state the first left.
  const half = n >> 1;
  expect(k.genBurst(gen, half)).toBe(half);
  expect(k.genBurst(gen, n - half)).toBe(n - half);
  const wire = b.links.get("wire")!;
  const descs = dv.getUint32(wire + A.R_DESC, true);
  const base = dv.getUint32(b.layout.header + 4 * A.H_BUF_BASE, true);
  const stride = dv.getUint32(b.layout.header + 4 * A.H_BUF_STRIDE, true);
  const out: Out = { frames: [], descs: [], state: [] };
  for (let i = 0; i < n; i++) {
    const d = descs + i * A.DESC_BYTES;
    out.descs.push(Buffer.from(new Uint8Array(memory.buffer, d, A.DESC_BYTES)).toString("hex"));
    const at = base + dv.getUint32(d + A.D_BUF, true) * stride + dv.getUint16(d + A.D_OFF, true);
    out.frames.push(
      Buffer.from(new Uint8Array(memory.buffer, at, dv.getUint16(d + A.D_LEN, true))).toString("hex"),
    );
  }
  for (const off of [P.G_SENT, P.G_BYTES, P.G_NEXT_PS, P.G_WIRE_PS, P.G_LAST_NS, P.G_CLOCK_PS])
    out.state.push(dv.getBigUint64(gen + off, true));
  out.state.push(BigInt(dv.getUint32(gen + P.G_RNG, true)));
  return out;
}

describe("generator: one-size timed loop", () => {
  for (const l4 of ["udp", "tcp"] as const) {
    for (const size of [64, 128, 256]) {
      it(`${l4} ${size} B: the same frames, descriptors and times as the general loop`, async () => {
        const startPs = 5_000_000_000_000n; // 5 s: stamps above 2^32 ns
        const fixed = await timed(l4, size, 1_000_000_000_000n, startPs, 200);
        const general = await timed(l4, size, BigInt(Math.ceil(FIXED_MAX_PS / 1000)), startPs, 200);
        expect(fixed.frames.length).toBe(200);
        expect(new Set(fixed.frames).size).toBe(200); // stamps (and flows) differ per frame
        expect(fixed.frames).toEqual(general.frames);
        expect(fixed.descs).toEqual(general.descs);
        expect(fixed.state).toEqual(general.state);
      });
    }
  }
  it("above line rate: the same frames and the same schedule state (G_NEXT_PS) as the general loop", async () => {
    const startPs = 5_000_000_000_000n;
    const fixed = await timed("udp", 64, 1_000_000_000_000n, startPs, 200, true);
    const general = await timed("udp", 64, BigInt(Math.ceil(FIXED_MAX_PS / 1000)), startPs, 200, true);
    expect(fixed.frames).toEqual(general.frames);
    expect(fixed.state).toEqual(general.state);
  });
});
