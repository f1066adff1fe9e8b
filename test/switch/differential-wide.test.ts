// Differential test for wide ports (issue 9 item 4): 64..128 pools, so pool sets use their hi
// word (pools 64..127; the PF is the last pool, e.g. pool 64 of ixl0 with 64 VFs). Random
// configurations and events as in differential-switch.test.ts, plus unicast between VFs (the Tx
// and Rx fast paths' case, which must leave any frame that may reach a pool >= 64 to the
// general path) and unicast to and from the pools >= 64. Wasm and reference must agree frame
// by frame, on every delivery and counter; both fast paths and the hi word must be exercised.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";
import { fastPathPool, type Rng, randomConfig, randomEvents, rng } from "./random-switch.ts";

const CONFIGS = 24;
const EVENTS_PER_CONFIG = 300;

beforeAll(async () => {
  await loadModule();
});

/** 63..127 VFs (64..128 pools); frames up to 1600 bytes buffered, so buffers stay 2 KiB. */
function wideConfig(r: Rng): SwitchConfig {
  const cfg = randomConfig(r, { vfs: r.bool(0.4) ? 64 : r.int(63, 127) });
  cfg.port.ringSize = r.pick([8, 64]);
  cfg.port.txMaxFrame = r.pick([1518, 1600]);
  if (r.bool(0.7)) {
    cfg.port.mode = "veb";
    cfg.port.txLoopback = true;
  }
  // Unicast promiscuous pools take every unicast frame (no fast path beside one): mostly none.
  const upeOff = r.bool(0.75);
  for (const p of cfg.pools) {
    if (p.flags.lpe) p.rlpml = r.pick([1522, 1600]);
    if (upeOff) p.flags.upe = false;
    if (r.bool(0.2)) continue;
    // The fast paths' case for most pools: untagged traffic accepted, no port VLAN.
    fastPathPool(p);
  }
  if (!upeOff && cfg.pools.length > 64) {
    // A promiscuous pool >= 64: every unicast frame the fast paths see also reaches it.
    const p = cfg.pools[r.int(64, cfg.pools.length - 1)]!;
    Object.assign(p.flags, { upe: true, aupe: true });
    p.rxEnable = true;
  }
  return cfg;
}

const IPS = ["10.0.0.1", "10.0.0.2", "66.9.149.187", "161.142.100.80"];

/** Unicast IPv4 TCP/UDP between two pools' filter addresses (either may be >= 64), or from the wire. */
function unicast(r: Rng, cfg: SwitchConfig): SwitchEvent {
  const n = cfg.pools.length;
  const high = () => r.int(64, n - 1);
  const any = () => r.int(0, n - 1);
  const macOf = (pool: number) => cfg.rar.find((x) => x.pools.includes(pool))?.mac ?? "02:00:00:00:00:99";
  const src = n > 64 && r.bool(0.2) ? high() : any();
  const dst = n > 64 && r.bool(0.3) ? high() : any();
  const ip = eth({ dst: macOf(dst), src: macOf(src) }).ipv4({ src: r.pick(IPS), dst: r.pick(IPS) });
  const ports = { sport: r.int(0, 65535), dport: r.pick([80, 443, r.int(0, 65535)]) };
  const frame = (r.bool(0.6) ? ip.tcp(ports) : ip.udp(ports)).build({ padTo: 60 });
  return r.bool(0.35) ? { kind: "wire", frame } : { kind: "tx", pool: src, frame };
}

function events(r: Rng, cfg: SwitchConfig): SwitchEvent[] {
  const general = randomEvents(r, cfg, EVENTS_PER_CONFIG);
  return general.map((e) => (e.kind !== "drain" && r.bool(0.5) ? unicast(r, cfg) : e));
}

describe("Wasm switch vs reference switch with 64..128 pools", () => {
  it(`agrees on ${CONFIGS} wide configurations x ${EVENTS_PER_CONFIG} events`, () => {
    const seen = { frames: 0, txFast: 0, rxFast: 0, highCopies: 0, maxPools: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
        const r = rng(seed);
        const cfg = wideConfig(r);
        const evs = events(r, cfg);
        const alwaysCopy = (seed & 1) === 1;
        const w = new WasmSwitch(cfg, { traceCapacity: evs.length + 16, alwaysCopy, bufCount: 16384 });
        const res = runBoth(cfg, evs, w);
        seen.frames += res.frames;
        seen.txFast += res.fastFrames;
        seen.rxFast += res.rxFastFrames;
        seen.highCopies += res.highPoolCopies;
        seen.maxPools = Math.max(seen.maxPools, cfg.pools.length);
        if (res.problems.length > 0) throw new Error(`seed ${seed}:\n${res.problems.join("\n")}`);
      }),
      { numRuns: CONFIGS, seed: 0x128, endOnFailure: true },
    );
    console.log(`wide ports: ${JSON.stringify(seen)}`);
    expect(seen.maxPools).toBeGreaterThan(100);
    expect(seen.highCopies).toBeGreaterThan(500); // the hi word carried real deliveries
    expect(seen.txFast).toBeGreaterThan(200); // the fast paths still ran beside pools >= 64
    expect(seen.rxFast).toBeGreaterThan(100);
  }, 120_000);
});
