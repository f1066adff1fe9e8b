// Acceptance sweep of the performance commands (paths, ping, demo, steering, sweep, model,
// fidelity) as a new user runs them: every option alone and combined does what --help says or is
// refused naming the option (exit 1, no stack trace); every iovctl.conf the control plane accepts
// runs the paths it has VFs for; text, JSON and CSV give the same figures. Runs are one load
// point (--rate with a small --count) to stay cheap.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { parseCsv } from "../../src/report/csv.ts";
import { DEMO_CSV_HEADER, demoJsonSchema } from "../../src/report/demo-json.ts";
import { fidelityJsonSchema } from "../../src/report/fidelity-json.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { pingJsonSchema } from "../../src/report/ping-json.ts";
import { steeringJsonSchema } from "../../src/report/steering-json.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-perf-acceptance-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function cli(argv: string[], stateDir = mkdtempSync(join(tmpdir(), "iovsim-perf-state-"))) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stateDir, out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

// Configurations the control plane accepts, one per kind.
const CONF = {
  ix: file("ix.conf", 'PF { device : "ix0"; num_vfs : 2; }\nVF-1 { passthrough : true; }\n'),
  igb: file("igb.conf", 'PF { device : "igb0"; num_vfs : 2; }\nVF-1 { passthrough : true; }\n'),
  igbMax: file("igb-max.conf", 'PF { device : "igb0"; num_vfs : 7; }\nVF-6 { passthrough : true; }\n'),
  ixlMax: file(
    "ixl-max.conf",
    'PF { device : "ixl0"; num_vfs : 64; }\nDEFAULT { num-queues : 1; }\nVF-63 { passthrough : true; }\n',
  ),
  ixVlan: file(
    "ix-vlan.conf",
    'PF { device : "ix0"; num_vfs : 2; }\nVF-0 { vlan : 100; }\nVF-1 { passthrough : true; vlan : 200; }\n',
  ),
  mac: file(
    "mac.conf",
    'PF { device : "ixl0"; num_vfs : 2; }\n' +
      'VF-0 { mac-addr : "02:00:00:00:00:aa"; allow-set-mac : true; allow-promisc : true; mac-anti-spoof : false; }\n' +
      'VF-1 { passthrough : true; mac-addr : "02:00:00:00:00:bb"; allow-promisc : true; }\n',
  ),
  oneVf: file("one-vf.conf", 'PF { device : "ixl0"; num_vfs : 1; }\n'),
  allPassthrough: file(
    "all-ppt.conf",
    'PF { device : "ixl0"; num_vfs : 2; }\nDEFAULT { passthrough : true; }\n',
  ),
  ixlTooMany: file("ixl-128.conf", 'PF { device : "ixl0"; num_vfs : 128; }\n'),
  ixTooMany: file("ix-64.conf", 'PF { device : "ix0"; num_vfs : 64; }\n'),
  // iovctl -C accepts it (exit 0) with a warning: the ix driver refuses VF-1's vlan 0.
  ixVlan0: file(
    "ix-vlan0.conf",
    'PF { device : "ix0"; num_vfs : 2; }\nVF-1 { passthrough : true; vlan : 0; }\n',
  ),
};
const PCAP = new URL("../fixtures/captures/tcpdump/dns_udp.pcap", import.meta.url).pathname;
const ONE = ["--size", "64", "--rate", "1Mpps", "--count", "200"];

// A sweep file per refusal `sweep plan` makes before anything runs.
const sweep = (name: string, axes: string) =>
  file(
    `${name}.yaml`,
    `name: ${name}\nexperiment: paths\naxes: ${axes}\nseed: { policy: fixed, value: 1 }\n`,
  );

// [argv, the message (stderr) that names the option or file at fault]
const REFUSALS: Array<[string[], RegExp]> = [
  // paths: --rate units and limits
  [["paths", "--path", "native", "--size", "64", "--rate", "0"], /--rate: '0' is not a rate/],
  [["paths", "--path", "native", "--size", "64", "--rate", "-5Mpps"], /--rate: '-5Mpps' is not a rate/],
  [["paths", "--path", "native", "--size", "64", "--rate", "NaN"], /--rate: 'NaN' is not a rate/],
  [["paths", "--path", "native", "--size", "64", "--rate", "1e3"], /--rate: '1e3' is not a rate/],
  [["paths", "--path", "native", "--size", "64", "--rate", ""], /--rate: '' is not a rate/],
  [
    ["paths", "--path", "native", "--size", "64", "--rate", "200%"],
    /--rate: '200%' is above 100 % of line rate/,
  ],
  [["paths", "--path", "native", "--size", "64", "--rate", "0%"], /--rate: '0%' is not a rate/],
  [
    ["paths", "--path", "native", "--size", "64", "--rate", "20Gbps"],
    /--rate 20Gbps: above the line rate of 64-byte/,
  ],
  [
    ["paths", "--path", "native", "--size", "64,1518", "--rate", "1Mpps"],
    /above the line rate of 1518-byte frames/,
  ],
  // --size edges and duplicates
  [["paths", "--path", "native", "--size", "63"], /--size: '63' is not a valid frame size/],
  // 1519 B is a jumbo frame: the default MTU (1500) cannot carry it; 9729 B no NIC takes.
  [
    ["paths", "--path", "native", "--size", "1519"],
    /--size 1519: a 1519-byte frame needs an MTU of at least 1501/,
  ],
  [["paths", "--path", "native", "--size", "9729"], /--size: '9729' is not a valid frame size/],
  [["paths", "--path", "native", "--size", "64,64"], /--size: '64' is given twice/],
  [["paths", "--path", "native", "--size", "imix,imix"], /--size: 'imix' is given twice/],
  [["paths", "--path", "native", "--size", ""], /--size: '' is not a valid frame size/],
  // integers and numbers: decimal notation only (0x10 / 1e3 ran as 16 / 1000)
  [["paths", "--path", "native", "--flows", "0"], /--flows: '0' is not an integer in 1\.\.65535/],
  [["paths", "--path", "native", "--flows", "65536"], /--flows: '65536' is not an integer in 1\.\.65535/],
  [["paths", "--path", "native", "--flows", "1e3"], /--flows: '1e3' is not an integer/],
  [["paths", "--path", "native", "--seed", "0x10"], /--seed: '0x10' is not an integer/],
  [["paths", "--path", "native", "--workers", " 2"], /--workers: ' 2' is not an integer/],
  [["paths", "--path", "native", "--trial-ms", "1e0"], /--trial-ms: '1e0' is not a number in 0\.01\.\.60000/],
  [["paths", "--path", "native", "--precision", "0"], /--precision: '0' is not a number in 0\.01\.\.50/],
  [["paths", "--path", "native", "--precision", "51"], /--precision: '51' is not a number/],
  // The range the help gives: 100 is refused with its own reason (acceptance-paths.test.ts).
  [
    ["paths", "--path", "native", "--pdr-loss", "101"],
    /^iovsim: --pdr-loss: '101' is not a number in 0 <= PCT < 100\n$/,
  ],
  [["paths", "--path", "native", "--pdr-loss", "-1"], /--pdr-loss: '-1' is not a number in 0 <= PCT < 100/],
  [["paths", "--path", "native", "--pdr-loss", "NaN"], /--pdr-loss: 'NaN' is not a number/],
  // exclusive and dependent options
  [["paths", "--path", "native", "--trial-ms", "1", "--count", "10"], /--trial-ms and --count are exclusive/],
  [["paths", "--path", "native", "--workers", "2", "--partitions", "2"], /--partitions 2: .*--workers 1/],
  [
    ["paths", "--path", "virtio-tap", "--partitions", "2"],
    /--partitions 2: virtio-tap rx has no wire generator to cut at \(its frames never come from the wire: choose other paths/,
  ],
  [
    ["paths", "--path", "native", "--direction", "tx", "--partitions", "2"],
    /native tx has no wire generator .*use --direction rx or both/,
  ],
  [["paths", "--path", "native", "--partitions", "3"], /--partitions: '3' is not an integer in 1\.\.2/],
  [["paths", "--path", "native", "--json", "--csv"], /--json and --csv are exclusive/],
  [["paths", "--path", "native", "--window", "8"], /--window 8: a closed loop needs --application/],
  [
    ["paths", "--path", "native", "--size", "64", "--application", "--window", "8", "--count", "100"],
    /--window 8: a closed loop sends at the receiver's pace, so --count gives it no trial length/,
  ],
  [
    ["paths", "--path", "native", "--application", "--window", "8", "--direction", "tx"],
    /--window 8: a closed loop runs the receive direction only/,
  ],
  [
    ["paths", "--path", "native,jail-epair-fwd", "--size", "64", "--application"],
    /--application: path 'jail-epair-fwd' forwards what it receives and has no consumer/,
  ],
  [["paths", "--path", "native", "--pcap", PCAP, "--size", "64"], /--size cannot be used with --pcap/],
  [
    ["paths", "--path", "native", "--pcap", PCAP, "--direction", "both"],
    /--pcap replays a capture in one direction/,
  ],
  [["paths", "--path", "native", "--rewrite-dst", "consumer"], /--rewrite-dst needs --pcap FILE/],
  [
    ["paths", "--path", "vf-loopback", "--direction", "rx"],
    /--direction rx: path 'vf-loopback' runs only tx/,
  ],
  // --inject-fault values
  [["paths", "--path", "native", ...ONE, "--inject-fault", "sink-stall:at=150%"], /--inject-fault: '150%'/],
  [["paths", "--path", "native", ...ONE, "--inject-fault", ""], /--inject-fault: '': empty item/],
  [["paths", "--path", "native", ...ONE, "--inject-fault", "generator-overrun:x=0"], /--inject-fault: '0'/],
  // configurations: named paths the configuration cannot run, kernel refusals (located)
  [
    ["paths", "-f", CONF.allPassthrough, "--path", "jail-vf"],
    /all-ppt\.conf: path 'jail-vf' needs a VF with 'passthrough : false'/,
  ],
  [
    ["paths", "-f", CONF.oneVf, "--path", "vm-vf"],
    /one-vf\.conf: path 'vm-vf' needs a VF with 'passthrough : true'/,
  ],
  [
    ["paths", "-f", CONF.ixlTooMany, "--path", "native"],
    /ixl-128\.conf:1:\d+: the simulated kernel refused .*TotalVFs 64/,
  ],
  [
    ["paths", "-f", CONF.ixTooMany, "--path", "native"],
    /ix-64\.conf:1:\d+: the simulated kernel refused .*at most 63 VFs/,
  ],
  [
    ["paths", "-f", CONF.ixVlan0, "--path", "vm-vf"],
    /ix-vlan0\.conf: path 'vm-vf' needs a VF with 'passthrough : true' \(for the VM\), and the VFs it made have none: the driver created 1 of the 2 VFs the file asks for \(iovsim validate -f .*ix-vlan0\.conf says why\)/,
  ],
  [["paths", "-f", CONF.ix, "--host", "--path", "native"], /--host and -f\/--config are exclusive/],
  // cost profile variants
  [
    ["paths", "--path", "native", "--profile", "bhyve{cpu_ghz=3,cpu_ghz=3.1}"],
    /constant 'cpu_ghz' is given twice/,
  ],
  [
    ["paths", "--path", "native", "--profile", "bhyve!no-event-idx!no-event-idx"],
    /switch 'no-event-idx' is given twice/,
  ],
  // ping
  [["ping"], /ping: --path NAME is required/],
  [["ping", "--path", "vf-loopback"], /path 'vf-loopback' only transmits/],
  [["ping", "--path", "native", "-c", "0"], /invalid count of packets to transmit: `0'/],
  [["ping", "--path", "native", "--interval-ms", "0"], /--interval-ms: '0' is not a number/],
  [["ping", "--path", "native", "--rate", "1Mpps"], /ping: unknown option '--rate'/],
  [["ping", "--path", "native", "--seed", "1e3"], /--seed: '1e3' is not an integer/],
  [
    ["ping", "--path", "vm-vf", "-f", CONF.oneVf],
    /one-vf\.conf: path 'vm-vf' needs a VF with 'passthrough : true'/,
  ],
  // steering
  [
    ["steering", "--rate", "20Gbps", "--no-ndr", "--frames", "500"],
    /--rate 20Gbps: above the 10 Gbit\/s line rate/,
  ],
  [["steering", "--no-ndr"], /--no-ndr needs --rate/],
  [["steering", "--queues", "1,1"], /--queues: '1' is given twice/],
  [["steering", "--flows", "1"], /--flows: '1' is not an integer in 2\.\.65536/],
  [["steering", "--zipf", "NaN"], /--zipf: 'NaN' is not in 0\.\.10/],
  [
    ["steering", "--symmetric", "toeplitz", "--strategy", "single"],
    /--symmetric applies to the RSS strategies/,
  ],
  [["steering", "--workers", "2"], /steering: unknown option '--workers'/],
  [["steering", "--mix", `pcap:${PCAP}`, "--flows", "10"], /--flows shapes generated traffic/],
  [["steering", "--mix", "plain", "--tunnels", "3"], /--tunnels applies to tunnelled traffic/],
  [["steering", "--inject-fault", "sink-stall"], /--inject-fault sink-stall.*needs --rate/],
  // demo
  [["demo", "--rate", "1Mpps"], /demo: unknown option '--rate'/],
  [["demo", "--size", "63"], /--size: '63' is not a valid frame size/],
  // model
  [
    ["model", "show", "bhyve{napi_budget=64.5}"],
    /napi_budget = 64\.5: a count of packets\/poll, a whole number/,
  ],
  [["model", "show", "bhyve{cpu_ghz=300}"], /cpu_ghz = 300 lies outside its range \[2, 3\.5\]/],
  [["model", "show", "bhyve{cpu_ghz=3}{cpu_ghz=3.1}"], /constant 'cpu_ghz' is given twice/],
  [
    [
      "model",
      "show",
      "--profile",
      file("syntax.json", '{\n  "name": "x",\n  "constants": {\n    "cpu_ghz": { "value": 3, }\n  }\n}\n'),
    ],
    /syntax\.json:4:30: not valid JSON/,
  ],
  [["model", "show", "--profile", file("empty.json", "")], /empty\.json:1:1: not valid JSON/],
  [["model", "list", "--json"], /option '--json' applies to model show only/],
  [
    ["model", "show", "bhyve", "--nic", "nope"],
    /--nic: unknown NIC profile 'nope' \(known: ice, igb, ix, ixl\)/,
  ],
  // fidelity
  [["fidelity", "--case", ""], /--case: empty case name \(cases: /],
  [["fidelity", "--case", "nope"], /--case: unknown case 'nope'/],
  [["fidelity", "--case", "eli-exits,nope"], /--case: unknown case 'nope' \(cases: /],
  [["fidelity", "--case", "eli-exits", "--case", "eli-exits"], /--case: 'eli-exits' is given twice/],
  // sweep
  [
    ["sweep", "plan", sweep("bad-size", "{ path: [native], size: [63, 64] }"), "--no-calibrate"],
    /point 0 \(path=native size=63\) would fail: .*--size: '63'/,
  ],
  [
    ["sweep", "plan", sweep("dup", "{ path: [native, native] }"), "--no-calibrate"],
    /dup\.yaml:3:\d+: 'native' is listed twice/,
  ],
  [
    ["sweep", "run", sweep("shard", "{ path: [native] }"), "--out", join(dir, "out"), "--shard", "2/2"],
    /shard 2 is not in 0\.\.1/,
  ],
];

describe("every refusal names the option or file at fault, exit 1, no stack trace", () => {
  it.each(REFUSALS)("%j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/\n\s+at .*:\d+:\d+\)?$/m);
  });
});

describe("sweep run: a shard from the batch engine's environment", () => {
  it("out of range is refused naming its source, before DIR is created or anything is said", async () => {
    const out = join(dir, "env-shard");
    const saved = { id: process.env.SLURM_ARRAY_TASK_ID, n: process.env.SLURM_ARRAY_TASK_COUNT };
    process.env.SLURM_ARRAY_TASK_ID = "5";
    process.env.SLURM_ARRAY_TASK_COUNT = "2";
    try {
      const r = await cli(["sweep", "run", sweep("env", "{ path: [native] }"), "--out", out]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        "iovsim: Slurm job array (SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_COUNT=2): shard 5 is not in 0..1 (shards are numbered from 0 to N-1)\n",
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      for (const [k, v] of [
        ["SLURM_ARRAY_TASK_ID", saved.id],
        ["SLURM_ARRAY_TASK_COUNT", saved.n],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});

/** One load point's JSON document of `paths`, checked against its schema. */
async function pathsJson(argv: string[], stateDir?: string) {
  const r = await cli(["paths", ...argv, "--json", "--workers", "1"], stateDir);
  expect(r.code, r.err).toBe(0);
  return pathsJsonSchema.parse(JSON.parse(r.out));
}

describe("whatever the control plane accepts, the data plane runs (paths -f)", () => {
  it("ix (X520): the VFs on ix0 at 10 Gbit/s, the passthrough VF to the VM", async () => {
    const j = await pathsJson(["-f", CONF.ix, "--path", "jail-vf,vm-vf", ...ONE]);
    expect(j.nic).toBe("ix0");
    expect(j.link_gbps).toBe(10);
    expect(j.configuration?.paths.map((p) => p.vf?.index)).toEqual([0, 1]);
    for (const p of j.paths) expect(p.load_points[0].conservation.ok).toBe(true);
  });

  it("igb (I350): a 1 Gbit/s link, line rate 1.488 Mpps at 64 B", async () => {
    const j = await pathsJson(["-f", CONF.igb, "--path", "jail-vf", ...ONE]);
    expect(j.link_gbps).toBe(1);
    expect(j.paths[0].line_rate_mpps).toBeCloseTo(1.488, 3);
  });

  it("igb at its maximum (7 VFs) and ixl at its maximum (64 VFs): the VM gets the last VF", async () => {
    const igb = await pathsJson(["-f", CONF.igbMax, "--path", "vm-vf", ...ONE]);
    expect(igb.configuration?.paths[0].vf?.index).toBe(6);
    const ixl = await pathsJson(["-f", CONF.ixlMax, "--path", "vm-vf", ...ONE]);
    expect(ixl.configuration?.paths[0].vf?.index).toBe(63);
    expect(ixl.paths[0].load_points[0].conservation.delivered).toBe(200);
  });

  it("port VLANs on VFs (ix): each path says its VLAN, and frames are 4 bytes longer on the wire", async () => {
    const j = await pathsJson(["-f", CONF.ixVlan, "--path", "jail-vf,vm-vf", ...ONE]);
    expect(j.paths.map((p) => p.frame_bytes)).toEqual([68, 68]);
    expect(j.notes.join("\n")).toMatch(/VF-0 has port VLAN 100/);
    expect(j.notes.join("\n")).toMatch(/VF-1 has port VLAN 200/);
    for (const p of j.paths) expect(p.load_points[0].conservation.delivered).toBe(200);
  });

  it("mac-addr, allow-set-mac, allow-promisc: the configured MACs are the paths' and promiscuous replay is allowed", async () => {
    const r = await cli(["paths", "-f", CONF.mac, "--path", "jail-vf,vm-vf", ...ONE, "--workers", "1"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/jail-vf: VF-0 .* MAC 02:00:00:00:00:aa/);
    expect(r.out).toMatch(/vm-vf: VF-1 .* MAC 02:00:00:00:00:bb/);
    const replay = await pathsJson([
      "-f",
      CONF.mac,
      "--path",
      "jail-vf",
      "--pcap",
      PCAP,
      "--promisc",
      "VF-0",
      "--rate",
      "0.1Mpps",
      "--count",
      "50",
    ]);
    expect(replay.paths[0].load_points[0].conservation.ok).toBe(true);
  });

  it("no passthrough VF, default paths: vm-vf is left out with a note, the others run (it refused the whole run)", async () => {
    const j = await pathsJson(["-f", CONF.oneVf, "--path", "native,jail-vf", ...ONE]);
    expect(j.paths.map((p) => p.name)).toEqual(["native", "jail-vf"]);
    const all = await pathsJson(["-f", CONF.oneVf, "--size", "64", "--rate", "0.2Mpps", "--count", "50"]);
    expect(all.paths.map((p) => p.name)).not.toContain("vm-vf");
    expect(all.paths.map((p) => p.name)).toContain("jail-vf");
    expect(all.notes).toContainEqual(
      expect.stringMatching(
        /^vm-vf left out \(no --path named it\): .*one-vf\.conf: path 'vm-vf' needs a VF with 'passthrough : true'/,
      ),
    );
  });

  it("passthrough VFs only, --direction tx: jail-vf and vf-loopback are left out with a note, vm-vf runs", async () => {
    const j = await pathsJson([
      "-f",
      CONF.allPassthrough,
      "--direction",
      "tx",
      "--size",
      "64",
      "--rate",
      "0.2Mpps",
      "--count",
      "50",
    ]);
    const names = j.paths.map((p) => p.name);
    expect(names).toContain("vm-vf");
    expect(names).not.toContain("jail-vf");
    expect(names).not.toContain("vf-loopback");
    expect(j.notes.filter((n) => / left out \(no --path named it\)/.test(n))).toHaveLength(2);
  });
});

describe("--host: what sysfs, ip link and iovctl -C made", () => {
  it("iovctl -C on two PFs: the first PF with VFs is measured, and a note names the other", async () => {
    const state = mkdtempSync(join(tmpdir(), "iovsim-perf-host-"));
    expect((await cli(["iovctl", "-C", "-f", CONF.ixVlan], state)).code).toBe(0);
    expect((await cli(["iovctl", "-C", "-f", CONF.mac], state)).code).toBe(0);
    const j = await pathsJson(["--host", "--path", "jail-vf", ...ONE], state);
    expect(j.nic).toBe("ixl0");
    expect(j.notes).toContainEqual(
      expect.stringMatching(/--host: the run measures ixl0's VFs .*ix0 \(2 VFs\) has VFs too, not measured/),
    );
  });

  it("sysfs sriov_numvfs, then ip link set vf 1 vlan and vf 0 mac: the switch is programmed from them", async () => {
    const state = mkdtempSync(join(tmpdir(), "iovsim-perf-host-"));
    for (const argv of [
      ["sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "2"],
      ["ip", "link", "set", "ixl0", "vf", "1", "vlan", "300"],
      ["ip", "link", "set", "ixl0", "vf", "0", "mac", "02:11:22:33:44:55"],
    ])
      expect((await cli(argv, state)).code, argv.join(" ")).toBe(0);
    const r = await cli(["paths", "--host", "--path", "jail-vf,vm-vf", ...ONE, "--workers", "1"], state);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/jail-vf: VF-0 .* MAC 02:11:22:33:44:55, no port VLAN/);
    expect(r.out).toMatch(/vm-vf: VF-1 .* port VLAN 300/);
    expect(r.out).not.toMatch(/note: --host: the run measures/);
  });

  it("an empty host, default paths: the VF paths are left out with what to run, the others run", async () => {
    const state = mkdtempSync(join(tmpdir(), "iovsim-perf-host-"));
    const j = await pathsJson(["--host", "--size", "64", "--rate", "0.2Mpps", "--count", "50"], state);
    const names = j.paths.map((p) => p.name);
    expect(names).not.toContain("jail-vf");
    expect(names).not.toContain("vm-vf");
    expect(names).toContain("native");
    expect(j.notes.join("\n")).toMatch(/jail-vf left out .*create them as on Linux/);
  });
});

describe("output: schemas, CSV shape, one figure in every format, determinism", () => {
  const RUN = ["--path", "jail-vf,vm-vf", "--size", "64,imix", "--rate", "1Mpps", "--count", "300"];

  it("--csv rows have the header's column count and the JSON's figures (same seed)", async () => {
    const j = await pathsJson(RUN);
    const c = await cli(["paths", ...RUN, "--csv", "--workers", "1"]);
    expect(c.code, c.err).toBe(0);
    const rows = parseCsv(c.out);
    const header = rows[0];
    expect(rows.length).toBe(1 + j.paths.length);
    for (const row of rows.slice(1)) {
      expect(row.length).toBe(header.length);
      const d = Object.fromEntries(header.map((h, i) => [h, row[i]]));
      const e = j.paths.find((p) => p.name === d.path && String(p.size) === d.size)!;
      const lp = e.load_points[0];
      expect(Number(d.offered_mpps)).toBeCloseTo(lp.offered_mpps, 9);
      expect(Number(d.delivered_mpps)).toBeCloseTo(lp.delivered_mpps, 9);
      expect(Number(d.p99_us)).toBeCloseTo(lp.latency_us!.p99, 9);
      expect(Number(d.frame_bytes)).toBeCloseTo(e.frame_bytes, 9);
    }
  });

  it("the table shows the JSON's figures and keeps the simulator's speed on one labelled line", async () => {
    const j = await pathsJson(RUN);
    const t = await cli(["paths", ...RUN, "--workers", "1"]);
    expect(t.code, t.err).toBe(0);
    const p99 = j.paths[0].load_points[0].latency_us!.p99.toFixed(1);
    expect(t.out).toMatch(
      new RegExp(`│ jail-vf │ rx {2}│ 64 {3}│ --rate │ .*/ ${p99.replace(".", "\\.")} /`),
    );
    const wall = t.out.split("\n").filter((l) => /wall/.test(l));
    expect(wall).toHaveLength(1);
    expect(wall[0]).toMatch(/^simulator speed \(wall clock on this machine, not a simulated figure\)/);
  });

  it("same seed, same figures: --workers 1 and 2, and --partitions 2", async () => {
    const strip = (j: ReturnType<typeof pathsJsonSchema.parse>) => JSON.stringify({ ...j, simulator: null });
    const one = await pathsJson(["--path", "native", ...ONE]);
    const two = pathsJsonSchema.parse(
      JSON.parse((await cli(["paths", "--path", "native", ...ONE, "--json", "--workers", "2"])).out),
    );
    const part = pathsJsonSchema.parse(
      JSON.parse((await cli(["paths", "--path", "native", ...ONE, "--json", "--partitions", "2"])).out),
    );
    expect(strip(two)).toBe(strip(one));
    expect(strip(part)).toBe(strip(one));
  });

  it("--partitions 2 without --path: the paths it cannot cut are left out with a note (every run was refused)", async () => {
    const r = await cli([
      "paths",
      "--partitions",
      "2",
      "--size",
      "64",
      "--rate",
      "0.5Mpps",
      "--count",
      "50",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(r.out));
    expect(j.paths.map((p) => p.name)).not.toContain("virtio-tap");
    expect(j.paths.map((p) => p.name)).toContain("native");
    expect(j.notes).toContainEqual(expect.stringMatching(/^--partitions 2: virtio-tap left out: /));
  });

  it("--application without --path: the forwarding paths run without one, and the note says so", async () => {
    const j = await pathsJson(["--size", "64", "--rate", "0.5Mpps", "--count", "50", "--application"]);
    expect(j.paths.map((p) => p.name)).toContain("bridge-epair-fwd");
    expect(j.notes).toContainEqual(
      expect.stringMatching(
        /^--application: .*; jail-epair-fwd, bridge-epair-fwd forward what they receive \(no consumer\) and run without one$/,
      ),
    );
  });

  it("--count: the offered rate is the --rate asked for, and Poisson arrivals offer at most the count", async () => {
    const c = await pathsJson(["--path", "native", "--size", "64", "--rate", "2Mpps", "--count", "400"]);
    expect(c.paths[0].load_points[0].offered_mpps).toBeCloseTo(2, 6);
    const p = await pathsJson([
      "--path",
      "native",
      "--size",
      "64",
      "--rate",
      "2Mpps",
      "--count",
      "400",
      "--arrival",
      "poisson",
    ]);
    const k = p.paths[0].load_points[0].conservation;
    expect(k.sent).toBeLessThanOrEqual(400);
    expect(k.sent).toBeGreaterThan(300);
    expect(p.paths[0].load_points[0].offered_mpps).toBeCloseTo((k.sent / 400) * 2, 6);
  });

  it("--pcap-timing capture slower than one frame per trial: a note says so and what trial holds one", async () => {
    // dns_udp.pcap: 2 frames 0.26 s apart (7.7 frames/s); the default 1 ms trial offered its
    // first frame only, and the offered rate read 1,000 frames/s without a word.
    const j = await pathsJson(["--path", "native", "--pcap", PCAP, "--pcap-timing", "capture"]);
    expect(j.notes).toContainEqual(
      expect.stringMatching(
        /^--pcap-timing capture: a 1 ms trial holds 0\.0077 of the capture's frames .* --trial-ms 130 or more$/,
      ),
    );
    const enough = await pathsJson([
      "--path",
      "native",
      "--pcap",
      PCAP,
      "--pcap-timing",
      "capture",
      "--count",
      "4",
    ]);
    expect(enough.notes.join("\n")).not.toMatch(/trial holds/);
  });

  it("ping: text, JSON and CSV give the same RTTs, and the JSON validates", async () => {
    const args = ["ping", "--path", "virtio", "-c", "3", "--interval-ms", "10"];
    const j = pingJsonSchema.parse(JSON.parse((await cli([...args, "--json"])).out));
    const csv = parseCsv((await cli([...args, "--csv"])).out);
    expect(csv[0]).toEqual(["path", "seq", "rtt_us", "profile", "seed"]);
    expect(csv.slice(1).map((r) => Number(r[2]))).toEqual(j.echoes.map((e) => e.rtt_us));
    const text = (await cli(args)).out;
    const times = [...text.matchAll(/time=([\d.]+) ms \(simulated\)/g)].map((m) => Number(m[1]));
    expect(times).toEqual(j.echoes.map((e) => Number(((e.rtt_us as number) / 1000).toFixed(3))));
  });

  it("steering: --json validates, --csv rows have the header's column count", async () => {
    const args = [
      "steering",
      "--strategy",
      "single,outer-rss",
      "--queues",
      "2",
      "--frames",
      "500",
      "--rate",
      "40%",
      "--no-ndr",
    ];
    const j = steeringJsonSchema.parse(JSON.parse((await cli([...args, "--json"])).out));
    expect(j.results).toHaveLength(2);
    const rows = parseCsv((await cli([...args, "--csv"])).out);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.length).toBe(rows[0].length);
  });

  it("steering --tunnels with plain and gtpu: applies to gtpu, and plain's note names no tunnel", async () => {
    const r = await cli([
      "steering",
      "--mix",
      "plain,gtpu",
      "--tunnels",
      "3",
      "--strategy",
      "single",
      "--queues",
      "1",
      "--frames",
      "500",
      "--rate",
      "1Mpps",
      "--no-ndr",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    const notes: string[] = steeringJsonSchema.parse(JSON.parse(r.out)).notes;
    expect(notes.find((n) => n.startsWith("plain:"))).not.toMatch(/tunnel/);
    expect(notes.find((n) => n.startsWith("gtpu:"))).toMatch(/3 tunnel endpoint pair\(s\)/);
  });

  it("demo: --json validates, --csv is section,item,metric,value with the JSON's NDR", async () => {
    const j = demoJsonSchema.parse(JSON.parse((await cli(["demo", "--trial-ms", "0.1", "--json"])).out));
    const rows = parseCsv((await cli(["demo", "--trial-ms", "0.1", "--csv"])).out);
    expect(rows[0]).toEqual([...DEMO_CSV_HEADER]);
    for (const r of rows) expect(r.length).toBe(4);
    const native = j.paths.paths.find((p) => p.name === "native")!;
    const ndr = rows.find((r) => r[0] === "paths" && r[1] === "native rx 64" && r[2] === "ndr_mpps")!;
    expect(Number(ndr[3])).toBeCloseTo(native.ndr_mpps!, 5);
  });

  it("model show: every built-in profile, and a variant says which constants moved", async () => {
    for (const p of ["bhyve", "freebsd", "kvm-exits", "kvm-posted"]) {
      const r = await cli(["model", "show", p, "--json"]);
      expect(r.code, p).toBe(0);
      expect(JSON.parse(r.out).name).toBe(p);
    }
    const v = await cli(["model", "show", "kvm-posted!vhost-2016{itr_us=10}"]);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(
      /^variant of kvm-posted: itr_us 6.7 -> 10, vhost_pkt_weight 256 -> 8192, vhost_signal_per_packet 0 -> 1$/m,
    );
  });

  it("fidelity --case talk-ping-jail: the JSON validates and names one case", async () => {
    const r = await cli(["fidelity", "--case", "talk-ping-jail", "--json"]);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    expect(j.cases.map((c) => c.name)).toEqual(["talk-ping-jail"]);
    expect(r.code).toBe(j.cases[0].pass ? 0 : 1);
  });
});
