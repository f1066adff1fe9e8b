// `iovsim ping --json / --csv / --html` (schema iovsim.ping/1, docs/ping-json.md): real echoes
// through the engine validated against the zod schema; the CSV has one row per echo of the JSON.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/report/csv.ts";
import { PING_CSV_HEADER, pingJsonSchema } from "../../src/report/ping-json.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-ping-out-"));

const cli = (argv: string[]) => iovsim(argv, { stateDir: join(tmp, "state") });

describe("iovsim ping: machine-readable output", () => {
  // An unknown path once listed every path, paths ping then refused among them (vf-loopback, ...).
  it("--path with an unknown name lists the paths ping can take", async () => {
    const r = await cli(["ping", "--path", "nope"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "iovsim: --path: unknown path 'nope' (paths: native, jail-vf, vm-vf, passthrough, virtio, jail-epair)\n",
    );
  });

  it("--json validates against iovsim.ping/1: every echo, its summary, conservation", async () => {
    const r = await cli(["ping", "--path", "vm-vf", "-c", "4", "--interval-ms", "10", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = pingJsonSchema.parse(JSON.parse(r.out));
    expect(j.schema).toBe("iovsim.ping/1");
    expect(j.path).toBe("vm-vf");
    expect([j.count, j.transmitted, j.received, j.loss_percent]).toEqual([4, 4, 4, 0]);
    expect(j.echoes.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    const rtts = j.echoes.map((e) => e.rtt_us);
    expect(j.rtt_us.min).toBe(Math.min(...rtts));
    expect(j.rtt_us.max).toBe(Math.max(...rtts));
    expect(j.rtt_us.min).toBeGreaterThan(0);
    expect(j.conservation.ok).toBe(true);
    expect(j.config).toBe("embedded iovctl.conf");
    expect(j.profile).toEqual({ name: "bhyve", origin: "builtin" });
  });

  // With an interval shorter than the round trip, the run stopped at the last request: the
  // replies still in flight were lost (5 sent, 0 received at 1 µs), and a step that took two
  // replies dropped both RTTs. Replies are now read event by event and awaited as ping(8) does.
  it("an interval shorter than the round trip: every reply is awaited and timed", async () => {
    const r = await cli(["ping", "--path", "vm-vf", "-c", "6", "--interval-ms", "0.005", "--json"]);
    expect(r.code).toBe(0);
    const j = pingJsonSchema.parse(JSON.parse(r.out));
    expect([j.transmitted, j.received, j.loss_percent]).toEqual([6, 6, 0]);
    expect(j.echoes.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    // Each is a round trip of the path (tens of µs), not a sum over several replies.
    for (const e of j.echoes) expect(e.rtt_us).toBeGreaterThan(5);
    for (const e of j.echoes) expect(e.rtt_us).toBeLessThan(200);
    // 1 µs apart, all in flight at once: one poll hands several over; the note says their RTT is a mean.
    const burst = await cli(["ping", "--path", "vm-vf", "-c", "5", "--interval-ms", "0.001"]);
    expect(burst.code).toBe(0);
    expect(burst.out).toContain("5 packets transmitted, 5 packets received, 0.0% packet loss");
    expect(burst.out).toMatch(/note: \d replies reached the consumer together, in one poll .*mean RTT/);
  });

  // 1 µs apart on native: two polls (seq 0-1, then 2-4: two RTTs printed) were reported as
  // '5 replies reached the consumer together, in one poll (--interval-ms 0.001 ...)', naming an
  // option the user had not typed. The note counts the polls and names -i as given.
  it("the grouped-replies note counts the polls and names the interval option as given", async () => {
    const r = await cli(["ping", "--path", "native", "-c", "5", "-i", "0.000001", "--json"]);
    expect(r.code).toBe(0);
    const j = pingJsonSchema.parse(JSON.parse(r.out));
    const polls = new Set(j.echoes.map((e) => e.rtt_us)).size;
    expect(polls).toBe(2);
    expect(r.err).toContain(
      `iovsim: note: 5 replies reached the consumer in ${polls} polls of several replies each (-i 0.000001 is shorter than the round trip): each reply of a poll is given the poll's mean RTT\n`,
    );
  });

  it("--csv: header, then one row per echo with the JSON's RTTs (same seed, same figures)", async () => {
    const argv = ["ping", "--path", "native", "-c", "3", "--seed", "7"];
    const j = pingJsonSchema.parse(JSON.parse((await cli([...argv, "--json"])).out));
    const r = await cli([...argv, "--csv"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^simulator speed \(wall clock/);
    const rows = parseCsv(r.out);
    expect(rows[0]).toEqual([...PING_CSV_HEADER]);
    expect(rows.slice(1)).toEqual(
      j.echoes.map((e) => ["native", String(e.seq), String(e.rtt_us), "bhyve", "7"]),
    );
  });

  it("--html writes a report with the RTT of every echo; --json with --csv is refused", async () => {
    const html = join(tmp, "ping.html");
    const r = await cli(["ping", "--path", "jail-vf", "-c", "3", "--html", html]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING jail-vf peer/);
    expect(r.err).toMatch(new RegExp(`wrote ${html}`));
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<section id="ping"/);
    expect(page).toMatch(/data-chart="ping-echoes-jail-vf"/);
    expect(page).toMatch(/<section id="configuration"/);
    expect(page).toMatch(/iovsim ping --path jail-vf -c 3 --html /);
    expect(page).not.toMatch(/https?:\/\//);
    const bad = await cli(["ping", "--path", "native", "--json", "--csv"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^iovsim: --json and --csv are exclusive\n$/);
    const noFile = await cli(["ping", "--path", "native", "--html="]);
    expect(noFile.code).toBe(1);
    expect(noFile.err).toMatch(/--html needs a file name/);
  });
  it("the text names the VF the echoes went through: with --host the one you configured", async () => {
    const st = join(tmp, "host-state");
    const run = (argv: string[]) => iovsim(argv, { stateDir: st });
    expect((await run(["sysfs", "write", "/sys/class/net/ixl0/device/sriov_numvfs", "2"])).code).toBe(0);
    expect((await run(["ip", "link", "set", "ixl0", "vf", "0", "vlan", "100", "qos", "3"])).code).toBe(0);
    const r = await run(["ping", "--path", "jail-vf", "-c", "2", "--host"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING jail-vf peer/);
    expect(r.out).toMatch(/^Configuration: the VFs on the simulated host \(.*\): ixl0 with 2 VFs$/m);
    expect(r.out).toMatch(/^ {2}jail-vf: VF-0 iavf0 \(pci0:1:0:16\), MAC [0-9a-f:]{17}, port VLAN 100$/m);
    const f = await cli(["ping", "--path", "vm-vf", "-c", "1"]);
    expect(f.out).toMatch(/^ {2}vm-vf: VF-1 ppt0 \(pci0:1:0:17\), MAC 02:01:00:00:00:11, no port VLAN$/m);
  });
});
