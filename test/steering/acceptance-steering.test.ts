// Acceptance sweep of `iovsim steering`, as an outside tester runs it: every strategy against
// the invariants (no figure above the port's line rate, frames conserved, reordering 0 for the
// flow-affine strategies, NDR not falling as cores grow), the options at their edges, captures
// with malformed frames, and --json / --csv / --html / the terminal telling the same figures.
// Short trials (500 frames, 5 % NDR resolution) keep it quick; every figure is simulated.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { STEERING_CSV_HEADER } from "../../src/report/steering-table.ts";
import { STRATEGY_IDS, VF_RSS_STRATEGIES } from "../../src/steering/strategies.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { type CliRun, iovsim, iovsimJson, tempDir } from "../helpers/cli.ts";

const SHORT = ["--frames", "500", "--precision", "5"];
// Every strategy the command offers (the one list, src/steering/strategies.ts).
const STRATEGIES = STRATEGY_IDS;
/** Every strategy but the spraying dispatcher keeps a flow on one core. */
const FLOW_AFFINE = STRATEGIES.filter((s) => s !== "sw-spray");
const CAPTURES = "test/fixtures/captures/tcpdump";
const LINK_GBPS = 10;
/** Why the X710's RSS and flow-rule rows stop at 4 cores: its VF's queue interrupts. */
const IXL_IRQ_CAP =
  "ixl: at most 4 cores (4 queue interrupts per VF: 5 MSI-X vectors (NIC profile ixl, vf.caps) less the admin queue's (FreeBSD iflib_msix_init))";

type Result = {
  strategy: string;
  traffic: string;
  queues: number;
  skipped: string | null;
  per_queue: number[];
  jain: number;
  reordered: number;
  loss_ratio: number;
  offered_mpps: number;
  delivered_mpps: number;
  wire_gbps: number;
  ndr_mpps: number | null;
  ndr_gbps: number | null;
  line_rate_mpps: number;
  conservation_ok: boolean;
  utilization: { busiest_core: number; wire: number };
  drops: Record<string, number>;
};

function refused(r: CliRun, ...what: string[]) {
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).not.toMatch(/\n\s+at /);
  for (const w of what) expect(r.err).toContain(w);
}

/** The invariants every simulated row holds, whatever the strategy. */
function checkRow(r: Result, frames = 500) {
  const line = r.line_rate_mpps * (1 + 1e-9);
  expect(r.skipped).toBeNull();
  expect(r.conservation_ok).toBe(true);
  expect(r.offered_mpps).toBeLessThanOrEqual(line);
  expect(r.delivered_mpps).toBeLessThanOrEqual(r.offered_mpps * (1 + 1e-9));
  expect(r.wire_gbps).toBeLessThanOrEqual(LINK_GBPS);
  expect(r.utilization.wire).toBeLessThanOrEqual(1);
  if (r.ndr_mpps !== null) expect(r.ndr_mpps).toBeLessThanOrEqual(line);
  if (r.ndr_gbps !== null) expect(r.ndr_gbps).toBeLessThanOrEqual(LINK_GBPS);
  expect(r.per_queue).toHaveLength(r.queues);
  // Frames delivered per core add up to the frames that were not lost, of those the NIC's filters
  // and drop rules let through (their drops are not loss: loss_ratio leaves them out). Counting
  // every offered frame failed any row with a filtered frame, so no such row was checked.
  const policy = Object.entries(r.drops)
    .filter(([k]) => k === "flow-rule drop" || (k.startsWith("nic: ") && !k.includes("rx ring full")))
    .reduce((a, [, n]) => a + n, 0);
  const delivered = r.per_queue.reduce((a, b) => a + b, 0);
  expect(delivered).toBe(Math.round((frames - policy) * (1 - r.loss_ratio)));
  // Every frame is delivered or dropped with a reason.
  expect(delivered + Object.values(r.drops).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(frames);
  expect(r.jain).toBeGreaterThanOrEqual(1 / r.queues - 1e-9);
  expect(r.jain).toBeLessThanOrEqual(1 + 1e-9);
}

describe("every strategy on 1, 2, 4, 8 cores (NDR search)", () => {
  let results: Result[] = [];
  beforeAll(async () => {
    const j = await iovsimJson(["steering", ...SHORT, "--queues", "1,2,4,8", "--json"]);
    expect(j.simulated).toMatch(/virtual time/);
    results = j.results;
  }, 120_000);

  it.each(STRATEGIES)(
    "%s: no figure above line rate, frames conserved, NDR does not fall with cores",
    (s) => {
      const mine = results.filter((r) => r.strategy === s).sort((a, b) => a.queues - b.queues);
      expect(mine.map((r) => r.queues)).toEqual([1, 2, 4, 8]);
      // One VF's queues (RSS, flow rules) stop at the VF's 4 queue interrupts: 8 is left out.
      const capped = VF_RSS_STRATEGIES.includes(s);
      for (const r of mine)
        if (capped && r.queues > 4) expect(r.skipped, `${s} ${r.queues}`).toBe(IXL_IRQ_CAP);
        else checkRow(r);
      const run = mine.filter((r) => r.skipped === null);
      for (let i = 1; i < run.length; i++)
        expect(run[i]!.ndr_mpps!, `${s} ${run[i]!.queues}`).toBeGreaterThanOrEqual(run[i - 1]!.ndr_mpps!);
    },
  );

  it.each(FLOW_AFFINE)("%s keeps every flow on one core: reordering 0", (s) => {
    for (const r of results.filter((x) => x.strategy === s)) expect(r.reordered, `${s} ${r.queues}`).toBe(0);
  });

  it("sw-spray reorders once it has two workers (and cannot on one)", () => {
    const spray = results.filter((r) => r.strategy === "sw-spray");
    expect(spray.find((r) => r.queues === 1)!.reordered).toBe(0);
    for (const r of spray.filter((x) => x.queues > 1)) expect(r.reordered).toBeGreaterThan(0);
  });

  it("single and mac-vf (one MAC behind the tunnel endpoint) do not scale: one core's NDR at any count", () => {
    for (const s of ["single", "mac-vf"]) {
      const ndr = results.filter((r) => r.strategy === s).map((r) => r.ndr_mpps);
      expect(new Set(ndr).size, s).toBe(1);
    }
  });
});

describe("NDR against cores with skewed traffic", () => {
  it.each([
    ["--zipf", "1.2"],
    ["--tunnels", "1"],
  ])(
    "%s %s: every strategy's NDR is not lower on more cores, nor above line rate",
    async (opt, v) => {
      const j = await iovsimJson(["steering", opt, v, ...SHORT, "--queues", "1,2,4,8", "--json"]);
      for (const s of STRATEGIES) {
        const mine = (j.results as Result[])
          .filter((r) => r.strategy === s && r.skipped === null)
          .sort((a, b) => a.queues - b.queues);
        expect(mine.length, s).toBe(VF_RSS_STRATEGIES.includes(s) ? 3 : 4);
        for (const r of mine) checkRow(r);
        for (let i = 1; i < mine.length; i++)
          expect(mine[i]!.ndr_mpps!, `${s} ${mine[i]!.queues}`).toBeGreaterThanOrEqual(
            mine[i - 1]!.ndr_mpps!,
          );
      }
    },
    120_000,
  );
});

describe("every traffic mix x every strategy on 4 cores (at 30 % of line rate)", () => {
  it("no figure above line rate, frames conserved, no loss, reordering only by sw-spray", async () => {
    const j = await iovsimJson([
      "steering",
      "--mix",
      "plain,vxlan,gtpu,gre,mpls,qinq,esp,mix",
      "--queues",
      "4",
      "--frames",
      "500",
      "--rate",
      "30%",
      "--no-ndr",
      "--json",
    ]);
    expect(j.results).toHaveLength(8 * STRATEGIES.length);
    for (const r of j.results as Result[]) {
      checkRow(r);
      expect(r.loss_ratio, `${r.strategy} ${r.traffic}`).toBe(0);
      if (r.strategy !== "sw-spray") expect(r.reordered, `${r.strategy} ${r.traffic}`).toBe(0);
    }
  }, 120_000);

  it.each(["toeplitz", "sorted"])(
    "--symmetric %s: both directions of every conversation on one core, whatever the mix",
    async (mode) => {
      const j = await iovsimJson([
        "steering",
        "--symmetric",
        mode,
        "--strategy",
        "outer-rss,inner-rss,flow-rules",
        "--mix",
        "gtpu,vxlan,plain",
        "--queues",
        "4",
        "--frames",
        "500",
        "--rate",
        "20%",
        "--no-ndr",
        "--json",
      ]);
      for (const r of j.results) expect(r.split_pairs, `${r.strategy} ${r.traffic}`).toBe(0);
      // Without it, inner RSS splits conversations (the case symmetric hashing exists for).
      const plain = await iovsimJson([
        "steering",
        "--strategy",
        "inner-rss",
        "--mix",
        "plain",
        "--queues",
        "4",
        "--frames",
        "500",
        "--rate",
        "20%",
        "--no-ndr",
        "--json",
      ]);
      expect(plain.results[0].split_pairs).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each([
    [
      ["--symmetric", "toeplitz", "--strategy", "single,sw-dispatch"],
      "--symmetric applies to the RSS strategies",
    ],
    [
      ["--precision", "10", "--no-ndr", "--rate", "1Mpps"],
      "--precision tunes the NDR search, and --no-ndr skips it",
    ],
    [["--port", "ixl0", "--strategy", "single"], "--port only applies to --strategy flow-rules"],
  ])("%j: an option that would change nothing is refused", async (argv, msg) => {
    refused(await iovsim(["steering", ...argv]), msg);
  });
});

describe("the outputs tell the same figures", () => {
  const args = ["steering", ...SHORT, "--strategy", "inner-rss,sw-spray", "--queues", "1,2"];
  let json: { results: Result[]; simulator: Record<string, number> };
  beforeAll(async () => {
    json = await iovsimJson([...args, "--json"]);
  }, 120_000);

  it("JSON: simulated results, the simulator's wall clock apart", () => {
    expect(Object.keys(json.simulator).sort()).toEqual(["events", "frames", "simulations", "wall_s"]);
    for (const r of json.results) expect(r).not.toHaveProperty("wall_s");
  });

  it("terminal: labelled simulated, the simulator's speed labelled wall clock, the table = JSON", async () => {
    const t = await iovsim(args);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^steering \(simulated, virtual time; cost profile bhyve, ixl0 at 10 Gbit\/s\)/);
    expect(t.out).toMatch(/\nsimulator speed \(wall clock on this machine, not a simulated figure\): /);
    for (const r of json.results) {
      const row = new RegExp(
        `│ gtpu +│ ${r.strategy} +│ ${r.queues} +│ ${r.ndr_mpps!.toFixed(2)} +│ ${r.ndr_gbps!.toFixed(2)} +│ ${r.line_rate_mpps.toFixed(2)} +│ ${r.jain.toFixed(3)} +│ [0-9.]+ +│ ${r.reordered} +│`,
      );
      expect(t.out, `${r.strategy} ${r.queues}`).toMatch(row);
    }
  });

  it("CSV: steering --csv's header, one row per result with the JSON's figures; notes on stderr", async () => {
    const c = await iovsim([...args, "--csv"]);
    expect(c.code).toBe(0);
    const lines = c.out.trimEnd().split("\r\n");
    expect(lines[0]).toBe(STEERING_CSV_HEADER.join(","));
    expect(lines).toHaveLength(json.results.length + 1);
    const col = (name: string) => STEERING_CSV_HEADER.indexOf(name);
    json.results.forEach((r, i) => {
      const cells = lines[i + 1]!.split(",");
      expect(cells[col("strategy")]).toBe(r.strategy);
      expect(Number(cells[col("ndr_mpps")])).toBe(r.ndr_mpps);
      expect(Number(cells[col("jain")])).toBe(r.jain);
      expect(Number(cells[col("reordered")])).toBe(r.reordered);
      expect(cells[col("at")]).toBe("ndr");
    });
    expect(c.err).toMatch(/^iovsim: note: gtpu: /);
    expect(c.err).toMatch(/simulator speed \(wall clock/);
  });

  it("HTML: one table row per result with its NDR, Jain and reordering (reordering was missing)", async () => {
    const file = join(tempDir("iovsim-steer-acc-"), "s.html");
    const h = await iovsim([...args, "--html", file]);
    expect(h.code, h.err).toBe(0);
    const html = readFileSync(file, "utf8");
    expect(html).toContain('<th scope="col">reordered frames</th>');
    expect(html).toMatch(/<th scope="col"[^>]*>dropped frames \(simulated\)<\/th>/);
    const rows = [...html.matchAll(/<tr><th scope="row" class="text">([a-z-]+)<\/th>(.*?)<\/tr>/g)].filter(
      (m) => (STRATEGIES as readonly string[]).includes(m[1]!),
    );
    expect(rows).toHaveLength(json.results.length);
    rows.forEach((m, i) => {
      const r = json.results[i]!;
      const cells = [...m[2]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((x) => x[1]!);
      // traffic, queues, Jain, max/mean, reordered, dropped frames, NDR Mpps, ...
      expect(m[1]).toBe(r.strategy);
      expect(Number(cells[1])).toBe(r.queues);
      expect(Number(cells[2])).toBeCloseTo(r.jain, 3);
      expect(Number(cells[4])).toBe(r.reordered);
      if (!Object.values(r.drops).some((n) => n > 0)) expect(cells[5]).toBe("0");
      expect(Number(cells[6])).toBeCloseTo(r.ndr_mpps!, 2);
    });
  });
});

describe("options at their edges", () => {
  const atRate = (r: string) => ["--frames", "500", "--rate", r, "--no-ndr", "--json"];
  const rate = atRate("20%");
  const one = async (...extra: string[]): Promise<Result & { notes: string[] }> => {
    const j = await iovsimJson(["steering", ...extra, ...rate]);
    expect(j.results).toHaveLength(1);
    return { ...j.results[0], notes: j.notes };
  };

  it("--flows 2 (one conversation): inner RSS puts it on one core, sw-spray spreads and reorders it", async () => {
    const inner = await one("--flows", "2", "--strategy", "inner-rss", "--queues", "4");
    checkRow(inner);
    expect(inner.per_queue.filter((n) => n > 0).length).toBeLessThanOrEqual(2);
    const spray = await one("--flows", "2", "--strategy", "sw-spray", "--queues", "4");
    checkRow(spray);
    expect(spray.reordered).toBeGreaterThan(0);
  });

  it("--flows odd is refused (flows are pairs; 3 ran 2 and said so only in a note)", async () => {
    refused(await iovsim(["steering", "--flows", "3"]), "--flows: '3' is odd", "give 2 or 4");
  });

  it.each([
    ["--flows", "1", "--flows: '1' is not an integer in 2..65536"],
    ["--flows", "65537", "--flows: '65537' is not an integer in 2..65536"],
    ["--tunnels", "0", "--tunnels: '0' is not an integer in 1..250"],
    ["--tunnels", "251", "--tunnels: '251' is not an integer in 1..250"],
    ["--zipf", "-1", "--zipf: '-1' is not in 0..10"],
    ["--queues", "65", "--queues: '65' is not an integer in 1..64"],
    ["--queues", "2,2", "--queues: '2' is given twice"],
    // The value named, as paths names it ('--rate 20Gbps: above the line rate ...').
    ["--rate", "9.2Mpps", "--rate 9.2Mpps: above the 10 Gbit/s line rate of this mix"],
  ])("%s %s is refused", async (opt, v, msg) => {
    refused(await iovsim(["steering", opt, v]), msg);
  });

  it.each(["--cores", "--size"])("%s is not an option: an error naming it", async (opt) => {
    refused(await iovsim(["steering", opt, "4"]), `unknown option '${opt}'`);
  });

  it("--flows 65536: every flow built, the load spread over the cores", async () => {
    const r = await one("--flows", "65536", "--strategy", "inner-rss", "--queues", "4");
    checkRow(r);
    expect(r.notes[0]).toContain("65536 flows");
    expect(Math.min(...r.per_queue)).toBeGreaterThan(0);
  });

  it("--tunnels 1: outer RSS sees one tunnel each way (at most 2 busy cores of 4)", async () => {
    const r = await one("--tunnels", "1", "--strategy", "outer-rss", "--queues", "4");
    checkRow(r);
    expect(r.per_queue.filter((n) => n > 0).length).toBeLessThanOrEqual(2);
  });

  it("--tunnels 250: outer RSS has enough tuples to reach every core of 4", async () => {
    const r = await one("--tunnels", "250", "--strategy", "outer-rss", "--queues", "4");
    checkRow(r);
    expect(r.per_queue.every((n) => n > 0)).toBe(true);
  });

  it("--zipf 10: one elephant flow carries nearly everything, on one core", async () => {
    const r = await one("--zipf", "10", "--strategy", "inner-rss", "--queues", "4");
    checkRow(r);
    expect(Math.max(...r.per_queue)).toBeGreaterThan(0.9 * 500);
    expect(r.notes[0]).toContain("Zipf s=10");
  });

  it("--queues past the NIC for one strategy: that row skipped with the reason, the others run", async () => {
    const j = await iovsimJson(["steering", "--strategy", "single,inner-rss", "--queues", "32", ...rate]);
    const inner = j.results.find((r: Result) => r.strategy === "inner-rss");
    expect(inner.skipped).toBe(IXL_IRQ_CAP);
    checkRow(j.results.find((r: Result) => r.strategy === "single"));
  });

  it("--queues past the VF's queue interrupts (X710: 4 of its 16 queues): RSS rows left out with the interrupt budget and a note", async () => {
    const j = await iovsimJson([
      "steering",
      ...["--strategy", "outer-rss,inner-rss,flow-rules,mac-vf-instance", "--queues", "4,8,16"],
      ...rate,
    ]);
    const at = (s: string, n: number) => j.results.find((r: Result) => r.strategy === s && r.queues === n);
    for (const s of ["outer-rss", "inner-rss", "flow-rules"]) {
      checkRow(at(s, 4));
      for (const n of [8, 16]) expect(at(s, n).skipped, `${s} ${n}`).toBe(IXL_IRQ_CAP);
    }
    // One VF per core: each VF's one queue has its interrupt.
    for (const n of [4, 8, 16]) checkRow(at("mac-vf-instance", n));
    const note = (j.notes as string[]).find((n) =>
      n.startsWith("ixl0: outer-rss, inner-rss, flow-rules on 8, 16 cores not run"),
    );
    expect(note).toContain(
      "a VF has 5 MSI-X vectors (NIC profile ixl, vf.caps; the PF's boot line: 'VF MSI-X 5')",
    );
    expect(note).toContain("(FreeBSD sys/net/iflib.c, iflib_msix_init: queuemsgs = msgs - admincnt)");
    expect(note).toContain("at most 4 receive queues an interrupt of their own (of the VF's 16;");
    expect(j.notes.join("\n")).not.toMatch(/not applied/);
  });

  it("--queues only past the VF's queue interrupts: refused (exit 1) naming the interrupt budget", async () => {
    const r = await iovsim(["steering", "--strategy", "inner-rss", "--queues", "8,16", ...rate]);
    refused(
      r,
      "--queues 8,16: beyond ixl0 for every strategy asked (inner-rss: at most 4 cores, 4 queue interrupts per VF: 5 MSI-X vectors (NIC profile ixl, vf.caps) less the admin queue's (FreeBSD iflib_msix_init)): nothing to simulate",
    );
  });

  it("--rate 100 %: at line rate, still no figure above it", async () => {
    const j = await iovsimJson(["steering", "--strategy", "inner-rss", "--queues", "4", ...atRate("100%")]);
    checkRow(j.results[0]);
  });

  it("a --rate a core cannot carry, in a short trial: loss 0 is said to hold only for the trial", async () => {
    const j = await iovsimJson(["steering", "--strategy", "single", "--queues", "1", ...atRate("5Mpps")]);
    expect(j.results[0].loss_ratio).toBe(0);
    expect(j.results[0].utilization.busiest_core).toBe(1);
    expect(j.notes).toContain(
      "at --rate, single/gtpu/1 core: core0 was busy the whole trial and its rings held the backlog (loss 0 over 500 frames only; a longer trial would drop: the NDR search counts such a trial as a loss)",
    );
  });

  it("the same seed gives the same figures; another seed other draws", async () => {
    const a = await iovsimJson(["steering", "--strategy", "outer-rss", "--queues", "4", ...rate]);
    const b = await iovsimJson(["steering", "--strategy", "outer-rss", "--queues", "4", ...rate]);
    const c = await iovsimJson([
      "steering",
      "--strategy",
      "outer-rss",
      "--queues",
      "4",
      "--seed",
      "7",
      ...rate,
    ]);
    expect(b.results).toEqual(a.results);
    expect(c.results[0].per_queue).not.toEqual(a.results[0].per_queue);
  });
});

describe("flow-rules with a port's rules", () => {
  it("--port of another NIC runs on that NIC (its rules, its limits), not on ixl0 under ixl0's name", async () => {
    const dir = tempDir("iovsim-steer-acc-");
    const create = "flow create ix0 ingress pattern udp dst 2152 / end actions queue index 1 / end";
    expect((await iovsim(create.split(" "), { stateDir: dir })).code).toBe(0);
    const args = ["steering", "--strategy", "flow-rules", "--port", "ix0", "--queues", "2", ...SHORT];
    const r = await iovsim([...args, "--json"], { stateDir: dir });
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.nic).toBe("ix");
    // Every GTP-U frame is UDP to 2152: the one rule takes every flow to queue 1.
    expect(j.results[0].rules).toMatchObject({ source: "port", count: 1, fallback_flows: 0 });
    expect(j.results[0].per_queue[0]).toBe(0);
    // The port's NIC and --nic disagree: refused, naming both.
    refused(
      await iovsim([...args, "--nic", "ixl"], { stateDir: dir }),
      "--port ix0: ix0 is an ix port and --nic is ixl",
    );
  });

  it("a rule to a queue beyond every --queues: nothing simulated is an error, not an empty table", async () => {
    const dir = tempDir("iovsim-steer-acc-");
    const create = "flow create ixl0 ingress pattern gtpu teid 1-100 / end actions queue index 15 / end";
    expect((await iovsim(create.split(" "), { stateDir: dir })).code).toBe(0);
    const r = await iovsim(
      [
        "steering",
        "--strategy",
        "flow-rules",
        "--port",
        "ixl0",
        "--queues",
        "2,4",
        "--rate",
        "1Mpps",
        "--no-ndr",
      ],
      { stateDir: dir },
    );
    refused(
      r,
      "nothing to simulate: flow-rules on 2 core(s): port rule #0 sends to queue 15, and 2 core(s) have queues 0..1",
    );
  });
});

describe("captures with malformed frames", () => {
  const pcap = (file: string, ...extra: string[]) =>
    iovsim([
      "steering",
      "--mix",
      `pcap:${file}`,
      "--strategy",
      "outer-rss",
      "--queues",
      "2",
      "--frames",
      "500",
      "--rate",
      "10%",
      "--no-ndr",
      "--json",
      ...extra,
    ]);

  it("runts are counted and left out, the rest replayed", async () => {
    const r = await pcap(`${CAPTURES}/malformed/bgp_vpn_rt-oobr.pcap`);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.notes[0]).toContain(
      "1 frame replayed, 1 flow (popularity as captured); left out: 37 shorter than an Ethernet header (14 B)",
    );
    checkRow(j.results[0]);
  });

  it("a capture's frames the NIC's filters drop are reported in the row, beside the rest", async () => {
    const frame = (vlan: number | null, sport: number) => {
      const b = eth({ dst: "02:00:00:00:01:00", src: "00:11:22:33:44:55" });
      return (vlan === null ? b : b.vlan(vlan))
        .ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })
        .udp({ sport, dport: 5678 })
        .build();
    };
    const f = writeFrames(join(tempDir("iovsim-steering-accept-"), "half-tagged.pcap"), [
      frame(null, 1),
      frame(100, 2),
      frame(null, 3),
      frame(200, 4),
    ]);
    const r = await pcap(f);
    expect(r.code, r.err).toBe(0);
    const row: Result = JSON.parse(r.out).results[0];
    // Replayed as captured (popularity 1:1:1:1): about half the 500 frames are tagged.
    expect(row.drops["nic: VLAN filter"]).toBeGreaterThan(150);
    expect(row.drops["nic: VLAN filter"]).toBeLessThan(350);
    checkRow(row);
  });

  it("a capture with only oversize frames is refused, naming the file and what was left out", async () => {
    const f = `${CAPTURES}/malformed/isis-areaaddr-oobr-1.pcap`;
    refused(
      await pcap(f),
      `--mix pcap:${f}: no frame of 14..1514 bytes to replay; left out: 1 longer than 1514 B`,
    );
  });

  it.each([
    "malformed/bad-ipv4-version-pgm-heapoverflow.pcap",
    "malformed/ipv6-too-long-jumbo.pcap",
    "malformed/gre-heapoverflow-1.pcap",
    "malformed/dccp_options-oobr.pcap",
  ])("%s: headers a parser over-read are replayed without a crash, every frame accounted for", async (f) => {
    const r = await pcap(`${CAPTURES}/${f}`);
    expect(r.code, r.err).toBe(0);
    checkRow(JSON.parse(r.out).results[0]);
  });

  it("a capture on standard input (pcap:-) gives the file's figures", async () => {
    const f = `${CAPTURES}/vxlan.pcap`;
    const file = await pcap(f);
    const stdin = await iovsim(
      [
        "steering",
        "--mix",
        "pcap:-",
        "--strategy",
        "outer-rss",
        "--queues",
        "2",
        "--frames",
        "500",
        "--rate",
        "10%",
        "--no-ndr",
        "--json",
      ],
      { stdin: readFileSync(f) },
    );
    expect(stdin.code, stdin.err).toBe(0);
    const [a, b] = [JSON.parse(file.out).results[0], JSON.parse(stdin.out).results[0]];
    expect({ ...b, traffic: "" }).toEqual({ ...a, traffic: "" });
  });

  it("a capture truncated mid-record is used up to its last whole record, with a note", async () => {
    const bytes = readFileSync(`${CAPTURES}/vxlan.pcap`);
    const f = join(tempDir("iovsim-steer-acc-"), "cut.pcap");
    writeFileSync(f, bytes.subarray(0, bytes.length - 20));
    const r = await pcap(f);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).notes.join("\n")).toMatch(/9 frames replayed/);
  });

  it("--zipf and --flows shape generated traffic only: refused with a capture alone", async () => {
    refused(await pcap(`${CAPTURES}/vxlan.pcap`, "--zipf", "1"), "leave out --zipf");
    refused(await pcap(`${CAPTURES}/vxlan.pcap`, "--flows", "8"), "leave out --flows");
  });
});
