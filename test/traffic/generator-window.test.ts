// genWindow (assembly/elements/gen.ts): the wire generator's write-back window opened by its first
// frame, in one kernel call, must be exactly the two calls the engine made before (genBurst for
// the first frame up to the end of the offer, then G_UNTIL_NS = the window's end as
// src/engine/elements/gen.ts rounds it, then genBurst for the rest): the same frames,
// descriptors, times, window ends and cut-short counters, on the one-size fast path and the
// general loop, with windows that run out of ring room and buffers (nothing consumes the frames).
import { describe, expect, it } from "vitest";
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { buildPath } from "../../src/paths/build.ts";
import { instantiatePathKernels } from "../../src/paths/kernels.ts";
import { enginePath, layoutGraph } from "../../src/paths/path-graphs.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile, type SizeSpec } from "../../src/traffic/profiles.ts";

const FIXED_MAX_PS = 2 ** 50;

interface Case {
  sizes: SizeSpec;
  poisson: boolean;
  /** The end of the offer (ns): beyond FIXED_MAX_PS / 1000 forces the general loop. */
  endNs: number;
  /** Window length (ns), as nic_window_ns. */
  windowNs: number;
}

/** Runs `windows` windows at event times `at(w)`, two calls or one per window; returns every
 *  window's result and the generator's state after it, and the frames and descriptors made. */
async function run(c: Case, windows: number, at: (w: number) => number, oneCall: boolean) {
  const memory = createMemory(512);
  const { k, heapBase } = instantiatePathKernels(await loadModule(), memory);
  const p = defaultProfile({ sizes: c.sizes });
  const b = buildPath(memory, heapBase, layoutGraph(enginePath("native")!), {
    templates: buildTemplates(p),
    psPerByte: 800,
    count: 0,
    seed: p.seed,
    itrNs: 50_000,
    consumerMac: p.dstMac,
    eventIdx: true,
  });
  const g = b.ctx.get("gen")!;
  const dv = b.layout.dv();
  const flags = P.GF_TIMED | (c.poisson ? P.GF_POISSON : 0);
  dv.setUint32(g + P.G_FLAGS, dv.getUint32(g + P.G_FLAGS, true) | flags, true);
  dv.setUint32(g + P.G_PS_PER_BYTE, 800, true); // 10 Gbit/s
  dv.setBigUint64(g + P.G_GAP_PS, 67_200n, true); // 14.88 Mpps
  const u64 = (off: number) => Number(dv.getBigUint64(g + off, true));
  const setU64 = (off: number, v: number) =>
    dv.setBigUint64(g + off, BigInt(Math.max(0, Math.round(v))), true);
  const W = 64;
  const wire = b.links.get("wire")!;
  // A smaller pool: 1,500 free buffers (the rest left off the free stack).
  const free = dv.getUint32(g + P.G_FREE, true);
  dv.setUint32(free, Math.min(1500, dv.getUint32(free, true)), true);
  const results: number[][] = [];
  for (let w = 0; w < windows; w++) {
    const t = at(w);
    // In the second half the wire ring is emptied before each window but no buffer comes back:
    // the first half fills the ring, the second runs out of buffers.
    if (w >= windows / 2) dv.setUint32(wire + A.R_HEAD, dv.getUint32(wire + A.R_TAIL, true), true);
    let n: number;
    let until = Math.min(t + c.windowNs, c.endNs);
    if (oneCall) {
      setU64(P.G_UNTIL_NS, 0); // not read
      n = k.genWindow(g, W, t, c.windowNs, c.endNs);
      if (n > 0) until = Math.min(Math.max(u64(P.G_FIRST_NS), t) + c.windowNs, c.endNs);
    } else {
      setU64(P.G_UNTIL_NS, c.endNs);
      n = k.genBurst(g, 1);
      if (n > 0) until = Math.min(Math.max(u64(P.G_LAST_NS), t) + c.windowNs, c.endNs);
      setU64(P.G_UNTIL_NS, until);
      if (n > 0) n += k.genBurst(g, W - 1);
    }
    const state = [
      P.G_SENT,
      P.G_BYTES,
      P.G_NEXT_PS,
      P.G_WIRE_PS,
      P.G_LAST_NS,
      P.G_CLOCK_PS,
      P.G_NOBUF,
      P.G_RINGFULL,
    ];
    results.push([
      n,
      until,
      ...(n > 0 ? [u64(P.G_UNTIL_NS)] : []),
      ...state.map(u64),
      dv.getUint32(g + P.G_RNG2, true),
    ]);
  }
  const descs = dv.getUint32(wire + A.R_DESC, true);
  const made = u64(P.G_SENT);
  const bytes = Buffer.from(new Uint8Array(memory.buffer, descs, Math.min(made, 64) * A.DESC_BYTES)).toString(
    "hex",
  );
  return { results, made, bytes };
}

const cases: Array<[string, Case]> = [
  [
    "one size, the fast path",
    { sizes: { kind: "fixed", size: 64 }, poisson: false, endNs: 3e6, windowNs: 1000 },
  ],
  [
    "one size, the general loop",
    { sizes: { kind: "fixed", size: 64 }, poisson: false, endNs: FIXED_MAX_PS / 1000 + 1e6, windowNs: 1000 },
  ],
  ["IMIX, Poisson arrivals", { sizes: { kind: "imix" }, poisson: true, endNs: 3e6, windowNs: 2500.25 }],
];

describe("genWindow: one call per write-back window", () => {
  for (const [name, c] of cases) {
    it(`${name}: the same as the two calls it replaces`, async () => {
      // Windows every 3.3 us from 1 us (fractional event times: the window end is rounded), some
      // at a frame's arrival; the end of the offer falls inside the last ones, and the ring and
      // then the buffers run out before (nothing takes the frames, or gives them back).
      const at = (w: number) => 1000 + w * 3300.5;
      const windows = c.sizes.kind === "imix" ? 1200 : 200;
      const cc = { ...c, endNs: c.endNs === 3e6 ? at(windows - 50) + 400 : c.endNs };
      const two = await run(cc, windows, at, false);
      const one = await run(cc, windows, at, true);
      expect(one.results).toEqual(two.results);
      expect(one.bytes).toEqual(two.bytes);
      expect(one.made).toBeGreaterThan(100);
      // The cases it must meet: windows that made frames, that were cut short for ring room or
      // buffers, and that made none.
      expect(one.results.some((r) => r[0] > 1)).toBe(true);
      expect(one.results.some((r) => r[0] === 0)).toBe(true);
      const last = one.results[one.results.length - 1];
      const [noBuf, ringFull] = last.slice(-3, -1);
      expect(noBuf).toBeGreaterThan(0);
      expect(ringFull).toBeGreaterThan(0);
    });
  }
});
