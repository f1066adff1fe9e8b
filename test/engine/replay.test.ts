// Replaying a capture through the virtual-time engine (paths --pcap): frames as captured, looped,
// re-paced or at the capture's timestamps; latency from a side table (the bytes are never
// stamped), the NIC's replication copies counted as deliveries so that conservation holds for
// broadcast captures (issue 9 item 2), filtered captures said to be so, --rewrite-dst and
// --promisc (issue 9 item 3), malformed records counted and dropped.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { UserError } from "../../src/errors.ts";
import {
  captureGapsPs,
  loadReplayCapture,
  type ReplaySpec,
  rewriteDestination,
} from "../../src/traffic/replay.ts";
import { captures, conserves, DNS, pcapOf, QINQ, replayRun, unicastFrame } from "./replay-fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-replay-engine-"));

const run = (
  path: string,
  replay: Omit<ReplaySpec, "timing"> & { timing?: ReplaySpec["timing"] },
  o: Partial<ScenarioSpec> = {},
): SimResult => replayRun("rx", path, replay, o);

beforeAll(async () => {
  await ensureKernels();
});

describe("replay: broadcast capture (issue 9 item 2)", () => {
  it("QinQpacket.pcap on native: copies to the other pools are deliveries, conservation holds", () => {
    const r = run("native", { file: QINQ });
    const k = r.conservation;
    expect(k.ok).toBe(true);
    expect(conserves(r)).toBe(true);
    expect(k.sent).toBe(200); // 500 kpps for 0.4 ms, looped over 249 frames
    expect(k.delivered).toBe(k.sent); // every broadcast reaches the PF
    // Each frame is replicated to the three VFs' pools: three extra copies per frame.
    expect(k.copies).toBe(3 * k.sent);
    const elsewhere = Object.values(k.deliveredElsewhere ?? {}).reduce((a, b) => a + b, 0);
    expect(elsewhere).toBe(3 * k.sent);
    expect(r.replay).toEqual({ to_consumer: 200, consumer_lost: 0, filtered: 0, all_filtered: false });
    expect(r.loss_ratio).toBe(0);
  });

  it("jail-vf receives copies (not the original buffer): their latency is still measured", () => {
    const r = run("jail-vf", { file: QINQ });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    // Every delivered frame had an arrival time (delivered_pps counts measured frames only).
    expect(r.delivered_pps).toBeCloseTo(r.offered_pps, 6);
    expect(r.latency_us.p50).toBeGreaterThan(1);
    // jail-vf is native's graph on a VF's pool: the copies it receives carry the arrival time
    // of the frame they were made from, so its latencies are native's (which gets the originals).
    expect(r.latency_us).toEqual(run("native", { file: QINQ }).latency_us);
  });

  it("virtio: arrival times follow the frames through vhost's copy into guest buffers", () => {
    const r = run("virtio", { file: QINQ });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    expect(r.delivered_pps).toBeCloseTo(r.offered_pps, 6);
    // The guest is reached through the host's bridge, tap and vhost: later than the host's stack.
    expect(r.latency_us.p50).toBeGreaterThan(run("native", { file: QINQ }).latency_us.p50);
  });

  it("above the consumer's capacity: its lost frames are the loss, the other pools' are not", () => {
    const r = run("native", { file: QINQ }, { ratePps: 3e6, durationNs: 5e6 });
    const rep = r.replay!;
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.dropped["NIC switch: no descriptor"]).toBeGreaterThan(0);
    expect(rep.consumer_lost).toBe(
      r.conservation.dropped["NIC switch: no descriptor"] + r.conservation.inFlight,
    );
    expect(rep.to_consumer).toBe(r.conservation.delivered);
    expect(r.loss_ratio).toBeCloseTo(rep.consumer_lost / (rep.to_consumer + rep.consumer_lost), 12);
    expect(r.loss_ratio).toBeGreaterThan(0);
    expect(r.loss_ratio).toBeLessThan(0.5);
  });

  it("is deterministic: the same spec gives the same simulated result", () => {
    const a = run("vm-vf", { file: QINQ });
    const b = run("vm-vf", { file: QINQ });
    const strip = (r: SimResult) => ({ ...r, simulator: null });
    expect(strip(a)).toEqual(strip(b));
  });
});

describe("replay: a capture taken elsewhere (issue 9 item 3)", () => {
  it("as captured: every frame is an L2-filter drop, said as all_filtered, loss 1", () => {
    const r = run("native", { file: DNS });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(0);
    expect(r.conservation.dropped["NIC switch: L2 filter"]).toBe(r.conservation.sent);
    expect(r.replay?.all_filtered).toBe(true);
    expect(r.loss_ratio).toBe(1);
  });

  it("--rewrite-dst consumer / PF / VF-0: delivered, loss 0", () => {
    for (const [path, port] of [
      ["native", "consumer"],
      ["native", "PF"],
      ["jail-vf", "VF-0"],
      ["jail-epair", "consumer"],
      ["virtio", "consumer"],
    ] as const) {
      const r = run(path, { file: DNS, rewriteDst: port });
      expect(r.conservation.ok, `${path} ${port}`).toBe(true);
      expect(r.conservation.delivered, `${path} ${port}`).toBe(r.conservation.sent);
      expect(r.loss_ratio, `${path} ${port}`).toBe(0);
      expect(r.latency_us.p50, `${path} ${port}`).toBeGreaterThan(0);
    }
  });

  it("--rewrite-dst to another port: frames go there, not to the path's consumer", () => {
    const r = run("native", { file: DNS, rewriteDst: "VF-1" });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(0);
    expect(r.replay?.all_filtered).toBe(false);
    expect(Object.values(r.conservation.deliveredElsewhere ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      0,
    );
  });

  it("--promisc PF on native delivers unknown unicast; an untrusted VF's request is refused", () => {
    const r = run("native", { file: DNS, promisc: ["PF"] });
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    expect(() => run("jail-vf", { file: DNS, promisc: ["VF-0"] })).toThrow(UserError);
    expect(() => run("jail-vf", { file: DNS, promisc: ["VF-0"] })).toThrow(/untrusted.*allow-promisc/);
    expect(() => run("jail-vf", { file: DNS, promisc: ["consumer"] })).toThrow(
      /'--promisc consumer' \(VF-0\): VF-0 is untrusted/,
    );
  });

  it("--promisc on a VF whose configuration allows it", () => {
    const text = `PF { device: "ixl0"; num_vfs: 2; }\nDEFAULT { passthrough: true; }\nVF-0 { passthrough: false; allow-promisc: true; }\n`;
    const r = run(
      "jail-vf",
      { file: DNS, promisc: ["consumer"] },
      { config: { text, file: "promisc.conf" } },
    );
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
  });
});

describe("replay: rewriting destinations", () => {
  it("--rewrite-dst-all sends broadcast frames to the one port named; without it they stay broadcast", () => {
    const all = run("native", { file: QINQ, rewriteDst: "VF-1", rewriteAll: true });
    expect(all.conservation.ok).toBe(true);
    expect(all.conservation.copies).toBe(0); // unicast now: no replication
    expect(all.conservation.delivered).toBe(0);
    expect(
      Object.keys(all.conservation.deliveredElsewhere ?? {}).every((k) => k.startsWith("switch pool 1 ")),
    ).toBe(true);
    const kept = run("native", { file: QINQ, rewriteDst: "VF-1" });
    expect(kept.conservation.delivered).toBe(kept.conservation.sent); // still broadcast: the PF gets them
  });

  it("Poisson arrivals on a replayed capture conserve and deliver", () => {
    const r = run("vm-vf", { file: QINQ }, { arrival: "poisson" });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.sent).toBeGreaterThan(150);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
  });

  const mac = new Uint8Array([2, 1, 0, 0, 0, 0x10]);
  it("rewrites unicast, keeps broadcast/multicast unless asked, leaves runts", () => {
    const uni = unicastFrame(60);
    const bcast = unicastFrame(60, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect([...rewriteDestination(uni, mac).subarray(0, 6)]).toEqual([...mac]);
    expect(uni[1]).toBe(0x99); // the capture's bytes are not touched
    const view = Buffer.from(unicastFrame(60)); // records read from a file are Buffer views
    rewriteDestination(view, mac);
    expect(view[1]).toBe(0x99);
    expect(rewriteDestination(bcast, mac)).toBe(bcast);
    expect([...rewriteDestination(bcast, mac, true).subarray(0, 6)]).toEqual([...mac]);
    const runt = new Uint8Array(4);
    expect(rewriteDestination(runt, mac, true)).toBe(runt);
  });
});

describe("replay: timing", () => {
  it("at the capture's timestamps: gaps, looped with the mean gap", () => {
    const g = captureGapsPs([0, 10_000, 30_000]);
    expect(g.gapsPs).toEqual([10e6, 20e6, 15e6]);
    expect(g.ratePps).toBeCloseTo(3 / 45e-6, 6);
    const file = pcapOf("timed.pcap", [unicastFrame(60), unicastFrame(60), unicastFrame(60)], [0, 10, 30]);
    const r = run(
      "native",
      { file, rewriteDst: "consumer", timing: "capture" },
      { ratePps: 3 / 45e-6, durationNs: 100_000 },
    );
    // Frames start at 0, 10, 30, 45, 55, 75, 90 µs (then 105 > 100 µs): 7 frames.
    expect(r.conservation.sent).toBe(7);
    expect(r.conservation.delivered).toBe(7);
  });

  it("re-paced: the offered rate sets the load whatever the capture's spacing", () => {
    const file = pcapOf("sparse.pcap", [unicastFrame(60), unicastFrame(60)], [0, 1_000_000]);
    const r = run("native", { file, rewriteDst: "consumer" }, { ratePps: 1_000_000, durationNs: 100_000 });
    expect(r.conservation.sent).toBe(100);
  });
});

describe("replay: malformed captures", () => {
  it("empty, over-long and unreadable records are counted and dropped; runts go to the switch", () => {
    const file = pcapOf(
      "bad.pcap",
      [unicastFrame(60), new Uint8Array(0), unicastFrame(9725), new Uint8Array(10), unicastFrame(1514)],
      [0, 1, 2, 3, 4],
      true,
    );
    const c = loadReplayCapture(file);
    expect(c.frames.length).toBe(3);
    expect(c.dropped).toEqual({
      "empty record": 1,
      "longer than 9724 bytes (the largest frame any modelled NIC takes)": 1,
      "unreadable (corrupt record)": 1,
    });
    expect(c.notes.join()).toMatch(
      /: read the 5 whole records before it; the last \d+ bytes \(from byte \d+\) were left out$/,
    );
    const r = run("native", { file, rewriteDst: "consumer" });
    expect(r.conservation.ok).toBe(true);
    // One frame in three is the 10-byte runt: the NIC drops it as such.
    expect(r.conservation.dropped["NIC switch: runt"]).toBeGreaterThan(0);
    expect(r.conservation.delivered + r.conservation.dropped["NIC switch: runt"]).toBe(r.conservation.sent);
  });

  it("a vendored malformed capture (tcpdump bgp_vpn_rt-oobr): empty records dropped, the cut frame replayed", () => {
    const c = loadReplayCapture(join(captures, "malformed", "bgp_vpn_rt-oobr.pcap"));
    expect(c.dropped).toEqual({ "empty record": 37 });
    expect(c.frames.length).toBe(1);
    expect(c.snaplenCut).toBe(1);
  });

  it("a file that is no capture is a user error naming it", () => {
    const file = join(tmp, "not.pcap");
    writeFileSync(file, "hello, not a capture");
    expect(() => loadReplayCapture(file)).toThrow(UserError);
    expect(() => loadReplayCapture(file)).toThrow(/not\.pcap/);
  });
});
