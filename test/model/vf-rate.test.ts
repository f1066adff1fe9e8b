// How each NIC programs a VF's max_tx_rate (src/model/vf-rate.ts, facts from the NIC profiles):
// i40e's 50 Mb/s credits (rounded down, at least one) and ixgbe/igb's RTTBCNRC rate factor.
import { describe, expect, it } from "vitest";
import {
  programmedMbps,
  VF_TX_SHAPER_NAMES,
  vfTxShaperConstants,
  vfTxShaping,
} from "../../src/model/vf-rate.ts";
import { getProfile } from "../../src/nic/profile.ts";
import { iovsim } from "../helpers/cli.ts";

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

  it("its figures carry value, unit, range, tag and source like cost constants, and model show lists them", async () => {
    for (const id of ["ixl", "ix", "igb"]) {
      const c = vfTxShaperConstants(getProfile(id)!)!;
      expect(Object.keys(c)).toEqual([...VF_TX_SHAPER_NAMES]);
      for (const k of VF_TX_SHAPER_NAMES) {
        expect(c[k].range[0], `${id} ${k}`).toBeLessThanOrEqual(c[k].value);
        expect(c[k].value, `${id} ${k}`).toBeLessThanOrEqual(c[k].range[1]);
        expect(c[k].source.length, `${id} ${k}`).toBeGreaterThan(10);
      }
      // Counting is Layer 1 (frame + FCS + 20 B) or the frame with its FCS: the range spans both.
      expect(c.vf_tx_counted_bytes).toMatchObject({ value: 24, range: [4, 24], tag: "assumption" });
      expect(c.vf_tx_burst_bytes.tag).toBe("assumption");
      // The engine charges what the listing says.
      expect(vfTxShaping(getProfile(id)!, 100)).toMatchObject({
        perFrameBytes: c.vf_tx_counted_bytes.value,
        burstBytes: c.vf_tx_burst_bytes.value,
      });
    }
    expect(vfTxShaperConstants(getProfile("ixl")!)!.vf_tx_granularity).toMatchObject({
      value: 50,
      unit: "Mbit/s per credit",
    });
    const text = await iovsim(["model", "show", "--nic", "igb"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("VF transmit rate limiter of NIC igb");
    expect(text.out).toMatch(
      /vf_tx_burst_bytes\s+20480\s+bytes\s+\[1538, 20480\]\s+assumption\s+igb_set_vf_rate_limit/,
    );
    expect(text.out).toMatch(/vf_tx_counted_bytes\s+24\s+bytes\/frame\s+\[4, 24\]\s+assumption/);
    const json = JSON.parse((await iovsim(["model", "show", "--nic", "ix", "--json"])).out);
    expect(json.hardware.vf_tx_shaper.vf_tx_burst_bytes).toMatchObject({ value: 4096, range: [1538, 20480] });
  });
});
