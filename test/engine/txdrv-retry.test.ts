// A transmit driver's retry that posts nothing costs nothing (src/engine/elements/txdrv.ts): with
// no VF rate limit, a sender faster than its NIC fills the NIC's transmit ring, and the driver's
// drains that find it full (the Stage retries every microsecond) post no descriptor and write no
// doorbell. The CPU the driver runs on is charged, for the driver's event kinds, exactly the
// per-event costs of what it posted: drv_tx_pkt and tx_reap_pkt per frame, doorbell per batch that
// posted at least one frame. (Before the fix these runs charged a doorbell per empty retry too:
// passthrough 127 and jail-epair 7 more doorbells than batches, 38,100 and 2,100 cycles.)
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { baseSpec } from "./base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
});

/** Twice the 10 GbE line rate of 1518 B frames (Layer 1: frame + 20 B). */
const twiceLineRate1518 = (2 * 10e9) / ((1518 + 20) * 8);

describe("a transmit driver's retry on a full ring (no VF limit)", () => {
  it.each([
    // The guest's igb/ix driver on passthrough: the NIC's pipeline is the bottleneck.
    { path: "passthrough", cpu: "guest-vcpu0" },
    // The host's PF driver behind the bridge (jail-epair): the host core is the bottleneck.
    { path: "jail-epair", cpu: "host-core0" },
  ])(
    "$path tx 1518 B at twice line rate: the $cpu pays per frame posted and per posting batch, nothing per empty retry",
    ({ path, cpu }) => {
      const c = loadCosts("bhyve").c;
      const r = simulate(
        baseSpec({
          path,
          direction: "tx",
          ratePps: twiceLineRate1518,
          traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
        }),
      );
      expect(r.conservation.ok).toBe(true);
      // Overload: the NIC drops what the wire cannot take (the sender outruns it).
      expect(r.conservation.dropped["NIC switch: wire-out ring full"]).toBeGreaterThan(0);
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
