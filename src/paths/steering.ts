// Steering comparison on tunnelled traffic (anchors §4): one VTEP pair (fixed outer headers)
// carrying many inner flows, spread over n receive queues by five strategies. Queue choices are
// made by the switch's RSS code (src/switch/reference: parser, Toeplitz with the Microsoft key,
// 128-entry RETA), not by arithmetic on flow ids.
import { parseFrame } from "../switch/reference/parse.ts";
import { DEFAULT_RSS, defaultReta, retaQueue, rssHash } from "../switch/reference/rss.ts";
import { buildTemplate, defaultProfile, type Encap } from "../traffic/profiles.ts";

export type Strategy =
  | "single queue"
  | "outer RSS"
  | "inner RSS"
  | "MAC-based VF steering"
  | "software dispatch";
export const STRATEGIES: readonly Strategy[] = [
  "single queue",
  "outer RSS",
  "inner RSS",
  "MAC-based VF steering",
  "software dispatch",
];

export interface SteeringRow {
  encap: Encap;
  strategy: Strategy;
  perQueue: number[];
  jain: number;
}

/** Jain's fairness index (anchors §4.3): (Σx)² / (n·Σx²). */
export function jain(x: readonly number[]): number {
  const s = x.reduce((a, b) => a + b, 0);
  const s2 = x.reduce((a, b) => a + b * b, 0);
  return s2 === 0 ? 0 : (s * s) / (x.length * s2);
}

/** Frames of `flows` inner UDP flows inside one tunnel between two VTEPs. */
export function tunnelFrames(encap: Encap, flows: number, frames: number): Uint8Array[] {
  const t = buildTemplate(defaultProfile({ encap, l4: "udp" }), 128);
  const out: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const f = t.bytes.slice();
    const port = 1024 + (i % flows);
    f[t.flowOff] = port >> 8;
    f[t.flowOff + 1] = port & 0xff;
    out.push(f);
  }
  return out;
}

function macOf(f: Uint8Array): string {
  return Array.from(f.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** FNV-1a over the inner L3/L4 tuple: what a software dispatcher thread (RPS-like) computes. */
function softwareHash(frame: Uint8Array, tupleStart: number, tupleLen: number): number {
  let h = 0x811c9dc5;
  for (let i = tupleStart; i < tupleStart + tupleLen; i++) h = Math.imul(h ^ frame[i], 0x01000193) >>> 0;
  return h;
}

export function steeringComparison(
  encaps: Encap[] = ["vxlan", "gtpu"],
  queues = 4,
  flows = 256,
  frames = 4096,
): SteeringRow[] {
  const rows: SteeringRow[] = [];
  const reta = defaultReta(queues);
  for (const encap of encaps) {
    const fs = tunnelFrames(encap, flows, frames);
    const tpl = buildTemplate(defaultProfile({ encap, l4: "udp" }), 128);
    // VF-k owns MAC 02:01:00:00:00:1k; the VTEP (the frames' destination) is VF-1's.
    const vfMacs = Array.from({ length: queues }, (_, k) => `02:01:00:00:00:1${k}`);
    vfMacs[1] = macOf(fs[0]);
    const innerTuple = tpl.flowOff - 20 + 12; // inner IPv4 src/dst + UDP ports
    for (const strategy of STRATEGIES) {
      const per = new Array(queues).fill(0);
      for (const f of fs) {
        let q = 0;
        if (strategy === "outer RSS" || strategy === "inner RSS") {
          const parsed = parseFrame(f);
          const { hash } = rssHash(f, parsed, {
            ...DEFAULT_RSS,
            level: strategy === "inner RSS" ? "inner" : "outer",
          });
          q = retaQueue(hash, reta);
        } else if (strategy === "MAC-based VF steering") {
          // One VF per MAC (the NIC's exact-MAC filter): the tunnel's frames all carry the
          // VTEP's MAC, so the VF that owns it gets them all; unknown MACs go to the PF (0).
          q = vfMacs.indexOf(macOf(f));
          if (q < 0) q = 0;
        } else if (strategy === "software dispatch") {
          q = softwareHash(f, innerTuple, 12) % queues;
        }
        per[q]++;
      }
      rows.push({ encap, strategy, perQueue: per, jain: jain(per) });
    }
  }
  return rows;
}
