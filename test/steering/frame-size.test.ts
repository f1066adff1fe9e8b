// `steering` states each mix's frame size (headers plus payload, with FCS) in its text and in
// --json (`mixes`): the line rate and every Mpps figure are computed at it.
import { describe, expect, it } from "vitest";
import { steeringJsonSchema } from "../../src/report/steering-json.ts";
import { mixFrameSize, mixFrameSizeNote } from "../../src/steering/frame-size.ts";
import { buildMix } from "../../src/steering/traffic.ts";
import { iovsim } from "../helpers/cli.ts";

const mix = (name: "vxlan" | "gtpu" | "esp") =>
  buildMix({ mix: name, flows: 64, tunnels: 4, zipfS: 0, seed: 1 });

const cli = (argv: string[]) => iovsim(argv);

const RUN = [
  "steering",
  "--mix",
  "vxlan",
  "--queues",
  "4",
  "--strategy",
  "single",
  "--frames",
  "500",
  "--no-ndr",
  "--rate",
  "20%",
];

describe("a steering mix's frame size", () => {
  it("vxlan: 128 B with FCS, 32 B of it payload (docs/steering.md)", () => {
    const m = mixFrameSize(mix("vxlan"), 1000, 1);
    expect(m).toEqual({
      traffic: "vxlan",
      mean_bytes: 128,
      min_bytes: 128,
      max_bytes: 128,
      payload_bytes: 32,
      ip: { inner: "ipv4", outer: "ipv4" },
    });
    expect(mixFrameSizeNote(m)).toBe(
      "vxlan frames: 128 B with FCS (92 B of headers, 32 B of payload, 4 B FCS)",
    );
  });

  it("gtpu: headers vary (a PDU session container on a third), so a range and the mean of the draw", () => {
    const m = mixFrameSize(mix("gtpu"), 1000, 1);
    expect(m.min_bytes).toBeLessThan(m.max_bytes);
    expect(m.mean_bytes).toBeGreaterThan(m.min_bytes);
    expect(m.mean_bytes).toBeLessThan(m.max_bytes);
    expect(mixFrameSizeNote(m)).toMatch(
      /^gtpu frames: \d+-\d+ B with FCS, \d+\.\d B on average; headers vary, 32 B/,
    );
  });

  it("esp: no payload figure (its body is opaque)", () => {
    expect(mixFrameSize(mix("esp"), 1000, 1).payload_bytes).toBeNull();
  });

  it("the text says it under the mix's description", async () => {
    const r = await cli(RUN);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^ {2}vxlan frames: 128 B with FCS \(92 B of headers, 32 B of payload, 4 B FCS\)$/m,
    );
  });

  it("--json carries it in mixes (and in the notes)", async () => {
    const r = await cli([...RUN, "--json"]);
    expect(r.code, r.err).toBe(0);
    const j = steeringJsonSchema.parse(JSON.parse(r.out));
    expect(j.mixes).toEqual([
      {
        traffic: "vxlan",
        mean_bytes: 128,
        min_bytes: 128,
        max_bytes: 128,
        payload_bytes: 32,
        ip: { inner: "ipv4", outer: "ipv4" },
      },
    ]);
    expect(j.notes).toContain("vxlan frames: 128 B with FCS (92 B of headers, 32 B of payload, 4 B FCS)");
  });
});
