// The receive side's per-window helpers (simulator speed) give the figures of the generic
// functions they stand in for, bit for bit: RxBits (pcieRxBits with its policy's constants worked
// out once) for every NIC profile's receive policies, and RingLens (a ring's frame lengths, its
// layout read once; veb's and veb-tx's) against ringBytes and ringDescriptors, on a ring with lengths from 0 to
// beyond several buffers and indices wrapping past 2^32; Link.roomAt (the NIC's room for a
// window in one pass) against applyLimit then room().
import { describe, expect, it } from "vitest";
import { DESC_BYTES, R_DESC, R_HEAD, R_LIMIT, R_MASK, R_TAIL } from "../../assembly/abi.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { RingLens, ringBytes } from "../../src/engine/elements/common.ts";
import { Link } from "../../src/engine/link.ts";
import { hwLimits, pcieRxBits, RxBits, writeBackOf } from "../../src/model/hw-limits.ts";
import { allProfiles } from "../../src/nic/profile.ts";
import { TX_QUEUE_OSES } from "../../src/nic/tx-queue.ts";

describe("RxBits", () => {
  it("prices as pcieRxBits for every profile's receive policies (n, bytes, descriptors)", () => {
    let checked = 0;
    for (const p of allProfiles().values()) {
      const h = hwLimits(p);
      for (const os of TX_QUEUE_OSES)
        for (const fn of ["pf", "vf"] as const) {
          const wb = writeBackOf(p, os, fn);
          const r = new RxBits(h, wb);
          for (const n of [0, 1, 2, 3, 7, 15, 16, 33, 64, 255])
            for (const per of [60, 64, 65, 127, 590, 1514, 1518, 2049, 9018])
              for (const extra of [0, 1, 3]) {
                const bytes = n * per + (n > 0 ? extra : 0);
                for (const descs of n === 0 ? [0] : [n, n + 1, 2 * n, 5 * n]) {
                  r.price(n, bytes, descs);
                  const want = pcieRxBits(h, wb, n, bytes, descs);
                  expect([r.up, r.down]).toEqual([want.up, want.down]);
                  checked++;
                }
              }
        }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

/** The reference count: each frame of [from, from + n) takes max(1, ceil(length / buffer))
 *  descriptors (src/nic/frames.ts), read the plain way. */
function ringDescriptors(ctx: SimContext, ring: number, from: number, n: number, buffer: number): number {
  const mask = ctx.u32[(ring + R_MASK) >>> 2];
  const desc = ctx.u32[(ring + R_DESC) >>> 2];
  let d = 0;
  for (let i = 0; i < n; i++)
    d += Math.max(1, Math.ceil(ctx.u16[(desc + ((from + i) & mask) * DESC_BYTES + 6) >>> 1] / buffer));
  return d;
}

describe("RingLens", () => {
  it("sums a ring's lengths and descriptors as ringBytes and ringDescriptors", () => {
    const RING = 64;
    const SIZE = 16;
    const buf = new ArrayBuffer(4096);
    const u32 = new Uint32Array(buf);
    const u16 = new Uint16Array(buf);
    const desc = 1024;
    u32[(RING + R_MASK) >>> 2] = SIZE - 1;
    u32[(RING + R_DESC) >>> 2] = desc;
    const lens = [0, 60, 64, 1514, 2048, 2049, 4096, 9018, 65535, 1, 128, 511, 512, 513, 3000, 100];
    lens.forEach((l, i) => {
      u16[(desc + i * DESC_BYTES + 6) >>> 1] = l;
    });
    const ctx = { u32, u16 } as unknown as SimContext;
    const r = new RingLens(ctx, RING);
    for (const from of [0, 5, 15, 2 ** 32 - 3, 2 ** 31 - 1])
      for (let n = 0; n <= SIZE; n++) {
        expect(r.bytes(from, n)).toBe(ringBytes(ctx, RING, from, n));
        const out = new Float64Array(SIZE);
        const want = new Float64Array(SIZE);
        expect(r.copy(from, n, out)).toBe(ringBytes(ctx, RING, from, n, 0, want));
        expect(out).toEqual(want);
        for (const buffer of [512, 2048, 3072, 4096, 9216]) {
          expect(r.bytes(from, n, buffer)).toBe(ringBytes(ctx, RING, from, n));
          expect(r.descs).toBe(ringDescriptors(ctx, RING, from, n, buffer));
          // copy with a buffer (veb-tx): the lengths, their sum and their descriptors in one pass.
          const both = new Float64Array(SIZE);
          r.descs = -1;
          expect(r.copy(from, n, both, buffer)).toBe(ringBytes(ctx, RING, from, n));
          expect(both).toEqual(want);
          expect(r.descs).toBe(ringDescriptors(ctx, RING, from, n, buffer));
        }
      }
    expect(r.len(2 ** 32 - 1)).toBe(lens[15]);
  });
});

describe("Link.roomAt", () => {
  it("is applyLimit(t) then room(): the same room and the same limit left in the ring", () => {
    const make = () => {
      const u32 = new Uint32Array(1024);
      const RING = 256;
      u32[(RING + R_LIMIT) >>> 2] = 64;
      const l = Link.ring("r", u32, RING, () => {});
      return { u32, l, RING };
    };
    const a = make();
    const b = make();
    // The consumer takes descriptors and rings doorbells at several times; the producer fills.
    const steps: Array<[tail: number, head: number, refillAt: number | null, t: number]> = [
      [40, 0, null, 0],
      [64, 10, 100, 50],
      [64, 30, 150, 120],
      [70, 30, null, 149],
      [90, 60, 300, 160],
      [95, 64, 310, 400],
      [2 ** 32 - 1, 2 ** 32 - 60, 500, 450],
      [20, 2 ** 32 - 10, 600, 700],
    ];
    for (const [tail, head, refillAt, t] of steps) {
      for (const x of [a, b]) {
        x.u32[(x.RING + R_TAIL) >>> 2] = tail;
        x.u32[(x.RING + R_HEAD) >>> 2] = head;
        if (refillAt !== null) x.l.refill(refillAt);
      }
      a.l.applyLimit(t);
      const want = a.l.room();
      expect(b.l.roomAt(t)).toBe(want);
      expect(b.u32[(b.RING + R_LIMIT) >>> 2]).toBe(a.u32[(a.RING + R_LIMIT) >>> 2]);
    }
  });
});
