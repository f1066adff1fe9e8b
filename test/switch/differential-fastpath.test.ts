// Differential test for the Wasm Tx fast path (assembly/switch/fast-tx.ts txFast): random configurations
// biased towards VEB loopback of unicast IPv4 TCP/UDP between VFs (the path's common case),
// mixed with the general random events and with mutations that make candidates bail out, in
// zero-copy and always-copy modes. Wasm and reference must agree frame by frame and on every
// counter, and the fast path must actually have switched a good share of the frames.
import { beforeAll, describe, expect, it } from "vitest";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import type { SwitchEvent } from "./diff-harness.ts";
import { checkFastPathAgrees } from "./fast-path-property.ts";
import { fastPathPool, type Rng, randomConfig, unicastIpv4 } from "./random-switch.ts";

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
    fastPathPool(p);
  }
  return cfg;
}

/** Unicast IPv4 TCP/UDP from a pool's own MAC to another filter's MAC, sometimes bent. */
function unicastTx(r: Rng, cfg: SwitchConfig): SwitchEvent {
  const pool = r.int(0, cfg.pools.length - 1);
  const own = cfg.rar.find((x) => x.pools.includes(pool))?.mac ?? "02:00:00:00:00:01";
  const others = cfg.rar.filter((x) => !x.pools.includes(pool)).map((x) => x.mac);
  const dst =
    others.length > 0 && r.bool(0.85)
      ? r.pick(others)
      : r.pick(cfg.rar.map((x) => x.mac).concat([own, "02:00:00:00:00:99"]));
  const frame = unicastIpv4(r, eth({ dst, src: r.bool(0.95) ? own : "00:11:22:33:44:55" }));
  const ev: SwitchEvent = { kind: "tx", pool, frame };
  if (r.bool(0.03)) ev.vlanTci = r.int(0, 0xffff);
  return ev;
}

describe("Wasm Tx fast path vs reference switch", () => {
  it(`agrees on ${CONFIGS} loopback-biased configurations x ${EVENTS_PER_CONFIG} events`, () => {
    const { frames, fast } = checkFastPathAgrees({
      configs: CONFIGS,
      eventsPerConfig: EVENTS_PER_CONFIG,
      config: biasedConfig,
      event: unicastTx,
      fastFrames: (res) => res.fastFrames,
    });
    expect(frames).toBeGreaterThan(CONFIGS * EVENTS_PER_CONFIG * 0.8);
    expect(fast.zeroCopy).toBeGreaterThan(2000);
    expect(fast.copy).toBeGreaterThan(2000);
  });
});
