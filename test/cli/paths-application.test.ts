// `paths --application`: the consumer's application reads every frame (app_rx_cycles on the
// consumer's CPU, in the JSON's per-resource cycles), the report notes it, and a command that
// has no consumer application to add refuses the option.
import { describe, expect, it } from "vitest";
import { loadCosts } from "../../src/model/costs.ts";
import { pathsJsonSchema } from "../../src/report/paths-json.ts";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

const RUN = ["paths", "--path", "vm-vf", "--size", "64", "--rate", "300kpps", "--profile", "kvm-posted"];
const args = [...RUN, "--workers", "1", "--json"];

describe("paths --application", () => {
  it("charges app_rx_cycles per frame on the guest's vCPU and says so in the notes", async () => {
    const on = await cli([...args, "--application"]);
    const off = await cli(args);
    expect(on.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(on.out));
    const j0 = pathsJsonSchema.parse(JSON.parse(off.out));
    const vcpu = (x: typeof j) => x.paths[0].load_points[0].cpu.find((c) => c.resource === "guest-vcpu0")!;
    // 64 B frames: 60 bytes in memory (no FCS), 18 of payload copied to user space per read.
    const c = loadCosts("kvm-posted").c;
    expect(vcpu(j).by_event.app).toBeCloseTo(c.app_rx_cycles + (18 / c.copy_gbytes_per_s) * c.cpu_ghz, 0);
    expect(vcpu(j0).by_event.app).toBeUndefined();
    expect(j.notes.join("\n")).toMatch(/--application: an application on the consumer's CPU/);
    expect(j0.notes.join("\n")).not.toMatch(/--application/);
  }, 60_000);

  // Transmit only, nothing reaches the application: the figures were the same with and without it.
  it("is refused with --direction tx, where the consumer receives nothing", async () => {
    const r = await cli([
      "paths",
      "--path",
      "native",
      "--size",
      "64",
      "--direction",
      "tx",
      "--rate",
      "10%",
      "--application",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "iovsim: --application: the application reads the frames its consumer receives, and --direction tx receives none (use rx or both)\n",
    );
  });

  it("is refused by a command it does not apply to", async () => {
    const r = await cli(["ping", "--application"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/ping: unknown option '--application'/);
  });
});

describe("paths --window (closed loop)", () => {
  const CLOSED = ["paths", "--path", "vm-vf", "--size", "64", "--profile", "kvm-posted", "--trial-ms", "2"];
  const json = [...CLOSED, "--workers", "1", "--json", "--application"];

  it("runs the engine's closed loop: no loss at the line-rate ceiling where the open loop loses, and the JSON says so", async () => {
    const closed = await cli([...json, "--window", "60"]);
    expect(closed.code).toBe(0);
    const j = pathsJsonSchema.parse(JSON.parse(closed.out));
    expect(j.load).toEqual({ loop: "closed", window: 60 });
    expect(j.search).toBeNull();
    expect(j.rate).toBe("100%");
    const lp = j.paths[0].load_points;
    expect(lp).toHaveLength(1);
    expect(lp[0].loss_ratio).toBe(0);
    expect(lp[0].delivered_mpps).toBeGreaterThan(0.1);
    // The sender held back: it offered what the receiver read, far below line rate.
    expect(lp[0].offered_mpps).toBeLessThan(0.5 * j.paths[0].line_rate_mpps!);
    const open = pathsJsonSchema.parse(JSON.parse((await cli([...json, "--rate", "100%"])).out));
    expect(open.load).toEqual({ loop: "open" });
    expect(open.paths[0].load_points[0].loss_ratio).toBeGreaterThan(0.5);
    const table = await cli([...CLOSED, "--workers", "1", "--application", "--window", "60"]);
    expect(table.out).toMatch(/closed loop, one load point: the sender on the wire keeps at most 60 frames/);
  }, 60_000);

  it("refuses what it cannot run, naming --window", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--window", "0", "--application"], /^iovsim: --window: '0' is not an integer in 1\.\.1000000\n$/],
      [["--window", "2.5", "--application"], /--window: '2\.5' is not an integer/],
      [["--window", "60"], /--window 60: a closed loop needs --application/],
      [
        ["--window", "60", "--application", "--direction", "both"],
        /--window 60: a closed loop runs the receive direction only/,
      ],
      [
        ["--window", "60", "--application", "--path", "virtio-tap"],
        /--window 60: path 'virtio-tap' has no sender on the wire/,
      ],
      [
        ["--window", "60", "--application", "--path", "jail-epair-fwd"],
        /--window 60: path 'jail-epair-fwd' has no consumer on a CPU/,
      ],
      [
        ["--window", "60", "--application", "--pdr-loss", "1"],
        /--pdr-loss tunes the NDR\/PDR search, and --window simulates one load point/,
      ],
      [
        ["--window", "60", "--application", "--partitions", "2"],
        /--window 60: a closed loop runs on one thread/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await cli(["paths", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toMatch(re);
    }
    expect((await cli(["ping", "--window", "4"])).err).toMatch(/ping: unknown option '--window'/);
  });
});
