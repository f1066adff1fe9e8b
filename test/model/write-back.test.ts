// How a NIC reports completions is a fact of its profile (`writeBack`: per OS and function, the
// driver's transmit report — descriptor or head write-back —, its RS cadence and TXDCTL.WTHRESH,
// and RXDCTL.WTHRESH), and PCIe prices each write-back event as that policy says: a burst of
// WTHRESH descriptors in one posted write, one RS descriptor alone, or a 4 B head index, each
// with its TLP header. The descriptors' sizes are the driver's too (`descBytes`: 32 B receive
// descriptors for i40e, iavf, ixl and ice, 16 B for the rest and for every transmit descriptor).
// The figures below are worked from the link figures (24 B per TLP, MPS 256, RCB 64) and those
// sizes, not read back from the code.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBackOfPath } from "../../src/engine/elements/common.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import { ensureKernels, scenarioGraphOptions, simulate } from "../../src/engine/simulate.ts";
import {
  hwLimits,
  pcieRxBits,
  pcieTxBits,
  rxWriteBackEvent,
  txWriteBackEvent,
  writeBackOf,
} from "../../src/model/hw-limits.ts";
import { getProfile, registerNicProfileFile, validateHostSpec } from "../../src/nic/index.ts";
import { type NicProfile, parseNicProfile } from "../../src/nic/profile.ts";
import type { WriteBackPolicy } from "../../src/nic/write-back.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { baseSpec } from "../engine/base-spec.ts";
import { iovsim } from "../helpers/cli.ts";
import { twoVfConf } from "../helpers/two-vf-conf.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const nic = (id: string): NicProfile => {
  const p = getProfile(id);
  if (!p) throw new Error(id);
  return p;
};
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
};
const policy = (id: string, os: "linux" | "freebsd", fn: "pf" | "vf") => {
  const w = writeBackOf(nic(id), os, fn);
  return [w.tx.report, w.tx.rsEvery, w.tx.wthresh, w.rx.wthresh];
};

describe("the write-back policy is the NIC's and its driver's", () => {
  it("each NIC profile gives its Linux and FreeBSD drivers' policy", () => {
    // ixgbe/ixgbevf: RS on every packet, WTHRESH 8; FreeBSD ix/ixv: WTHRESH 8, RS from iflib.
    expect(policy("ix", "linux", "pf")).toEqual(["descriptor", 1, 8, 0]);
    expect(policy("ix", "freebsd", "vf")).toEqual(["descriptor", 2, 8, 0]);
    // i40e/iavf: RS every WB_STRIDE (4) descriptors; FreeBSD ixl: head write-back, RS each packet.
    expect(policy("ixl", "linux", "pf")).toEqual(["descriptor", 4, 0, 0]);
    expect(policy("ixl", "linux", "vf")).toEqual(["descriptor", 4, 0, 0]);
    expect(policy("ixl", "freebsd", "pf")).toEqual(["head", 1, 0, 0]);
    expect(policy("ixl", "freebsd", "vf")).toEqual(["descriptor", 1, 0, 0]); // hw.iavf.enable_head_writeback = 0
    // igb on an 82576 with MSI-X: IGB_TX_WTHRESH = IGB_RX_WTHRESH = 1.
    expect(policy("igb", "linux", "pf")).toEqual(["descriptor", 1, 1, 1]);
    expect(nic("ixl").writeBack.linux.pf.tx.rsEvery.source).toMatch(/WB_STRIDE/);
    expect(nic("ixl").writeBack.freebsd.pf.tx.report.source).toMatch(/hw\.ixl\.enable_head_writeback/);
  });

  it("each driver's descriptor sizes: 32 B receive descriptors on the X710 and E810 (i40e, iavf, ixl, ice), 16 B elsewhere", () => {
    const sizes = (id: string) =>
      (["linux", "freebsd"] as const).flatMap((os) =>
        (["pf", "vf"] as const).map((fn) => {
          const w = writeBackOf(nic(id), os, fn);
          return [w.tx.descBytes, w.rx.descBytes];
        }),
      );
    expect(sizes("ixl")).toEqual([
      [16, 32],
      [16, 32],
      [16, 32],
      [16, 32],
    ]);
    expect(sizes("ice")).toEqual(sizes("ixl"));
    expect(sizes("ix")).toEqual([
      [16, 16],
      [16, 16],
      [16, 16],
      [16, 16],
    ]);
    expect(sizes("igb")).toEqual(sizes("ix"));
    expect(nic("ixl").writeBack.linux.pf.rx.descBytes.source).toMatch(/i40e_32byte_rx_desc/);
    expect(nic("ixl").writeBack.freebsd.pf.rx.descBytes.source).toMatch(/only uses the 32 byte kind/);
    expect(nic("ice").writeBack.linux.pf.rx.descBytes.source).toMatch(/rlan_ctx\.dsize = 1/);
    expect(nic("ix").writeBack.linux.pf.rx.descBytes.source).toMatch(/ixgbe_adv_rx_desc/);
  });

  it("the engine picks the policy of the ring's driver: its OS (guest for an assigned pool) and function", () => {
    const picked = (path: string, profile: string, peer = false) => {
      const g = buildGraph(scenarioGraphOptions(baseSpec({ path, direction: "tx", profile })));
      const w = writeBackOfPath(g.ctx, peer);
      return [w.tx.report, w.tx.rsEvery];
    };
    expect(picked("native", "freebsd")).toEqual(["head", 1]); // ixl on the host
    expect(picked("native", "kvm-exits")).toEqual(["descriptor", 4]); // i40e
    expect(picked("vm-vf", "bhyve")).toEqual(["descriptor", 1]); // iavf in the FreeBSD guest
    // vf-loopback: the host's VF sends (iavf), the VM's VF receives (its guest's iavf).
    expect(picked("vf-loopback", "kvm-exits", true)).toEqual(["descriptor", 4]);
  });
});

describe("`model show --nic` lists the policy", () => {
  it("each driver's figures with tag and source, and the JSON's write_back", async () => {
    const r = await iovsim(["model", "show", "--nic", "ixl"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^linux\.pf\.tx\.rsEvery \(i40e\)\s+4\s+packets\s+\[4, 4\]\s+verified\s+Linux i40e_txrx\.c/m,
    );
    expect(r.out).toMatch(
      /^freebsd\.pf\.tx\.report=head \(ixl\)\s+-\s+verified\s+FreeBSD sys\/dev\/ixl\/if_ixl\.c/m,
    );
    expect(r.out).toMatch(
      /^linux\.pf\.rx\.descBytes \(i40e\)\s+32\s+bytes\/descriptor\s+\[32, 32\]\s+verified\s+Linux drivers\/net\/ethernet\/intel\/i40e\/i40e_txrx\.h/m,
    );
    expect(r.out).toMatch(/^freebsd\.pf\.tx\.descBytes \(ixl\)\s+16\s+bytes\/descriptor/m);
    expect(r.out).not.toMatch(/pcie_desc_bytes/);
    // Whether what waits below the threshold is flushed at the ITR timer's expiry: a kind, "-".
    expect(r.out).toMatch(
      /^linux\.pf\.tx\.itrFlush=yes \(i40e\)\s+-\s+derived\s+Linux i40e: with the queue's interrupt on/m,
    );
    const j = JSON.parse((await iovsim(["model", "show", "--json", "--nic", "ix"])).out);
    expect(j.hardware.write_back.linux.pf).toMatchObject({ driver: "ixgbe", tx: { wthresh: { value: 8 } } });
  });
});

describe("PCIe prices each write-back event as the policy says", () => {
  const ixl = hwLimits(nic("ixl")); // MPS 256, 24 B per TLP
  const pol = (
    tx: Omit<WriteBackPolicy["tx"], "descBytes" | "itrFlush">,
    rx = 0,
    rxDesc = 16,
  ): WriteBackPolicy => ({
    tx: { ...tx, descBytes: 16, itrFlush: false },
    rx: { wthresh: rx, descBytes: rxDesc },
  });

  it("a transmit write-back: WTHRESH descriptors in one write, one RS descriptor, or a 4 B head", () => {
    // WTHRESH 8: 8 x 16 B = 128 B in one TLP, for 8 packets.
    expect(txWriteBackEvent(ixl, pol({ report: "descriptor", rsEvery: 1, wthresh: 8 }))).toEqual({
      bits: (128 + 24) * 8,
      packets: 8,
    });
    // WTHRESH 0: the RS descriptor alone (16 B + header), one every rsEvery packets.
    expect(txWriteBackEvent(ixl, pol({ report: "descriptor", rsEvery: 4, wthresh: 0 }))).toEqual({
      bits: (16 + 24) * 8,
      packets: 4,
    });
    // Head write-back: a 32-bit head index per RS descriptor.
    expect(txWriteBackEvent(ixl, pol({ report: "head", rsEvery: 1, wthresh: 0 }))).toEqual({
      bits: (4 + 24) * 8,
      packets: 1,
    });
    // 32 descriptors (512 B) are more than one MPS: two TLPs.
    expect(txWriteBackEvent(ixl, pol({ report: "descriptor", rsEvery: 1, wthresh: 32 })).bits).toBe(
      (512 + 2 * 24) * 8,
    );
    // Receive: WTHRESH 0 and 1 both write each descriptor alone; 4 write 64 B at once.
    expect(rxWriteBackEvent(ixl, pol({ report: "head", rsEvery: 1, wthresh: 0 }, 0))).toEqual({
      bits: 40 * 8,
      packets: 1,
    });
    expect(rxWriteBackEvent(ixl, pol({ report: "head", rsEvery: 1, wthresh: 0 }, 1)).bits).toBe(40 * 8);
    expect(rxWriteBackEvent(ixl, pol({ report: "head", rsEvery: 1, wthresh: 0 }, 4))).toEqual({
      bits: (64 + 24) * 8,
      packets: 4,
    });
  });

  it("a burst's upstream bytes: read requests plus its share of the write-back events", () => {
    // 4 frames of 64 B to transmit: one descriptor line's read request, one read request per
    // frame (64 <= MRRS), and the completions reported as each policy says.
    const up = (w: WriteBackPolicy) => pcieTxBits(ixl, w, 4, 4 * 64).up / 8;
    expect(up(writeBackOf(nic("ixl"), "linux", "pf"))).toBe(24 + 4 * 24 + 40); // one RS of 4
    expect(up(writeBackOf(nic("ixl"), "freebsd", "pf"))).toBe(24 + 4 * 24 + 4 * 28); // 4 heads
    expect(up(writeBackOf(nic("ix"), "linux", "pf"))).toBe(24 + 4 * 24 + 152 / 2); // half a burst of 8
    // One 1518 B frame received on the X710 under Linux: 6 payload TLPs of <= 256 B, its
    // 32 B descriptor (i40e) written back alone (32 B + header), one descriptor read request;
    // down, the descriptor's completion (32 B in one RCB-sized TLP).
    const rx = pcieRxBits(ixl, writeBackOf(nic("ixl"), "linux", "pf"), 1, 1518);
    expect(rx.up / 8).toBe(1518 + 6 * 24 + (32 + 24) + 24);
    expect(rx.down / 8).toBe(32 + 24);
  });
});

describe("PCIe prices descriptor fetch and write-back at the driver's descriptor size", () => {
  const ixl = hwLimits(nic("ixl")); // MPS 256, RCB 64, 24 B per TLP
  const pol = (rxDesc: number, txDesc = 16): WriteBackPolicy => ({
    tx: { report: "descriptor", rsEvery: 1, wthresh: 0, descBytes: txDesc, itrFlush: false },
    rx: { wthresh: 0, descBytes: rxDesc },
  });

  it("a receive burst of 8 x 64 B: 16 B descriptors in 2 lines, 32 B in 4; each written back alone", () => {
    // Up: 8 frames (one TLP each), 8 write-backs (descriptor + header), one read request per
    // 64 B line of descriptors. Down: the descriptors, one RCB-sized completion per line.
    const r16 = pcieRxBits(ixl, pol(16), 8, 8 * 64);
    expect(r16.up / 8).toBe(8 * (64 + 24) + 8 * (16 + 24) + 2 * 24); // 1,072 B
    expect(r16.down / 8).toBe(8 * 16 + 2 * 24); // 176 B
    const r32 = pcieRxBits(ixl, pol(32), 8, 8 * 64);
    expect(r32.up / 8).toBe(8 * (64 + 24) + 8 * (32 + 24) + 4 * 24); // 1,248 B
    expect(r32.down / 8).toBe(8 * 32 + 4 * 24); // 352 B
    // RXDCTL.WTHRESH 4 writes 4 x 32 B = 128 B in one TLP.
    const w4 = { ...pol(32), rx: { wthresh: 4, descBytes: 32 } };
    expect(rxWriteBackEvent(ixl, w4)).toEqual({ bits: (128 + 24) * 8, packets: 4 });
  });

  it("transmit takes the transmit descriptor's size, not the receive one's", () => {
    // 4 x 64 B to transmit, RS each, WTHRESH 0: up one read request per descriptor line and
    // per frame, and 4 write-backs; down the descriptors' completions and the frames'.
    const t = pcieTxBits(ixl, pol(32, 16), 4, 4 * 64);
    expect(t.up / 8).toBe(24 + 4 * 24 + 4 * (16 + 24));
    expect(t.down / 8).toBe(4 * 16 + 24 + 4 * (64 + 24));
    expect(pcieTxBits(ixl, pol(16, 16), 4, 4 * 64)).toEqual(t);
    const t32 = pcieTxBits(ixl, pol(16, 32), 4, 4 * 64);
    expect(t32.up / 8).toBe(2 * 24 + 4 * 24 + 4 * (32 + 24));
    expect(t32.down / 8).toBe(4 * 32 + 2 * 24 + 4 * (64 + 24));
  });
});

describe("a NIC profile's write-back entries are checked, located", () => {
  const text = readFileSync(new URL("../../src/nic/profiles/ixl.json", import.meta.url), "utf8");
  const lineOf = (t: string, needle: string) => t.slice(0, t.indexOf(needle)).split("\n").length;
  const edit = (f: (p: NicProfile) => void): string => {
    const p = JSON.parse(text);
    f(p);
    return JSON.stringify(p, null, 2);
  };

  it("head write-back with descriptors to accumulate is refused at the threshold", () => {
    const t = edit((p) => {
      p.writeBack.freebsd.pf.tx.wthresh.value = 8;
    });
    const line = lineOf(t, '"value": 8');
    expect(message(() => parseNicProfile(t, "ixl.json"))).toMatch(
      new RegExp(
        `ixl\\.json:${line}:\\d+: \\$\\.writeBack\\.freebsd\\.pf\\.tx\\.wthresh\\.value: must be 0 with head write-back`,
      ),
    );
  });

  it("another driver's name, a threshold past the descriptor cache, a missing entry", () => {
    const other = edit((p) => {
      p.writeBack.linux.vf.driver = "i40e";
    });
    expect(message(() => parseNicProfile(other, "ixl.json"))).toMatch(
      /\$\.writeBack\.linux\.vf\.driver: must be 'iavf', the Linux VF driver this profile names \(linux\.vfDriver\)/,
    );
    const big = edit((p) => {
      p.writeBack.linux.pf.rx.wthresh.value = 65;
    });
    expect(message(() => parseNicProfile(big, "ixl.json"))).toMatch(
      /\$\.writeBack\.linux\.pf\.rx\.wthresh\.value: must be at most 64/,
    );
    const noRs = edit((p) => {
      p.writeBack.linux.pf.tx.rsEvery.value = 0;
    });
    expect(message(() => parseNicProfile(noRs, "ixl.json"))).toMatch(
      /\$\.writeBack\.linux\.pf\.tx\.rsEvery\.value: must be at least 1/,
    );
    const odd = edit((p) => {
      p.writeBack.linux.pf.rx.descBytes.value = 24;
    });
    const oddLine = lineOf(odd, '"value": 24');
    expect(message(() => parseNicProfile(odd, "ixl.json"))).toMatch(
      new RegExp(
        `ixl\\.json:${oddLine}:\\d+: \\$\\.writeBack\\.linux\\.pf\\.rx\\.descBytes\\.value: must be 16 or 32`,
      ),
    );
    const noTxSize = edit((p) => {
      delete (p.writeBack.freebsd.vf.tx as Partial<typeof p.writeBack.freebsd.vf.tx>).descBytes;
    });
    expect(message(() => parseNicProfile(noTxSize, "ixl.json"))).toMatch(
      /\$\.writeBack\.freebsd\.vf\.tx\.descBytes/,
    );
    const missing = edit((p) => {
      delete (p as Partial<NicProfile>).writeBack;
    });
    expect(message(() => parseNicProfile(missing, "ixl.json"))).toMatch(/\$\.writeBack/);
  });
});

describe("the policy moves the link's load by what its write-back events cost", () => {
  it("on a PCIe 2.0 x1 X550, receive at 0.2 Mpps of 1518 B: RXDCTL.WTHRESH 16 instead of 0 frees (40 - 280 / 16) B a frame on pcie-up", () => {
    // The fixture's FreeBSD PF writes each receive descriptor back alone (40 B on the link); a
    // copy with RXDCTL.WTHRESH 16 writes 16 at once (256 B + one header: 17.5 B a frame).
    const fixture = new URL("../fixtures/nic/x550-x1.json", import.meta.url).pathname;
    registerNicProfileFile(fixture);
    const q = JSON.parse(readFileSync(fixture, "utf8"));
    q.id = "x550-x1-wb16";
    q.writeBack.freebsd.pf.rx.wthresh.value = 16;
    const dir = mkdtempSync(join(tmpdir(), "iovsim-wb-"));
    writeFileSync(join(dir, "x550-x1-wb16.json"), JSON.stringify(q, null, 2));
    registerNicProfileFile(join(dir, "x550-x1-wb16.json"));
    const upUtil = (profile: string) => {
      const host = validateHostSpec(
        { devices: [{ name: "ix7", selector: "pci0:3:0:0", profile, mac: "a0:36:9f:00:00:70" }] },
        "host.json",
      );
      const r = simulate({
        path: "native",
        direction: "rx",
        traffic: defaultProfile({ sizes: { kind: "fixed", size: 1518 } }),
        ratePps: 2e5,
        arrival: "constant",
        durationNs: 2e6,
        warmupNs: 4e5,
        seed: 1,
        profile: "bhyve",
        config: { text: twoVfConf("ix7"), file: "iov.conf" },
        host,
      });
      expect(r.loss_ratio).toBe(0);
      return r.resources.find((x) => x.resource === "pcie-up")!.utilization;
    };
    const gbps = hwLimits(nic("x550-x1")).v.pcie_gbps;
    const saved = ((40 - 280 / 16) * 8 * 2e5) / (gbps * 1e9);
    expect(upUtil("x550-x1") - upUtil("x550-x1-wb16")).toBeCloseTo(saved, 3);
  }, 60_000);
});
