// How each NIC programs a VF's max_tx_rate (src/model/vf-rate.ts, facts from the NIC profiles):
// i40e's 50 Mb/s credits (rounded down, at least one) and ixgbe/igb's RTTBCNRC rate factor.
import { describe, expect, it } from "vitest";
import { programmedMbps, vfTxShaping } from "../../src/model/vf-rate.ts";
import { getProfile } from "../../src/nic/profile.ts";

describe("a VF's transmit limit as the NIC programs it", () => {
  it("i40e: credits of 50 Mb/s, rounded down; below 50 the driver sets 50", () => {
    const g = getProfile("ixl")!.vfTxShaper!.granularity;
    expect(programmedMbps(g, 500, 10_000)).toBe(500);
    expect(programmedMbps(g, 75, 10_000)).toBe(50);
    expect(programmedMbps(g, 20, 10_000)).toBe(50);
    expect(programmedMbps(g, 9_999, 10_000)).toBe(9_950);
  });

  it("ixgbe/igb: link / rate in fixed point with 14 fractional bits, the factor truncated", () => {
    const g = getProfile("ix")!.vfTxShaper!.granularity;
    expect(programmedMbps(g, 500, 10_000)).toBe(500);
    // 10000 * 2^14 / 3000 = 54613.33: the factor 54613 runs slightly faster than asked.
    expect(programmedMbps(g, 3_000, 10_000)).toBeCloseTo((10_000 * 16384) / 54613, 9);
    expect(programmedMbps(getProfile("igb")!.vfTxShaper!.granularity, 300, 1_000)).toBeCloseTo(
      (1_000 * 16384) / Math.floor((1_000 * 16384) / 300),
      9,
    );
  });

  it("no limit (0) shapes nothing; a limit counts Layer 1 bytes per frame (FCS + 20 B)", () => {
    const ixl = getProfile("ixl")!;
    expect(vfTxShaping(ixl, 0)).toBeNull();
    expect(vfTxShaping(ixl, 500)).toMatchObject({ programmedMbps: 500, perFrameBytes: 24, counts: "layer1" });
  });
});
