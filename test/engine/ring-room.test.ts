// The switch judges each frame on its ring's room at the time it is switched; it takes a burst
// in runs of frames that room cannot tell apart (src/engine/elements/ring-room.ts).
import { describe, expect, it } from "vitest";
import { D_LEN, DESC_BYTES, R_DESC, R_HEAD, R_MASK } from "../../assembly/abi.ts";
import type { SimContext } from "../../src/engine/context.ts";
import { sameRoomRun } from "../../src/engine/elements/ring-room.ts";
import { ArrayTimes, PipelineTimes } from "../../src/engine/elements/switch-times.ts";
import type { Link } from "../../src/engine/link.ts";
import { hwLimits, switchNs } from "../../src/model/hw-limits.ts";
import { getProfile, type NicProfile } from "../../src/nic/profile.ts";

/** A ring with `room` free slots as the NIC sees it now and refills reaching it later. */
function ring(room: number, refills: Array<{ at: number; slots: number }>): Link {
  let free = room;
  const pending = [...refills];
  const applyLimit = (t: number) => {
    while (pending.length > 0 && pending[0].at <= t) free += (pending.shift() as { slots: number }).slots;
  };
  return {
    ring: 1,
    applyLimit,
    room: () => free,
    roomAt(t: number) {
      applyLimit(t);
      return free;
    },
    nextRefill: () => (pending.length > 0 ? pending[0].at : Number.POSITIVE_INFINITY),
  } as unknown as Link;
}

const times = (n: number, every: number) =>
  new ArrayTimes(Float64Array.from({ length: n }, (_, i) => (i + 1) * every));

describe("sameRoomRun", () => {
  it("a burst that fits in the room it finds at its first frame is one run", () => {
    expect(sameRoomRun([ring(8, [{ at: 25, slots: 4 }])], times(8, 10), 0, 8)).toBe(8);
  });

  it("a ring short of room: the frames switched before the next refill, whose room they share", () => {
    // 2 free; 4 more reach the NIC at 35: frames switched at 10, 20, 30 share the 2.
    const r = ring(2, [{ at: 35, slots: 4 }]);
    const at = times(8, 10);
    expect(sameRoomRun([r], at, 0, 8)).toBe(3);
    // From the frame switched at 40, the refill is in: 6 free for the 5 left.
    expect(sameRoomRun([r], at, 3, 8)).toBe(5);
  });

  it("no room and no refill on its way: the rest of the burst finds the ring full together", () => {
    expect(sameRoomRun([ring(0, [])], times(5, 10), 0, 5)).toBe(5);
  });

  it("several rings (receive queues): the earliest refill of a ring that is short bounds the run", () => {
    const a = ring(16, [{ at: 15, slots: 1 }]);
    const b = ring(1, [{ at: 45, slots: 1 }]);
    expect(sameRoomRun([a, b], times(6, 10), 0, 6)).toBe(4);
  });

  it("a frame switched right when a refill arrives already has its room", () => {
    const r = ring(0, [{ at: 20, slots: 1 }]);
    expect(sameRoomRun([r], times(3, 10), 0, 3)).toBe(1);
    expect(sameRoomRun([r], times(3, 10), 1, 3)).toBe(2);
  });

  it("a refill due after the burst's last frame: the whole burst is one run, whatever the room", () => {
    expect(sameRoomRun([ring(1, [{ at: 85, slots: 4 }])], times(8, 10), 0, 8)).toBe(8);
    expect(sameRoomRun([ring(1, [{ at: 80, slots: 4 }])], times(8, 10), 0, 8)).toBe(7);
  });
});

describe("PipelineTimes", () => {
  const hw = hwLimits(getProfile("ixl") as NicProfile);
  const lens = [64, 1518, 60, 590, 64, 9000, 128];
  const bytes = lens.reduce((a, b) => a + b, 0);
  /** A ring of 8 descriptors holding `lens` from index 6 on (so the window wraps). */
  const RING = 0;
  const DESCS = 256;
  const HEAD = 6;
  const mem = new ArrayBuffer(1024);
  const u32 = new Uint32Array(mem);
  const u16 = new Uint16Array(mem);
  u32[(RING + R_MASK) >>> 2] = 7;
  u32[(RING + R_DESC) >>> 2] = DESCS;
  u32[(RING + R_HEAD) >>> 2] = HEAD;
  lens.forEach((len, i) => {
    u16[(DESCS + ((HEAD + i) & 7) * DESC_BYTES + D_LEN) >>> 1] = len;
  });
  const ctx = { u32, u16 } as unknown as SimContext;
  /** Every frame's time worked out up front, as the receive pipeline once did. */
  const upFront = (start: number) => {
    let upTo = 0;
    return lens.map((len, i) => {
      upTo += len;
      return start + switchNs(hw, i + 1, upTo);
    });
  };

  it("gives each frame the time worked out up front, in whatever order it is asked", () => {
    const p = new PipelineTimes(ctx, hw);
    const start = 12_345.678;
    p.reset(start, RING, HEAD, lens.length, bytes);
    const want = upFront(start);
    for (const j of [0, 6, 3, 4, 1, 6, 2, 5, 0]) expect(p.time(j)).toBe(want[j]);
    // The next window starts over (its first four frames).
    p.reset(20_000, RING, HEAD, 4, 64 + 1518 + 60 + 590);
    expect([3, 0, 1, 2].map((j) => p.time(j))).toEqual([3, 0, 1, 2].map((j) => upFront(20_000)[j]));
  });

  it("ring room judged on it: the same runs as on the times worked out up front", () => {
    const p = new PipelineTimes(ctx, hw);
    const start = 1000;
    const all = new ArrayTimes(Float64Array.from(upFront(start)));
    const runs = (at: ArrayTimes | PipelineTimes) => {
      const r = ring(1, [{ at: all.time(3), slots: 2 }]);
      const out: number[] = [];
      for (let i = 0; i < lens.length; ) {
        const k = sameRoomRun([r], at, i, lens.length);
        out.push(k);
        i += k;
      }
      return out;
    };
    p.reset(start, RING, HEAD, lens.length, bytes);
    expect(runs(p)).toEqual(runs(all));
    expect(runs(all)).toEqual([3, 4]);
  });

  it("refuses to read the lengths once the switch has taken frames of the window", () => {
    const p = new PipelineTimes(ctx, hw);
    p.reset(0, RING, HEAD, lens.length, bytes);
    expect(p.time(0)).toBe(upFront(0)[0]); // the first and last need no copy
    expect(p.time(6)).toBe(upFront(0)[6]);
    u32[(RING + R_HEAD) >>> 2] = HEAD + 1;
    try {
      expect(() => p.time(2)).toThrow(/after the switch took some/);
    } finally {
      u32[(RING + R_HEAD) >>> 2] = HEAD;
    }
  });
});
