// `iovsim paths` and `iovsim ping` through a VF with a port VLAN (iovctl.conf `vlan: N`): what
// the control plane accepts the data plane runs. The wire carries the NIC's tag (1,522 bytes on
// the wire for 1,518 asked: the wire-bound NDR is that of the longer frames), every echo comes
// back, and nothing is said to fail.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineRatePps } from "../../src/experiment/rate.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-portvlan-cli-"));
const CONF =
  'PF { device: "ix0"; num_vfs: 2; }\nDEFAULT { vlan: "TRUNK"; }\nVF-0 { passthrough: false; vlan: 100; }\nVF-1 { passthrough: true; vlan: 200; }\n';
const tagged = join(tmp, "vlan.conf");
const trunk = join(tmp, "trunk.conf");
writeFileSync(tagged, CONF);
writeFileSync(trunk, CONF.replace(/ vlan: \d+;/g, ""));

const cli = (argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });

interface PathsJson {
  paths: Array<{
    name: string;
    frame_bytes: number;
    ndr_mpps: number;
    line_rate_mpps: number;
    bottleneck: string;
  }>;
  ping: Array<{ path: string; transmitted: number; received: number }>;
  notes: string[];
}

const paths = async (conf: string) => {
  const r = await cli([
    "paths",
    "--path",
    "jail-vf",
    "--size",
    "1518",
    "-f",
    conf,
    "--trial-ms",
    "0.2",
    "--workers",
    "1",
    "--json",
  ]);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as PathsJson;
};

describe("iovsim paths / ping through a port-VLAN VF", () => {
  it("paths delivers, and the wire-bound NDR at 1518 B is that of 1,522-byte tagged frames", async () => {
    const t = await paths(tagged);
    const u = await paths(trunk);
    const [tp, up] = [t.paths[0]!, u.paths[0]!];
    expect([tp.frame_bytes, up.frame_bytes]).toEqual([1522, 1518]);
    expect([tp.bottleneck, up.bottleneck]).toEqual(["wire", "wire"]);
    expect(tp.line_rate_mpps).toBeCloseTo(lineRatePps(1522, 10) / 1e6, 6);
    expect(tp.ndr_mpps).toBeGreaterThan(0.8);
    expect(tp.ndr_mpps).toBeLessThan(up.ndr_mpps);
    expect(t.ping).toEqual([expect.objectContaining({ path: "jail-vf", transmitted: 10, received: 10 })]);
    expect(t.notes).toContain(
      `jail-vf: VF-0 has port VLAN 100 in ${tagged}: the NIC tags its frames on the wire and strips the tag on receive, so each frame is 4 bytes longer on the wire than the size asked for (line rate and Gbit/s count them)`,
    );
    expect(u.notes.join("\n")).not.toMatch(/VLAN/);
  }, 60_000);

  it("ping gets every reply, with nothing said to fail", async () => {
    for (const path of ["jail-vf", "vm-vf"]) {
      const r = await cli(["ping", "--path", path, "-c", "3", "--interval-ms", "10", "-f", tagged]);
      expect(r.err).not.toMatch(/note|VLAN/);
      expect(r.code).toBe(0);
      expect(r.out).toContain("3 packets transmitted, 3 packets received, 0.0% packet loss");
    }
  });
});
