// The frames the engine puts on the wire for a port-VLAN VF (src/traffic/profiles.ts with the
// VF's tag, src/paths/port-vlan.ts) through the NIC switch programmed from the VF records, on
// the Wasm kernels and the TypeScript reference alike: tagged frames are stripped and delivered
// to the VF, spread over its queues by RSS exactly as the same flows untagged (the parser skips
// the tag), the VF's untagged transmit leaves tagged with its VID and PCP, another VLAN's frames
// are dropped by the VLAN filter.
import { beforeAll, describe, expect, it } from "vitest";
import { portVlanOf } from "../../src/paths/port-vlan.ts";
import { setupHost } from "../../src/paths/setup.ts";
import type { Delivery } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { programSwitch } from "../../src/switch/program.ts";
import { loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile } from "../../src/traffic/profiles.ts";
import { runBoth, type SwitchEvent } from "./diff-harness.ts";

const PEER = "02:00:00:00:ff:01";
const VF0_MAC = "02:01:00:00:00:10";
const conf = (vlan: string) =>
  `PF { device: "ix0"; num_vfs: 2; }\nDEFAULT { vlan: "TRUNK"; }\nVF-0 { mac-addr: "${VF0_MAC}";${vlan} }\nVF-1 { }\n`;

beforeAll(async () => {
  await loadModule();
});

/** The generator's frames (one per flow) toward VF-0, tagged as `vlan` says. */
function wireFrames(vlan: { vid: number; pcp: number } | null): Uint8Array[] {
  const p = defaultProfile({ dstMac: VF0_MAC, srcMac: PEER, flows: 32, ...(vlan ? { vlan } : {}) });
  const t = buildTemplates(p).templates[0]!;
  return Array.from({ length: 32 }, (_, flow) => {
    const f = t.bytes.slice();
    f[t.flowOff] = flow >> 8;
    f[t.flowOff + 1] = flow & 0xff;
    return f;
  });
}

function receive(text: string, frames: Uint8Array[]): Delivery[] {
  const w = new WasmSwitch(programSwitch(setupHost(text).host.pf("ix0")!), { traceCapacity: 64 });
  w.injectWire(frames);
  w.run();
  return w.drainAll();
}

describe("a port-VLAN VF's wire traffic through the NIC switch", () => {
  const tagged = conf(" vlan: 100;");
  const tag = portVlanOf(setupHost(tagged).vfs[0]);

  it("tagged frames are stripped and spread by RSS as the same flows untagged (the tag skipped)", () => {
    expect(tag).toEqual({ vid: 100, pcp: 0 });
    const got = receive(tagged, wireFrames(tag));
    const plain = receive(conf(""), wireFrames(null));
    expect(got).toHaveLength(32);
    expect(got.every((d) => d.pool === 0 && d.vlanStripped && d.vlanTci === null)).toBe(true);
    expect(got.map((d) => [d.queue, d.hash, d.rssType])).toEqual(
      plain.map((d) => [d.queue, d.hash, d.rssType]),
    );
    expect(new Set(got.map((d) => d.queue)).size).toBeGreaterThan(1);
    // The consumer sees the frame the untagged peer would have sent.
    expect(got.map((d) => Buffer.from(d.bytes).toString("hex"))).toEqual(
      plain.map((d) => Buffer.from(d.bytes).toString("hex")),
    );
  });

  it("the Wasm kernels and the reference agree: delivery, transmit tagging (VID, PCP), VLAN filter", () => {
    const cfg = programSwitch(setupHost(tagged).host.pf("ix0")!);
    // A PCP as Linux `ip link ... qos 5` sets it on the pool's inserted tag.
    cfg.pools[0]!.portVlan.tci = 100 | (5 << 13);
    const untaggedTx = defaultProfile({ dstMac: PEER, srcMac: VF0_MAC });
    const events: SwitchEvent[] = [
      ...wireFrames({ vid: 100, pcp: 5 }).map((frame) => ({ kind: "wire" as const, frame })),
      ...wireFrames({ vid: 300, pcp: 0 }).map((frame) => ({ kind: "wire" as const, frame })),
      { kind: "tx", pool: 0, frame: buildTemplates(untaggedTx).templates[0]!.bytes },
      { kind: "drain" },
    ];
    expect(runBoth(cfg, events).problems).toEqual([]);
    const w = new WasmSwitch(cfg, { traceCapacity: 128 });
    w.injectWire(wireFrames({ vid: 300, pcp: 0 }));
    w.injectTx(0, [buildTemplates(untaggedTx).templates[0]!.bytes]);
    w.run();
    expect(w.counters().port.rx_vlan_filtered).toBe(32);
    const out = w.wireOut();
    expect(out).toHaveLength(1);
    expect([...out[0]!.slice(12, 16)]).toEqual([0x81, 0x00, (5 << 5) | 0, 100]);
    expect(out[0]!.length).toBe(64); // 60 bytes sent + the 4-byte tag (no FCS)
  });
});
