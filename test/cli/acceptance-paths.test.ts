// Outside-in acceptance sweep of `iovsim paths`: option combinations no other test pins (every
// path, odd frame sizes, both directions, 1 GbE and port-VLAN configurations, every profile and
// variants, Poisson arrivals, every --rate unit), each run checked against the physics any
// answer must obey (test/helpers/paths-invariants.ts), never against recorded numbers. Then the
// relations between runs: a faster CPU never lowers a CPU-bound NDR, bigger frames never give
// more frames per second, a load below NDR loses nothing, one well above it does not pass
// unflagged, the same seed gives the same document, JSON, CSV and text agree. Trials are short
// (--count, --trial-ms, a coarse --precision): the invariants hold at any trial length.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { PATHS_CSV_HEADER } from "../../src/report/paths-csv.ts";
import { type PathsJson, pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { layer1Bits, pathsViolations } from "../helpers/paths-invariants.ts";

const tmp = tempDir("iovsim-acceptance-paths-");
const conf = (name: string, text: string) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const IGB = conf(
  "igb.conf",
  'PF { device: "igb0"; num_vfs: 2; }\nDEFAULT { passthrough: false; }\nVF-1 { passthrough: true; }\n',
);
const IX_VLAN = conf(
  "ix-vlan.conf",
  'PF { device: "ix0"; num_vfs: 2; }\nVF-0 { passthrough: false; vlan: 100; }\nVF-1 { passthrough: true; vlan: 4094; }\n',
);

/** Short trials: the search's own trials, no final phase. */
const QUICK = ["--count", "300", "--precision", "5", "--workers", "1"];
const DNS_PCAP = join(import.meta.dirname, "../fixtures/captures/tcpdump/dns_udp.pcap");

async function paths(argv: string[]): Promise<PathsJson> {
  const r = await iovsim(["paths", ...argv, "--json"]);
  expect(r.code, r.err).toBe(0);
  return pathsJsonSchema.parse(JSON.parse(r.out));
}

const ndrOf = (j: PathsJson, name: string, size: number | string = 64) => {
  const p = j.paths.find((x) => x.name === name && x.size === size);
  if (p?.ndr_mpps == null) throw new Error(`no NDR for ${name} ${size}`);
  return p.ndr_mpps;
};

// Each case: a run nobody else pins, and what else it must show beside the invariants.
const CASES: Array<{ name: string; argv: string[]; also?: (j: PathsJson) => void }> = [
  {
    name: "every path, rx, the smallest and largest frames",
    argv: ["--size", "64,1518", ...QUICK],
    also: (j) => expect(j.paths.length).toBe(18),
  },
  {
    name: "every path, tx, odd sizes 65 and 1500",
    argv: ["--direction", "tx", "--size", "65,1500", ...QUICK],
    also: (j) => expect(new Set(j.paths.map((p) => p.frame_bytes))).toEqual(new Set([65, 1500])),
  },
  {
    name: "every path, both directions, 128 B and imix",
    argv: ["--direction", "both", "--size", "128,imix", ...QUICK],
  },
  {
    name: "an igb0 configuration: 1 GbE for the VF paths, ix0's 10 GbE for passthrough",
    argv: ["-f", IGB, "--path", "native,vm-vf,passthrough", "--size", "64,1518", ...QUICK],
    also: (j) => {
      expect(j.paths.find((p) => p.name === "native")?.link_gbps).toBe(1);
      expect(j.paths.find((p) => p.name === "passthrough")?.link_gbps).toBe(10);
    },
  },
  {
    name: "port VLANs on ix0: 4 more bytes on the wire for the tagged VFs only",
    argv: [
      "-f",
      IX_VLAN,
      "--path",
      "native,jail-vf,vm-vf",
      "--size",
      "64,1518",
      "--direction",
      "both",
      ...QUICK,
    ],
    also: (j) => {
      for (const p of j.paths)
        expect(p.frame_bytes, p.name).toBe((p.size as number) + (p.name === "native" ? 0 : 4));
    },
  },
  {
    name: "port VLAN, tx only: the NIC's tag counted in Gbit/s though the sender's frames have none",
    argv: ["-f", IX_VLAN, "--path", "jail-vf,vm-vf", "--size", "64,1518", "--direction", "tx", ...QUICK],
    also: (j) => {
      for (const p of j.paths) expect(p.frame_bytes, p.name).toBe((p.size as number) + 4);
    },
  },
  ...[
    "kvm-exits",
    "kvm-posted",
    "freebsd",
    "bhyve{cpu_ghz=3.5}",
    "kvm-exits!irqfd-2010",
    "bhyve!vhost-2016",
  ].map((profile) => ({
    name: `profile ${profile}`,
    argv: ["--profile", profile, "--path", "vm-vf,virtio,jail-epair", "--size", "512", ...QUICK],
    also: (j: PathsJson) => expect(j.profile.name).toBe(profile),
  })),
  {
    name: "Poisson arrivals with a seed, trials in virtual ms",
    argv: [
      "--arrival",
      "poisson",
      "--seed",
      "7",
      "--trial-ms",
      "0.3",
      "--precision",
      "5",
      "--path",
      "native,virtio-tap,vf-loopback",
      "--size",
      "64",
      "--direction",
      "both",
    ],
  },
  {
    name: "a PDR limit of 5 %",
    argv: ["--pdr-loss", "5", "--path", "jail-epair,bridge-epair-fwd", "--size", "64", ...QUICK],
  },
  ...["200000pps", "300kpps", "1.2Mpps", "2.5Gbps", "40%"].map((rate) => ({
    name: `--rate ${rate}: one load point, offered as asked`,
    argv: [
      "--rate",
      rate,
      "--path",
      "native,vm-vf,jail-epair",
      "--size",
      "512",
      "--trial-ms",
      "0.5",
      "--workers",
      "1",
    ],
    also: (j: PathsJson) => {
      const m = /^([\d.]+)(pps|kpps|Mpps|Gbps|%)$/.exec(rate)!;
      const v = Number(m[1]);
      for (const p of j.paths) {
        expect(p.ndr_mpps).toBeNull();
        expect(p.load_points).toHaveLength(1);
        const asked = {
          pps: v / 1e6,
          kpps: v / 1e3,
          Mpps: v,
          Gbps: (v * 1e3) / layer1Bits(p.frame_bytes),
          "%": ((p.line_rate_mpps as number) * v) / 100,
        }[m[2] as "pps"];
        // Constant arrivals from the wire: exactly the rate asked, to the frame.
        expect(p.load_points[0]!.offered_mpps, p.name).toBeCloseTo(asked, 2);
      }
    },
  })),
];

describe("paths: every case obeys the physics", () => {
  for (const c of CASES)
    it(c.name, async () => {
      const j = await paths(c.argv);
      expect(pathsViolations(j)).toEqual([]);
      c.also?.(j);
    });
});

describe("paths: each invariant can fail (doctored documents)", () => {
  const doctor = async (edit: (j: PathsJson) => void) => {
    const j = await paths(["--path", "native", "--size", "64", "--direction", "both", ...QUICK]);
    expect(pathsViolations(j)).toEqual([]);
    edit(j);
    return pathsViolations(j).join("\n");
  };
  const p0 = (j: PathsJson) => j.paths[0]!;
  const lp0 = (j: PathsJson) => p0(j).load_points[1]!;
  it.each([
    ["line rate", (j: PathsJson) => (p0(j).line_rate_mpps! *= 1.01), /line rate/],
    ["NDR above PDR", (j: PathsJson) => (p0(j).ndr_mpps = p0(j).pdr_mpps! + 0.1), /NDR .* above PDR/],
    ["Gbit/s", (j: PathsJson) => (p0(j).ndr_gbps! *= 1.05), /NDR .* Gbit\/s/],
    ["offered above line rate", (j: PathsJson) => (lp0(j).offered_mpps = 40), /above/],
    ["delivered Gbit/s", (j: PathsJson) => (lp0(j).delivered_gbps! *= 1.05), /delivered .* Gbit\/s, not/],
    ["conservation", (j: PathsJson) => (lp0(j).conservation.delivered -= 1), /sent .* ≠ delivered/],
    ["loss", (j: PathsJson) => (lp0(j).loss_ratio = 0.01), /loss/],
    ["latency order", (j: PathsJson) => (lp0(j).latency_us!.p99 = lp0(j).latency_us!.max + 1), /not ordered/],
    ["utilization", (j: PathsJson) => (lp0(j).cpu[0]!.utilization = 1.2), /utilization 1\.2/],
    ["bottleneck", (j: PathsJson) => (lp0(j).bottleneck = "nic"), /bottleneck nic .* not the most worked/],
    ["directions", (j: PathsJson) => (lp0(j).per_direction!.rx.offered_mpps += 0.1), /offered ≠/],
    [
      "ping",
      (j: PathsJson) => (j.ping[0]!.rtt_us.p50 = (j.ping[0]!.rtt_us.max as number) + 1),
      /RTT not ordered/,
    ],
  ])("%s", async (_what, edit, message) => {
    expect(await doctor(edit)).toMatch(message);
  });
});

describe("paths: relations between runs", () => {
  it("a faster CPU never gives a lower NDR on a CPU-bound path (cpu_ghz 2 → 3.5)", async () => {
    const argv = ["--path", "native,vm-vf,virtio,jail-epair", "--size", "64", ...QUICK];
    const slow = await paths([...argv, "--profile", "bhyve{cpu_ghz=2}"]);
    const fast = await paths([...argv, "--profile", "bhyve{cpu_ghz=3.5}"]);
    for (const name of ["native", "vm-vf", "virtio", "jail-epair"])
      expect(ndrOf(fast, name), name).toBeGreaterThanOrEqual(ndrOf(slow, name));
  });

  it("posted interrupts never lower vm-vf's NDR (kvm-posted ≥ kvm-exits)", async () => {
    const argv = ["--path", "vm-vf", "--size", "64", ...QUICK];
    const exits = await paths([...argv, "--profile", "kvm-exits"]);
    const posted = await paths([...argv, "--profile", "kvm-posted"]);
    expect(ndrOf(posted, "vm-vf")).toBeGreaterThanOrEqual(ndrOf(exits, "vm-vf"));
  });

  it("bigger frames never give more frames per second (within one resolution step)", async () => {
    const sizes = [64, 128, 256, 512, 1024, 1518];
    const j = await paths(["--path", "native,vm-vf", "--size", sizes.join(","), ...QUICK]);
    for (const name of ["native", "vm-vf"])
      for (let i = 1; i < sizes.length; i++) {
        const small = j.paths.find((p) => p.name === name && p.size === sizes[i - 1])!;
        const big = j.paths.find((p) => p.name === name && p.size === sizes[i])!;
        const step = 0.05 * small.line_rate_mpps!;
        expect(big.ndr_mpps!, `${name} ${sizes[i]} vs ${sizes[i - 1]}`).toBeLessThanOrEqual(
          small.ndr_mpps! + step,
        );
      }
  });

  it("1518 B on 10 GbE with no core saturated: NDR is line rate, the wire the bottleneck", async () => {
    const j = await paths(["--path", "native,jail-vf,vm-vf,passthrough", "--size", "1518", ...QUICK]);
    for (const p of j.paths) {
      expect(p.ndr_mpps, p.name).toBeCloseTo(10e3 / layer1Bits(1518), 6);
      expect(p.bottleneck, p.name).toBe("wire");
    }
  });

  it("--rate below NDR loses nothing; well above the path's capacity it loses or is flagged", async () => {
    const base = ["--path", "native", "--size", "64", "--workers", "1"];
    const ndr = ndrOf(await paths([...base, "--trial-ms", "2", "--precision", "2"]), "native");
    const below = await paths([...base, "--rate", `${(0.9 * ndr).toFixed(3)}Mpps`, "--trial-ms", "2"]);
    expect(pathsViolations(below)).toEqual([]);
    expect(below.paths[0]!.load_points[0]!.loss_ratio).toBe(0);
    expect(below.paths[0]!.load_points[0]!.above_capacity).toBeUndefined();
    const above = await paths([...base, "--rate", `${(2 * ndr).toFixed(3)}Mpps`, "--trial-ms", "2"]);
    expect(pathsViolations(above)).toEqual([]);
    const lp = above.paths[0]!.load_points[0]!;
    expect(lp.loss_ratio).toBeGreaterThan(0);
    expect(lp.above_capacity?.resource).toBe(lp.bottleneck);
  });

  // A sender on a CPU is pushed back, not dropped: a tx trial above capacity offered less than
  // asked and lost nothing. It said "the 0.0 % loss shown ... grows with --trial-ms", which no
  // trial length bears out; now the note says what the sender offered of the load asked.
  it("--rate above a tx path's capacity: the note says the sender offered less, whatever the trial length", async () => {
    for (const ms of ["1", "8"]) {
      const r = await iovsim([
        "paths",
        "--path",
        "jail-vf",
        "--direction",
        "tx",
        "--size",
        "64",
        "--rate",
        "7.1Mpps",
        "--trial-ms",
        ms,
        "--json",
      ]);
      expect(r.code, r.err).toBe(0);
      const j = pathsJsonSchema.parse(JSON.parse(r.out));
      expect(pathsViolations(j)).toEqual([]);
      const lp = j.paths[0]!.load_points[0]!;
      expect(lp.loss_ratio).toBe(0);
      expect(lp.offered_mpps).toBeLessThan(0.9 * 7.1);
      const note = j.notes.find((n) => n.startsWith("jail-vf tx 64: at --rate 7.1Mpps"));
      expect(note).toContain(`the sender offered ${lp.offered_mpps.toFixed(3)} of the 7.100 Mpps asked`);
      expect(note).not.toMatch(/loss shown is what its queues did not absorb/);
    }
  });

  // A capacity below the search's resolution step read as a bare "NDR 0.000" with no word why.
  it("an NDR of 0 (the capacity below one resolution step) is explained, with the option that resolves it", async () => {
    const argv = [
      "--path",
      "virtio-tap",
      "--size",
      "64",
      "--direction",
      "both",
      "--trial-ms",
      "0.5",
      "--workers",
      "1",
    ];
    const coarse = await paths([...argv, "--precision", "5"]);
    expect(pathsViolations(coarse)).toEqual([]);
    expect(coarse.paths[0]!.ndr_mpps).toBe(0);
    expect(coarse.notes.join("\n")).toMatch(
      /virtio-tap both 64: NDR 0: every load the search tried failed NDR's limit, the lowest at [\d.]+ Mpps; the path's capacity is below the search's resolution step \(1\.488 Mpps, --precision 5 % of line rate\): a finer --precision finds it/,
    );
    const fine = await paths([...argv, "--precision", "1"]);
    expect(fine.paths[0]!.ndr_mpps).toBeGreaterThan(0);
    expect(fine.notes.join("\n")).not.toMatch(/NDR 0:/);
  });

  // --count 300: a trial of 300 frames passes a load the queues only absorb (NDR 50 % high at
  // 1000 frames), and --count has no final trials; --trial-ms said so, --count did not.
  it("--count too small for the path's queues says its NDR may be overstated; enough frames do not", async () => {
    const argv = ["--path", "native", "--size", "64", "--precision", "5", "--workers", "1"];
    const few = await paths([...argv, "--count", "300"]);
    expect(few.notes.join("\n")).toMatch(
      /--count 300 is fewer frames than the queues of every case need to overflow one resolution step above the NDR found \(native rx 64 \d+ frames\), so their NDR and PDR may be overstated/,
    );
    const enough = await paths([...argv, "--count", "20000"]);
    expect(enough.notes.join("\n")).not.toMatch(/--count/);
    expect(ndrOf(enough, "native")).toBeLessThan(ndrOf(few, "native"));
  });

  // A capture taken elsewhere, replayed without --rewrite-dst: the switch's L2 filter drops every
  // frame at any load, and the note once sent the user to a finer --precision, which finds nothing.
  // (VFs the switch cannot connect are no longer run at all: paths-loopback-reach.test.ts.)
  it("an NDR of 0 where nothing is delivered at any load says so, not 'a finer --precision finds it'", async () => {
    const j = await paths(["--pcap", DNS_PCAP, "--path", "jail-vf", ...QUICK]);
    expect(pathsViolations(j)).toEqual([]);
    expect(j.paths[0]!.ndr_mpps).toBe(0);
    const notes = j.notes.join("\n");
    expect(notes).toMatch(
      /jail-vf rx pcap: NDR 0: no load the search tried delivered a frame \(the lowest at [\d.]+ Mpps\): the path drops every frame, at any load, which no --precision changes/,
    );
    expect(notes).not.toMatch(/a finer --precision finds it/);
  });

  it("both directions together carry no more than rx and tx alone", async () => {
    const argv = ["--path", "native,vm-vf,jail-epair", "--size", "64", ...QUICK];
    const [rx, tx, both] = await Promise.all(
      ["rx", "tx", "both"].map((d) => paths([...argv, "--direction", d])),
    );
    for (const name of ["native", "vm-vf", "jail-epair"]) {
      const step = 0.05 * (10e3 / layer1Bits(64));
      expect(ndrOf(both!, name), name).toBeLessThanOrEqual(ndrOf(rx!, name) + ndrOf(tx!, name) + 2 * step);
    }
  });

  it("the same seed gives the same document (the wall-clock simulator block aside); another seed other Poisson arrivals", async () => {
    const argv = [
      "--path",
      "vm-vf,virtio",
      "--size",
      "64,imix",
      "--arrival",
      "poisson",
      "--trial-ms",
      "0.2",
      "--precision",
      "5",
    ];
    const strip = ({ simulator: _, ...rest }: PathsJson) => rest;
    const a = await paths([...argv, "--seed", "3"]);
    const b = await paths([...argv, "--seed", "3", "--workers", "1"]);
    expect(strip(a)).toEqual(strip(b));
    const c = await paths([...argv, "--seed", "4"]);
    expect(strip(c)).not.toEqual(strip(a));
    // The idle pings' minimum is the path's own: no seed moves it.
    expect(c.ping.map((p) => p.rtt_us.min)).toEqual(a.ping.map((p) => p.rtt_us.min));
  });

  it("JSON, CSV and the terminal table give the same figures", async () => {
    const argv = ["--path", "native,vm-vf", "--size", "64,imix", "--direction", "both", ...QUICK];
    const j = await paths(argv);
    const csv = await iovsim(["paths", ...argv, "--csv"]);
    const text = await iovsim(["paths", ...argv]);
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.out);
    expect(rows[0]).toEqual(PATHS_CSV_HEADER);
    const col = (name: string) => PATHS_CSV_HEADER.indexOf(name);
    const points = j.paths.flatMap((p) => p.load_points.map((lp) => ({ p, lp })));
    expect(rows.length - 1).toBe(points.length);
    points.forEach(({ p, lp }, i) => {
      const row = rows[i + 1]!;
      expect(Number(row[col("ndr_mpps")])).toBe(p.ndr_mpps);
      expect(Number(row[col("offered_mpps")])).toBe(lp.offered_mpps);
      expect(Number(row[col("p99_us")])).toBe(lp.latency_us!.p99);
      expect(row[col("point_bottleneck")]).toBe(lp.bottleneck);
    });
    for (const p of j.paths) {
      const line = new RegExp(
        `│ ${p.name}\\s+│ both │ ${p.size}\\s+│ ${p.ndr_mpps!.toFixed(3)}\\s+│ ${p.ndr_gbps!.toFixed(2)}\\s+│ ${p.pdr_mpps!.toFixed(3)}\\s+│`,
      );
      expect(text.out).toMatch(line);
    }
  });
});

describe("paths: bad options are refused, naming the option, without a stack trace", () => {
  it.each([
    [["--size", "60"], /--size: '60'/],
    [["--size", "9000"], /--size 9000: a 9000-byte frame needs an MTU of at least 8982 .* add --mtu 8982/],
    [["--size", "9729"], /--size: '9729'/],
    [["--mtu", "9000x"], /--mtu: '9000x'/],
    [["--size", "64,,128"], /--size: ''/],
    [["--direction", "up"], /--direction: 'up'/],
    [["--rate", "0"], /--rate: '0'/],
    [["--rate", "5", "Mpps"], /unexpected argument 'Mpps'/],
    [["--rate", "101%"], /--rate: '101%'/],
    [["--rate", "20Mpps", "--size", "1518"], /--rate 20Mpps: above the line rate/],
    [["--rate", "5%", "--precision", "2"], /--precision/],
    [["--arrival", "uniform"], /--arrival: 'uniform'/],
    [["--trial-ms", "0"], /--trial-ms: '0'/],
    [["--count", "0"], /--count: '0'/],
    [["--count", "10", "--trial-ms", "1"], /--trial-ms and --count/],
    [["--precision", "0"], /--precision: '0'/],
    [["--pdr-loss", "101"], /--pdr-loss: '101'/],
    // Every load loses at most 100 %: PDR would be line rate whatever the path does.
    [["--pdr-loss", "100"], /--pdr-loss: '100' lets every load pass/],
    [["--pdr-loss", "100%"], /--pdr-loss: '100%' lets every load pass/],
    [["--seed", "-1"], /--seed: '-1'/],
    [["--profile", "bhyve{cpu_ghz=0}"], /cpu_ghz = 0 lies outside its range/],
    [["--profile", "bhyve!nosuch"], /unknown switch 'nosuch'/],
    [["--path", "native,native"], /--path: 'native' is given twice/],
    [["--path", "jail-epair-fwd", "--direction", "tx"], /jail-epair-fwd/],
    [["-f", join(tmp, "none.conf")], /none\.conf/],
  ])("%j", async (argv, message) => {
    const r = await iovsim(["paths", ...argv]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
