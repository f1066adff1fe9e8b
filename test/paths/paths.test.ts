// Every path delivers and conserves frames, run-to-completion and as a pipeline; a worker that
// dies is reported and the run still ends with a result; the stop flag ends unbounded runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerMac, nicFor } from "../../src/paths/compare.ts";
import { PathEngine, workerExecArgv } from "../../src/paths/engine.ts";
import { PATHS, pathByName } from "../../src/paths/graphs.ts";
import { runPath, schedule } from "../../src/paths/run.ts";
import { PfAssignments, setupHost, TALK_IOVCTL_CONF } from "../../src/paths/setup.ts";
import { defaultProfile } from "../../src/traffic/profiles.ts";

let engine: PathEngine;
const ph = setupHost(TALK_IOVCTL_CONF);

beforeAll(async () => {
  engine = await PathEngine.create(2);
});
afterAll(async () => {
  await engine?.close();
});

function traffic(name: string, over = {}) {
  return defaultProfile({ count: 5000, dstMac: consumerMac(pathByName(name)!, ph), ...over });
}

describe("paths: delivery and conservation", () => {
  for (const g of PATHS.filter((p) => p.elements)) {
    for (const workers of [1, 2]) {
      it(`${g.name} delivers every frame, intact and in order (${workers} worker${workers > 1 ? "s" : ""})`, async () => {
        const r = await runPath(engine, g, {
          traffic: traffic(g.name, { sizes: { kind: "imix" } }),
          workers,
          seconds: 20,
          itrUs: 50,
          nic: nicFor(g, ph),
        });
        expect(r.failures).toEqual([]);
        expect(r.conservation.ok).toBe(true);
        expect(r.conservation.sent).toBe(5000);
        expect(r.conservation.delivered).toBe(5000);
        expect(r.conservation.inFlight).toBe(0);
        expect(r.integrity).toEqual({ bad: 0, reordered: 0, gaps: 0 });
        expect(r.counts.packets).toBe(5000);
        expect(r.schedule.length).toBe(workers);
        expect(r.simLatencyNs.p99).toBeGreaterThanOrEqual(r.simLatencyNs.p50);
        expect(r.counts.switchLookups).toBe(5000); // every frame went through the NIC's switch
      });
    }
  }

  it("counts the events each path is made of", async () => {
    const virtio = await runPath(engine, pathByName("virtio")!, {
      traffic: traffic("virtio"),
      workers: 1,
      seconds: 20,
      itrUs: 50,
    });
    expect(virtio.counts.copies).toBe(5000);
    expect(virtio.counts.bytesCopied).toBe(5000 * 60);
    expect(virtio.counts.bridgeLookups).toBe(5000);
    // event-index suppression: far fewer notifications than frames
    expect(virtio.counts.usedNotifications + virtio.counts.usedSuppressed).toBeGreaterThan(0);
    expect(virtio.counts.usedNotifications).toBeLessThan(5000);
    const vm = await runPath(engine, pathByName("vm-vf")!, {
      traffic: traffic("vm-vf"),
      workers: 1,
      seconds: 20,
      itrUs: 50,
    });
    expect(vm.counts.iotlbLookups).toBe(10000);
    expect(vm.counts.interrupts).toBeGreaterThan(0);
    expect(vm.counts.interrupts).toBeLessThan(5000);
    const epair = await runPath(engine, pathByName("jail-epair")!, {
      traffic: traffic("jail-epair"),
      workers: 1,
      seconds: 20,
      itrUs: 50,
    });
    expect(epair.counts.epairHops).toBe(5000);
  });

  it("the NIC switch steers a frame for another VF's MAC away from the path, counted with a reason", async () => {
    const g = pathByName("jail-vf")!;
    const r = await runPath(engine, g, {
      traffic: defaultProfile({ count: 3000, dstMac: ph.vmVf!.effectiveMac }), // the VM's VF, not the jail's
      workers: 1,
      seconds: 20,
      itrUs: 50,
      nic: nicFor(g, ph),
    });
    expect(r.conservation.ok).toBe(true);
    expect(r.conservation.delivered).toBe(0);
    expect(Object.keys(r.conservation.dropped).join()).toMatch(/steered to switch pool/);
  });

  it("drops a frame for a MAC nobody owns with a reason (the bridge floods back toward the wire)", async () => {
    // Frames addressed to the host's own bridge port MAC learned on the uplink are filtered.
    const r = await runPath(engine, pathByName("jail-epair")!, {
      traffic: defaultProfile({ count: 2000, dstMac: "02:00:00:00:ff:01" }), // = the generator's own source MAC
      workers: 1,
      seconds: 20,
      itrUs: 50,
    });
    expect(r.conservation.ok).toBe(true);
    const dropped = Object.values(r.conservation.dropped).reduce((a, b) => a + b, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(r.conservation.delivered + dropped + r.conservation.inFlight).toBe(2000);
  });

  it("a worker that dies is reported and the run still ends with a result", async () => {
    const r = await runPath(engine, pathByName("native")!, {
      traffic: traffic("native", { count: 0 }),
      workers: 2,
      seconds: 10,
      itrUs: 50,
      crash: { worker: 1, afterFrames: 1000 },
    });
    expect(r.failures.length).toBe(1);
    expect(r.failures[0]).toMatch(/worker 1 .* died/);
    expect(r.conservation.ok).toBe(true); // counters still add up: frames left are in flight
    expect(r.generator.sent).toBeGreaterThan(0);
    // and the engine keeps working afterwards
    const again = await runPath(engine, pathByName("native")!, {
      traffic: traffic("native"),
      workers: 2,
      seconds: 20,
      itrUs: 50,
    });
    expect(again.conservation.delivered).toBe(5000);
  });

  it("an unbounded run stops cleanly on the stop flag", async () => {
    const r = await runPath(engine, pathByName("virtio")!, {
      traffic: traffic("virtio", { count: 0 }),
      workers: 2,
      seconds: 0.2,
      itrUs: 50,
    });
    expect(r.failures).toEqual([]);
    expect(r.conservation.ok).toBe(true);
    expect(r.counts.packets).toBeGreaterThan(0);
  });

  it("workers get tsx's loader through execArgv", () => {
    expect(workerExecArgv().join(" ")).toMatch(/tsx/);
  });

  it("schedules run-to-completion or a pipeline with the generator alone", () => {
    const steps = pathByName("virtio")!.elements!.map((e, i) => ({ name: e.name, kind: e.kind, ctx: i }));
    expect(schedule(steps, 1)).toHaveLength(1);
    const two = schedule(steps, 2);
    expect(two[0].map((s) => s.name)).toEqual(["gen"]);
    expect(two[1]).toHaveLength(steps.length - 1);
  });
});

describe("host setup through the control plane", () => {
  it("creates the talk's VFs and gives the passthrough VF to a VM", () => {
    expect(ph.vfs.map((v) => v.name)).toEqual(["iavf0", "ppt0", "ppt1"]);
    expect(ph.vmVf?.attachedVm).toBe("vm0");
    expect(ph.jailVf?.config.passthrough).toBe(false);
  });
  it("refuses a second VM for a whole-PF passthrough", () => {
    const a = new PfAssignments();
    a.assign(ph.host, "ix0", "vm1");
    expect(() => a.assign(ph.host, "ix0", "vm2")).toThrow(/already passed through to VM 'vm1'/);
    expect(() => a.assign(ph.host, "ixl0", "vm3")).toThrow(/SR-IOV is enabled/);
  });
  it("reports a bad iovctl.conf with file:line:column", () => {
    expect(() => setupHost('PF { device: "ixl0"; num_vfs: 2 }\nVF-5 { }\n', "bad.conf")).toThrow(
      /bad\.conf:2:\d+: VF number 5/,
    );
  });
});
