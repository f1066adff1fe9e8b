// A VF's transmit rate limit as its NIC programs it (`ip link set DEV vf N max_tx_rate R`, or
// the legacy `rate R`): the rate the driver asks for becomes the hardware's granularity (i40e's
// 50 Mb/s BW credits, ixgbe/igb's RTTBCNRC rate factor), and the NIC profile's `vfTxShaper`
// says what a frame costs the limiter and how much it lets through after an idle spell. The
// engine's veb-tx serves the VF's transmit ring through it (src/engine/elements/vf-shaper.ts).
import { linkSpeedMbpsOf, type NicProfile } from "../nic/profile.ts";

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
  const one = 2 ** g.fractionBits;
  const factor = Math.floor((linkMbps * one) / askedMbps);
  return (linkMbps * one) / factor;
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
    perFrameBytes: FCS_BYTES + (s.counts === "layer1" ? LAYER1_OVERHEAD_BYTES : 0),
    burstBytes: s.burstBytes,
    counts: s.counts,
  };
}
