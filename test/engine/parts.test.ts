// The engine's parts: the event queue's order, a link's ready-time gating and the NIC's view of
// refills, and the cost-profile loader's located errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { R_HEAD, R_LIMIT, R_TAIL } from "../../assembly/abi.ts";
import { Link } from "../../src/engine/link.ts";
import { EventQueue } from "../../src/engine/queue.ts";
import { Resource } from "../../src/engine/resource.ts";
import { COST_NAMES, loadCosts } from "../../src/model/costs.ts";

describe("event queue", () => {
  it("runs events by time, ties in insertion order", () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.push(5, () => seen.push("c"));
    q.push(1, () => seen.push("a"));
    q.push(5, () => seen.push("d"));
    q.push(3, (t) => {
      seen.push("b");
      q.push(t + 2, () => seen.push("e")); // same time as c and d, scheduled later
    });
    while (q.runNext()) {}
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
    expect(q.popped).toBe(5);
  });
});

describe("resource", () => {
  it("starts work when asked and free, and keeps cycles per event kind", () => {
    const r = new Resource("core", "core", 2);
    expect(r.run(100, 200, "irq")).toBe(200);
    expect(r.lastStart).toBe(100);
    expect(r.run(150, 100, "stack")).toBe(250);
    expect(r.lastStart).toBe(200);
    expect(r.cyclesByKind()).toEqual({ irq: 200, stack: 100 });
    expect(r.busyNs).toBe(150);
  });
});

describe("link", () => {
  const ring = 256; // address 0 is never a ring
  const u32 = new Uint32Array(256);
  u32[(ring + R_LIMIT) >>> 2] = 8;
  const timers: Array<[number, () => void]> = [];
  const link = Link.ring("l", u32, ring, (t, n) => timers.push([t, () => n(t)]));
  link.consumer = () => {};
  it("gives a consumer only what is ready by its time", () => {
    u32[(ring + R_TAIL) >>> 2] = 4;
    link.publish(100);
    u32[(ring + R_TAIL) >>> 2] = 6;
    link.publish(200);
    expect(timers.map((t) => t[0])).toEqual([100, 200]);
    expect(link.readyCount(99)).toBe(0);
    expect(link.readyCount(150)).toBe(4);
    expect(link.readyCount(200)).toBe(6);
    u32[(ring + R_HEAD) >>> 2] = 4; // the consumer took four
    expect(link.readyCount(150)).toBe(0);
    expect(link.nextReady()).toBe(200);
  });
  it("lets the NIC use returned descriptors only once the refill doorbell arrived", () => {
    link.applyLimit(0);
    expect(u32[(ring + R_LIMIT) >>> 2]).toBe(4); // 4 taken, not yet refilled
    link.refill(500);
    link.applyLimit(499);
    expect(u32[(ring + R_LIMIT) >>> 2]).toBe(4);
    link.applyLimit(500);
    expect(u32[(ring + R_LIMIT) >>> 2]).toBe(8);
  });
});

describe("link with many records waiting", () => {
  // One record per descriptor, some at equal times, then reads at every time around them: the
  // count must be every descriptor whose record is ready by then (the newest such record's tail),
  // with a consumer behind by any amount (the last record ready, one in the middle, none).
  it("counts the descriptors ready by each time, whichever record is the last ready", () => {
    const ring = 256;
    const u32 = new Uint32Array(256);
    u32[(ring + R_LIMIT) >>> 2] = 64;
    const link = Link.ring("l", u32, ring, () => {});
    link.consumer = () => {};
    const times = [10, 20, 20, 30, 45, 45, 45, 50, 70, 71, 90, 90, 100, 130, 131, 160, 200];
    times.forEach((t, i) => {
      u32[(ring + R_TAIL) >>> 2] = i + 1;
      link.publish(t);
    });
    for (const head of [0, 3, 9, 16]) {
      u32[(ring + R_HEAD) >>> 2] = head;
      for (let t = 0; t <= 210; t++) {
        const ready = times.filter((x) => x <= t).length;
        expect(link.readyCount(t), `head ${head}, t ${t}`).toBe(Math.max(0, ready - head));
      }
    }
  });
});

describe("cost profiles", () => {
  it("every built-in profile has every constant with a range, a tag and a source", () => {
    for (const name of ["bhyve", "kvm-exits", "kvm-posted"]) {
      const p = loadCosts(name);
      for (const k of COST_NAMES) {
        const c = p.constants[k];
        expect(c.value).toBeGreaterThanOrEqual(c.range[0]);
        expect(c.value).toBeLessThanOrEqual(c.range[1]);
        expect(c.source).not.toMatch(/performance-anchors/);
      }
    }
    expect(loadCosts("kvm-exits").c.eoi_exits).toBe(1);
    expect(loadCosts("bhyve").c.eoi_exits).toBe(0);
  });
  it("reports a bad user file with its path and the JSON path at fault", () => {
    const dir = mkdtempSync(join(tmpdir(), "costs-"));
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        name: "x",
        description: "y",
        extends: "bhyve",
        constants: {
          itr_us: {
            value: 500,
            unit: "us",
            range: [2, 125],
            tag: "guess",
            source: "nobody at all",
            use: "moderation",
          },
        },
      }),
    );
    expect(() => loadCosts(bad)).toThrow(/bad\.json:1:\d+: \$\.constants\.itr_us\.tag/);
    const notJson = join(dir, "nj.json");
    writeFileSync(notJson, '{\n  "name": x\n}');
    expect(() => loadCosts(notJson)).toThrow(/nj\.json:2:\d+: not valid JSON/);
  });
});
