// A run no frame of which crosses a wire has no wire line rate (virtio-tap's receive starts at
// pktgen on a host core; vf-loopback loops back inside the NIC): the JSON's line_rate_mpps is
// null and says why, the table prints "- (no wire)" and what bounds the offered load instead.
import { describe, expect, it } from "vitest";
import { noWire } from "../../src/paths/path-graphs.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

describe("no wire, no line rate", () => {
  it("comes from the path graph: which runs have an element on a wire", () => {
    expect(noWire("virtio-tap", "rx")).toMatch(
      /from pktgen on host-core0 to virtio-net on guest-vcpu0, never over the wire/,
    );
    expect(noWire("vf-loopback", "tx")).toMatch(/never over the wire/);
    // Its transmit leaves through the PF onto the wire; both directions together do too.
    expect(noWire("virtio-tap", "tx")).toBeNull();
    expect(noWire("virtio-tap", "both")).toBeNull();
    for (const p of ["native", "jail-vf", "vm-vf", "passthrough", "virtio", "jail-epair", "jail-epair-fwd"])
      expect(noWire(p, "rx"), p).toBeNull();
  });

  it("paths: null line rate and the reason in the JSON; a dash and what caps the load in the table", async () => {
    const args = [
      "paths",
      "--path",
      "virtio-tap,native",
      "--size",
      "64",
      "--rate",
      "0.5Mpps",
      "--workers",
      "1",
    ];
    const j = pathsJsonSchema.parse(JSON.parse((await cli([...args, "--json"])).out));
    const [tap, native] = j.paths;
    expect(tap.line_rate_mpps).toBeNull();
    expect(tap.no_wire).toMatch(/pktgen/);
    expect(tap.ceiling_mpps).toBeCloseTo(14.881, 3);
    expect(native.line_rate_mpps).toBeCloseTo(14.881, 3);
    expect(native.no_wire).toBeNull();
    const t = await cli(args);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/│ virtio-tap │ rx\s*│ 64\s*│[^\n]*│ - \(no wire\) │/);
    expect(t.out).toMatch(/│ native\s*│ rx\s*│ 64\s*│[^\n]*│ 14\.881\s*│/);
    expect(t.out).toMatch(
      /^no wire: virtio-tap rx: frames go from pktgen on host-core0 .* the load offered is at most the port's line rate/m,
    );
  }, 60_000);
});
