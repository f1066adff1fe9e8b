// Outside-in acceptance sweep of `iovsim ping`: every path that has both directions, counts,
// intervals shorter and longer than the round trip, every profile, a 1 GbE and a port-VLAN
// configuration; each run checked for what any ping must show (every echo answered, RTTs
// ordered and positive, the summary the echoes' own), and against `paths`: a round trip is at
// least the two one-way minimums, and no seed moves an idle echo's time.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { pingJsonSchema } from "../../src/report/ping-json.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const tmp = tempDir("iovsim-acceptance-ping-");
const conf = (name: string, text: string) => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const IGB = conf(
  "igb.conf",
  'PF { device: "igb0"; num_vfs: 2; }\nDEFAULT { passthrough: false; }\nVF-1 { passthrough: true; }\n',
);
const VLAN = conf(
  "vlan.conf",
  'PF { device: "ix0"; num_vfs: 2; }\nVF-0 { passthrough: false; vlan: 100; }\nVF-1 { passthrough: true; vlan: 200; }\n',
);

type PingJson = ReturnType<typeof pingJsonSchema.parse>;

const PATHS = ["native", "jail-vf", "vm-vf", "passthrough", "virtio", "jail-epair"];

async function ping(argv: string[]): Promise<PingJson> {
  const r = await iovsim(["ping", ...argv, "--json"]);
  expect(r.code, r.err).toBe(0);
  return pingJsonSchema.parse(JSON.parse(r.out));
}

/** What every ping document must show, in words (empty: it does). */
function pingViolations(j: PingJson): string[] {
  const out: string[] = [];
  const rtts = j.echoes.map((e) => e.rtt_us);
  if (j.transmitted !== j.count || j.received !== j.transmitted)
    out.push(`${j.path}: ${j.transmitted} sent, ${j.received} received of ${j.count}`);
  if (j.echoes.some((e, i) => e.seq !== i))
    out.push(`${j.path}: sequence numbers ${j.echoes.map((e) => e.seq)}`);
  if (rtts.some((x) => !(x > 0))) out.push(`${j.path}: an RTT not positive ${rtts}`);
  const s = j.rtt_us;
  if (s.min !== Math.min(...rtts) || s.max !== Math.max(...rtts))
    out.push(`${j.path}: min/max not the echoes' own`);
  const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
  if (Math.abs((s.avg as number) - mean) > 1e-6 * mean)
    out.push(`${j.path}: avg ${s.avg}, echoes' mean ${mean}`);
  const seq = [s.min, s.p50, s.p99, s.max] as number[];
  for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) out.push(`${j.path}: not ordered ${seq}`);
  if (!j.conservation.ok) out.push(`${j.path}: conservation`);
  return out;
}

describe("ping: every case answers every echo, RTTs ordered", () => {
  const cases: string[][] = [
    ...PATHS.map((p) => ["--path", p, "-c", "3"]),
    ...PATHS.map((p) => ["--path", p, "-c", "6", "--interval-ms", "0.002"]),
    ["--path", "vm-vf", "-c", "2", "--interval-ms", "3600000"],
    ...["kvm-exits", "kvm-posted", "freebsd", "bhyve{cpu_ghz=3.5}", "kvm-exits!irqfd-2010"].map((p) => [
      "--path",
      "virtio",
      "-c",
      "3",
      "--profile",
      p,
    ]),
    ["--path", "native", "-c", "3", "-f", IGB],
    ["--path", "passthrough", "-c", "3", "-f", IGB],
    ["--path", "jail-vf", "-c", "3", "-f", VLAN],
    ["--path", "vm-vf", "-c", "3", "-f", VLAN, "--seed", "9"],
  ];
  it.each(cases.map((argv) => [argv]))("%j", async (argv) => {
    expect(pingViolations(await ping(argv))).toEqual([]);
  });

  it("each check can fail (a doctored document)", async () => {
    const j = await ping(["--path", "native", "-c", "3"]);
    expect(pingViolations({ ...j, received: 2 })).toHaveLength(1);
    const rtt = j.rtt_us as {
      min: number;
      avg: number;
      max: number;
      stddev: number;
      p50: number;
      p99: number;
    };
    expect(pingViolations({ ...j, rtt_us: { ...rtt, p50: rtt.max + 1 } })).toHaveLength(1);
    expect(pingViolations({ ...j, rtt_us: { ...rtt, avg: rtt.avg * 1.1 } })).toHaveLength(1);
  });
});

describe("ping: against the paths' own figures", () => {
  it("a round trip is at least the rx and the tx one-way minimums added (every profile)", async () => {
    for (const profile of ["bhyve", "kvm-exits", "kvm-posted"]) {
      const r = await iovsim([
        "paths",
        "--path",
        PATHS.join(","),
        "--direction",
        "both",
        "--size",
        "64",
        "--rate",
        "1%",
        "--trial-ms",
        "1",
        "--profile",
        profile,
        "--json",
      ]);
      expect(r.code, r.err).toBe(0);
      const j = pathsJsonSchema.parse(JSON.parse(r.out));
      for (const p of j.paths) {
        const d = p.load_points[0]!.per_direction!;
        const oneWay = (d.rx.latency_us?.min as number) + (d.tx.latency_us?.min as number);
        const echo = await ping(["--path", p.name, "-c", "2", "--profile", profile]);
        expect(echo.rtt_us.min as number, `${profile} ${p.name}`).toBeGreaterThanOrEqual(oneWay);
      }
    }
  });

  it("an idle echo's RTT does not depend on the seed", async () => {
    for (const path of ["vm-vf", "virtio"]) {
      const a = await ping(["--path", path, "-c", "3", "--seed", "1"]);
      const b = await ping(["--path", path, "-c", "3", "--seed", "12345"]);
      expect(b.rtt_us.min).toBe(a.rtt_us.min);
    }
  });

  it("a 1 GbE PF lengthens the round trip by the slower wire, passthrough (on ix0) keeps its own", async () => {
    const fast = await ping(["--path", "native", "-c", "2"]);
    const slow = await ping(["--path", "native", "-c", "2", "-f", IGB]);
    // An echo and its reply each cross the wire once: 98-byte frames + 4 B FCS + 20 B preamble
    // and gap, at 1 instead of 10 Gbit/s; every other stage of the 82576 is no faster.
    const serialization = (2 * (98 + 4 + 20) * 8 * (1 / 1 - 1 / 10)) / 1e3;
    expect((slow.rtt_us.min as number) - (fast.rtt_us.min as number)).toBeGreaterThanOrEqual(serialization);
    const pt = await ping(["--path", "passthrough", "-c", "2"]);
    const ptIgb = await ping(["--path", "passthrough", "-c", "2", "-f", IGB]);
    expect(ptIgb.rtt_us.min).toBe(pt.rtt_us.min);
  });
});

describe("ping: bad options are refused, naming the option, without a stack trace", () => {
  it.each([
    [["--path", "native", "-c", "0"], /invalid count of packets to transmit: `0'/],
    [["--path", "native", "-c", "abc"], /invalid count/],
    [["--path", "native", "--interval-ms", "0"], /--interval-ms: '0'/],
    [["--path", "native", "--size", "100"], /unknown option '--size'/],
    [["--path", "native", "--rate", "5%"], /unknown option '--rate'/],
    [["--path", "native,vm-vf"], /give exactly one --path/],
    [["--path", "virtio-tap"], /virtio-tap/],
    [["--path", "vf-loopback"], /only transmits/],
    [["--path", "jail-epair-fwd"], /jail-epair-fwd/],
    [["--path", "nosuch"], /nosuch/],
    [[], /--path NAME is required/],
    [["--path", "native", "--profile", "bhyve{cpu_ghz=9}"], /cpu_ghz = 9 lies outside its range/],
    [["--path", "native", "--json", "--csv"], /--json|--csv/],
  ])("%j", async (argv, message) => {
    const r = await iovsim(["ping", ...argv]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
