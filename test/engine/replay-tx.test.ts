// Transmit-direction replay (paths --pcap FILE --direction tx): each path's consumer sends the
// capture's frames through its driver, the NIC's Tx checks and switch, to the wire; the same
// pacing options, latency from the side table (hand-over to the last bit on the wire),
// conservation with broadcast copies, the Tx checks' drops counted as policy (anti-spoof, MDD),
// malformed records counted and dropped, and the options of the other direction refused.
import { beforeAll, describe, expect, it } from "vitest";
import { checkReplayDirection, TX_REPLAY_PATHS } from "../../src/engine/replay.ts";
import { ensureKernels } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { ENGINE_PATHS } from "../../src/paths/path-graphs.ts";
import { type ReplaySpec, rewriteSource } from "../../src/traffic/replay.ts";
import { conserves, DNS, pcapOf, QINQ, replayRun, sum, unicastFrame } from "./replay-fixtures.ts";

const run = (
  path: string,
  replay: Omit<ReplaySpec, "timing"> & { timing?: ReplaySpec["timing"] },
  o: Partial<ScenarioSpec> = {},
): SimResult => replayRun("tx", path, replay, o);

const TX_DROPPED = "NIC switch: tx dropped (MDD, oversize or anti-spoof)";

beforeAll(async () => {
  await ensureKernels();
});

describe("tx replay: the consumer sends the capture to the wire", () => {
  it("runs on every path with a transmit side but vf-loopback (the refusal's reason is its own)", () => {
    // virtio-tap transmits as virtio does (VIRTIO_TX): a capture replays there too.
    expect(TX_REPLAY_PATHS).toContain("virtio-tap");
    const withTx = ENGINE_PATHS.filter((p) => p.tx !== null).map((p) => p.name);
    expect(withTx.filter((p) => !TX_REPLAY_PATHS.includes(p))).toEqual(["vf-loopback"]);
    expect(() => checkReplayDirection({ file: "f", timing: "paced" }, "tx", "vf-loopback")).toThrow(
      /path 'vf-loopback' is not supported \(the looped-back peer may receive the NIC's copies/,
    );
  });

  it("every supported path: every frame reaches the wire, timed, conserved, loss 0", () => {
    for (const path of TX_REPLAY_PATHS) {
      const r = run(path, { file: DNS, rewriteSrc: "consumer" });
      const k = r.conservation;
      expect(k.ok, path).toBe(true);
      expect(conserves(r), path).toBe(true);
      expect(k.sent, path).toBe(200); // 500 kpps for 0.4 ms, looped over 2 frames
      expect(k.delivered, path).toBe(k.sent); // the peer on the wire took every one
      expect(r.replay, path).toEqual({
        to_consumer: 200,
        consumer_lost: 0,
        filtered: 0,
        all_filtered: false,
      });
      expect(r.loss_ratio, path).toBe(0);
      // Every frame had its hand-over time in the side table (delivered counts timed frames).
      expect(r.delivered_pps, path).toBeCloseTo(r.offered_pps, 6);
      expect(r.latency_us.p50, path).toBeGreaterThan(0.5);
      expect(r.integrity.bad, path).toBe(0);
    }
  });

  it("the PF sends foreign source MACs as captured; an untrusted VF's anti-spoof drops them all", () => {
    expect(run("native", { file: DNS }).conservation.delivered).toBe(200);
    const r = run("jail-vf", { file: DNS });
    const k = r.conservation;
    // Conserved: a frame the Tx checks drop entered the switch (tx_dropped, not tx_packets).
    expect(k.ok).toBe(true);
    expect(conserves(r)).toBe(true);
    expect(k.copies).toBe(0);
    expect(k.delivered).toBe(0);
    expect(k.dropped[TX_DROPPED]).toBe(k.sent);
    expect(r.replay).toEqual({ to_consumer: 0, consumer_lost: 0, filtered: 200, all_filtered: true });
    expect(r.loss_ratio).toBe(1);
    // Another port's MAC is spoofing too; the sender's own passes.
    expect(run("vm-vf", { file: DNS, rewriteSrc: "PF" }).conservation.dropped[TX_DROPPED]).toBe(200);
    expect(run("vm-vf", { file: DNS, rewriteSrc: "consumer" }).conservation.delivered).toBe(200);
  });

  it("a broadcast capture: to the wire and copied to the other pools, conserved", () => {
    const r = run("vm-vf", { file: QINQ, rewriteSrc: "consumer" });
    const k = r.conservation;
    expect(k.ok).toBe(true);
    expect(conserves(r)).toBe(true);
    expect(k.delivered).toBe(k.sent);
    // VEB loopback: each broadcast also reaches the PF and the two other VFs.
    expect(k.copies).toBe(3 * k.sent);
    expect(sum(k.deliveredElsewhere)).toBe(3 * k.sent);
    expect(r.loss_ratio).toBe(0);
  });

  it("above the sender's capacity: its stack holds frames back (offered below the rate asked), none is lost", () => {
    const r = run("native", { file: QINQ }, { ratePps: 3e6, durationNs: 2e6 });
    expect(r.conservation.ok).toBe(true);
    expect(r.offered_pps).toBeLessThan(0.95 * 3e6);
    expect(r.loss_ratio).toBe(0);
    expect(r.replay!.to_consumer).toBe(r.conservation.delivered);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    // Queued in the sending stack: latency far above the idle 2-3 µs.
    expect(r.latency_us.p50).toBeGreaterThan(50);
  });

  it("virtio: the guest's and vhost's copies come back into the frame's own buffer, timed", () => {
    const r = run("virtio", { file: QINQ });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    expect(r.delivered_pps).toBeCloseTo(r.offered_pps, 6);
    // Through the guest's virtio-net, vhost, tap and the host bridge: later than the PF's stack.
    expect(r.latency_us.p50).toBeGreaterThan(run("native", { file: QINQ }).latency_us.p50);
  });

  it("through the host bridge, a capture's own sources are learned on the sending port", () => {
    // dns_udp.pcap is a query A -> B and its answer B -> A: once the bridge has learned A on
    // the jail's port, the answer to A is for its ingress port and is dropped (if_bridge).
    const r = run("jail-epair", { file: DNS });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.dropped["bridge-tx: destination on the ingress port"]).toBe(199);
    expect(r.conservation.delivered).toBe(1);
    expect(run("jail-epair", { file: DNS, rewriteSrc: "consumer" }).conservation.delivered).toBe(200);
  });

  it("malformed frames: a runt is an MDD drop at the NIC (policy), the others reach the wire", () => {
    const file = pcapOf("tx-bad.pcap", [unicastFrame(60), new Uint8Array(10), unicastFrame(1514)], [0, 1, 2]);
    const r = run("jail-vf", { file, rewriteSrc: "consumer" });
    const k = r.conservation;
    expect(k.ok).toBe(true);
    expect(k.dropped[TX_DROPPED]).toBeGreaterThan(0);
    expect(k.delivered + k.dropped[TX_DROPPED]).toBe(k.sent);
    expect(r.replay?.filtered).toBe(k.dropped[TX_DROPPED]);
    expect(r.loss_ratio).toBe(0); // the Tx checks' drops are policy, not the path's loss
  });

  it("at the capture's timestamps: its spacing sets the offered load", () => {
    const file = pcapOf("tx-5us.pcap", [unicastFrame(60), unicastFrame(60)], [0, 5]);
    const r = run("native", { file, timing: "capture" }, { durationNs: 100_000 });
    expect(r.conservation.sent).toBe(20); // a frame every 5 µs for 100 µs
    expect(r.conservation.delivered).toBe(20);
  });

  it("is deterministic", () => {
    const a = run("jail-epair", { file: QINQ });
    const b = run("jail-epair", { file: QINQ });
    expect({ ...a, simulator: null }).toEqual({ ...b, simulator: null });
  });

  it("rewrites the source MAC only, never in place", () => {
    const f = unicastFrame(60);
    const g = rewriteSource(f, new Uint8Array([2, 0, 0, 0, 0, 0x10]));
    expect([...g.subarray(6, 12)]).toEqual([2, 0, 0, 0, 0, 0x10]);
    expect([...g.subarray(0, 6)]).toEqual([...f.subarray(0, 6)]);
    expect(f[11]).toBe(0x01);
    const runt = new Uint8Array(10);
    expect(rewriteSource(runt, new Uint8Array(6))).toBe(runt);
  });
});

describe("tx replay: refused where it does not apply, naming the option", () => {
  it("--direction both, the receive options, and the paths whose timing it cannot follow", () => {
    expect(() => run("native", { file: DNS }, { direction: "both" })).toThrow(
      /one direction: --direction rx .* or tx/,
    );
    expect(() => run("native", { file: DNS, rewriteDst: "consumer" })).toThrow(
      /--rewrite-dst applies to .*--direction rx/,
    );
    expect(() => run("native", { file: DNS, promisc: ["PF"] })).toThrow(/--promisc applies to receiving/);
    expect(() => run("native", { file: DNS, rewriteSrc: "consumer" }, { direction: "rx" })).toThrow(
      /--rewrite-src applies to a capture sent by the consumer: --direction tx/,
    );
    expect(() => run("vf-loopback", { file: DNS })).toThrow(
      /path 'vf-loopback' is not supported .* NIC's copies/,
    );
  });
});
