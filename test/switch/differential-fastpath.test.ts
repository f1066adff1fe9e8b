// Differential test for the Wasm Tx fast path (assembly/switch/fast-tx.ts txFast): random configurations
// biased towards VEB loopback of unicast IPv4 TCP/UDP between VFs (the path's common case),
// mixed with the general random events and with mutations that make candidates bail out, in
// zero-copy and always-copy modes. Wasm and reference must agree frame by frame and on every
// counter, and the fast path must actually have switched a good share of the frames.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";
import { type Rng, randomConfig, randomEvents, rng } from "./random-switch.ts";

const CONFIGS = 120;
const EVENTS_PER_CONFIG = 300;

beforeAll(async () => {
  await loadModule();
});

function biasedConfig(r: Rng): SwitchConfig {
  const cfg = randomConfig(r);
  if (r.bool(0.9)) {
    cfg.port.mode = "veb";
    cfg.port.txLoopback = true;
  }
  cfg.port.rxBufferSize = r.bool(0.8) ? r.pick([2048, 1024]) : 128;
  cfg.port.ringSize = r.pick([8, 64, 512, 512]);
  cfg.port.rss.onLoopback = r.bool(0.6);
  // Mostly untagged-friendly pools without a port VLAN (the path's case), some left as drawn.
  for (const p of cfg.pools) {
    if (r.bool(0.2)) continue;
    p.flags.aupe = true;
    p.flags.upe = false;
    p.rxEnable = true;
    p.txEnable = true;
    p.portVlan = { ...p.portVlan, action: "descriptor" };
  }
  return cfg;
}

const IPS = ["10.0.0.1", "10.0.0.2", "66.9.149.187", "161.142.100.80", "192.168.1.1"];

/** Unicast IPv4 TCP/UDP from a pool's own MAC to another filter's MAC, sometimes bent. */
function unicastTx(r: Rng, cfg: SwitchConfig): SwitchEvent {
  const pool = r.int(0, cfg.pools.length - 1);
  const own = cfg.rar.find((x) => x.pools.includes(pool))?.mac ?? "02:00:00:00:00:01";
  const others = cfg.rar.filter((x) => !x.pools.includes(pool)).map((x) => x.mac);
  const dst =
    others.length > 0 && r.bool(0.85)
      ? r.pick(others)
      : r.pick(cfg.rar.map((x) => x.mac).concat([own, "02:00:00:00:00:99"]));
  const ip = eth({ dst, src: r.bool(0.95) ? own : "00:11:22:33:44:55" }).ipv4({
    src: r.pick(IPS),
    dst: r.pick(IPS),
    mf: r.bool(0.03),
    options: r.bool(0.03) ? [1, 1, 1, 1] : undefined,
  });
  const ports = { sport: r.int(0, 65535), dport: r.pick([80, 443, 4789, r.int(0, 65535)]) };
  let f = (r.bool(0.6) ? ip.tcp(ports) : ip.udp(ports))
    .payload(r.int(0, r.bool(0.1) ? 1600 : r.bool(0.5) ? 200 : 40))
    .build();
  if (r.bool(0.05)) f = f.subarray(0, r.int(0, f.length));
  if (r.bool(0.05)) {
    f = f.slice();
    f[r.int(0, Math.min(f.length, 60) - 1)] = r.int(0, 255);
  }
  const ev: SwitchEvent = { kind: "tx", pool, frame: f };
  if (r.bool(0.03)) ev.vlanTci = r.int(0, 0xffff);
  return ev;
}

describe("Wasm Tx fast path vs reference switch", () => {
  it(`agrees on ${CONFIGS} loopback-biased configurations x ${EVENTS_PER_CONFIG} events`, () => {
    const fast = { zeroCopy: 0, copy: 0 };
    let frames = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (seed) => {
        const r = rng(seed);
        const cfg = biasedConfig(r);
        const general = randomEvents(r, cfg, EVENTS_PER_CONFIG);
        const events = general.map((e) => (e.kind === "drain" || r.bool(0.3) ? e : unicastTx(r, cfg)));
        const alwaysCopy = (seed & 1) === 1;
        const res = runBoth(cfg, events, undefined, { alwaysCopy });
        frames += res.frames;
        fast[alwaysCopy ? "copy" : "zeroCopy"] += res.fastFrames;
        if (res.problems.length > 0) throw new Error(`seed ${seed}:\n${res.problems.join("\n")}`);
      }),
      { numRuns: CONFIGS, seed: 0x5eed, endOnFailure: true },
    );
    expect(frames).toBeGreaterThan(CONFIGS * EVENTS_PER_CONFIG * 0.8);
    expect(fast.zeroCopy).toBeGreaterThan(2000);
    expect(fast.copy).toBeGreaterThan(2000);
  });
});
