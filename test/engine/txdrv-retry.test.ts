// A transmit driver's drain that posts nothing costs nothing (src/engine/elements/txdrv.ts): with
// no VF rate limit, a sender faster than its NIC fills the NIC's transmit ring; the driver's queue
// stops there (its driver's stopFree, the NIC profile's txQueue) until the NIC's completions wake it (tx-queue-stop.ts), and a
// stopped queue posts no descriptor and writes no doorbell. The CPU the driver runs on is charged,
// for the driver's event kinds, exactly the per-event costs of what it posted: drv_tx_pkt and
// tx_reap_pkt per frame, doorbell per batch that posted at least one frame. (Before the first fix
// these runs charged a doorbell per empty drain, then retried every backpressure_retry_ns: 49,
// 127 and 7 more doorbells than batches.)
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
});

/** `factor` x the 10 GbE line rate of `size` B frames (Layer 1: frame + 20 B). */
const lineRate = (size: number, factor: number) => (factor * 10e9) / ((size + 20) * 8);

describe("a transmit driver's retry on a full ring (no VF limit)", () => {
  it.each([
    // FreeBSD's costs, passthrough at line rate (a load `paths --rate 100%` offers): the guest's
    // driver outruns the NIC's pipeline for a while and finds its ring full.
    { path: "passthrough", profile: "freebsd", size: 512, factor: 1, cpu: "guest-vcpu0" },
    // Asked at twice line rate (the engine gives a sender at most the wire's line rate:
    // src/engine/line-rate.ts) ...
    { path: "passthrough", profile: "bhyve", size: 1518, factor: 2, cpu: "guest-vcpu0" },
    // ... and the host's PF driver behind the bridge, its core the bottleneck.
    { path: "jail-epair", profile: "bhyve", size: 1518, factor: 2, cpu: "host-core0" },
  ])(
    "$path tx $size B at $factor x line rate ($profile): the $cpu pays per frame posted and per posting batch, nothing per empty retry",
    ({ path, profile, size, factor, cpu }) => {
      const c = loadCosts(profile).c;
      const r = simulate(
        baseSpec({
          path,
          direction: "tx",
          profile,
          ratePps: lineRate(size, factor),
          traffic: defaultProfile({ sizes: { kind: "fixed", size } }),
        }),
      );
      expect(r.conservation.ok).toBe(true);
      const core = r.resources.find((x) => x.resource === cpu)!;
      const drv = r.elements!.find((e) => e.kind === "txdrv")!;
      expect(drv.resource).toBe(cpu);
      // by_event is cycles per delivered frame over the whole run: back to totals.
      const total = (kind: string) => (core.by_event[kind] ?? 0) * r.conservation.delivered;
      expect(drv.packets).toBe(r.conservation.sent);
      expect(total("drv_tx_pkt")).toBeCloseTo(c.drv_tx_pkt_cycles * drv.packets, 3);
      expect(total("tx_reap_pkt")).toBeCloseTo(c.tx_reap_pkt_cycles * drv.packets, 3);
      // One doorbell per batch that posted (countBatch counts only those), none per empty retry.
      expect(total("doorbell")).toBeCloseTo(c.doorbell_cycles * drv.batches, 3);
    },
  );
});
