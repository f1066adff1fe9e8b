// Properties (invariants 1 and 2 of the engine) for replayed captures, the only way frames
// shorter than Ethernet's minimum reach the engine (the generator builds 64..1518 B): random
// captures of frames from 1 B (too short for a destination: a runt) to 1514 B, replayed toward
// the consumer at loads up to twice 64 B line rate. Every frame is conserved (a runt counted and dropped by the switch),
// and the wire carries no more frames than its line rate allows with each frame padded to the
// 64-byte minimum (60 B + FCS), plus preamble and IFG.
// fast-check's seed is fixed (PROPERTY_SEED): a failure prints a counterexample that replays.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { measureFromNs } from "../../src/engine/context.ts";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { conservationErrors, wireBytes } from "./invariants.ts";
import { pcapOf, unicastFrame } from "./replay-fixtures.ts";
import { PROPERTY_SEED } from "./scenario-arb.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

/** A frame of `len` bytes: a unicast IPv4 frame when it can hold the header, else bare bytes. */
const frameOf = (len: number) => (len >= 14 ? unicastFrame(len) : new Uint8Array(len).fill(0x02));

const frameLen = fc.oneof(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 60, max: 1514 }));

describe("replayed captures with frames below the minimum", () => {
  it("conserve every frame and stay within the padded line rate", () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.record({
          path: fc.constantFrom("native", "jail-vf", "vm-vf", "passthrough", "virtio", "jail-epair"),
          lens: fc.array(frameLen, { minLength: 1, maxLength: 12 }),
          ratePps: fc.constantFrom(1e5, 2e6, 3e7),
          linkGbps: fc.constantFrom(1, 10),
          warmupNs: fc.constantFrom(0, 50_000, 77_777),
        }),
        (s) => {
          const file = pcapOf(
            `prop-${n++}.pcap`,
            s.lens.map(frameOf),
            s.lens.map((_, i) => i),
          );
          const durationNs = 300_000;
          const r = simulate({
            path: s.path,
            direction: "rx",
            traffic: defaultProfile(),
            ratePps: s.ratePps,
            arrival: "constant",
            durationNs,
            warmupNs: s.warmupNs,
            seed: 1,
            profile: "bhyve",
            linkGbps: s.linkGbps,
            replay: { file, timing: "paced", rewriteDst: "consumer" },
          });
          const errors = conservationErrors(r);
          // A captured frame has no FCS: on the wire it is padded to 60 B, then 4 B FCS.
          const smallest = wireBytes(Math.min(...s.lens) + 4);
          const line = (s.linkGbps * 1e9) / 8 / smallest;
          const frame = 1e9 / (durationNs - measureFromNs(s.warmupNs));
          if (r.offered_pps > line + 2 * frame)
            errors.push(`offered ${r.offered_pps} > padded line rate ${line}`);
          if (r.delivered_pps > r.offered_pps + 1e-6)
            errors.push(`delivered ${r.delivered_pps} > offered ${r.offered_pps}`);
          expect(errors, JSON.stringify(s)).toEqual([]);
          return true;
        },
      ),
      { numRuns: 80, seed: PROPERTY_SEED },
    );
  }, 120_000);
});
