// vhost's transmit hands each guest buffer to the tap inline (handle_tx -> tun_sendmsg ->
// tun_get_user, which returns the frame's length whatever the host stack behind the tap then
// does): it never waits for room there. A frame that finds the ring toward the host stack full
// is dropped, counted with a reason, and its descriptor completed (src/engine/elements/vhost-tx.ts,
// assembly/elements/virtio.ts vhostTxBurst).
import { beforeAll, describe, expect, it } from "vitest";
import * as P from "../../assembly/pathabi.ts";
import { countFrames } from "../../src/engine/result.ts";
import { buildPath, type PathGraph } from "../../src/paths/build.ts";
import { elementCall, instantiatePathKernels } from "../../src/paths/kernels.ts";
import type { PathMemory } from "../../src/paths/prepare.ts";
import { createMemory, loadModule } from "../../src/switch/wasm.ts";
import { buildTemplates, defaultProfile } from "../../src/traffic/profiles.ts";

/** gen -> guest virtio-net transmit -> vq1 -> vhost-copy transmit -> tap ring -> a host stack (sink). */
const GUEST_TX: PathGraph = {
  name: "vhost-tx-test",
  summary: "test: a guest transmitting through vhost into the tap",
  consumer: "host",
  usesVf: false,
  elements: [
    { kind: "gen", name: "gen", out: "g" },
    { kind: "guest-tx", name: "virtio-net-tx", in: "g", vq: "vq1" },
    { kind: "vhost-tx", name: "vhost-copy-tx", vq: "vq1", out: "tap" },
    { kind: "sink", name: "host", in: "tap", role: "host", iotlbPerFrame: 0, interrupts: false },
  ],
  tx: [],
} as unknown as PathGraph;

let engine: PathMemory;
beforeAll(async () => {
  const module = await loadModule();
  const memory = createMemory(512);
  engine = { memory, module, heapBase: instantiatePathKernels(module, memory).heapBase };
});

describe("vhost transmit into a full tap ring", () => {
  it("drops what finds no room (counted, descriptors completed) and never stalls the guest's queue", () => {
    const built = buildPath(engine.memory, engine.heapBase, GUEST_TX, {
      templates: buildTemplates(defaultProfile({ count: 0 })),
      psPerByte: 800,
      count: 0,
      seed: 1,
      itrNs: 50_000,
      consumerMac: "02:00:00:00:00:01",
      eventIdx: true,
    });
    const { k } = instantiatePathKernels(engine.module, engine.memory);
    // The host stack behind the tap is stalled (its sink never runs): the tap's ring fills.
    const calls = built.steps.filter((s) => s.name !== "host").map((s) => elementCall(k, s, 32));
    const dv = built.layout.dv();
    const gen = built.ctx.get("gen")!;
    const n = 5000;
    dv.setBigUint64(gen + P.G_LIMIT, BigInt(n), true);
    for (let i = 0; i < 400; i++) for (const c of calls) c();
    const c = countFrames(built);
    const why = "vhost-copy-tx: host stack behind the tap full (dropped, descriptor completed)";
    expect(c.ok).toBe(true);
    expect(c.sent).toBe(n);
    // Everything the guest sent left its queue: queued at the tap or dropped there, none waiting.
    expect(c.dropped[why]).toBeGreaterThan(0);
    expect(c.inFlight + c.dropped[why]).toBe(n);
    expect(Number(dv.getBigUint64(built.ctx.get("vq1")! + P.V_TX_DROPPED, true))).toBe(c.dropped[why]);
  });
});
