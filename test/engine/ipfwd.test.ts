// The IPv4 forwarding element (a vnet jail that routes, path jail-epair-fwd): each frame leaves
// with its TTL one lower, a header checksum that still verifies, the next hop's MAC as
// destination and the egress interface's as source; what a router does not forward (link-layer
// group addresses, non-IPv4, an expiring TTL, a bad header checksum) is dropped with a reason and
// its buffer goes home. Frames are real bytes: the test reads them back from the out ring.
import { beforeAll, describe, expect, it } from "vitest";
import * as A from "../../assembly/abi.ts";
import * as P from "../../assembly/pathabi.ts";
import { countFrames } from "../../src/engine/result.ts";
import { buildPath, type PathGraph } from "../../src/paths/build.ts";
import { elementCall, instantiatePathKernels } from "../../src/paths/kernels.ts";
import type { PathMemory } from "../../src/paths/prepare.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile, type TrafficProfile } from "../../src/traffic/profiles.ts";

const PEER = "02:00:00:00:ff:01";
const EGRESS = "02:e0:00:00:01:0a";
const GRAPH: PathGraph = {
  name: "ipfwd",
  summary: "test: generator -> IPv4 forwarder -> sink",
  consumer: "host",
  usesVf: false,
  elements: [
    { kind: "gen", name: "gen", out: "in" },
    { kind: "ipfwd", name: "fwd", in: "in", out: "out", egressMac: EGRESS },
    { kind: "sink", name: "sink", in: "out", role: "wire", iotlbPerFrame: 0, interrupts: false },
  ],
  tx: [],
};

let engine: PathMemory;
beforeAll(async () => {
  const module = await loadModule();
  const memory = createMemory(512);
  engine = { memory, module, heapBase: instantiatePathKernels(module, memory).heapBase };
});

function run(traffic: Partial<TrafficProfile>, n: number, patch?: (frame: Uint8Array) => void) {
  const profile = defaultProfile({ count: 0, ...traffic });
  const templates = buildTemplates(profile);
  if (patch) for (const t of templates.templates) patch(t.bytes);
  const built = buildPath(engine.memory, engine.heapBase, GRAPH, {
    templates,
    psPerByte: 800,
    count: 0,
    seed: 1,
    itrNs: 50_000,
    consumerMac: profile.dstMac,
    wirePeerMac: PEER,
    eventIdx: true,
  });
  const { k } = instantiatePathKernels(engine.module, engine.memory);
  const dv = built.layout.dv();
  const gen = built.ctx.get("gen")!;
  dv.setBigUint64(gen + P.G_LIMIT, BigInt(n), true);
  const step = (name: string) => elementCall(k, built.steps.find((s) => s.name === name)!, 32);
  const [g, f] = [step("gen"), step("fwd")];
  for (let i = 0; i < 20; i++) {
    g();
    f();
  }
  return { built, dv, drain: step("sink") };
}

/** The frames waiting on the forwarder's out ring, as bytes. */
function outFrames(built: ReturnType<typeof run>["built"]): Uint8Array[] {
  const dv = built.layout.dv();
  const r = built.links.get("out")!;
  const head = dv.getUint32(r + A.R_HEAD, true);
  const tail = dv.getUint32(r + A.R_TAIL, true);
  const mask = dv.getUint32(r + A.R_MASK, true);
  const desc = dv.getUint32(r + A.R_DESC, true);
  const base = dv.getUint32(built.layout.header + 4 * A.H_BUF_BASE, true);
  const stride = dv.getUint32(built.layout.header + 4 * A.H_BUF_STRIDE, true);
  const out: Uint8Array[] = [];
  for (let i = head; i !== tail; i = (i + 1) >>> 0) {
    const d = desc + (i & mask) * A.DESC_BYTES;
    const at = base + dv.getUint32(d + A.D_BUF, true) * stride + dv.getUint16(d + A.D_OFF, true);
    out.push(new Uint8Array(engine.memory.buffer, at, dv.getUint16(d + A.D_LEN, true)).slice());
  }
  return out;
}

const mac = (b: Uint8Array, at: number) =>
  Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, "0")).join(":");
/** One's-complement sum of the IPv4 header: 0xffff when its checksum verifies. */
function ipSum(b: Uint8Array): number {
  const ihl = (b[14] & 15) * 4;
  let s = 0;
  for (let i = 14; i < 14 + ihl; i += 2) s += (b[i] << 8) | b[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe("IPv4 forwarding element", () => {
  it("forwards in place: TTL - 1, checksum still valid, next hop's and egress MACs", () => {
    const sent = buildTemplates(defaultProfile({ count: 0 })).templates[0].bytes;
    const { built, drain } = run({}, 100);
    const frames = outFrames(built);
    expect(frames).toHaveLength(100);
    for (const f of frames) {
      expect(mac(f, 0)).toBe(PEER);
      expect(mac(f, 6)).toBe(EGRESS);
      expect(f[22]).toBe(sent[22] - 1);
      expect(ipSum(f)).toBe(0xffff);
    }
    for (let i = 0; i < 10; i++) drain();
    expect(countFrames(built)).toMatchObject({ sent: 100, delivered: 100, dropped: {}, ok: true });
  });

  it("drops what a router does not forward, with a reason, and sends the buffers home", () => {
    const reason = "fwd: not forwarded (link-layer group address, not IPv4, bad header or TTL)";
    const cases: Array<[string, Partial<TrafficProfile>, ((b: Uint8Array) => void) | undefined]> = [
      ["broadcast", { dstMac: "ff:ff:ff:ff:ff:ff" }, undefined],
      ["TTL 1", {}, (b) => setTtl(b, 1)],
      ["bad checksum", {}, (b) => (b[24] ^= 0xff)],
      ["not IPv4", {}, (b) => (b[12] = 0x86)],
    ];
    for (const [what, traffic, patch] of cases) {
      const { built } = run(traffic, 50, patch);
      expect(outFrames(built), what).toHaveLength(0);
      expect(countFrames(built), what).toMatchObject({ sent: 50, delivered: 0, dropped: { [reason]: 50 } });
      expect(countFrames(built).ok, what).toBe(true);
    }
  });
});

/** Sets the TTL and fixes the header checksum (so only the TTL is at fault). */
function setTtl(b: Uint8Array, ttl: number): void {
  b[22] = ttl;
  b[24] = 0;
  b[25] = 0;
  const s = 0xffff - ipSum(b);
  b[24] = s >> 8;
  b[25] = s & 0xff;
}
