// Jumbo frames: the NIC profiles' frame facts (src/nic/frames.ts), the descriptors a frame takes
// on the NIC (ring slots, PCIe), the path MTU (paths --mtu) and its refusals.
import { describe, expect, it } from "vitest";
import { TxQueueStop } from "../../src/engine/elements/tx-queue-stop.ts";
import { buildGraph } from "../../src/engine/graph.ts";
import type { Link } from "../../src/engine/link.ts";
import { scenarioGraphOptions, simulate } from "../../src/engine/simulate.ts";
import type { ScenarioSpec } from "../../src/engine/types.ts";
import { hwLimits, pcieRxBits, writeBackOf } from "../../src/model/hw-limits.ts";
import { descriptorsFor, rxBufferBytes } from "../../src/nic/frames.ts";
import { allProfiles, getProfile } from "../../src/nic/profile.ts";
import { pathFrames } from "../../src/paths/frames.ts";
import { ENGINE_PATH_NAMES, enginePath } from "../../src/paths/path-graphs.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";
import { pcapOf, replayRun, unicastFrame } from "../engine/replay-fixtures.ts";
import { iovsim, iovsimJson } from "../helpers/cli.ts";

/** Line rate of `size`-byte frames on a 10 GbE wire (20 B of preamble and gap each). */
const lineRate = (size: number) => 10e9 / ((size + 20) * 8);

function spec(size: number | "imix", mtu: number, over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    path: "native",
    direction: "rx",
    traffic: defaultProfile({ sizes: size === "imix" ? { kind: "imix" } : { kind: "fixed", size } }),
    ratePps: lineRate(size === "imix" ? 353.8 : size) * 0.5,
    arrival: "constant",
    durationNs: 1e6,
    seed: 1,
    profile: "bhyve",
    mtu,
    ...over,
  };
}

describe("frame facts of the NIC profiles", () => {
  it("every driver takes a standard frame in one receive buffer, at every MTU", () => {
    for (const p of allProfiles().values()) {
      if (!p.frames) continue;
      for (const os of ["linux", "freebsd"] as const)
        for (const fn of ["pf", "vf"] as const)
          for (const mtu of [1500, 9000]) {
            const d = p.frames[os][fn];
            if (mtu > d.maxMtu) continue;
            // 1518 B with FCS and a port VLAN's tag, as DMA'd: 1518 bytes.
            expect(descriptorsFor(1518, rxBufferBytes(d, mtu)), `${p.id} ${os} ${fn} ${mtu}`).toBe(1);
          }
    }
  });

  it("a 9000-byte frame takes 3 receive descriptors on FreeBSD (iflib's 4 KiB clusters) and on Linux (3 KiB buffers)", () => {
    const ixl = getProfile("ixl")!;
    // 9000 B with FCS: 8996 bytes DMA'd (the NIC strips the FCS).
    const at = (os: "linux" | "freebsd", fn: "pf" | "vf") =>
      pathFrames(ixl, 9000, { os, fn }, undefined, os).rxBuffer;
    expect(at("freebsd", "pf")).toBe(4096);
    expect(descriptorsFor(8996, at("freebsd", "pf"))).toBe(3);
    expect(at("linux", "pf")).toBe(3072);
    expect(descriptorsFor(8996, at("linux", "pf"))).toBe(3);
    // The 82576's Linux VF driver posts 2 KiB at every MTU: 5 descriptors.
    expect(
      descriptorsFor(
        8996,
        pathFrames(getProfile("igb")!, 9000, { os: "linux", fn: "vf" }, undefined, "linux").rxBuffer,
      ),
    ).toBe(5);
    // FreeBSD keeps 2 KiB clusters up to a max frame of 2048 (ixl: MTU + 22).
    expect(pathFrames(ixl, 2026, { os: "freebsd", fn: "pf" }, undefined, "freebsd").rxBuffer).toBe(2048);
    expect(pathFrames(ixl, 2027, { os: "freebsd", fn: "pf" }, undefined, "freebsd").rxBuffer).toBe(4096);
  });
});

describe("a jumbo frame's descriptors in the engine", () => {
  it("the receive ring holds a third as many 9000-byte frames (511 descriptors, 3 each)", () => {
    const ring = (size: number, mtu: number) => {
      const g = buildGraph(scenarioGraphOptions(spec(size, mtu)));
      const nic = g.ctx.built.nic!;
      return nic.sw.sl.rxRings[nic.pool][0].limit;
    };
    expect(ring(1518, 1500)).toBe(511);
    expect(ring(1518, 9000)).toBe(511);
    expect(ring(9000, 9000)).toBe(Math.floor(511 / 3));
  });

  it("the transmit ring holds a third as many 9000-byte frames (4 KiB segments), and the queue's stop bound counts 3 descriptors each", () => {
    const tx = (size: number) => {
      const g = buildGraph(scenarioGraphOptions(spec(size, 9000, { direction: "tx" })));
      const nic = g.ctx.built.nic!;
      return { limit: nic.sw.sl.txRings[nic.pool][0].limit, perFrame: nic.txDescsPerFrame ?? 1 };
    };
    expect(tx(1518)).toEqual({ limit: 512, perFrame: 1 });
    expect(tx(9000)).toEqual({ limit: Math.floor(512 / 3), perFrame: 3 });
    // 20 frames of room = 60 descriptors: iflib's bound (34 free) lets 9 frames of 3 post.
    const ring = { room: () => 20, unreported: 0 } as unknown as Link;
    expect(new TxQueueStop(ring, 34, 34, 0, 3).postable(100)).toBe(9);
    expect(new TxQueueStop(ring, 34, 34, 0, 1).postable(100)).toBe(0);
  });

  it("PCIe carries the fetch and write-back of 3 descriptors per 9000-byte frame", () => {
    const r = simulate(spec(9000, 9000));
    const up = r.resources.find((x) => x.resource === "pcie-up")!;
    const p = getProfile("ixl")!;
    const h = hwLimits(p);
    const wb = writeBackOf(p, "freebsd", "pf");
    const perFrame = (descs: number) => pcieRxBits(h, wb, 1, 8996, descs).up / h.v.pcie_gbps;
    // Frames come in bursts (descriptor fetches share cache lines): within 0.5 % of 3 per frame.
    expect(up.cycles_per_packet).toBeGreaterThan(perFrame(3) * 0.995);
    expect(up.cycles_per_packet).toBeLessThan(perFrame(3) * 1.005);
    expect(perFrame(3) - perFrame(1)).toBeGreaterThan(0.01 * perFrame(1));
  });

  it("every path and direction carries 9000-byte frames at MTU 9000, overloaded, with every frame conserved and intact", () => {
    for (const path of ENGINE_PATH_NAMES) {
      const p = enginePath(path)!;
      for (const direction of (["rx", "tx"] as const).filter((d) => (d === "rx" ? p.rx : p.tx))) {
        const r = simulate(spec(9000, 9000, { path, direction, ratePps: lineRate(9000) * 1.2 }));
        const at = `${path} ${direction}`;
        expect(r.conservation.ok, at).toBe(true);
        expect(r.integrity, at).toEqual({ bad: 0, reordered: 0 });
        expect(r.delivered_pps, at).toBeGreaterThan(0);
        expect(r.conservation.dropped["NIC switch: oversize"] ?? 0, at).toBe(0);
      }
    }
  }, 120_000);

  it("a 9000-byte frame reaching a pool at MTU 1500 is dropped as oversize, and conservation holds", () => {
    const r = simulate(spec(9000, 1500));
    expect(r.delivered_pps).toBe(0);
    expect(r.conservation.dropped["NIC switch: oversize"]).toBe(r.conservation.sent);
    expect(r.conservation.ok).toBe(true);
  });

  it("a captured 9000-byte frame is replayed: dropped as oversize at MTU 1500, delivered at MTU 9000", () => {
    const file = pcapOf("jumbo.pcap", [unicastFrame(8996), unicastFrame(1514)], [0, 10]);
    const at = (mtu: number) =>
      replayRun(
        "rx",
        "native",
        { file, rewriteDst: "consumer" },
        { mtu, ratePps: 50_000, durationNs: 400_000 },
      );
    const standard = at(1500);
    expect(standard.conservation.ok).toBe(true);
    expect(standard.conservation.dropped["NIC switch: oversize"]).toBe(standard.conservation.sent / 2);
    const jumbo = at(9000);
    expect(jumbo.conservation.ok).toBe(true);
    expect(jumbo.conservation.delivered).toBe(jumbo.conservation.sent);
  });

  it("a jumbo MTU leaves standard frames as they were: imix at MTU 9000 = imix at MTU 1500", () => {
    for (const path of ["native", "vm-vf", "virtio"]) {
      const a = simulate(spec("imix", 1500, { path }));
      const b = simulate(spec("imix", 9000, { path }));
      expect(b.delivered_pps, path).toBe(a.delivered_pps);
      expect(b.latency_us, path).toEqual(a.latency_us);
      expect(b.resources, path).toEqual(a.resources);
    }
  });
});

describe("paths --mtu", () => {
  it("a 9000-byte frame on 10 GbE runs at line rate where the CPU is not the bottleneck (138.6 kpps)", async () => {
    const j = await iovsimJson([
      "paths",
      "--path",
      "native,vm-vf",
      "--size",
      "9000",
      "--mtu",
      "9000",
      "--workers",
      "1",
      "--json",
    ]);
    expect(j.mtu_bytes).toBe(9000);
    const line = lineRate(9000) / 1e6; // 0.1386 Mpps
    for (const p of j.paths) {
      expect(p.line_rate_mpps, p.name).toBeCloseTo(line, 4);
      // The search's resolution is 1 % of line rate.
      expect(p.ndr_mpps, p.name).toBeGreaterThanOrEqual(line * 0.99);
      expect(p.bottleneck, p.name).toBe("wire");
    }
  }, 120_000);

  it("refuses a frame the MTU cannot carry, naming --size, the MTU needed and --mtu", async () => {
    const r = await iovsim(["paths", "--path", "native", "--size", "64,9000"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /--size 9000: a 9000-byte frame needs an MTU of at least 8982 .* the paths run at MTU 1500, every interface's default: add --mtu 8982 or more/,
    );
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const given = await iovsim(["paths", "--path", "native", "--size", "1518", "--mtu", "1400"]);
    expect(given.code).toBe(1);
    expect(given.err).toMatch(
      /--size 1518: a 1518-byte frame needs an MTU of at least 1500 .* --mtu is 1400/,
    );
  });

  it("a frame no --mtu carries on the paths is refused naming the driver's bound and the largest size, not an MTU it refuses", async () => {
    // ixl takes 9706 at most, so a 9728-byte frame (MTU 9710) cannot run on native at all: the
    // message said 'add --mtu 9710 or more', which is then refused by ixl.
    const ixl = await iovsim(["paths", "--path", "native", "--size", "9728", "--mtu", "9706"]);
    expect(ixl.code).toBe(1);
    expect(ixl.err).toBe(
      "iovsim: --size 9728: a 9728-byte frame needs an MTU of at least 9710 (the frame with FCS less 14 bytes of Ethernet header and 4 of FCS), and no --mtu carries it on these paths: path 'native' runs FreeBSD's ixl on ixl0's PF (Ethernet Controller X710 for 10GbE SFP+), which takes an MTU of at most 9706 (largest frame 9728 bytes); give --size 9724 or less (or leave path 'native' out with --path)\n",
    );
    // The smallest bound of the paths named: vtnet's 9186 (9204-byte frames) beside ixl's 9706.
    const vt = await iovsim(["paths", "--path", "native,virtio", "--size", "9500"]);
    expect(vt.code).toBe(1);
    expect(vt.err).toMatch(
      /no --mtu carries it on these paths: path 'virtio' ends in the FreeBSD guest's vtnet\(4\).* give --size 9204 or less/,
    );
    // The largest size that fits is accepted at the driver's largest MTU.
    const ok = await iovsim([
      "paths",
      "--path",
      "native",
      "--size",
      "9724",
      "--mtu",
      "9706",
      "--count",
      "20",
      "--rate",
      "10%",
      "--json",
    ]);
    expect(ok.code).toBe(0);
  }, 60_000);

  it("refuses an MTU a driver on the path refuses", async () => {
    // FreeBSD's ixl: IXL_MAX_FRAME 9728 less header, FCS and a VLAN tag.
    const ixl = await iovsim(["paths", "--path", "native", "--size", "9000", "--mtu", "9710"]);
    expect(ixl.code).toBe(1);
    expect(ixl.err).toMatch(/--mtu 9710: path 'native' runs FreeBSD's ixl on ixl0's PF .* at most 9706/);
    // vtnet without mergeable buffers: one 9 KiB cluster per frame.
    const vt = await iovsim(["paths", "--path", "virtio", "--size", "9000", "--mtu", "9200"]);
    expect(vt.code).toBe(1);
    expect(vt.err).toMatch(/--mtu 9200: path 'virtio' ends in the FreeBSD guest's vtnet\(4\).* at most 9186/);
    // A Linux guest's virtio_net chains pages for any MTU: only the NIC's drivers bound it.
    const linux = await iovsim([
      "paths",
      "--path",
      "virtio",
      "--size",
      "9500",
      "--mtu",
      "9500",
      "--profile",
      "kvm-posted",
      "--rate",
      "50%",
      "--json",
    ]);
    expect(linux.code).toBe(0);
    expect(JSON.parse(linux.out).paths[0].load_points[0].loss_ratio).toBe(0);
    const range = await iovsim(["paths", "--mtu", "9711"]);
    expect(range.err).toMatch(/--mtu: '9711' is not an MTU in 68\.\.9710/);
    const big = await iovsim(["paths", "--size", "9729"]);
    expect(big.err).toMatch(/--size: '9729' is not a valid frame size \(64\.\.9728 bytes/);
  });
});

describe("model show --nic lists the frame sizes", () => {
  it("the largest frame, each driver's largest MTU and receive buffers, the OSes' transmit segments", async () => {
    const t = await iovsim(["model", "show", "--nic", "ixl"]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/frames\.maxFrameBytes\s+9728\s+bytes/);
    expect(t.out).toMatch(/freebsd\.pf\.maxMtu \(ixl\)\s+9706/);
    expect(t.out).toMatch(/freebsd\.pf\.rxBuffer up to MTU 2026 \(ixl\)\s+2048/);
    expect(t.out).toMatch(/freebsd\.pf\.rxBuffer above \(ixl\)\s+4096/);
    expect(t.out).toMatch(/linux\.pf\.rxBuffer above \(i40e\)\s+3072/);
    expect(t.out).toMatch(/freebsd\.txSegment \(the stack's\)\s+4096/);
    const j = await iovsimJson(["model", "show", "--nic", "igb", "--json"]);
    expect(j.hardware.frames.maxFrameBytes.value).toBe(9234);
    expect(j.hardware.tx_segment.freebsd.bytes).toBe(4096);
  });
});

describe("paths --pcap of jumbo frames at a smaller MTU", () => {
  const jumboPcap = new URL("../../examples/jumbo.pcap", import.meta.url).pathname;
  const run = (...mtu: string[]) =>
    iovsim([
      "paths",
      "--path",
      "native",
      "--pcap",
      jumboPcap,
      "--rewrite-dst",
      "consumer",
      "--rate",
      "10%",
      "--trial-ms",
      "0.2",
      "--json",
      ...mtu,
    ]);

  it("warns that the switch dropped frames as oversize (loss counts none of them), naming the --mtu that carries them", async () => {
    const r = await run();
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const lp = j.paths[0].load_points[0];
    const oversize = lp.conservation.dropped["NIC switch: oversize"];
    expect(oversize).toBeGreaterThan(0);
    // The switch's policy drop is not loss: the row reads 0 % beside a fraction delivered.
    expect(lp.loss_ratio).toBe(0);
    expect(j.warnings).toEqual([
      `native: ${oversize} of ${lp.conservation.sent} replayed frames were dropped by the NIC switch as oversize, longer than the path's MTU 1500 allows (1518 bytes with FCS); the capture's longest frame is 9014 bytes without FCS (9018 with it), which needs --mtu 9000; the switch's drops are not counted in loss, which is over the frames it passed toward the consumer`,
    ]);
    // A tagged frame needs 4 bytes less MTU (the pools' limit counts a VLAN tag beyond it), and a
    // capture the MTU cuts wholly gets this warning alone, not the destination-MAC hint.
    const tagged = unicastFrame(9018);
    tagged.set([0x81, 0x00, 0x00, 0x00, 0x08, 0x00], 12);
    const file = pcapOf("tagged-jumbo.pcap", [tagged], [0]);
    const t = await iovsim([
      "paths",
      "--path",
      "native",
      "--pcap",
      file,
      "--rewrite-dst",
      "consumer",
      "--rate",
      "10%",
      "--trial-ms",
      "0.2",
      "--json",
    ]);
    expect(JSON.parse(t.out).warnings).toEqual([
      expect.stringMatching(
        /^native: \d+ of \d+ replayed frames were dropped by the NIC switch as oversize, .* the capture's longest frame is 9018 bytes without FCS \(9022 with it, a VLAN tag among them\), which needs --mtu 9000; /,
      ),
    ]);
    const jumbo = JSON.parse((await run("--mtu", "9000")).out);
    expect(jumbo.warnings).toEqual([]);
    expect(jumbo.paths[0].load_points[0].conservation.dropped["NIC switch: oversize"] ?? 0).toBe(0);
  }, 60_000);

  it("a capture the consumers send (--direction tx) is refused above the MTU, as generated frames are", async () => {
    // The sender's stack refuses a frame above its MTU (EMSGSIZE); 9014-byte frames went to the
    // wire at MTU 1500 with no word.
    const tx = [
      "paths",
      "--path",
      "native",
      "--direction",
      "tx",
      "--pcap",
      jumboPcap,
      "--rewrite-src",
      "consumer",
    ];
    const r = await iovsim([...tx, "--rate", "10%", "--trial-ms", "0.2"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      `iovsim: --pcap ${jumboPcap}: frame 1 is 9014 bytes without FCS, which needs an MTU of at least 9000 to be sent (the consumers send the capture: a stack refuses a frame above its interface's MTU, EMSGSIZE), and the paths run at MTU 1500, every interface's default: add --mtu 9000 or more\n`,
    );
    const ok = await iovsim([...tx, "--mtu", "9000", "--rate", "10%", "--trial-ms", "0.2", "--json"]);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).paths[0].load_points[0].loss_ratio).toBe(0);
  }, 60_000);
});
