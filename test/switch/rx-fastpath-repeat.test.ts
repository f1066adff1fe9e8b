// The Rx fast path remembers its last "ring full" drop and drops a frame with the same first 16
// bytes and length the same way without re-running the checks (assembly/switch/fast-rx.ts,
// memoHdr). This pins that shortcut against the reference switch where it matters: bursts of
// frames that share their Ethernet header (what a generator sends) into small rings that fill,
// mixed with frames that differ from the remembered one in a single header byte or in length,
// with and without a tag, in zero-copy and always-copy modes, so the remembered outcome must
// never be reused for a frame the full checks would treat differently.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";
import { randomConfig, rng } from "./random-switch.ts";

const CONFIGS = 60;

beforeAll(async () => {
  await loadModule();
});

describe("Rx fast path: repeated headers into full rings", () => {
  // Traced, every frame takes the per-frame shortcut; untraced (as in a simulation), a run of
  // repeats goes through a loop of its own that must end at the first frame that differs.
  for (const trace of [true, false])
    it(`agrees with the reference on ${CONFIGS} configurations (${trace ? "traced" : "untraced"})`, () => {
      let noDesc = 0;
      let rxFast = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
          const r = rng(seed);
          const cfg = randomConfig(r);
          cfg.port.ringSize = r.pick([2, 8, 8, 32]);
          const macs = cfg.rar.map((x) => x.mac);
          const dst = macs.length > 0 ? r.pick(macs) : "02:00:00:00:00:01";
          const src = r.pick(macs.concat(["00:11:22:33:44:55"]));
          const vid = r.bool(0.3) ? r.pick(cfg.port.vfta.length > 0 ? cfg.port.vfta : [0]) : -1;
          const sizes = [18, 18, 18, r.int(0, 200)];
          const events: SwitchEvent[] = [];
          for (let burst = 0; burst < 3; burst++) {
            for (let k = 0; k < 48; k++) {
              const b = eth({ dst, src });
              const ip = (vid >= 0 ? b.vlan(vid) : b).ipv4({ src: `10.0.0.${r.int(1, 9)}`, dst: "10.0.1.1" });
              let f = ip
                .udp({ sport: r.int(1024, 65535), dport: 4000 })
                .payload(r.pick(sizes))
                .build();
              if (r.bool(0.1)) {
                // One header byte differs from the frames around it (DA, SA, EtherType or TCI).
                f = f.slice();
                f[r.int(0, 15)] ^= 1 << r.int(0, 7);
              }
              events.push({ kind: "wire", frame: f });
            }
            if (r.bool(0.5)) events.push({ kind: "drain" });
          }
          const res = runBoth(cfg, events, undefined, { alwaysCopy: (seed & 1) === 1, trace });
          noDesc += res.noDescDrops;
          rxFast += res.rxFastFrames;
          if (res.problems.length > 0) throw new Error(`seed ${seed}:\n${res.problems.join("\n")}`);
        }),
        { numRuns: CONFIGS, seed: 0x4e70, endOnFailure: true },
      );
      // The shortcut's case happened often: frames through the fast path, copies dropped for want
      // of a descriptor.
      expect(rxFast).toBeGreaterThan(1000);
      expect(noDesc).toBeGreaterThan(1000);
    });
});
