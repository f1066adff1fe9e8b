// Pure helpers of src/switch/config.ts and a few selection steps not covered by §9 cases.
import { describe, expect, it } from "vitest";
import {
  addWrapped,
  bitListToWords,
  bytesToMac,
  emptySwitchCounters,
  hashTableIndex,
  macToBytes,
  sizeBucket,
} from "../../src/switch/config.ts";
import { testConfigT } from "../../src/switch/program.ts";
import { eth } from "../../src/traffic/frames.ts";
import { arp, BCAST, EXT, M, pools, switchT, VF0, VF2, VF3 } from "./ref-helpers.ts";

describe("config helpers", () => {
  it("hash index follows §2.5 for every multicast offset", () => {
    expect(hashTableIndex("01:00:5e:00:00:fb", 0)).toBe(0xfb0);
    const w = (0xab << 8) | 0xcd; // DA[5] = 0xab, DA[4] = 0xcd
    const mac = "01:00:5e:00:cd:ab";
    expect([0, 1, 2, 3].map((mo) => hashTableIndex(mac, mo))).toEqual([
      (w >> 4) & 0xfff,
      (w >> 3) & 0xfff,
      (w >> 2) & 0xfff,
      w & 0xfff,
    ]);
    const words = bitListToWords([0xfb0, 0, 4095]);
    expect(words[125]).toBe(1 << 16);
    expect(words[0]).toBe(1);
    expect(words[127]).toBe(0x80000000);
  });

  it("MAC text <-> bytes, size buckets, wrap", () => {
    expect(bytesToMac(macToBytes("02:AB:00:00:00:01"))).toBe("02:ab:00:00:00:01");
    expect(() => macToBytes("02:ab:00:00:00")).toThrow(/invalid MAC/);
    expect([63, 64, 65, 127, 128, 1023, 1024, 9728].map(sizeBucket)).toEqual([
      null,
      "64",
      "65_127",
      "65_127",
      "128_255",
      "512_1023",
      "1024_max",
      "1024_max",
    ]);
    expect(addWrapped("rx_bytes", 2 ** 36 - 1, 2)).toBe(1);
    const c = emptySwitchCounters(testConfigT());
    expect(c.pools.length).toBe(5);
    expect(c.queues.map((q) => q.length)).toEqual([4, 4, 4, 4, 4]);
  });
});

describe("selection steps beyond the §9 list", () => {
  it("step 4: a UTA hit adds ROPE pools (and passes the port filter)", () => {
    const da = "02:11:22:33:44:55";
    const sw = switchT((c) => {
      c.uta.push(hashTableIndex(da, 0));
      c.pools[VF3]!.flags.rope = true;
    });
    expect(pools(sw.receiveFromWire(arp(da)))).toEqual([VF3]);
    expect(sw.conservation()).toEqual([]);
  });

  it("port broadcast accept off: broadcasts stop at the port filter", () => {
    const sw = switchT((c) => (c.port.broadcastAccept = false));
    expect(sw.receiveFromWire(arp(BCAST)).dropped).toBe("l2-filter");
  });

  it("double-VLAN strip removes the inner (switching) tag and keeps the S-tag", () => {
    const sw = switchT((c) => {
      c.port.doubleVlan = true;
      c.pools[VF2]!.flags.hideVlan = false;
    });
    const f = eth({ dst: BCAST, src: EXT }).qinq(300, 100).arp({}).build();
    const x = sw.receiveFromWire(f).deliveries[0]!;
    expect([x.pool, x.vlanStripped, x.vlanTci]).toEqual([VF2, true, 100]);
    expect(Array.from(x.bytes.subarray(12, 18))).toEqual([0x88, 0xa8, 0x01, 0x2c, 0x08, 0x06]);
  });

  it("qemuDefaultPool: unmatched multicast never goes to the default pool", () => {
    const sw = switchT((c) => {
      c.port.qemuDefaultPool = true;
      c.port.multicastPromisc = true;
    });
    expect(sw.receiveFromWire(arp("01:00:5e:77:77:77")).dropped).toBe("no-pool");
    expect(
      pools(switchT((c) => (c.port.multicastPromisc = true)).receiveFromWire(arp("01:00:5e:77:77:77"))),
    ).toEqual([4]);
  });

  it("a trunk VF's descriptor VLAN request is inserted with the port's TPID", () => {
    const sw = switchT();
    const d = sw.transmitFromPool(VF0, arp("02:99:00:00:00:01", M.vf0), { vlanTci: (3 << 13) | 0 });
    expect(Array.from(d.wireBytes!.subarray(12, 16))).toEqual([0x81, 0x00, 0x60, 0x00]);
    expect(d.toWire).toBe(true);
  });
});
