// The frame size of a steering mix, said in the output (text notes and JSON `mixes`): the line
// rate and every Mpps figure depend on it, and a mix's size follows from its headers (VXLAN:
// outer Ethernet, IPv4, UDP, VXLAN, inner Ethernet, IPv4, UDP) plus the generated payload.
import { meanFrameBytes } from "./ndr.ts";
import type { SteeringTraffic } from "./traffic.ts";

/** Ethernet frame check sequence: counted in every frame size here, as on the wire. */
const FCS_BYTES = 4;

export interface MixFrameSize {
  traffic: string;
  /** Mean over the frames a run offers (the same draw as the simulation), with FCS. */
  mean_bytes: number;
  /** Smallest and largest frame of the mix, with FCS. */
  min_bytes: number;
  max_bytes: number;
  /** Payload inside the innermost headers of every frame (null: not one figure). */
  payload_bytes: number | null;
  /** IP version of the user's packets and of the underlay (--ip); null: a capture. */
  ip: SteeringTraffic["ip"];
}

export function mixFrameSize(t: SteeringTraffic, frames: number, seed: number): MixFrameSize {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const f of t.flowFrames) {
    min = Math.min(min, f.length + FCS_BYTES);
    max = Math.max(max, f.length + FCS_BYTES);
  }
  return {
    traffic: t.name,
    mean_bytes: meanFrameBytes(t, frames, seed),
    min_bytes: min,
    max_bytes: max,
    payload_bytes: t.payloadBytes,
    ip: t.ip,
  };
}

/** "vxlan frames: 128 B with FCS (92 B of headers, 32 B of payload, 4 B FCS)", or a range. */
export function mixFrameSizeNote(m: MixFrameSize): string {
  const parts = (bytes: number) =>
    m.payload_bytes === null
      ? ""
      : ` (${bytes - m.payload_bytes - FCS_BYTES} B of headers, ${m.payload_bytes} B of payload, ${FCS_BYTES} B FCS)`;
  if (m.min_bytes === m.max_bytes)
    return `${m.traffic} frames: ${m.min_bytes} B with FCS${parts(m.min_bytes)}`;
  const payload = m.payload_bytes === null ? "" : `; headers vary, ${m.payload_bytes} B of payload each`;
  return `${m.traffic} frames: ${m.min_bytes}-${m.max_bytes} B with FCS, ${m.mean_bytes.toFixed(1)} B on average${payload}`;
}
