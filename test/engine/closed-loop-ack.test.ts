// A closed loop's ACKs (ScenarioSpec.ackEvery): the receiver sends one ACK frame per `ackEvery`
// reads through its path's transmit direction, and the sender's window opens only when an ACK
// reaches the wire. Pinned here: ACKs per frame, the window's dependence on the ACK's way back,
// the guest's kicks per ACK with ring flags and with the event index, and the same results on
// one and on two worker threads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClosedLoop } from "../../src/engine/application.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec, SimResult } from "../../src/engine/types.ts";
import { poolRunner } from "../../src/experiment/pool.ts";
import type { TrialRunner } from "../../src/experiment/runner.ts";
import { costVariant } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const LINE_64B = 14_880_952;
const LINE_1514B = 10e9 / ((1514 + 20) * 8);

const spec = (path: string, profile: string, extra: Partial<ScenarioSpec> = {}): ScenarioSpec => ({
  path,
  direction: "rx",
  traffic: defaultProfile({ sizes: { kind: "fixed", size: 64 } }),
  ratePps: LINE_64B,
  arrival: "constant",
  durationNs: 2e6,
  warmupNs: 4e5,
  seed: 1,
  profile,
  application: true,
  window: 64,
  ...extra,
});

const element = (r: SimResult, name: string) => r.elements?.find((e) => e.name === name);

describe("the closed loop's ACKs", () => {
  it("sends one ACK per ackEvery reads, each a small frame through the transmit path to the wire", () => {
    for (const every of [1, 2, 4]) {
      const r = simulate(spec("native", "kvm-exits", { ackEvery: every }));
      const cl = r.closed_loop!;
      expect(cl.ack_every).toBe(every);
      expect(cl.acks_sent).toBe(Math.floor(cl.reads / every));
      // Every ACK sent reached the wire by the end of the run (it drains), through the driver.
      expect(cl.acks_arrived).toBe(cl.acks_sent);
      expect(element(r, "pf-tx")?.packets).toBe(cl.acks_sent);
      expect(element(r, "wire-peer")?.packets).toBe(cl.acks_sent);
      // ACKs are not offered traffic: the data frames alone are measured, none lost.
      expect(r.loss_ratio).toBeLessThan(0.01); // frames in flight at the window's edges
      expect(r.conservation.dropped).toEqual({});
      expect(r.frameBytes).toBe(64);
      expect(r.conservation.ok).toBe(true);
    }
  });

  it("costs the receiver its transmit path: the default ACKs slow a CPU-bound guest", () => {
    const acks = simulate(spec("vm-vf", "kvm-exits"));
    const none = simulate(spec("vm-vf", "kvm-exits", { ackEvery: 0 }));
    expect(acks.closed_loop?.ack_every).toBe(2); // the default
    expect(none.closed_loop?.acks_sent).toBe(0);
    expect(acks.delivered_pps).toBeLessThan(0.95 * none.delivered_pps);
    const vcpu = (r: SimResult) => r.resources.find((x) => x.resource === "guest-vcpu0")!;
    expect(vcpu(none).by_event.stack_tx).toBeUndefined();
    expect(vcpu(acks).by_event.stack_tx).toBeGreaterThan(0);
    expect(vcpu(acks).by_event.drv_tx_pkt).toBeGreaterThan(0);
  });

  it("opens the window only when an ACK arrives: a small window waits for the way back", () => {
    // A window of 4 frames: with ACKs the sender waits for each ACK's transmit, doorbell, NIC
    // and wire, so the stream is slower though the receiving core has time to spare; without
    // them (ackEvery 0) a read reopens the window at once.
    const r = (ackEvery: number) => simulate(spec("native", "kvm-exits", { window: 4, ackEvery }));
    const acks = r(2);
    const none = r(0);
    const core = (x: SimResult) => x.resources.find((y) => y.resource === "host-core0")!;
    expect(acks.delivered_pps).toBeLessThan(0.85 * none.delivered_pps);
    expect(core(acks).work_utilization).toBeLessThan(0.8);
    // The data frames' sender never ran more than the window ahead of the ACKs that arrived.
    const sent = element(acks, "gen")!.packets;
    expect(sent).toBeLessThanOrEqual(4 + 2 * acks.closed_loop!.acks_arrived);
  });

  it("ClosedLoop: a read opens nothing until its ACK arrives; each ACK opens ackEvery frames", () => {
    const loop = new ClosedLoop(4, 2, "gen-tx", "wire-peer");
    const asked: number[] = [];
    loop.ackSender = (t) => asked.push(t);
    const resumed: number[] = [];
    loop.wait((t) => resumed.push(t));
    expect(loop.room(4)).toBe(0);
    loop.onRead(10);
    expect(asked).toEqual([]);
    loop.onRead(20);
    expect(asked).toEqual([20]); // the second read asks for an ACK
    expect(loop.room(4)).toBe(0); // not yet arrived: the window is still full
    expect(resumed).toEqual([]);
    loop.acksIn(35, 1);
    expect(loop.room(4)).toBe(2);
    expect(resumed).toEqual([35]);
    // Without ACKs, a read opens the window at once.
    const direct = new ClosedLoop(4);
    direct.onRead(10);
    expect(direct.room(4)).toBe(1);
  });

  it("kicks the vhost thread per ACK on virtio, with ring flags and with the event index", () => {
    const stream = (profile: string) =>
      simulate(
        spec("virtio", profile, {
          ratePps: LINE_1514B,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 1514 } }),
        }),
      );
    const none = simulate(
      spec("virtio", "kvm-exits", {
        ratePps: LINE_1514B,
        traffic: defaultProfile({ sizes: { kind: "fixed", size: 1514 } }),
        ackEvery: 0,
      }),
    );
    expect(none.events.kicks).toBe(0); // no ACK, no transmit, no kick
    for (const profile of ["kvm-exits", costVariant("kvm-exits", { virtio_event_idx: 0 })]) {
      const r = stream(profile);
      const acks = r.closed_loop!.acks_sent;
      expect(acks).toBeGreaterThan(100);
      expect(element(r, "vhost-copy-tx")?.packets).toBe(acks);
      // A kick is a VM exit (kvm-exits); no more kicks than posts, and sparse ACKs (one every
      // few microseconds) find vhost's transmit handler idle, asking for a kick, nearly always.
      expect(r.events.kicks).toBeLessThanOrEqual(acks);
      expect(r.events.kicks).toBeGreaterThan(0.5 * acks);
      expect(r.events.vm_exits).toBeGreaterThanOrEqual(r.events.kicks);
    }
  });

  it("refuses ACKs it cannot carry, naming the option", () => {
    const bad =
      (extra: Partial<ScenarioSpec>, path = "native") =>
      () =>
        simulate(spec(path, "kvm-exits", extra));
    expect(bad({ window: 1 })).toThrow(/window of 1 frame is smaller than one ACK's 2 frames/);
    expect(bad({ ackEvery: -1 })).toThrow(/ackEvery must be a whole number of frames >= 0/);
    expect(bad({ ackEvery: 1.5 })).toThrow(/ackEvery must be a whole number/);
    expect(bad({ window: undefined, ackEvery: 2 })).toThrow(/ackEvery needs a closed-loop window/);
    expect(bad({}, "jail-epair-fwd")).toThrow(/no transmit direction .* to carry the ACKs/);
    expect(bad({}, "virtio-tap")).toThrow(/no sender on the wire to acknowledge/);
  });
});

describe("the closed loop with ACKs on worker threads", () => {
  let one: TrialRunner;
  let two: TrialRunner;
  beforeAll(() => {
    one = poolRunner(1);
    two = poolRunner(2);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });
  it("gives the same results on one worker and on two", async () => {
    const specs = [spec("vm-vf", "kvm-exits"), spec("native", "kvm-exits", { ackEvery: 4 })];
    const strip = (r: SimResult) => ({ ...r, simulator: undefined });
    const a = await Promise.all(specs.map((s) => one.run(s)));
    const b = await Promise.all(specs.map((s) => two.run(s)));
    expect(b.map(strip)).toEqual(a.map(strip));
    expect(a.map(strip)).toEqual(specs.map((s) => strip(simulate(s))));
    expect(a[0].closed_loop?.acks_sent).toBeGreaterThan(0);
  }, 120_000);
});
