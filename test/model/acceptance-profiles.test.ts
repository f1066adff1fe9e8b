// Acceptance sweep of cost profiles from the outside: a performance engineer copies a built-in
// profile, edits it (constants, units, ranges, types, odd JSON numbers, encodings) and runs it
// through `model show`, paths, ping, steering and fidelity. Every bad file is refused before
// anything runs, at FILE:LINE:COLUMN (or naming the option), exit status non-zero, no stack
// trace; every accepted one moves exactly the figures that read the changed constant, in the
// direction the constant says, and the outputs name the profile so a run can be reproduced.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPointArgs } from "../../src/cli/commands/sweep-check.ts";
import { COST_NAMES } from "../../src/model/costs.ts";
import { fidelityJsonSchema } from "../../src/report/fidelity-json.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const dir = tempDir("iovsim-acc-profiles-");
const bhyveText = readFileSync(new URL("../../src/model/costs/bhyve.json", import.meta.url), "utf8");
type Constant = {
  value: number;
  unit: string;
  range: [number, number];
  tag: string;
  source: string;
  use: string;
};
const bhyve = JSON.parse(bhyveText) as { constants: Record<string, Constant> };

/** A profile extending bhyve with `k`'s record changed by `patch` (a what-if of one constant). */
function one(k: string, patch: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      name: `mine-${k}`,
      description: "my host",
      extends: "bhyve",
      constants: { [k]: { ...bhyve.constants[k], ...patch } },
      ...top,
    },
    null,
    2,
  );
}
let n = 0;
function file(text: string | Buffer, name = `p${n++}.json`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
/** The 1-based line of the first line of `text` that matches `re`. */
const lineOf = (text: string, re: RegExp) => text.split("\n").findIndex((l) => re.test(l)) + 1;

const noStack = /at .*\.(ts|js|mjs):\d+/;

// Files that must be refused: the text, then what the one error line says after FILE: (its
// line from `at`, or any line), so each case checks the location as well as the reason.
interface Bad {
  what: string;
  text: string | Buffer;
  /** A pattern the line of the error must match (after `FILE:LINE:COLUMN: `). */
  says: RegExp;
  /** The line it must name: a pattern the file's line matches, or a number. */
  at?: RegExp | number;
}
const BAD: Bad[] = [
  {
    what: "NaN as a number",
    text: bhyveText.replace('"value": 2.93', '"value": NaN'),
    says: /not valid JSON/,
    at: /NaN/,
  },
  {
    what: "Infinity",
    text: bhyveText.replace('"value": 2.93', '"value": Infinity'),
    says: /not valid JSON/,
    at: /Infinity/,
  },
  {
    what: "1e400 (JSON's Infinity)",
    text: bhyveText.replace('"value": 2.93', '"value": 1e400'),
    says: /cpu_ghz\.value: .*Infinity/,
    at: /1e400/,
  },
  {
    what: "-0 for a clock",
    text: bhyveText.replace('"value": 2.93', '"value": -0'),
    says: /cpu_ghz\.value: value -?[0-9.]+ outside its range \[2, 3\.5\]/,
    at: /"value": -0/,
  },
  {
    what: "a string value",
    text: one("cpu_ghz", { value: "3.0" }),
    says: /cpu_ghz\.value: .*expected number/,
    at: /"3\.0"/,
  },
  {
    what: "a value outside its own range",
    text: one("cpu_ghz", { value: 4 }),
    says: /cpu_ghz\.value: value -?[0-9.]+ outside its range \[2, 3\.5\]/,
    at: /"value": 4/,
  },
  {
    what: "range low > high",
    text: one("cpu_ghz", { range: [3.5, 2] }),
    says: /cpu_ghz\.range: range low > high/,
    at: /"range"/,
  },
  {
    what: "a range of three",
    text: one("cpu_ghz", { range: [2, 3, 3.5] }),
    says: /cpu_ghz\.range: Too big/,
    at: /"range"/,
  },
  {
    what: "a range of strings",
    text: one("cpu_ghz", { range: ["2", "3.5"] }),
    says: /cpu_ghz\.range\[0\]: .*expected number/,
    at: /"2"/,
  },
  {
    what: "a negative cost",
    text: one("drv_rx_pkt_cycles", { value: -5, range: [-10, 600] }),
    says: /drv_rx_pkt_cycles\.value: .*>=0/,
    at: /"value": -5/,
  },
  {
    what: "a zero clock",
    text: one("cpu_ghz", { value: 0, range: [0, 3.5] }),
    says: /cpu_ghz\.value: must be > 0/,
    at: /"value": 0/,
  },
  {
    what: "an unknown tag",
    text: one("cpu_ghz", { tag: "measured" }),
    says: /cpu_ghz\.tag: Invalid option/,
    at: /"measured"/,
  },
  {
    what: "another unit",
    text: one("cpu_ghz", { unit: "MHz", value: 3000, range: [2000, 3500] }),
    says: /cpu_ghz\.unit: unit 'MHz' is not the one the engine reads cpu_ghz in \('GHz'\)/,
    at: /"MHz"/,
  },
  {
    what: "an empty unit",
    text: one("cpu_ghz", { unit: "" }),
    says: /cpu_ghz\.unit: Too small/,
    at: /"unit": ""/,
  },
  {
    what: "a field of its own",
    text: one("cpu_ghz", { note: "x" }),
    says: /cpu_ghz: Unrecognized key: "note"/,
    at: /"cpu_ghz"/,
  },
  {
    what: "no source",
    text: one("cpu_ghz", { source: undefined }),
    says: /cpu_ghz\.source: .*expected string/,
    at: /"cpu_ghz"/,
  },
  {
    what: "a source of one character",
    text: one("cpu_ghz", { source: "x" }),
    // The message gives the rule: a user's "what-if" (7 characters) is refused, saying why.
    says: /cpu_ghz\.source: a source names the publication \(at least 10 characters\)/,
    at: /"source": "x"/,
  },
  {
    what: "a use of two characters",
    text: one("cpu_ghz", { use: "x2" }),
    says: /cpu_ghz\.use: a use says what the engine charges it for \(at least 5 characters\)/,
    at: /"use": "x2"/,
  },
  {
    what: "an unknown constant",
    text: one("cpu_ghz", {}).replace('"cpu_ghz": {', '"l3_cache_mb": {'),
    says: /\$\.constants\.l3_cache_mb: unknown constant/,
    at: /l3_cache_mb/,
  },
  {
    what: "a renamed constant",
    text: bhyveText.replace('"cpu_ghz": {', '"cpu_mhz": {').replace('"name": "bhyve"', '"name": "renamed"'),
    says: /\$\.constants\.cpu_mhz: unknown constant/,
    at: /cpu_mhz/,
  },
  {
    what: "a removed constant",
    text: JSON.stringify(
      {
        ...JSON.parse(bhyveText),
        name: "removed",
        constants: Object.fromEntries(Object.entries(bhyve.constants).filter(([k]) => k !== "itr_us")),
      },
      null,
      2,
    ),
    says: /\$\.constants\.itr_us: missing/,
  },
  {
    what: "no description",
    text: JSON.stringify({ name: "x", extends: "bhyve", constants: {} }),
    says: /\$\.description: .*expected string/,
    at: 1,
  },
  {
    what: "a key of its own at the top",
    text: one("cpu_ghz", {}, { author: "me" }),
    says: /\$: Unrecognized key: "author"/,
    at: 1,
  },
  {
    what: "extends a number",
    text: one("cpu_ghz", {}, { extends: 3 }),
    says: /\$\.extends: .*expected string/,
    at: /"extends"/,
  },
  {
    what: "constants as an array",
    text: JSON.stringify({ name: "x", description: "d", constants: [] }, null, 2),
    says: /\$\.constants: .*expected record/,
    at: /"constants"/,
  },
  { what: "an array", text: "[]", says: /\$: .*expected object/, at: 1 },
  { what: "an empty file", text: "", says: /not valid JSON/, at: 1 },
  { what: "blank lines only", text: "  \n", says: /not valid JSON/, at: 2 },
  {
    what: "a trailing comma",
    text: bhyveText.replace('"value": 2.93,', '"value": 2.93,,'),
    says: /not valid JSON/,
    at: /2\.93,,/,
  },
  {
    what: "text after the object",
    text: `${bhyveText}\n}`,
    says: /not valid JSON: Unexpected non-whitespace/,
  },
  { what: "UTF-16", text: Buffer.from(`\uFEFF${bhyveText}`, "utf16le"), says: /not valid JSON/, at: 1 },
  {
    what: "a duplicate key",
    text: bhyveText.replace('"value": 2.93,', '"value": 2.93,\n      "value": 3.0,'),
    says: /duplicate key "value" \(first at line \d+/,
    at: /"value": 3\.0/,
  },
  {
    what: "a control character in the name",
    text: bhyveText.replace('"name": "bhyve"', '"name": "bh\\u0000yve"'),
    says: /\$\.name: a name is one line/,
    at: /"name"/,
  },
  {
    what: "a flag of 2",
    text: one("hugepages", { value: 2, range: [0, 2] }),
    says: /hugepages\.value: a flag is 0 or 1/,
    at: /"value": 2/,
  },
  {
    what: "a fraction of a budget",
    text: one("napi_budget", { value: 64.5 }),
    says: /napi_budget\.value: a count of packets\/poll, a whole number/,
    at: /64\.5/,
  },
  // Defects this sweep found: each was accepted before.
  {
    what: "a miss rate above 1 (more misses than look-ups)",
    text: one("iotlb_miss_rate", { value: 1.5, range: [0, 2] }),
    says: /iotlb_miss_rate\.value: a fraction of the look-ups, at most 1/,
    at: /1\.5/,
  },
  {
    what: "a range reaching below zero (a variant then set a negative cost)",
    text: one("drv_rx_pkt_cycles", { range: [-100, 600] }),
    says: /drv_rx_pkt_cycles\.range\[0\]: must be >= 0/,
    at: /-100/,
  },
  {
    what: "a clock's range reaching zero",
    text: one("cpu_ghz", { range: [0, 3.5] }),
    says: /cpu_ghz\.range\[0\]: must be > 0/,
    at: /^\s+0,$/,
  },
  {
    what: "a flag's range reaching 2",
    text: one("eoi_exits", { range: [0, 2] }),
    says: /eoi_exits\.range\[1\]: a flag is 0 or 1/,
    at: /^\s+2$/,
  },
  {
    what: "a count's range ending in a fraction",
    text: one("napi_budget", { range: [16.5, 256] }),
    says: /napi_budget\.range\[0\]: a count of packets\/poll, a whole number/,
    at: /16\.5/,
  },
  {
    what: "a cost of 1e300 cycles",
    text: one("drv_rx_pkt_cycles", { value: 1e300, range: [0, 1e300] }),
    says: /drv_rx_pkt_cycles\.value: at most 10\^9/,
    at: /"value": 1e\+300/,
  },
  {
    what: "a clock of 1e-300 GHz",
    text: one("cpu_ghz", { value: 1e-300, range: [1e-300, 3.5] }),
    says: /cpu_ghz\.value: must be at least 0\.001/,
    at: /"value": 1e-300/,
  },
  {
    what: "a source over two lines",
    text: one("cpu_ghz", { source: "Gordon et al.,\nELI, ASPLOS 2012" }),
    says: /cpu_ghz\.source: a source is one line/,
    at: /"source"/,
  },
  {
    what: "a unit with a tab",
    text: one("cpu_ghz", { unit: "G\tHz" }),
    says: /cpu_ghz\.unit: a unit is one line/,
    at: /"unit"/,
  },
  {
    what: "extends an empty name (read as no extends: 55 constants missing)",
    text: one("cpu_ghz", {}, { extends: "" }),
    says: /\$\.extends: name a built-in profile or a file/,
    at: /"extends"/,
  },
];

describe("a user's profile file: refused, located, before anything runs", () => {
  it.each(BAD)("$what", async ({ text, says, at }) => {
    const f = file(text);
    const r = await iovsim(["model", "show", "--profile", f]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).not.toMatch(noStack);
    expect(r.err).toMatch(/^iovsim: /);
    // Every problem of the file is listed (in file order): the one this case is about, located.
    const all = r.err.split("\n").filter((l) => l.startsWith(`${f}:`) || l.startsWith(`iovsim: ${f}:`));
    const located = all.find((l) => says.test(l)) ?? all[0];
    expect(located, r.err).toBeDefined();
    const m = /:(\d+):(\d+): (.*)$/.exec(located!);
    expect(m, located).not.toBeNull();
    expect(m![3]).toMatch(says);
    const src = Buffer.isBuffer(text) ? "" : text;
    if (typeof at === "number") expect(Number(m![1])).toBe(at);
    else if (at) expect(Number(m![1]), located).toBe(lineOf(src, at));
  });

  it("the same file is refused by paths, ping and steering with the same located line", async () => {
    const f = file(one("iotlb_miss_rate", { value: 1.5, range: [0, 2] }));
    const want = (await iovsim(["model", "show", "--profile", f])).err;
    for (const argv of [
      ["paths", "--path", "native", "--size", "64", "--rate", "1Mpps", "--count", "100", "--workers", "1"],
      ["ping", "--path", "vm-vf", "-c", "1"],
      ["steering", "--strategy", "single", "--queues", "1", "--frames", "500", "--no-ndr", "--rate", "1Mpps"],
    ]) {
      const r = await iovsim([...argv, "--profile", f]);
      expect(r.code, argv[0]).toBe(1);
      expect(r.out, argv[0]).toBe("");
      expect(r.err, argv[0]).toBe(want);
    }
  });

  it.each([
    [
      "a missing file",
      join(dir, "nope.json"),
      /--profile .*nope\.json: no such file \(built-in profiles: bhyve/,
    ],
    ["a directory", dir, /--profile .*: is a directory/],
    ["a FIFO or device", "/dev/null", /--profile \/dev\/null: not a regular file/],
    ["an empty name", "", /option '--profile' needs a file/],
  ])("--profile naming %s", async (_what, p, says) => {
    const r = await iovsim(["model", "show", "--profile", p]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(says);
    expect(r.err).not.toMatch(noStack);
  });
});

describe("accepted files: what the editor wrote is what model show prints", () => {
  const copyText = bhyveText.replace('"name": "bhyve"', '"name": "my-host"');
  it.each([
    ["a renamed copy", copyText],
    ["CRLF line ends", copyText.replace(/\n/g, "\r\n")],
    ["a byte-order mark and CRLF", `\uFEFF${copyText.replace(/\n/g, "\r\n")}`],
  ])("%s prints every constant as bhyve's", async (_what, text) => {
    const f = file(text);
    const [mine, base] = [await iovsim(["model", "show", "--profile", f]), await iovsim(["model", "show"])];
    expect(mine.code).toBe(0);
    expect(mine.out.split("\n")[0]).toBe(`profile my-host (${f})`);
    expect(mine.out.split("\n").slice(1)).toEqual(base.out.split("\n").slice(1));
  });

  it("every constant of an edited file: value, unit, range, tag, source as in the file; terminal and --json agree", async () => {
    const mine: { name: string; description: string; extends: string; constants: Record<string, Constant> } =
      {
        name: "edge-host",
        description: "an edited copy",
        extends: "bhyve",
        constants: {
          cpu_ghz: {
            ...bhyve.constants.cpu_ghz,
            value: 3.1,
            range: [1.2, 4.2],
            tag: "assumption",
            source: "My lab's Xeon, /proc/cpuinfo",
          },
          halt_poll_ns: { ...bhyve.constants.halt_poll_ns, value: 1e9, range: [0, 1e9] },
          iotlb_miss_rate: { ...bhyve.constants.iotlb_miss_rate, value: 1e-7, range: [0, 1] },
        },
      };
    const f = file(JSON.stringify(mine, null, 2));
    const t = await iovsim(["model", "show", "--profile", f]);
    const j = JSON.parse((await iovsim(["model", "show", "--profile", f, "--json"])).out);
    expect(t.code).toBe(0);
    expect(Object.keys(j.constants)).toEqual([...COST_NAMES]);
    for (const k of COST_NAMES) {
      const c = mine.constants[k] ?? bhyve.constants[k];
      expect(j.constants[k], k).toEqual(c);
      const row = t.out.split("\n").find((l) => l.startsWith(`${k} `));
      expect(row, k).toBeDefined();
      const cells = row!.split(/ {2,}/);
      expect(cells.slice(0, 5), k).toEqual([
        k,
        String(c.value),
        c.unit,
        `[${c.range[0]}, ${c.range[1]}]`,
        c.tag,
      ]);
      expect(row!.endsWith(`  ${c.source}`), k).toBe(true);
    }
    expect(j.name).toBe("edge-host");
    expect(j.origin).toBe(f);
  });
});

// Variant names: NAME!SWITCH and NAME{constant=value,...}, refused naming the option.
const BAD_VARIANTS: Array<[string, RegExp]> = [
  ["bhyve{ cpu_ghz=3.5}", /unknown constant ' cpu_ghz'/],
  ["bhyve{cpu_ghz = 3.5}", /unknown constant 'cpu_ghz '/],
  ["bhyve{cpu_ghz=3.5GHz}", /cpu_ghz=3\.5GHz: not a number/],
  ["bhyve{cpu_ghz=3.5,}", /each entry is constant=value/],
  ["bhyve{}", /each entry is constant=value/],
  ["bhyve{cpu_ghz=+3}", /cpu_ghz=\+3: not a number/],
  ["bhyve{cpu_ghz=NaN}", /cpu_ghz=NaN: not a number/],
  ["bhyve{cpu_ghz=1e400}", /cpu_ghz=1e400: not a finite number/],
  ["bhyve{cpu_ghz=-0}", /cpu_ghz = 0 lies outside its range \[2, 3\.5\]/],
  ["bhyve{cpu_ghz=3}{cpu_ghz=3.1}", /constant 'cpu_ghz' is given twice/],
  ["bhyve!", /unknown switch ''/],
  ["bhyve!nope", /unknown switch 'nope' \(switches: no-event-idx/],
  ["bhyve!no-event-idx!no-event-idx", /switch 'no-event-idx' is given twice/],
  ["bhyve{cpu_ghz=3}x", /'x' is not a variant step/],
  ["bhyve{{cpu_ghz=3}}", /unknown constant '\{cpu_ghz'/],
  ["bhyve{hugepages=0.5}", /hugepages = 0\.5 lies outside|a flag is 0 or 1/],
  ["nosuch{cpu_ghz=3}", /^iovsim: --profile nosuch: no such file/],
];

describe("variants, through --profile", () => {
  it.each(BAD_VARIANTS)("%s is refused naming the option", async (v, says) => {
    const r = await iovsim(["model", "show", "--profile", v]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^iovsim: --profile /);
    expect(r.err).toContain(v.startsWith("nosuch") ? "--profile nosuch:" : `--profile ${v}:`);
    expect(r.err).toMatch(says);
    expect(r.err).not.toMatch(noStack);
  });

  it("a switch and {} steps combine left to right; show names what moved; a file takes variants too", async () => {
    const t = await iovsim(["model", "show", "bhyve!no-event-idx{cpu_ghz=3}!vhost-2016"]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(
      /^variant of bhyve: cpu_ghz 2\.93 -> 3, vhost_pkt_weight 256 -> 8192, virtio_event_idx 1 -> 0, vhost_signal_per_packet 0 -> 1$/m,
    );
    const f = file(bhyveText.replace('"name": "bhyve"', '"name": "lab"'));
    const j = JSON.parse((await iovsim(["model", "show", "--json", "--profile", `${f}{itr_us=10}`])).out);
    expect(j.name).toBe("lab{itr_us=10}");
    expect(j.variant).toEqual({
      base: "lab",
      base_origin: f,
      steps: [{ step: "{itr_us=10}", set: { itr_us: 10 } }],
      changed: { itr_us: { from: 50, to: 10 } },
    });
    expect(j.constants.itr_us).toEqual({ ...bhyve.constants.itr_us, value: 10 });
  });
});

// Accepted profiles move exactly the figures that read the changed constant, in its direction.
const RATE = ["--size", "64", "--rate", "1Mpps", "--count", "400", "--workers", "1", "--json"];
async function loadPoint(path: string, profile: string) {
  const j = JSON.parse((await iovsim(["paths", "--path", path, ...RATE, "--profile", profile])).out);
  const lp = j.paths[0].load_points[0];
  return { j, lp, core: lp.cpu.find((c: { resource: string }) => c.resource === "host-core0") };
}

describe("an accepted profile changes the figures that depend on the changed constant, and only those", () => {
  it("paths native at 1 Mpps: a faster clock makes the core less busy, a dearer packet busier, an unread constant nothing", async () => {
    const base = await loadPoint("native", "bhyve");
    const fast = await loadPoint("native", file(one("cpu_ghz", { value: 3.5 })));
    const dear = await loadPoint("native", "bhyve{drv_rx_pkt_cycles=600}");
    const unread = await loadPoint("native", "bhyve{kick_exit_cycles=560,app_rx_cycles=5000}");
    expect(fast.core.utilization).toBeLessThan(base.core.utilization);
    expect(fast.lp.latency_us.p50).toBeLessThan(base.lp.latency_us.p50);
    // The same cycles per packet (cycles do not depend on the clock), in less time.
    expect(fast.core.cycles_per_packet).toBeCloseTo(base.core.cycles_per_packet, 6);
    expect(dear.core.cycles_per_packet).toBeGreaterThan(base.core.cycles_per_packet);
    expect(dear.core.utilization).toBeGreaterThan(base.core.utilization);
    // native reads neither a kick nor (without --application) the application's cost.
    expect(unread.j.paths).toEqual(base.j.paths);
    // Each run names its profile so it can be reproduced.
    expect(fast.j.profile.origin).not.toBe("builtin");
    expect(dear.j.profile).toEqual({ name: "bhyve{drv_rx_pkt_cycles=600}", origin: "builtin" });
  });

  it("paths NDR: a faster clock raises the NDR of a CPU-bound path, a dearer stack lowers it", async () => {
    const ndr = async (p: string) => {
      const r = await iovsim([
        "paths",
        "--path",
        "native",
        "--size",
        "64",
        "--count",
        "2000",
        "--precision",
        "2",
        "--workers",
        "1",
        "--json",
        "--profile",
        p,
      ]);
      return JSON.parse(r.out).paths[0];
    };
    const [base, fast, dear] = [
      await ndr("bhyve"),
      await ndr("bhyve{cpu_ghz=3.5}"),
      await ndr("bhyve{stack_rx_cycles=2100}"),
    ];
    expect(base.bottleneck).toBe("host-core0");
    expect(fast.ndr_mpps).toBeGreaterThan(base.ndr_mpps);
    expect(dear.ndr_mpps).toBeLessThan(base.ndr_mpps);
  });

  it("ping: a longer vCPU wake-up lengthens vm-vf's round trip and not native's", async () => {
    const rtt = async (path: string, p: string) =>
      JSON.parse((await iovsim(["ping", "--path", path, "-c", "2", "--json", "--profile", p])).out);
    const [vm, vmSlow, nat, natSlow] = [
      await rtt("vm-vf", "bhyve"),
      await rtt("vm-vf", "bhyve{wakeup_ns=20000}"),
      await rtt("native", "bhyve"),
      await rtt("native", "bhyve{wakeup_ns=20000}"),
    ];
    const avg = (j: { rtt_us: { avg: number } }) => j.rtt_us.avg;
    expect(avg(vmSlow)).toBeGreaterThan(avg(vm));
    expect(avg(natSlow)).toBe(avg(nat));
    expect(vmSlow.profile).toEqual({ name: "bhyve{wakeup_ns=20000}", origin: "builtin" });
  });

  it("steering: a dearer software parse lowers sw-dispatch's NDR; the run names the profile", async () => {
    const run = async (p: string) =>
      JSON.parse(
        (
          await iovsim([
            "steering",
            "--strategy",
            "sw-dispatch",
            "--queues",
            "2",
            "--frames",
            "500",
            "--precision",
            "5",
            "--json",
            "--profile",
            p,
          ])
        ).out,
      );
    const [base, dear] = [await run("bhyve"), await run("bhyve{dispatch_parse_cycles=600}")];
    expect(dear.profile).toBe("bhyve{dispatch_parse_cycles=600}");
    expect(dear.results[0].ndr_mpps).toBeLessThan(base.results[0].ndr_mpps);
  });

  // A frame's consumer work was kept in a u32 of picoseconds: past 4.29 ms (about 12.6 M cycles
  // at 2.93 GHz) it wrapped, and a frame costing 34 ms was reported delivered after 4 ms.
  it("a frame's work longer than 4.29 ms of virtual time is not wrapped: its latency is at least that work", async () => {
    const cycles = 1e8;
    const f = file(one("stack_rx_cycles", { value: cycles, range: [0, 1e9] }));
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "10kpps",
      "--trial-ms",
      "1",
      "--workers",
      "1",
      "--json",
      "--profile",
      f,
    ]);
    const lp = JSON.parse(r.out).paths[0].load_points[0];
    const workUs = cycles / bhyve.constants.cpu_ghz.value / 1000;
    expect(lp.latency_us.min).toBeGreaterThanOrEqual(workUs);
    expect(lp.latency_us.max).toBeGreaterThan(lp.latency_us.min);
  });

  it("paths --csv names a user's file after the profile's name (an edited copy keeps the name 'bhyve')", async () => {
    const f = file(bhyveText.replace('"value": 2.93', '"value": 3.5'));
    const r = await iovsim([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "100",
      "--workers",
      "1",
      "--csv",
      "--profile",
      f,
    ]);
    const [head, row] = r.out.split("\r\n");
    const col = head.split(",").indexOf("profile");
    expect(row.split(",")[col]).toBe(`bhyve (${f})`);
    const builtin = await iovsim([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "1Mpps",
      "--count",
      "100",
      "--workers",
      "1",
      "--csv",
    ]);
    expect(builtin.out.split("\r\n")[1].split(",")[col]).toBe("bhyve");
  });
});

describe("ping --csv labels its rows", () => {
  it("ping --csv has the profile and seed on every row, a user's file named after its name", async () => {
    const f = file(bhyveText.replace('"value": 2.93', '"value": 3.5'));
    const r = await iovsim(["ping", "--path", "native", "-c", "2", "--seed", "3", "--csv", "--profile", f]);
    const [head, ...rows] = r.out.trimEnd().split("\r\n");
    expect(head).toBe("path,seq,rtt_us,profile,seed");
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.split(",").slice(3)).toEqual([`bhyve (${f})`, "3"]);
  });
});

describe("fidelity: options, exit status, schema", () => {
  it.each([
    [["--profile", "bhyve"], /fidelity: --profile: .*each case runs the profile/],
    [["--case", "nope"], /--case: unknown case 'nope' \(cases: talk-ping-vm-vf/],
    // --case takes a list (comma-separated, repeatable): a bad name in it is refused, naming it.
    [["--case", "talk-ping-jail,nope"], /--case: unknown case 'nope' \(cases: talk-ping-vm-vf/],
    [["--case", "talk-ping-jail", "--case", "talk-ping-jail"], /--case: 'talk-ping-jail' is given twice/],
    [["--case"], /option '--case' needs a value/],
    [["--csv", "--sensitivity"], /--csv has one row per case/],
    [["--json", "--csv"], /--json and --csv are exclusive/],
    [["extra"], /unexpected argument 'extra'/],
  ])("%j is refused, exit 1, nothing run", async (argv, says) => {
    const r = await iovsim(["fidelity", ...argv]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(says);
    expect(r.err).not.toMatch(noStack);
  });

  // Declaring --profile (to refuse it with its reason) made it parse: sweep plan must still
  // refuse a fidelity sweep with a profile axis before any point runs.
  it("sweep plan refuses a fidelity point with --profile, with the same reason", async () => {
    await expect(checkPointArgs(["fidelity", "--profile", "bhyve", "--json"])).rejects.toThrow(
      /^fidelity: --profile: each case runs the profile/,
    );
    await expect(checkPointArgs(["fidelity", "--case", "talk-ping-jail", "--json"])).resolves.toBeUndefined();
    await expect(
      checkPointArgs(["fidelity", "--case", "talk-ping-jail,ordering-2.3", "--case", "eli-exits"]),
    ).resolves.toBeUndefined();
    await expect(checkPointArgs(["fidelity", "--case", "talk-ping-jail,nope"])).rejects.toThrow(
      /--case: unknown case 'nope'/,
    );
  });

  it("--case NAME --json: one case, valid iovsim.fidelity/2, exit 0 when it passes", async () => {
    const r = await iovsim(["fidelity", "--case", "talk-ping-jail", "--json"]);
    expect(r.code).toBe(0);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    expect(j.cases.map((c) => c.name)).toEqual(["talk-ping-jail"]);
    expect(j.cases[0].profiles).toEqual(["bhyve"]);
    expect([j.passed, j.total]).toEqual([1, 1]);
  });

  it("a case that fails by design exits 1 with its document (d33731-bridge-epair, docs/model.md)", async () => {
    const r = await iovsim(["fidelity", "--case", "d33731-bridge-epair", "--json"]);
    expect(r.code).toBe(1);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    expect(j.cases[0].pass).toBe(false);
    expect(j.passed).toBe(0);
  });
});
