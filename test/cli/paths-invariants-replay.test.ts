// The acceptance invariants (test/helpers/paths-invariants.ts) on `paths --pcap` documents: a
// capture some of whose frames the switch's filters drop (tagged frames of a VLAN no function
// joined). Those frames are policy, not loss, and still occupy the wire: the invariants read
// loss as 1 − delivered/offered and the wire's time per delivered frame as one frame's, so a
// correct document failed both.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PathsJson } from "../../src/report/paths-json.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { pathsViolations } from "../helpers/paths-invariants.ts";

const dir = tempDir("iovsim-invariants-replay-");
const frame = (tagged: boolean, sport: number) => {
  const b = eth({ dst: "02:00:00:00:00:01", src: "02:00:00:00:00:02" });
  return (tagged ? b.vlan(100) : b).ipv4().udp({ sport, dport: 9 }).build({ padTo: 60 });
};
// Half the frames tagged: the PF (promiscuous) joins no VLAN, so the switch drops them.
const halfTagged = writeFrames(join(dir, "half-tagged.pcap"), [
  frame(false, 1),
  frame(true, 2),
  frame(false, 3),
  frame(true, 4),
]);

async function replay(...extra: string[]): Promise<PathsJson> {
  const argv = ["paths", "--path", "native", "--pcap", halfTagged, "--promisc", "PF", "--trial-ms", "0.2"];
  const r = await iovsim([...argv, ...extra, "--json"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe("paths invariants on a capture the switch partly filters", () => {
  it("hold at --rate and at the fractions of NDR, and the filtered frames are there", async () => {
    for (const j of [await replay("--rate", "1Mpps"), await replay()]) {
      const lp = j.paths[0]!.load_points[0]!;
      expect(lp.replay?.filtered).toBeGreaterThan(0);
      expect(lp.replay?.to_consumer).toBeGreaterThan(0);
      expect(pathsViolations(j)).toEqual([]);
    }
  }, 120_000);

  it("still fail a doctored loss ratio and a doctored wire time", async () => {
    const j = await replay("--rate", "1Mpps");
    const lossy = structuredClone(j);
    lossy.paths[0]!.load_points[0]!.loss_ratio = 0.5; // what 1 − delivered/offered reads
    expect(pathsViolations(lossy).join("\n")).toMatch(/loss 0\.5, not consumer lost\/sent toward it 0/);
    const fast = structuredClone(j);
    const wire = fast.paths[0]!.load_points[0]!.cpu.find((r) => r.resource === "wire-rx")!;
    wire.cycles_per_packet /= 2; // one frame's Layer-1 time per delivered frame
    expect(pathsViolations(fast).join("\n")).toMatch(/wire-rx .* ns per frame, not the Layer-1 time/);
  }, 120_000);
});
