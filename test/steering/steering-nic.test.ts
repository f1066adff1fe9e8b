// `iovsim steering --nic ID`: the strategies run on any NIC whose profile has the facts steering
// reads (src/steering/nic.ts), at that NIC's line rate, within its limits; a strategy the NIC
// lacks is refused (exit 2) with the profile's reason; a profile without a fact is refused
// naming it; a NIC written only as JSON runs once it has them.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { getProfile, registerNicProfileFile } from "../../src/nic/index.ts";
import { vfQueueVectors } from "../../src/steering/nic.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const SHORT = ["--mix", "gtpu", "--frames", "1500", "--precision", "5", "--json"];

interface Row {
  strategy: string;
  queues: number;
  skipped: string | null;
  ndr_mpps: number | null;
  line_rate_mpps: number;
  wire_gbps: number;
  delivered_mpps: number;
  conservation_ok: boolean;
}

async function steer(...args: string[]) {
  const r = await iovsim(["steering", ...args]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { nic: string; link_gbps: number; notes: string[]; results: Row[] };
}

/** Every simulated row: conserved, NDR and offered load within the NIC's line rate. */
function withinLine(rows: Row[], linkGbps: number) {
  for (const r of rows.filter((x) => x.skipped === null)) {
    expect(r.conservation_ok).toBe(true);
    expect(r.ndr_mpps).not.toBeNull();
    expect(r.ndr_mpps!).toBeLessThanOrEqual(r.line_rate_mpps * (1 + 1e-9));
    expect(r.wire_gbps).toBeLessThanOrEqual(linkGbps * (1 + 1e-6));
  }
}

const row = (rows: Row[], strategy: string, queues: number) =>
  rows.find((r) => r.strategy === strategy && r.queues === queues)!;

describe("steering --nic ice (E810)", () => {
  it("runs at the E810's 100 Gbit/s, within its 16 queues per VF and 128 VFs", async () => {
    const j = await steer(
      "--nic",
      "ice",
      "--strategy",
      "outer-rss,mac-vf-instance,flow-rules",
      "--queues",
      "1,16,64",
      ...SHORT,
    );
    expect(j.nic).toBe("ice");
    expect(j.link_gbps).toBe(100);
    withinLine(j.results, 100);
    // GTP-U's 117-byte mean frame at 100 Gbit/s: ten times the X710's 9.14 Mpps.
    expect(row(j.results, "outer-rss", 1).line_rate_mpps).toBeCloseTo(91.4, 0);
    // More than a 10 GbE port could carry: the line rate is the E810's, not the X710's.
    expect(row(j.results, "mac-vf-instance", 16).ndr_mpps!).toBeGreaterThan(9.2);
    expect(row(j.results, "outer-rss", 64).skipped).toMatch(/16 queues per VF/);
    expect(row(j.results, "flow-rules", 64).skipped).toMatch(/16 queues per VF/);
    // Its VF's 17 MSI-X vectors give all 16 queues an interrupt: RSS runs on 16 cores.
    expect(row(j.results, "outer-rss", 16).skipped).toBeNull();
    expect(row(j.results, "flow-rules", 16).skipped).toBeNull();
    expect(j.notes.join("\n")).not.toMatch(/cores not run \(n\/a\)/);
    expect(row(j.results, "mac-vf-instance", 64).skipped).toBeNull();
    expect(j.notes[0]).toMatch(/^NIC ice0 \(profile ice, .*15360 flow-rule entries.*\(an assumption\)/);
  });
});

describe("steering --nic ix (82599)", () => {
  it("runs what the 82599 supports at 10 Gbit/s, leaves out inner-rss with its reason", async () => {
    const j = await steer("--nic", "ix", "--queues", "1,4,8", ...SHORT);
    expect(j.nic).toBe("ix");
    withinLine(j.results, 10);
    expect(j.results.some((r) => r.strategy === "inner-rss")).toBe(false);
    expect(j.notes[0]).toMatch(/left out \(the NIC lacks them\): inner-rss: .*hashes only the outer headers/);
    // Pool mode gives one VF 4 queues, and its 3 MSI-X vectors 2 of them an interrupt:
    // outer-rss and flow-rules (its fallback) stop at 2 cores.
    const irq =
      "ix: at most 2 cores (2 queue interrupts per VF: 3 MSI-X vectors (NIC profile ix, vf.caps) less the admin queue's (FreeBSD iflib_msix_init))";
    for (const s of ["outer-rss", "flow-rules"]) {
      expect(row(j.results, s, 1).skipped, s).toBeNull();
      for (const n of [4, 8]) expect(row(j.results, s, n).skipped, `${s} ${n}`).toBe(irq);
    }
    // One VF per instance at 8 cores carries the 82599's line rate and no more.
    const m = row(j.results, "mac-vf-instance", 8);
    expect(m.ndr_mpps!).toBeCloseTo(m.line_rate_mpps, 1);
    // Its flow director matches no TEID: no rule derived, said.
    expect(j.notes.join("\n")).toMatch(/ix0's flow director matches no TEID, VNI or SPI/);
    // The rows past the 2 interrupts are named in a note.
    expect(j.notes.join("\n")).toMatch(
      /ix0: outer-rss, flow-rules on 4, 8 cores not run \(n\/a\): .* a VF has 3 MSI-X vectors \(NIC profile ix, vf\.caps\) .* at most 2 receive queues an interrupt of their own \(of the VF's 4;/,
    );
  });
});

describe("the VF's queue interrupts (MSI-X vectors less the admin one, from vf.caps)", () => {
  it("X710 4, 82599 2, 82576 2, E810 16", () => {
    const q = (id: string) => vfQueueVectors(getProfile(id)!);
    expect(q("ixl")).toEqual({ msix: 5, queues: 4, countSource: "the PF's boot line: 'VF MSI-X 5'" });
    expect(q("ix")).toEqual({ msix: 3, queues: 2, countSource: "" });
    expect(q("igb")).toEqual({ msix: 3, queues: 2, countSource: "" });
    expect(q("ice")).toEqual({ msix: 17, queues: 16, countSource: "an assumption" });
  });
});

describe("a strategy the NIC lacks", () => {
  it("flow-rules on igb (no flow director): exit 2, naming the strategy, the port and the reason", async () => {
    const r = await iovsim(["steering", "--nic", "igb", "--strategy", "single,flow-rules", ...SHORT]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^iovsim: --strategy flow-rules: flow-rules needs a flow-rule table \(Flow Director\), and igb0 .* has none: Intel 82576: no Flow Director/,
    );
    expect(r.err).toContain("(NIC profile igb, flow.rules)");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("inner-rss on ix (outer RSS only): exit 2 with the profile's source", async () => {
    const r = await iovsim(["steering", "--nic", "ix", "--strategy", "inner-rss", ...SHORT]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--strategy inner-rss: inner-rss needs RSS on a tunnel's inner headers");
    expect(r.err).toContain("(NIC profile ix, switch.innerRss)");
  });

  it("an unknown NIC is a usage error naming the profiles there are, as model show --nic does", async () => {
    const r = await iovsim(["steering", "--nic", "e1000", ...SHORT]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("iovsim: --nic: unknown NIC profile 'e1000' (known: ice, igb, ix, ixl)\n");
    const empty = await iovsim(["steering", "--nic", "", ...SHORT]);
    expect(empty.code).toBe(1);
    expect(empty.err).toBe("iovsim: --nic: unknown NIC profile '' (known: ice, igb, ix, ixl)\n");
  });
});

describe("a NIC written only as JSON", () => {
  const dir = tempDir("iovsim-steer-nic-");
  const fixture = JSON.parse(
    readFileSync(new URL("../fixtures/nic/x550.json", import.meta.url), "utf8"),
  ) as Record<string, unknown>;
  beforeAll(() => {
    // The fixture as it is: no packetBuffer, no flow.
    const bare = join(dir, "x550bare.json");
    writeFileSync(bare, JSON.stringify({ ...fixture, id: "x550bare" }));
    registerNicProfileFile(bare);
    // The same NIC with the two facts (figures of the test, not of a datasheet).
    const full = join(dir, "x550full.json");
    writeFileSync(
      full,
      JSON.stringify({
        ...fixture,
        id: "x550full",
        packetBuffer: {
          rxBytes: 393216,
          rxBytesRange: [262144, 393216],
          tag: "assumption",
          source: "test fixture: a figure for the test only",
        },
        flow: { rules: 0, patterns: [], source: "test fixture: no flow director in this test NIC" },
      }),
    );
    registerNicProfileFile(full);
  });

  it("without the facts steering reads: exit 2 naming each missing fact", async () => {
    const one = await iovsim(["steering", "--nic", "x550bare", "--strategy", "single", ...SHORT]);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/^iovsim: --nic x550bare: NIC profile x550bare lacks 'packetBuffer' \(/);
    expect(one.err).not.toContain("'flow'");
    const both = await iovsim(["steering", "--nic", "x550bare", "--strategy", "flow-rules", ...SHORT]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("lacks 'packetBuffer' (");
    expect(both.err).toContain("and 'flow' (");
  });

  it("with them: runs on its own port at its line rate; flow-rules refused by its own reason", async () => {
    const j = await steer(
      "--nic",
      "x550full",
      "--strategy",
      "single,mac-vf-instance",
      "--queues",
      "2",
      ...SHORT,
    );
    expect(j.nic).toBe("x550full");
    expect(j.notes[0]).toMatch(/^NIC ix0 \(profile x550full, /);
    withinLine(j.results, 10);
    expect(row(j.results, "mac-vf-instance", 2).ndr_mpps!).toBeGreaterThan(
      row(j.results, "single", 2).ndr_mpps!,
    );
    const r = await iovsim(["steering", "--nic", "x550full", "--strategy", "flow-rules", ...SHORT]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "has none: test fixture: no flow director in this test NIC (NIC profile x550full, flow.rules)",
    );
  });
});
