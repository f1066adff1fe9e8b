// Differential test for the Wasm Rx fast path (assembly/switch/fast-rx.ts rxFast): random configurations
// biased towards the wire -> pool case of the packet paths (unicast IPv4 TCP/UDP to an exact
// MAC filter of one pool), mixed with the general random events and with mutations that make
// candidates bail out (tags, multicast, runts, truncation, fragments, oversize, unknown MACs),
// in zero-copy and always-copy modes. Wasm and reference must agree frame by frame and on every
// counter, and the Rx fast path must actually have received a good share of the frames.
import { beforeAll, describe, expect, it } from "vitest";
import type { SwitchConfig } from "../../src/switch/config.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { eth } from "../../src/traffic/frames.ts";
import type { SwitchEvent } from "./diff-harness.ts";
import { checkFastPathAgrees } from "./fast-path-property.ts";
import { type Rng, randomConfig, unicastIpv4 } from "./random-switch.ts";

const CONFIGS = 120;
const EVENTS_PER_CONFIG = 300;

beforeAll(async () => {
  await loadModule();
});

function biasedConfig(r: Rng): SwitchConfig {
  const cfg = randomConfig(r);
  cfg.port.rxBufferSize = r.bool(0.8) ? r.pick([2048, 1024]) : 128;
  cfg.port.ringSize = r.pick([8, 64, 512, 512]);
  // Mostly one pool per exact filter (the path's case: the VF's own MAC).
  for (const e of cfg.rar) if (e.pools.length > 1 && r.bool(0.7)) e.pools = [e.pools[0]];
  for (const p of cfg.pools) {
    if (r.bool(0.2)) continue;
    p.flags.aupe = true;
    if (r.bool(0.9)) p.flags.upe = false;
    p.rxEnable = r.bool(0.95);
  }
  return cfg;
}

/** Unicast IPv4 TCP/UDP from the wire to a filter's MAC, sometimes bent. */
function unicastWire(r: Rng, cfg: SwitchConfig): SwitchEvent {
  const macs = cfg.rar.map((x) => x.mac);
  const dst =
    macs.length > 0 && r.bool(0.9)
      ? r.pick(macs)
      : r.pick(["02:00:00:00:00:99", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff"]);
  // VIDs the configuration knows (VFTA / pool VLAN lists), so tags pass the VLAN filter too.
  const vids = cfg.port.vfta.length > 0 ? cfg.port.vfta : [0];
  const b = eth({ dst, src: r.pick(macs.concat(["00:11:22:33:44:55"])) });
  const tagged = r.bool(0.3) ? b.vlan(r.bool(0.5) ? r.int(0, 4095) : r.pick(vids)) : b;
  return { kind: "wire", frame: unicastIpv4(r, tagged) };
}

describe("Wasm Rx fast path vs reference switch", () => {
  it(`agrees on ${CONFIGS} wire-biased configurations x ${EVENTS_PER_CONFIG} events`, () => {
    const { frames, wire, fast } = checkFastPathAgrees({
      configs: CONFIGS,
      eventsPerConfig: EVENTS_PER_CONFIG,
      config: biasedConfig,
      event: unicastWire,
      fastFrames: (res) => res.rxFastFrames,
    });
    console.log(`wire frames ${wire}, Rx fast path: ${fast.zeroCopy} zero-copy, ${fast.copy} copied`);
    expect(frames).toBeGreaterThan(CONFIGS * EVENTS_PER_CONFIG * 0.8);
    expect(fast.zeroCopy).toBeGreaterThan(2000);
    expect(fast.copy).toBeGreaterThan(2000);
  });
});
