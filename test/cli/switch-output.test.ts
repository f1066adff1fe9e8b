// `iovsim switch --json / --csv / --html` (schema iovsim.switch/1, docs/switch-json.md): real
// replays validated against the zod schema; the CSV has one row per counter of the JSON; the
// counters.json written with --out holds the same counters.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { SWITCH_CSV_HEADER, switchJsonSchema } from "../../src/report/switch-json.ts";
import { eth } from "../../src/traffic/frames.ts";
import { writeFrames } from "../helpers/captures.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-switch-out-"));
const state = join(tmp, "state");
const conf = join(tmp, "iov.conf");
writeFileSync(
  conf,
  `PF { device: "ix0"; num_vfs: 2; }
VF-0 { mac-addr: "02:00:00:00:00:10"; }
VF-1 { mac-addr: "02:00:00:00:00:11"; }
`,
);
const EXT = "02:99:00:00:00:01";
const wire = writeFrames(join(tmp, "in.pcap"), [
  eth({ dst: "02:00:00:00:00:11", src: EXT }).ipv4().udp({ sport: 1, dport: 80 }).build({ padTo: 60 }),
  eth({ dst: "02:00:00:00:00:10", src: EXT }).ipv4().tcp().build({ padTo: 60 }),
  eth({ dst: "ff:ff:ff:ff:ff:ff", src: EXT }).arp().build({ padTo: 60 }),
  eth({ dst: "02:00:00:00:00:99", src: EXT }).arp().build({ padTo: 60 }), // no such MAC: dropped
]);

const run = (...argv: string[]) => iovsim(["--state", state, "switch", ...argv]);

describe("iovsim switch: machine-readable output", () => {
  it("--json validates against iovsim.switch/1; its counters are counters.json's", async () => {
    const dir = join(tmp, "out");
    const r = await run("-f", conf, "--in", `wire=${wire}`, "--out", dir, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = switchJsonSchema.parse(JSON.parse(r.out));
    expect(j.schema).toBe("iovsim.switch/1");
    expect(j.pf).toBe("ix0");
    expect(j.vfs).toBe(2);
    expect(j.out).toBe(dir);
    expect(j.conservation).toEqual({ ok: true, violations: [] });
    const wireRow = j.functions.find((f) => f.name === "wire");
    expect(wireRow?.offered).toBe(4);
    expect(wireRow?.to_wire).toBeNull();
    expect(j.frame_drops["l2-filter"]).toBe(1);
    expect(Object.keys(j.counters.pools).sort()).toEqual(["PF", "VF-0", "VF-1"]);
    expect(j.counters.queues["VF-1"].length).toBeGreaterThan(0);
    // The broadcast reaches every function; VF-1 also gets its unicast.
    expect(j.counters.pools["VF-1"].rx_packets).toBe(2);
    const file = JSON.parse(readFileSync(join(dir, "counters.json"), "utf8"));
    expect(j.counters).toEqual(file.counters);
    expect(j.frame_drops).toEqual(file.frameDrops);
    expect(j.mtu).toBeUndefined(); // no --mtu: every port at 1500, no field
    expect("mtu" in file).toBe(false); // the same rule in counters.json
  });

  it("--mtu PORT=N appears in --json as mtu, as counters.json records it", async () => {
    const dir = join(tmp, "out-mtu");
    const r = await run(
      "-f",
      conf,
      "--in",
      `wire=${wire}`,
      "--out",
      dir,
      "--json",
      "--mtu",
      "VF-1=9000",
      "--mtu",
      "pf=4000",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = switchJsonSchema.parse(JSON.parse(r.out));
    expect(j.mtu).toEqual({ "VF-1": 9000, PF: 4000 });
    const file = JSON.parse(readFileSync(join(dir, "counters.json"), "utf8"));
    expect(j.mtu).toEqual(file.mtu);
    expect(() => switchJsonSchema.parse({ ...j, mtu: { "VF-1": 9711 } })).toThrow();
  });

  it("--csv: one row per counter of the JSON, header first; no --out needed", async () => {
    const j = switchJsonSchema.parse(
      JSON.parse((await run("-f", conf, "--in", `wire=${wire}`, "--json")).out),
    );
    const r = await run("-f", conf, "--in", `wire=${wire}`, "--csv");
    expect(r.code).toBe(0);
    const rows = parseCsv(r.out);
    expect(rows[0]).toEqual([...SWITCH_CSV_HEADER]);
    const port = Object.values(j.counters.port).reduce<number>(
      (a, v) => a + (typeof v === "number" ? 1 : Object.keys(v).length),
      0,
    );
    const pools = Object.values(j.counters.pools).reduce((a, c) => a + Object.keys(c).length, 0);
    const queues = Object.values(j.counters.queues)
      .flat()
      .reduce((a, q) => a + Object.keys(q).length, 0);
    const drops = Object.keys(j.frame_drops).length + Object.keys(j.copy_drops).length;
    expect(rows.length - 1).toBe(port + pools + queues + drops);
    const find = (scope: string, fn: string, q: string, k: string) =>
      rows.find((x) => x[0] === scope && x[1] === fn && x[2] === q && x[3] === k)?.[4];
    expect(find("pool", "VF-1", "", "rx_packets")).toBe(String(j.counters.pools["VF-1"].rx_packets));
    expect(find("queue", "VF-1", "0", "rx_packets")).toBe(String(j.counters.queues["VF-1"][0].rx_packets));
    expect(find("frame-drop", "", "", "l2-filter")).toBe("1");
    expect(find("port", "", "", "rx_size.64")).toBe(
      String((j.counters.port.rx_size as Record<string, number>)["64"]),
    );
  });

  it("--html writes the counters-per-VF report; bad combinations are errors", async () => {
    const html = join(tmp, "switch.html");
    const r = await run("-f", conf, "--in", `wire=${wire}`, "--html", html);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/engine: /); // the summary table still goes to stdout
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<section id="counters"/);
    expect(page).toMatch(/Frames per port and function/);
    expect(page).toMatch(/<figure class="chart" id="chart-counters"/);
    expect(page).toMatch(/VF-1/);
    expect(page).not.toMatch(/https?:\/\//);
    // The switch prices nothing: the page says so and names no cost profile it did not use.
    expect(page).not.toMatch(/cost profile|priced by/i);
    expect(page).toMatch(/nothing is timed or priced/);
    expect(page).toMatch(/<h2>Configuration<\/h2>/);
    // The header speaks of figures marked simulated: the counters are the ones so marked.
    expect(page).toMatch(/<h2>Counters per VF <span class="label simulated">simulated<\/span><\/h2>/);
    for (const [argv, re] of [
      [["-f", conf, "--in", `wire=${wire}`], /--out DIR option is required \(unless --json, --csv or --html/],
      [["-f", conf, "--in", `wire=${wire}`, "--json", "--csv"], /--json and --csv are exclusive/],
      [
        ["-f", conf, "--in", `wire=${wire}`, "--json", "--per-queue"],
        /--per-queue writes files and needs --out/,
      ],
      [["-f", conf, "--in", `wire=${wire}`, "--csv", "--format", "pcap"], /--format .* needs --out/],
      [
        ["-f", conf, "--in", `wire=${wire}`, "--json=1"],
        /switch: option '--json' takes no value \(got '--json=1'\)/,
      ],
    ] as const) {
      const e = await run(...argv);
      expect(e.code, argv.join(" ")).toBe(1);
      expect(e.err).toMatch(re);
    }
    expect(existsSync(join(tmp, "state"))).toBe(false);
  });

  // The page once showed the counts without what qualifies them: an input cut short (the note the
  // summary prints) and the copies of a replicated frame a pool dropped (copy drops).
  it("--html has the run's notes and the copies dropped by reason", async () => {
    const bytes = readFileSync(
      writeFrames(join(tmp, "jumbo-bcast.pcap"), [
        eth({ dst: "ff:ff:ff:ff:ff:ff", src: EXT }).ipv4().udp().build({ padTo: 1600 }),
        eth({ dst: "02:00:00:00:00:10", src: EXT }).ipv4().tcp().build({ padTo: 60 }),
      ]),
    );
    const cut = join(tmp, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const html = join(tmp, "notes.html");
    const r = await run("-f", conf, "--in", `wire=${cut}`, "--mtu", "VF-0=9000", "--html", html);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/copy drops: oversize 2/);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<h3>Copies dropped, by reason<\/h3>[\s\S]*<th[^>]*>oversize<\/th><td>2<\/td>/);
    expect(page).toMatch(/<h3 id="notes">Notes<\/h3>[\s\S]*cut\.pcap: [^<]*the last 66 bytes/);
  });
});
