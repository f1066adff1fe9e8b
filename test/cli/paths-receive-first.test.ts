// `paths --direction both --rate R` above what the consumer's core can do: the receive path comes
// first on that core (src/engine/receive-first.ts), the sender there starves, and a note says so
// (src/experiment/receive-first.ts); the JSON load point's window gives each direction's frames.
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

describe("paths both: a sender starved by receive work on its core", () => {
  it("native both at 14.5 Mpps: rx takes host-core0, tx offers almost nothing, and a note says why", async () => {
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--direction",
      "both",
      "--size",
      "64",
      "--rate",
      "14.5Mpps",
      "--workers",
      "1",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    const lp = j.paths[0]!.load_points[0]!;
    const w = lp.window!.per_direction!;
    expect(w.rx.delivered).toBeGreaterThan(1000);
    expect(w.tx.offered).toBeLessThan(0.05 * w.rx.delivered);
    const note = j.notes.find((n) => n.includes("waited for receive work"));
    expect(note).toMatch(
      /^native both 64: at --rate 14\.5Mpps its tx sender shares host-core0 with the receive path and waited for receive work there for \d+\.\d % of the measured window/,
    );
    expect(note).toContain("receive livelock");
    // The JSON load point gives the same waits: the sender, its core, and the share the note prints.
    const [held] = lp.receive_first!;
    expect(held).toMatchObject({ sender: "gen-tx", direction: "tx", resource: "host-core0" });
    expect(held.waited_ratio).toBeCloseTo(held.waited_ns / (lp.window!.to_ns - lp.window!.from_ns), 12);
    expect(held.waited_ratio).toBeGreaterThan(0.9);
    expect(note).toContain(`for ${(held.waited_ratio * 100).toFixed(1)} % of the measured window`);
    // The above-capacity note on the same sender gives that cause, not the path's push-back.
    const short = j.notes.find((n) =>
      n.startsWith("native both 64: at --rate 14.5Mpps its tx sender offered"),
    );
    expect(short).toContain(
      `receive work on its CPU comes first: it waited for it ${(held.waited_ratio * 100).toFixed(1)} % of the measured window`,
    );
    expect(short).not.toContain("pushes back on it");
    // Receive work held it, not the path: little or no push-back recorded.
    const pushed = lp.pushed_back?.find((p) => p.sender === "gen-tx");
    expect((pushed?.queue_full_ns ?? 0) + (pushed?.cpu_busy_ns ?? 0)).toBeLessThan(0.05 * held.waited_ns);
  });

  it("below capacity: no such note", async () => {
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--direction",
      "both",
      "--size",
      "64",
      "--rate",
      "0.5Mpps",
      "--workers",
      "1",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.notes.some((n) => n.includes("waited for receive work"))).toBe(false);
    // Below capacity the sender may wait a little (a poll under way when a frame comes due).
    for (const h of j.paths[0]!.load_points[0]!.receive_first ?? [])
      expect(h.waited_ratio).toBeLessThan(0.05);
  });

  it("a tx sender alone on its core is pushed back instead: the note names its CPU busy, no receive work", async () => {
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "100%",
      "--workers",
      "1",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    const lp = j.paths[0]!.load_points[0]!;
    expect(lp.receive_first).toBeUndefined();
    const p = lp.pushed_back!.find((x) => x.sender === "gen-tx")!;
    const windowNs = lp.window!.to_ns - lp.window!.from_ns;
    const note = j.notes.find((n) => n.startsWith("native tx 64: at --rate 100% the sender offered"));
    expect(note).toContain(
      `the path pushes back on it (it waits for room, or skips the slots it missed while busy: its queue full ${((p.queue_full_ns / windowNs) * 100).toFixed(1)} % of the measured window, its CPU busy ${((p.cpu_busy_ns / windowNs) * 100).toFixed(1)} %)`,
    );
    expect(p.cpu_busy_ns).toBeGreaterThan(0.5 * windowNs);
    expect(j.notes.some((n) => n.includes("waited for receive work"))).toBe(false);
  });
});
