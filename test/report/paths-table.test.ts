// The ping table of `paths` and the demo: a path whose echoes all went unanswered has no
// round-trip time, so its RTT cells are a dash, never 0.0 (which would read as a figure).
import { describe, expect, it } from "vitest";
import { pingTable, simulatorLine } from "../../src/report/paths-table.ts";

const rtt = { min: 9.8, avg: 9.8, max: 9.8, stddev: 0, p50: 9.8, p99: 9.8 };
const zeros = { min: 0, avg: 0, max: 0, stddev: 0, p50: 0, p99: 0 };

describe("pingTable", () => {
  it("prints the RTTs of a path that answered", () => {
    const t = pingTable([{ path: "native", transmitted: 10, received: 10, rtt_us: rtt }]);
    expect(t).toMatch(/native\s+│ 10 \/ 10\s+│ 9\.8 \/ 9\.8 \/ 9\.8 \/ 0\.0\s+│ 9\.8\s+│ 9\.8\s+│/);
  });

  it("prints dashes, not 0.0, when no echo was answered", () => {
    const t = pingTable([{ path: "jail-vf", transmitted: 10, received: 0, rtt_us: zeros }]);
    expect(t).toMatch(/jail-vf\s+│ 10 \/ 0\s+│ -\s+│ -\s+│ -\s+│/);
    expect(t).not.toMatch(/0\.0/);
  });
});

describe("simulatorLine", () => {
  const speed = { frames: 6000, events: 1, virtual_s: 0.001, wall_s: 0.3, realtime_factor: 0.004 };
  it("counts one simulation and one idle ping in the singular", () => {
    const line = simulatorLine({
      ...speed,
      simulations: 1,
      frames_per_wall_s: 2e4,
      workers: 1,
      ping: { simulations: 1, frames: 10, virtual_s: 10 },
    });
    expect(line).toMatch(/: 1 simulation, .* 1 worker \(plus 1 idle ping: 10 frames/);
  });
  it("and more in the plural", () => {
    const line = simulatorLine({
      ...speed,
      simulations: 4,
      frames_per_wall_s: 2e4,
      workers: 2,
      ping: { simulations: 2, frames: 20, virtual_s: 20 },
    });
    expect(line).toMatch(/: 4 simulations, .* 2 workers \(plus 2 idle pings: 20 frames/);
  });
  it("a tiny run's virtual time and real-time factor are not printed as 0", () => {
    const line = simulatorLine({
      ...speed,
      frames: 10,
      virtual_s: 1e-5,
      realtime_factor: 2e-4,
      simulations: 1,
      frames_per_wall_s: 300,
      workers: 1,
      ping: { simulations: 0, frames: 0, virtual_s: 0 },
    });
    expect(line).toContain("10 frames, 0.0000100 s of virtual time in 0.30 s wall = 0.000200× real time");
  });
  it("one frame, and one of each --partitions 2 count, in the singular", () => {
    const line = simulatorLine({
      ...speed,
      frames: 1,
      simulations: 1,
      frames_per_wall_s: 3,
      workers: 1,
      partitions: 2,
      sync: {
        waits: [1, 1],
        sleeps: [0, 0],
        naps: [0, 0],
        notifies: 1,
        records: 1,
        exchanges: 1,
        wait_s: [0, 0],
      },
      ping: { simulations: 0, frames: 0, virtual_s: 0 },
    } as Parameters<typeof simulatorLine>[0]);
    expect(line).toMatch(/: 1 simulation, 1 frame, /);
    expect(line).toMatch(
      /waited for each other 1 \+ 1 time \(consumer \+ source\), .* 1 wake-up, 1 link record in 1 exchange/,
    );
    expect(line).not.toMatch(/\b1 (frames|times|wake-ups|link records|exchanges)\b/);
  });
});

describe("pathsHuman: counts in the run's description", () => {
  it("a window of 1 frame; a one-record capture is 1 record as a frame", async () => {
    const { pathsHuman } = await import("../../src/report/paths-table.ts");
    const { iovsim } = await import("../helpers/cli.ts");
    const args = [
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--application",
      "--trial-ms",
      "0.05",
      "--json",
    ];
    const one = await iovsim([...args, "--window", "1"]);
    expect(one.err).toContain("a window of 1 frame is smaller than one ACK's 2 frames");
    const r = await iovsim([...args, "--window", "2"]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(pathsHuman(j, "")).toContain("keeps at most 2 frames sent and not yet read");
    expect(pathsHuman({ ...j, load: { ...j.load, window: 1 } }, "")).toContain("keeps at most 1 frame sent");
    const replay = {
      file: "one.pcap",
      format: "pcap",
      frames: 1,
      records: 1,
      dropped_before_engine: {},
      timing: "paced",
      rewrite_dst: null,
      rewrite_dst_all: false,
      rewrite_src: null,
      promisc: [],
      snaplen_cut: 1,
    };
    const text = pathsHuman({ ...j, replay }, "");
    expect(text).toContain("Replaying one.pcap (pcap): 1 of 1 record as a frame, looped");
    expect(text).toContain("; 1 frame cut by the capture's snaplen");
  });
});
