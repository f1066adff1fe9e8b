// The NIC's transmit rate limiter of a VF (src/engine/elements/vf-shaper.ts), run by the engine on
// a host whose VF got `ip link set ixl0 vf 0 max_tx_rate R` through the Linux view: the VF's
// frames leave at the programmed rate (what the wire peer receives over the run's virtual time),
// the limiter is the run's bottleneck, the sender's full queue drops the rest; without a limit
// the graph has no limiter at all.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { limitedHost } from "../helpers/limited-vf-host.ts";
import { baseSpec } from "./base-spec.ts";

const txSpec = (mbps: number, ratePps: number, path = "jail-vf") =>
  baseSpec({ path, direction: "tx", ratePps, durationNs: 10e6, warmupNs: 1e6, config: limitedHost(mbps) });

beforeAll(async () => {
  await ensureKernels();
});

describe("a VF's max_tx_rate in the engine", () => {
  it("frames leave at the programmed rate (Layer 1 bytes), the limiter busy all the run and named the bottleneck", () => {
    const r = simulate(txSpec(500, 1.2e6));
    const limitPps = 500e6 / ((64 + 20) * 8);
    // Every frame the wire peer got left through the limiter: over the run's virtual time (the
    // ring keeps it busy from the first frame to the last) no more than the rate plus the
    // bucket's burst at the start (4096 B: 48 frames of 84 B), and not less.
    const burstFrames = Math.ceil(4096 / 84) + 1;
    const t = r.virtual_ns * 1e-9;
    expect(r.conservation.delivered).toBeLessThanOrEqual(limitPps * t + burstFrames);
    expect(r.conservation.delivered / t).toBeGreaterThan(limitPps * 0.97);
    expect(r.bottleneck).toBe("vf0-max-tx-rate");
    const shaper = r.resources.find((x) => x.resource === "vf0-max-tx-rate")!;
    expect(shaper.kind).toBe("shaper");
    expect(shaper.utilization).toBeGreaterThan(0.97);
    expect(r.loss_ratio).toBeGreaterThan(0.2);
    expect(Object.keys(r.conservation.dropped)).toEqual(["stack.tx: queue full (tail drop)"]);
    expect(r.conservation.ok).toBe(true);
    // While the ring is full the driver's retries post nothing and ring no doorbell: the core is
    // charged one doorbell per batch that posted frames (doorbell_cycles 300), no more.
    const core = r.resources.find((x) => x.resource === "host-core0")!;
    const drv = r.elements!.find((e) => e.name === "iavf-tx")!;
    expect(core.by_event.doorbell * r.conservation.delivered).toBeCloseTo(300 * drv.batches, 3);
  });

  it("below the limit nothing waits for it: no loss, the limiter's share is the load's", () => {
    const limitPps = 500e6 / ((64 + 20) * 8);
    const r = simulate(txSpec(500, 0.5 * limitPps));
    expect(r.loss_ratio).toBe(0);
    const shaper = r.resources.find((x) => x.resource === "vf0-max-tx-rate")!;
    expect(shaper.utilization).toBeGreaterThan(0.45);
    expect(shaper.utilization).toBeLessThan(0.55);
  });

  it("VF-to-VF loopback is held to the sending VF's rate too", () => {
    const r = simulate(txSpec(500, 1.2e6, "vf-loopback"));
    const limitPps = 500e6 / ((64 + 20) * 8);
    const burstFrames = Math.ceil(4096 / 84) + 1;
    expect(r.conservation.delivered).toBeLessThanOrEqual(limitPps * r.virtual_ns * 1e-9 + burstFrames);
    expect(r.bottleneck).toBe("vf0-max-tx-rate");
  });

  it("without a limit the graph has no limiter and runs as before", () => {
    const r = simulate(txSpec(0, 1e6));
    expect(r.resources.map((x) => x.resource)).not.toContain("vf0-max-tx-rate");
    expect(r.loss_ratio).toBe(0);
  });
});
