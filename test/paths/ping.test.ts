// ping is simulated: echo requests out through the transmit elements, an echo responder on the
// wire, replies back through the receive elements, each checked; modeled RTT from the exchange.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfile } from "../../src/model/profile.ts";
import { consumerMac, nicFor, PASSTHROUGH_PF, WIRE_PEER_MAC } from "../../src/paths/compare.ts";
import { PathEngine } from "../../src/paths/engine.ts";
import { PATHS } from "../../src/paths/graphs.ts";
import { checkReply, PING_FRAME_SIZE, simulatePing } from "../../src/paths/ping.ts";
import { PfAssignments, setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { buildTemplates, defaultProfile } from "../../src/traffic/profiles.ts";

let engine: PathEngine;
const ph = setupHost(TALK_IOVCTL_CONF);
new PfAssignments().assign(ph.host, PASSTHROUGH_PF, "vm1");
const profile = loadProfile("bhyve");
beforeAll(async () => {
  engine = await PathEngine.create(1);
});
afterAll(async () => {
  await engine?.close();
});

describe("simulated ping", () => {
  for (const g of PATHS.filter((p) => p.elements)) {
    it(`${g.name}: every echo comes back, checked, with a modeled RTT from its own events`, () => {
      const sim = simulatePing(engine, g, {
        count: 4,
        profile,
        linkGbps: 10,
        consumerMac: consumerMac(g, ph),
        peerMac: WIRE_PEER_MAC,
        nic: nicFor(g, ph),
      });
      expect(sim.echoes.map((e) => e.problem)).toEqual([undefined, undefined, undefined, undefined]);
      expect(sim.echoes.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
      expect(sim.conservation).toMatchObject({ sent: 4, delivered: 4, inFlight: 0, ok: true });
      for (const e of sim.echoes) {
        expect(e.rx.switchLookups).toBe(1); // the reply crossed the switch's receive side
        expect(e.tx.switchLookups).toBe(1); // the request crossed its transmit side
        expect(e.modeledRttUs).toBeGreaterThan(0);
        expect(e.measuredUs).toBeGreaterThan(0);
      }
      if (g.context === "vm-assigned") expect(sim.echoes[0].rx.iotlbLookups).toBe(2);
      if (g.name === "virtio") expect(sim.echoes[0].tx.copies).toBe(1);
    });
  }

  it("the VM's modeled RTT is about 3x native, the jail's about native (the talk)", () => {
    const rtt = (name: string) => {
      const g = PATHS.find((p) => p.name === name)!;
      return simulatePing(engine, g, {
        count: 1,
        profile,
        linkGbps: 10,
        consumerMac: consumerMac(g, ph),
        peerMac: WIRE_PEER_MAC,
        nic: nicFor(g, ph),
      }).echoes[0].modeledRttUs;
    };
    const native = rtt("native");
    expect(rtt("vm-vf") / native).toBeGreaterThan(2);
    expect(rtt("vm-vf") / native).toBeLessThan(4);
    expect(rtt("jail-vf") / native).toBeLessThan(1.2);
  });

  it("a reply with a wrong sequence, id, type or payload is refused with the reason", () => {
    const req = defaultProfile({ l4: "icmp", flows: 1, sizes: { kind: "fixed", size: PING_FRAME_SIZE } });
    const tpl = buildTemplates(req).templates[0];
    const reply = () => {
      const f = tpl.bytes.slice();
      f.set(tpl.bytes.subarray(6, 12), 0); // dst <- src
      f.set(tpl.bytes.subarray(0, 6), 6);
      const icmp = 34;
      f[icmp] = 0;
      // checksum: type 8 -> 0 adds 0x0800 to the complemented sum
      const c = ((f[icmp + 2] << 8) | f[icmp + 3]) + 0x0800;
      const folded = (c & 0xffff) + (c >>> 16);
      f[icmp + 2] = folded >> 8;
      f[icmp + 3] = folded & 0xff;
      new DataView(f.buffer).setUint32(tpl.stampOff + 4, 7, true);
      return f;
    };
    const mac = (b: Uint8Array) =>
      [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, "0")).join(":");
    const good = reply();
    // The stamp bytes are not in the ICMP checksum of the template: recompute for the test frame.
    const fix = (f: Uint8Array) => {
      f[36] = 0;
      f[37] = 0;
      let s = 0;
      for (let i = 34; i + 1 < f.length; i += 2) s += (f[i] << 8) | f[i + 1];
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      const c = ~s & 0xffff;
      f[36] = c >> 8;
      f[37] = c & 0xff;
      return f;
    };
    expect(checkReply(fix(good), tpl, 7, mac(good))).toBeUndefined();
    expect(checkReply(fix(reply()), tpl, 8, mac(good))).toMatch(/sequence 7, expected 8/);
    const badType = reply();
    badType[34] = 8;
    expect(checkReply(fix(badType), tpl, 7, mac(good))).toMatch(/not an echo reply/);
    const badId = reply();
    badId[38] ^= 1;
    expect(checkReply(fix(badId), tpl, 7, mac(good))).toMatch(/ICMP id/);
    const badPay = reply();
    badPay[badPay.length - 1] ^= 0xff;
    expect(checkReply(fix(badPay), tpl, 7, mac(good))).toMatch(/payload differs/);
    const badSum = fix(reply());
    badSum[37] ^= 1;
    expect(checkReply(badSum, tpl, 7, mac(good))).toMatch(/checksum/);
  });
});
