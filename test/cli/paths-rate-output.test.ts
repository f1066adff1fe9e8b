// What `paths` prints beside its figures: under --rate (no search) the one load point's
// measurements under a heading that says so, not an RFC 2544 table of dashes; each resource's
// work per packet with its own unit (cycles on a CPU, ns on the wire, the NIC and PCIe); the
// configuration file and the PF or VF each path used.
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { PATHS_CSV_HEADER } from "../../src/report/paths-csv.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

/** `paths ...argv`, which must succeed: its stdout. */
async function cli(...argv: string[]) {
  const r = await iovsim(["paths", ...argv]);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

const RATE = ["--path", "native", "--size", "512", "--rate", "40%", "--workers", "1"];

describe("paths --rate: what the one load point measured", () => {
  it("no RFC 2544 table of dashes: a heading naming the load, and the point's delivered rate, loss and bottleneck", async () => {
    const out = await cli(...RATE);
    expect(out).not.toMatch(/Throughput \(RFC 2544\)/);
    expect(out).not.toMatch(/NDR Mpps/);
    expect(out).toMatch(/^At --rate 40% \(one load point, no RFC 2544 search, so no NDR or PDR\)/m);
    // offered, delivered, delivered Gbps, loss, line rate, the point's bottleneck with its use.
    expect(out).toMatch(
      /│ native │ rx\s+│ 512\s+│ 0\.940\s+│ 0\.940\s+│ 4\.00\s+│ 0\.0%\s+│ 2\.350\s+│ host-core0 \d+\.\d%\s+│/,
    );
  });

  it("a search run keeps its RFC 2544 table", async () => {
    const out = await cli(
      "--path",
      "native",
      "--size",
      "1518",
      "--trial-ms",
      "0.2",
      "--precision",
      "10",
      "--workers",
      "1",
    );
    expect(out).toMatch(/^Throughput \(RFC 2544\):/m);
    expect(out).not.toMatch(/one load point, no RFC 2544 search/);
  });
});

describe("paths: work per packet carries its unit", () => {
  it("cycles on a CPU, ns on the wire, the NIC and PCIe (text, JSON, CSV)", async () => {
    const out = await cli(...RATE);
    expect(out).toMatch(/wire-rx \d+\.\d%, \d+ ns/);
    expect(out).toMatch(/nic \d+\.\d%, \d+ ns/);
    expect(out).toMatch(/pcie-up \d+\.\d%, \d+ ns/);
    expect(out).toMatch(/host-core0 \d+\.\d%, \d+ cycles/);
    expect(out).not.toMatch(/cycles\/packet/);
    const j = pathsJsonSchema.parse(JSON.parse(await cli(...RATE, "--json")));
    const units = Object.fromEntries(
      j.paths[0]!.load_points[0]!.cpu.map((c) => [c.kind, c.cycles_per_packet_unit]),
    );
    expect(units).toMatchObject({ wire: "ns", nic: "ns", pcie: "ns", core: "cycles" });
    const [head, row] = parseCsv(await cli(...RATE, "--csv"));
    expect(head).toEqual([...PATHS_CSV_HEADER]);
    const r = Object.fromEntries(head!.map((h, i) => [h, row![i]]));
    expect(r.point_bottleneck).toBe("host-core0");
    expect(r.point_bottleneck_per_packet_unit).toBe("cycles");
  });
});

describe("paths: the configuration and each path's PF or VF", () => {
  it("-f FILE: named, with each VF's number, device, PCI selector, MAC and VLAN", async () => {
    const args = [
      "-f",
      "examples/jail.conf",
      "--path",
      "jail-vf,native",
      "--size",
      "512",
      "--rate",
      "10%",
      "--workers",
      "1",
    ];
    const out = await cli(...args);
    expect(out).toMatch(
      /^Configuration: examples\/jail\.conf \(-f\), on a fresh in-memory host: ixl0 with 2 VFs$/m,
    );
    expect(out).toMatch(
      /^ {2}jail-vf: VF-0 iavf0 \(pci0:\d+:\d+:\d+\), MAC 02:00:00:00:0a:00, no port VLAN$/m,
    );
    expect(out).toMatch(/^ {2}native: the PF ixl0$/m);
    const j = pathsJsonSchema.parse(JSON.parse(await cli(...args, "--json")));
    expect(j.configuration).toMatchObject({
      source: "file",
      file: "examples/jail.conf",
      pf: "ixl0",
      vf_count: 2,
      paths: [
        {
          name: "jail-vf",
          port: "ixl0",
          vf: { index: 0, device: "iavf0", mac: "02:00:00:00:0a:00", vlan: null },
        },
        { name: "native", port: "ixl0", vf: null },
      ],
    });
  });

  it("without -f: the embedded talk's configuration, said so", async () => {
    const out = await cli("--path", "vm-vf", "--size", "512", "--rate", "10%", "--workers", "1");
    expect(out).toMatch(
      /^Configuration: the talk's iovctl\.conf \(embedded; -f FILE for yours\): ixl0 with 3 VFs$/m,
    );
    expect(out).toMatch(/^ {2}vm-vf: VF-1 ppt0 \(pci0:\d+:\d+:\d+\), MAC 02:01:00:00:00:11, no port VLAN$/m);
  });
});

// Under --count N the trial lasts N / the rate; the above-capacity notes said "grows with
// --trial-ms", an option that --count excludes.
describe("paths --rate --count: the notes name the option that sets the trial's length", () => {
  it("above capacity with --count: 'grows with --count', not --trial-ms", async () => {
    const out = await cli("--path", "native", "--size", "64", "--rate", "100%", "--count", "3000", "--json");
    const notes = pathsJsonSchema
      .parse(JSON.parse(out))
      .notes.filter((n) => n.startsWith("native rx 64: at --rate"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /loss shown is what its queues did not absorb in this trial, and grows with --count$/,
    );
  });

  it("a sender held back under --count: its loss 'stays with --count'", async () => {
    const argv = [
      "--path",
      "native",
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "100%",
      "--count",
      "20000",
    ];
    const notes = pathsJsonSchema.parse(JSON.parse(await cli(...argv, "--json"))).notes;
    const note = notes.find((n) => n.startsWith("native tx 64: at --rate 100% the sender offered"));
    expect(note).toMatch(/loss shown stays with --count, and the latency runs from when it made each frame/);
  });
});

// --direction both: native's transmit sender is held back by its core while the receive
// direction, sent by the wire, offers its all and loses. The note said "the sender offered 16.032
// of the 29.760 Mpps asked" (the sum) and that the 82.8 % loss (the receive side's) "stays".
describe("paths --rate --direction both: each direction's sender and loss on its own", () => {
  it("the transmit sender's shortfall with its own loss; the receive loss grows", async () => {
    const argv = ["--path", "native", "--direction", "both", "--size", "64", "--rate", "100%", "--json"];
    const j = pathsJsonSchema.parse(JSON.parse(await cli(...argv)));
    const lp = j.paths[0]!.load_points[0]!;
    const tx = lp.per_direction!.tx;
    const rx = lp.per_direction!.rx;
    expect(tx.offered_mpps).toBeLessThan(0.5 * rx.offered_mpps);
    expect(tx.loss_ratio).toBe(0);
    expect(rx.loss_ratio).toBeGreaterThan(0);
    const notes = j.notes.filter((n) => n.startsWith("native both 64: at --rate 100%"));
    // The third: receive work first on the shared core (src/experiment/receive-first.ts).
    expect(notes).toHaveLength(3);
    expect(notes[2]).toContain(`its tx sender shares`);
    expect(notes[2]).toContain(`and offered ${tx.offered_mpps.toFixed(3)} of the 14.881 Mpps asked`);
    expect(notes[0]).toContain(
      `its tx sender offered ${tx.offered_mpps.toFixed(3)} of the 14.881 Mpps asked`,
    );
    expect(notes[0]).toContain("the 0.0 % tx loss shown stays with --trial-ms");
    expect(notes[1]).toContain(
      `the ${(rx.loss_ratio * 100).toFixed(1)} % rx loss shown is what its queues did not absorb`,
    );
    expect(notes.join("\n")).not.toMatch(/the sender offered/);
  });
});

// A 1 ms trial at 1500 pps holds 1.5 frames; the sender makes 2 (the first at the trial's start)
// and the offered rate read 0.002 Mpps, a third above the rate asked, without a word.
describe("paths --rate whose trial holds a fraction of a frame", () => {
  it("says the offered rate reads above the one asked, and the way to the exact rate", async () => {
    const base = ["--path", "native", "--size", "64", "--json"];
    const j = pathsJsonSchema.parse(JSON.parse(await cli(...base, "--rate", "1500pps")));
    expect(j.paths[0]!.load_points[0]!.offered_mpps).toBe(0.002);
    expect(j.notes).toContain(
      "--rate 1500pps: a 1 ms trial holds 1.5 frames of 64 bytes at that rate; its sender makes whole frames, the first at the trial's start (2), so the offered rate reads 33 % above the rate asked (give --count N frames for the rate asked exactly, or a longer --trial-ms)",
    );
    // Whole frames (2 in 1 ms), or --count: the rate asked, nothing to say.
    const whole = pathsJsonSchema.parse(JSON.parse(await cli(...base, "--rate", "2kpps")));
    expect(whole.paths[0]!.load_points[0]!.offered_mpps).toBe(0.002);
    expect(whole.notes.join("\n")).not.toMatch(/whole frames/);
    const counted = pathsJsonSchema.parse(
      JSON.parse(await cli(...base, "--rate", "1500pps", "--count", "3")),
    );
    expect(counted.paths[0]!.load_points[0]!.offered_mpps).toBe(0.0015);
    expect(counted.notes.join("\n")).not.toMatch(/whole frames/);
  });
});
