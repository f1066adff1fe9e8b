import { describe, expect, it } from "vitest";
import { l1Gbps, lineRatePps, parseRate, resolveRate } from "../../src/experiment/rate.ts";

describe("line rate and --rate", () => {
  it("line rate counts 20 bytes of preamble and inter-frame gap", () => {
    expect(lineRatePps(64, 10)).toBeCloseTo(14_880_952.38, 1);
    expect(lineRatePps(1518, 10)).toBeCloseTo(812_743.8, 1);
    expect(l1Gbps(lineRatePps(512, 10), 512)).toBeCloseTo(10, 9);
  });

  it("accepts pps, kpps, Mpps, Gbps and % of line rate", () => {
    expect(resolveRate(parseRate("5Mpps"), 64, 10)).toBe(5e6);
    expect(resolveRate(parseRate("500kpps"), 64, 10)).toBe(5e5);
    expect(resolveRate(parseRate("1000pps"), 64, 10)).toBe(1000);
    expect(resolveRate(parseRate("40%"), 64, 10)).toBeCloseTo(0.4 * lineRatePps(64, 10), 3);
    expect(resolveRate(parseRate("5Gbps"), 1518, 10)).toBeCloseTo(lineRatePps(1518, 10) / 2, 3);
    expect(resolveRate(parseRate("100%"), 64, 10)).toBeCloseTo(lineRatePps(64, 10), 3);
  });

  // The report writes links in Gbit/s ("10 Gbit/s link"): a user who types the unit back, or
  // Mbit/s, or 'line' (RFC 2544's "maximum frame rate" of the medium), got "not a rate".
  it("accepts Gbit/s, Mbps, Mbit/s and 'line' (100 % of line rate)", () => {
    expect(resolveRate(parseRate("5Gbit/s"), 1518, 10)).toBeCloseTo(lineRatePps(1518, 10) / 2, 3);
    expect(resolveRate(parseRate("2500Mbps"), 64, 10)).toBeCloseTo(lineRatePps(64, 10) / 4, 3);
    expect(resolveRate(parseRate("2500Mbit/s"), 64, 10)).toBeCloseTo(lineRatePps(64, 10) / 4, 3);
    expect(resolveRate(parseRate("line"), 64, 10)).toBeCloseTo(lineRatePps(64, 10), 3);
    expect(resolveRate(parseRate("LINE"), 1518, 1)).toBeCloseTo(lineRatePps(1518, 1), 3);
    expect(() => parseRate("2line")).toThrow(/is not a rate/);
    expect(() => parseRate("5Gbit")).toThrow(
      /is not a rate \(give a positive number with a unit: pps, kpps, Mpps, Mbps, Gbps \(or Mbit\/s, Gbit\/s\) or %, or 'line'/,
    );
  });

  it("refuses what is not a rate, and a rate the wire cannot carry, naming the option", () => {
    for (const bad of ["", "5", "fast", "-1Mpps", "0pps", "101%", "5 furlongs"])
      expect(() => parseRate(bad)).toThrow(/--rate: .* is not a rate|above 100 %/);
    expect(() => resolveRate(parseRate("5Mpps"), 1518, 10)).toThrow(
      /--rate 5Mpps: above the line rate of 1518-byte frames/,
    );
    // The line rate is written with the decimals that show it below the rate refused.
    expect(() => resolveRate(parseRate("5Mpps"), 64, 1)).toThrow(/1 Gbit\/s link \(1\.488 Mpps\)/);
    expect(() => resolveRate(parseRate("14881kpps"), 64, 10)).toThrow(/10 Gbit\/s link \(14\.88095 Mpps\)/);
  });

  // 14.881 Mpps is how 64 B at 10 GbE is quoted; the line rate is 14.880952 Mpps, and the error
  // read "14.881Mpps: above the line rate ... (14.881 Mpps)".
  it("a rate just above line rate is refused with the line rate to the digits that show it", () => {
    expect(() => resolveRate(parseRate("14.881Mpps"), 64, 10)).toThrow(
      "--rate 14.881Mpps: above the line rate of 64-byte frames on a 10 Gbit/s link (14.88095 Mpps)",
    );
    expect(() => resolveRate(parseRate("14.89Mpps"), 64, 10)).toThrow(/\(14\.881 Mpps\)$/);
    expect(resolveRate(parseRate("14.880952Mpps"), 64, 10)).toBe(14_880_952);
  });
});
