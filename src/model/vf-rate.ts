// A VF's transmit rate limit as its NIC programs it (`ip link set DEV vf N max_tx_rate R`, or
// the legacy `rate R`): the rate the driver asks for becomes the hardware's granularity (i40e's
// 50 Mb/s BW credits, ixgbe/igb's RTTBCNRC rate factor), and the NIC profile's `vfTxShaper`
// says what a frame costs the limiter and how much it lets through after an idle spell. The
// engine's veb-tx serves the VF's transmit ring through it (src/engine/elements/vf-shaper.ts).
import { linkSpeedMbpsOf, type NicProfile } from "../nic/profile.ts";
import type { CostConstant } from "./costs.ts";

/** Bytes of preamble, start delimiter and inter-frame gap around each frame on the wire. */
const LAYER1_OVERHEAD_BYTES = 20;
/** The frame check sequence the NIC appends (the ring holds frames without it). */
const FCS_BYTES = 4;

export interface VfTxShaping {
  /** The rate asked for (Mb/s: ip link's max_tx_rate). */
  askedMbps: number;
  /** The rate the hardware runs at after its granularity (Mb/s). */
  programmedMbps: number;
  /** Bytes a frame costs on top of its length in the ring (FCS, and preamble + IFG for Layer 1). */
  perFrameBytes: number;
  /** Bytes it lets through back to back after an idle spell. */
  burstBytes: number;
  counts: "layer1" | "frame";
  /** How sure the profile is of `counts` and of `burstBytes` (both assumptions today). */
  countsTag: CostConstant["tag"];
  burstTag: CostConstant["tag"];
}

/**
 * The rate a NIC runs a VF's limit at: i40e_set_bw_limit's credits (max_tx_rate / 50, rounded
 * down; below 50 raised to 50), or ixgbe/igb's rate factor link / R in fixed point with
 * `fractionBits` fractional bits (the hardware spaces frames by the truncated factor).
 */
export function programmedMbps(
  g: NonNullable<NicProfile["vfTxShaper"]>["granularity"],
  askedMbps: number,
  linkMbps: number,
): number {
  if (g.kind === "credits") return Math.max(1, Math.floor(askedMbps / g.creditMbps)) * g.creditMbps;
  if (g.kind === "mantissa-exponent") return rlProfileMbps(g, askedMbps);
  const one = 2 ** g.fractionBits;
  const factor = Math.floor((linkMbps * one) / askedMbps);
  return (linkMbps * one) / factor;
}

type MantissaExponent = Extract<
  NonNullable<NicProfile["vfTxShaper"]>["granularity"],
  { kind: "mantissa-exponent" }
>;

/**
 * ice_sched_bw_to_rl_profile (Linux ice_sched.c) in integer arithmetic: the rate in Kb/s (ice_set_vf_bw
 * passes max_tx_rate * 1000) as bytes/s; for each exponent e the tick rate clock / (divider x 2^e)
 * and the mantissa bytes/s / tick, rounded to nearest (round_up_64bit over ICE_RL_PROF_MULTIPLIER);
 * the first mantissa above `mantissaAbove` is programmed, and the limiter runs at mantissa x tick.
 */
function rlProfileMbps(g: MantissaExponent, askedMbps: number): number {
  const kbps = Math.min(g.maxKbps, Math.max(g.minKbps, Math.round(askedMbps * 1000)));
  const bytesPerSec = BigInt(Math.floor((kbps * 1000) / 8));
  const MULT = 10000n; // ICE_RL_PROF_MULTIPLIER: four decimals of the mantissa
  for (let e = 0n; e < 64n; e++) {
    const tick = BigInt(g.clockHz) / (BigInt(g.tickDivider) << e);
    if (tick <= 0n) continue;
    const mv = ((bytesPerSec * MULT) / tick + MULT / 2n) / MULT;
    if (mv > BigInt(g.mantissaAbove)) return (Number(mv * tick) * 8) / 1e6;
  }
  // No exponent gives the mantissa its precision (a rate below one tick): the driver refuses it
  // (ENOENT); the control plane never gets here with a whole Mb/s.
  return askedMbps;
}

/** The shaping of a VF limited to `askedMbps` on this NIC, or null: no limit (0) or a NIC
 *  without a VF rate limiter. */
export function vfTxShaping(profile: NicProfile, askedMbps: number): VfTxShaping | null {
  const s = profile.vfTxShaper;
  if (!s || !(askedMbps > 0)) return null;
  const link = linkSpeedMbpsOf(profile);
  return {
    askedMbps,
    programmedMbps: programmedMbps(s.granularity, askedMbps, link),
    perFrameBytes: countedBytes(s.counts.value),
    burstBytes: s.burstBytes.value,
    counts: s.counts.value,
    countsTag: s.counts.tag,
    burstTag: s.burstBytes.tag,
  };
}

/** Bytes a frame costs the limiter beyond its bytes in the ring. */
function countedBytes(counts: "layer1" | "frame"): number {
  return FCS_BYTES + (counts === "layer1" ? LAYER1_OVERHEAD_BYTES : 0);
}

export const VF_TX_SHAPER_NAMES = ["vf_tx_granularity", "vf_tx_counted_bytes", "vf_tx_burst_bytes"] as const;
export type VfTxShaperName = (typeof VF_TX_SHAPER_NAMES)[number];

/**
 * The limiter's figures as constants with provenance (value, unit, range, tag, source, use), as
 * `iovsim model show --nic ID` lists them beside the hardware limits; null: the NIC has none.
 * What a frame costs spans frame bytes (FCS only) to Layer 1 bytes: the two ways to count.
 */
export function vfTxShaperConstants(profile: NicProfile): Record<VfTxShaperName, CostConstant> | null {
  const s = profile.vfTxShaper;
  if (!s) return null;
  const g = s.granularity;
  const counted = countedBytes(s.counts.value);
  return {
    vf_tx_granularity:
      g.kind === "mantissa-exponent"
        ? {
            value: g.mantissaAbove,
            unit: "mantissa floor",
            range: [g.mantissaAbove, g.mantissaAbove],
            tag: g.tag,
            source: g.source,
            use: `ip link's max_tx_rate (in Kb/s, ${g.minKbps}..${g.maxKbps}) becomes a mantissa above this times a tick rate of ${g.clockHz} Hz / (${g.tickDivider} x 2^e) bytes/s, rounded to the nearest mantissa: the rate the limiter runs at, within 1/${2 * g.mantissaAbove} of the rate asked.`,
          }
        : g.kind === "credits"
          ? {
              value: g.creditMbps,
              unit: "Mbit/s per credit",
              range: [g.creditMbps, g.creditMbps],
              tag: g.tag,
              source: g.source,
              use: "ip link's max_tx_rate becomes this many whole credits (rounded down, at least one): the rate the limiter runs at.",
            }
          : {
              value: g.fractionBits,
              unit: "fraction bits",
              range: [g.fractionBits, g.fractionBits],
              tag: g.tag,
              source: g.source,
              use: "ip link's max_tx_rate becomes the factor link speed / rate in fixed point with this many fractional bits, truncated: the rate the limiter runs at.",
            },
    vf_tx_counted_bytes: {
      value: counted,
      unit: "bytes/frame",
      range: [countedBytes("frame"), countedBytes("layer1")],
      tag: s.counts.tag,
      source: `counts ${s.counts.value}: ${s.counts.source}`,
      use: "What a frame costs the limiter beyond its bytes in the ring: the FCS, and counting Layer 1 bytes the preamble, start delimiter and inter-frame gap (20 B).",
    },
    vf_tx_burst_bytes: {
      value: s.burstBytes.value,
      unit: "bytes",
      range: s.burstBytes.range,
      tag: s.burstBytes.tag,
      source: s.burstBytes.source,
      use: "Bytes the limiter lets through back to back after an idle spell (its bucket): a frame may start once the time the frames before it end at the rate, less this, has come.",
    },
  };
}
