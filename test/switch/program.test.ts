// programSwitch: from the control plane's VF records to a SwitchConfig (issue 4 item 3).
import { describe, expect, it } from "vitest";
import { hashTableIndex, MS_RSS_KEY } from "../../src/switch/config.ts";
import {
  joinMulticast,
  programSwitch,
  requestPromisc,
  requestSetMac,
  requestVlan,
  retaSizeFor,
} from "../../src/switch/program.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";
import { switchConfigProblems } from "../../src/switch/validate-config.ts";
import { eth } from "../../src/traffic/frames.ts";
import { pfRecord, vfRecord } from "./ref-helpers.ts";

const A = "02:00:00:00:0a:00";
const B = "02:00:00:00:0b:00";

describe("programSwitch", () => {
  it("one pool per VF plus the PF's pool (index = number of VFs, the default pool)", () => {
    const c = programSwitch(pfRecord("ixl", [vfRecord(0, A), vfRecord(1, B)]));
    expect(c.pools.map((p) => [p.index, p.kind, p.vf, p.name])).toEqual([
      [0, "vf", 0, "VF-0"],
      [1, "vf", 1, "VF-1"],
      [2, "pf", null, "PF"],
    ]);
    expect(c.port.defaultPool).toBe(2);
    expect(c.rar).toEqual([
      { mac: "02:00:00:00:00:01", pools: [2] },
      { mac: A, pools: [0] },
      { mac: B, pools: [1] },
    ]);
    expect(switchConfigProblems(c)).toEqual([]);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it("secure defaults: untrusted, anti-spoof on, BAM + AUPE only, no promiscuous", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A)]));
    const p = c.pools[0]!;
    expect(p.trusted).toBe(false);
    expect(p.macAntiSpoof && p.vlanAntiSpoof).toBe(true);
    expect(p.flags).toMatchObject({
      bam: true,
      aupe: true,
      rompe: false,
      rope: false,
      mpe: false,
      upe: false,
      vpe: false,
      lle: false,
    });
    expect(p.allowSetMac).toBe(false);
    expect(c.port.unicastPromisc || c.port.multicastPromisc).toBe(false);
  });

  it("mac-anti-spoof=false and allow-promisc=true carry through", () => {
    const c = programSwitch(pfRecord("ixl", [vfRecord(0, A, { macAntiSpoof: false, allowPromisc: true })]));
    expect(c.pools[0]).toMatchObject({ macAntiSpoof: false, vlanAntiSpoof: false, trusted: true });
  });

  it("access VLAN: VLVF membership, insert default, AUPE cleared, strip on Rx; trunk: VLAN 0 + AUPE", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A, { vlan: 42 }), vfRecord(1, B)]));
    expect(c.pools[0]).toMatchObject({ portVlan: { action: "default", tci: 42, tpid: 0x8100 } });
    expect(c.pools[0]!.flags).toMatchObject({ aupe: false, strvlan: true });
    expect(c.pools[1]!.flags.aupe).toBe(true);
    expect(c.pools[1]!.portVlan.action).toBe("descriptor");
    expect(c.vlvf).toEqual([
      { vid: 0, pools: [1, 2] },
      { vid: 42, pools: [0] },
    ]);
    expect(c.port.vfta).toEqual([0, 42]);
    // A driver without a vlan key (null) behaves as trunk.
    const n = programSwitch(pfRecord("ixl", [vfRecord(0, A, { vlan: null })]));
    expect(n.vlvf).toEqual([{ vid: 0, pools: [0, 1] }]);
  });

  it("queues = num-queues; RETA i mod n sized per NIC profile; Microsoft key by default", () => {
    expect([
      retaSizeFor("ixl", "vf"),
      retaSizeFor("ix", "vf"),
      retaSizeFor("igb", "vf"),
      retaSizeFor("xyz", "vf"),
    ]).toEqual([64, 128, 128, 128]);
    const c = programSwitch(pfRecord("ixl", [vfRecord(0, A, { numQueues: 3 })]));
    expect(c.pools[0]!.numRxQueues).toBe(3);
    expect(c.pools[0]!.reta.length).toBe(64);
    expect(c.pools[0]!.reta.slice(0, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(c.port.rss.key).toEqual([...MS_RSS_KEY]);
    expect(c.pools[0]!.rssKey).toBeNull();
    // ix PF pool: 4 queues under 32 VFs, 2 in 64-pool mode.
    expect(programSwitch(pfRecord("ix", [vfRecord(0, A)])).pools[1]!.numRxQueues).toBe(4);
    const many = Array.from({ length: 32 }, (_, i) =>
      vfRecord(i, `02:00:00:00:01:${i.toString(16).padStart(2, "0")}`),
    );
    expect(programSwitch(pfRecord("ix", many)).pools[32]!.numRxQueues).toBe(2);
  });

  it("options: VEPA turns loopback off and source pruning on; jumbo sets LPE everywhere", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A)]), {
      mode: "vepa",
      jumbo: true,
      hashTypes: { udpIpv4: false },
    });
    expect(c.port).toMatchObject({ mode: "vepa", txLoopback: false });
    expect(c.pools.every((p) => p.flags.flp && p.flags.lpe && p.rlpml === 9728)).toBe(true);
    expect(c.port.rss.hashTypes.udpIpv4).toBe(false);
    expect(c.port.rss.hashTypes.tcpIpv4).toBe(true);
  });

  it("an access VLAN with a QoS (Linux `ip link ... vlan V qos Q`) tags transmitted frames with that PCP", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A, { vlan: 100, vlanQos: 5 })]));
    expect(c.pools[0].portVlan).toMatchObject({ action: "default", tci: 100 | (5 << 13) });
    const sw = new ReferenceSwitch(c);
    const out = sw.transmitFromPool(0, eth({ dst: "02:00:00:00:99:99", src: A }).arp({}).build());
    expect(out.toWire).toBe(true);
    const w = out.wireBytes!;
    expect((w[12] << 8) | w[13]).toBe(0x8100);
    expect(((w[14] << 8) | w[15]) >> 13).toBe(5);
    expect(((w[14] << 8) | w[15]) & 0xfff).toBe(100);
  });

  it("VF numbers with holes (a VF the driver refused at ADD_VF): pool i is the i-th VF", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(1, A)]));
    expect(c.pools.map((p) => [p.index, p.kind, p.name])).toEqual([
      [0, "vf", "VF-1"],
      [1, "pf", "PF"],
    ]);
    expect(c.pools[0].vf).toBe(1);
    expect(c.rar.find((r) => r.mac === A.toLowerCase())!.pools).toEqual([0]);
  });
});

describe("VF mailbox requests", () => {
  it("MAC change: refused without allow-set-mac, allowed with it or without a configured MAC", () => {
    const c = programSwitch(
      pfRecord("ixl", [
        vfRecord(0, A),
        vfRecord(1, B, { allowSetMac: true }),
        vfRecord(2, "02:00:00:00:0c:00", { macAddr: null }),
      ]),
    );
    expect(requestSetMac(c, 0, "02:00:00:00:0a:99")).toBe(false);
    expect(requestSetMac(c, 1, "02:00:00:00:0b:99")).toBe(true);
    expect(requestSetMac(c, 2, "02:00:00:00:0c:99")).toBe(true);
    expect(requestSetMac(c, 1, A)).toBe(false); // in use by VF-0
    expect(requestSetMac(c, 1, "01:00:5e:00:00:01")).toBe(false); // multicast
    expect(c.rar.find((r) => r.pools[0] === 1)!.mac).toBe("02:00:00:00:0b:99");
    // Anti-spoof follows the new MAC.
    const sw = new ReferenceSwitch(c);
    const f = (src: string) => eth({ dst: "ff:ff:ff:ff:ff:ff", src }).arp({}).build();
    expect(sw.transmitFromPool(1, f("02:00:00:00:0b:99")).toWire).toBe(true);
    expect(sw.transmitFromPool(1, f(B)).dropped).toBe("mac-spoof");
  });

  it("multicast join sets the shared MTA bit and ROMPE", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A)]));
    joinMulticast(c, 0, "33:33:00:00:00:01");
    expect(c.mta).toEqual([hashTableIndex("33:33:00:00:00:01", 0)]);
    expect(c.pools[0]!.flags.rompe).toBe(true);
    expect(() => joinMulticast(c, 0, A)).toThrow(/not a multicast/);
  });

  it("trunk VFs may join VLANs; access-VLAN VFs may not", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A), vfRecord(1, B, { vlan: 10 })]));
    expect(requestVlan(c, 0, 5)).toBe(true);
    expect(requestVlan(c, 1, 5)).toBe(false);
    expect(c.vlvf.find((e) => e.vid === 5)!.pools).toEqual([0]);
    expect(c.port.vfta).toContain(5);
  });

  it.each(["igb", "ix"])(
    "%s: a trusted PROMISC request becomes ALLMULTI (no per-pool unicast promiscuous on 82576 and 82599)",
    (nic) => {
      const c = programSwitch(pfRecord(nic, [vfRecord(0, A, { allowPromisc: true })]));
      expect(requestPromisc(c, 0, "promisc")).toMatchObject({ applied: "allmulti", honoured: false });
      expect(c.pools[0]!.flags).toMatchObject({ mpe: true, upe: false });
      expect(c.port.unicastPromisc).toBe(false);
    },
  );

  it("ixl: a trusted PROMISC request is honoured (the X710 has unicast promiscuous per VSI)", () => {
    const c = programSwitch(pfRecord("ixl", [vfRecord(0, A, { allowPromisc: true })]));
    expect(requestPromisc(c, 0, "promisc")).toMatchObject({ applied: "promisc", honoured: true });
    expect(c.pools[0]!.flags).toMatchObject({ upe: true });
  });
});

describe("configuration validation", () => {
  it("names every inconsistency", () => {
    const c = programSwitch(pfRecord("ix", [vfRecord(0, A)]));
    c.port.replication = false;
    c.pools[0]!.reta = [0, 1, 7];
    c.rar.push({ mac: "zz", pools: [9] });
    const problems = switchConfigProblems(c);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^port.replication/),
        expect.stringMatching(/^pools\[0\].reta: size 3/),
        expect.stringMatching(/^pools\[0\].reta\[2\]: queue 7/),
        expect.stringMatching(/^rar\[2\].mac: invalid/),
        expect.stringMatching(/^rar\[2\].pools: no pool 9/),
      ]),
    );
    expect(() => new ReferenceSwitch(c)).toThrow(/invalid switch configuration/);
  });
});
