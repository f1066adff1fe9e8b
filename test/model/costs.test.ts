// Cost profiles as data with provenance: every constant of every built-in profile has a value
// inside its range, a unit, a source (the publication, not the anchors digest), a tag and a use;
// a user's bad profile is refused with file:line:column of the entry at fault.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.ts";
import { COST_NAMES, COST_TAGS, costProfileNames, costVariant, loadCosts } from "../../src/model/costs.ts";
import { iovsim } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-costs-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const bhyveText = readFileSync(new URL("../../src/model/costs/bhyve.json", import.meta.url), "utf8");

const cli = (args: string[]) => iovsim(args);

describe("a profile file's problems: every one in one run, located, in file order", () => {
  // One file with a format error (no source), values outside their ranges (one on the entry
  // without a source), a range end out of the domain and an unknown constant: each reported at
  // once, not the format errors first and the rest only after they are fixed.
  const text = `{
  "name": "many",
  "description": "Several mistakes at once.",
  "extends": "bhyve",
  "constants": {
    "cpu_ghz": { "value": 4.2, "unit": "GHz", "range": [2.0, 3.5], "tag": "assumption",
      "source": "A faster machine than any measured", "use": "Clock of every core." },
    "l3_cache_mb": { "value": 32, "unit": "MiB", "range": [8, 64], "tag": "assumption",
      "source": "The engine has no cache model", "use": "Nothing reads it." },
    "itr_us": { "value": 100, "unit": "us", "range": [5, 18], "tag": "assumption",
      "use": "Interrupt moderation." },
    "iotlb_miss_rate": { "value": 0.5, "unit": "fraction", "range": [0, 2], "tag": "assumption",
      "source": "An assumption for this test", "use": "IOTLB misses." }
  }
}
`;
  it("lists the schema's, the range's and the names' problems together, each file:line:column", async () => {
    const p = file("many.json", text);
    const r = await cli(["model", "show", "--profile", p]);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toBe("iovsim: invalid cost profile");
    const got = lines.slice(1).map((l) => l.slice(p.length + 1).replace(/ \(known: .*\)$/, ""));
    expect(got).toEqual([
      // The value and the range it left: the user sees what to change without opening the file.
      "6:27: $.constants.cpu_ghz.value: value 4.2 outside its range [2, 3.5]",
      "8:20: $.constants.l3_cache_mb: unknown constant",
      "10:15: $.constants.itr_us.source: Invalid input: expected string, received undefined",
      "10:26: $.constants.itr_us.value: value 100 outside its range [5, 18]",
      "12:73: $.constants.iotlb_miss_rate.range[1]: a fraction of the look-ups, at most 1",
    ]);
  });
});

describe("cost profiles", () => {
  it("has the four profiles: bhyve, KVM without and with posted interrupts, FreeBSD bare metal", () => {
    expect(costProfileNames()).toEqual(["bhyve", "freebsd", "kvm-exits", "kvm-posted"]);
  });

  it("no constant in src/model/costs lacks a source, a tag, a range holding its value, a unit or a use", () => {
    const files = readdirSync(new URL("../../src/model/costs/", import.meta.url)).filter((f) =>
      f.endsWith(".json"),
    );
    expect(files.length).toBe(4);
    for (const f of files) {
      const data = JSON.parse(readFileSync(new URL(`../../src/model/costs/${f}`, import.meta.url), "utf8"));
      for (const [k, c] of Object.entries(data.constants) as Array<[string, Record<string, unknown>]>) {
        const where = `${f}: ${k}`;
        expect(COST_TAGS, where).toContain(c.tag);
        expect(typeof c.source === "string" && c.source.length >= 10, where).toBe(true);
        expect(c.source as string, where).not.toMatch(/performance-anchors/i);
        expect(typeof c.unit === "string" && (c.unit as string).length > 0, where).toBe(true);
        expect(typeof c.use === "string" && (c.use as string).length > 0, where).toBe(true);
        const [lo, hi] = c.range as [number, number];
        expect(lo <= (c.value as number) && (c.value as number) <= hi, where).toBe(true);
      }
    }
    for (const n of costProfileNames()) {
      const p = loadCosts(n);
      for (const k of COST_NAMES) expect(p.constants[k], `${n}: ${k}`).toBeDefined();
    }
  });

  it("fixes the known misuses: one exit round trip (not direct + handler), an interrupt cost that is not an EOI figure", () => {
    const b = loadCosts("bhyve").constants;
    expect(b.exit_cycles.value).toBe(2565);
    expect(b.exit_cycles.source).toMatch(/not added/);
    expect(b.host_irq_cycles.value).not.toBe(1556);
    expect(COST_NAMES as readonly string[]).not.toContain("cacheline_transfer_ns");
    expect(COST_NAMES as readonly string[]).not.toContain("exit_handler_cycles");
    // ELI's own interrupt rate, not a rate picked to land on 60-65 %.
    expect(loadCosts("kvm-exits").constants.itr_us.source).toMatch(/150K/);
  });

  it("reports a file that is not JSON at its line and column", () => {
    const p = file("broken.json", '{\n  "name": "x",\n  "description": oops\n}\n');
    expect(() => loadCosts(p)).toThrow(new RegExp(`${p}:3:18: not valid JSON`));
  });

  it("reports a schema error at the line and column of the bad entry", () => {
    const bad = bhyveText.replace(
      '"tag": "verified",\n      "source": "Linux NAPI',
      '"tag": "guess",\n      "source": "Linux NAPI',
    );
    expect(bad).not.toBe(bhyveText);
    const p = file("badtag.json", bad);
    const line = bad.split("\n").findIndex((l) => l.includes('"guess"')) + 1;
    expect(() => loadCosts(p)).toThrow(new RegExp(`${p}:${line}:\\d+: \\$\\.constants\\.napi_budget\\.tag`));
  });

  it("reports a value outside its range, an unknown constant, a missing one and a bad extends, located", () => {
    const outside = file(
      "outside.json",
      JSON.stringify(
        {
          name: "o",
          description: "d",
          extends: "bhyve",
          constants: { cpu_ghz: { ...loadCosts("bhyve").constants.cpu_ghz, value: 9 } },
        },
        null,
        2,
      ),
    );
    expect(() => loadCosts(outside)).toThrow(
      /outside\.json:\d+:\d+: \$\.constants\.cpu_ghz\.value: value [0-9.]+ outside its range \[/,
    );
    const unknown = file(
      "unknown.json",
      JSON.stringify(
        {
          name: "u",
          description: "d",
          extends: "bhyve",
          constants: { warp: loadCosts("bhyve").constants.cpu_ghz },
        },
        null,
        2,
      ),
    );
    expect(() => loadCosts(unknown)).toThrow(/unknown\.json:6:\d+: \$\.constants\.warp: unknown constant/);
    const missing = file(
      "missing.json",
      JSON.stringify({ name: "m", description: "d", constants: {} }, null, 2),
    );
    expect(() => loadCosts(missing)).toThrow(/missing\.json:4:\d+: \$\.constants\.cpu_ghz: missing/);
    const ext = file(
      "ext.json",
      JSON.stringify({ name: "e", description: "d", extends: "nope", constants: {} }, null, 2),
    );
    // A file named by `extends` is looked for beside the profile (not in the current directory).
    expect(() => loadCosts(ext)).toThrow(
      new RegExp(
        `ext\\.json:4:\\d+: \\$\\.extends: 'nope' is neither a built-in profile \\(bhyve, freebsd, kvm-exits, kvm-posted; .*\\) nor a file \\(no ${join(dir, "nope")}\\)`,
      ),
    );
    // An empty --profile names the option, not an empty file.
    expect(() => loadCosts("")).toThrow(
      /^option '--profile' needs a profile name or a file, not an empty string/,
    );
  });

  it("a unit other than the one the engine reads is refused, located (the value would be misread)", () => {
    const ms = file(
      "ms.json",
      JSON.stringify(
        {
          name: "ms",
          description: "d",
          extends: "bhyve",
          constants: { host_irq_cycles: { ...loadCosts("bhyve").constants.host_irq_cycles, unit: "ms" } },
        },
        null,
        2,
      ),
    );
    expect(() => loadCosts(ms)).toThrow(
      /ms\.json:8:\d+: \$\.constants\.host_irq_cycles\.unit: unit 'ms' is not the one the engine reads host_irq_cycles in \('cycles\/interrupt'\)/,
    );
    // A whole profile (no extends) is held to the same units.
    const whole = file("whole.json", bhyveText.replace('"unit": "GHz"', '"unit": "MHz"'));
    expect(() => loadCosts(whole)).toThrow(/whole\.json:\d+:\d+: \$\.constants\.cpu_ghz\.unit: unit 'MHz'/);
  });

  it("an extends cycle is a located error, not a stack overflow; a file extends a file beside it", () => {
    const a = file(
      "cyc-a.json",
      JSON.stringify({ name: "a", description: "d", extends: "cyc-b.json", constants: {} }),
    );
    file("cyc-b.json", JSON.stringify({ name: "b", description: "d", extends: "cyc-a.json", constants: {} }));
    expect(() => loadCosts(a)).toThrow(/extends itself: cyc-a\.json -> cyc-b\.json -> cyc-a\.json$/);
    file(
      "base.json",
      JSON.stringify({ name: "base", description: "d", extends: "kvm-posted", constants: {} }),
    );
    const child = file(
      "child.json",
      JSON.stringify({ name: "c", description: "d", extends: "base.json", constants: {} }),
    );
    expect(loadCosts(child).c.itr_us).toBe(loadCosts("kvm-posted").c.itr_us);
  });

  it("a byte-order mark before the JSON is accepted (some editors write one)", () => {
    expect(loadCosts(file("bom.json", `\uFEFF${bhyveText}`)).c).toEqual(loadCosts("bhyve").c);
  });

  it("a name with a line end or another control character is refused, located (it split the report's header)", () => {
    for (const bad of ["two\nlines", "tab\there", "bell\u0007"]) {
      const text = bhyveText.replace(/"name": "[^"]*"/, `"name": ${JSON.stringify(bad)}`);
      const p = file("control.json", text);
      const line = text.split("\n").findIndex((l) => l.includes('"name"')) + 1;
      expect(() => loadCosts(p)).toThrow(
        new RegExp(`${p}:${line}:\\d+: \\$\\.name: a name is one line of printable characters`),
      );
    }
    const ok = file(
      "unicode.json",
      bhyveText.replace(/"name": "[^"]*"/, '"name": "bhyve – 3.5 GHz, µ-tuned"'),
    );
    expect(loadCosts(ok).name).toBe("bhyve – 3.5 GHz, µ-tuned");
  });

  it("a variant moves one constant inside its range and refuses one outside", () => {
    const n = costVariant("bhyve", { itr_us: 2 });
    expect(loadCosts(n).c.itr_us).toBe(2);
    expect(loadCosts("bhyve").c.itr_us).toBe(50);
    expect(() => costVariant("bhyve", { itr_us: 500 })).toThrow(/outside its range/);
  });

  it("a variant is rebuilt from its name: NAME!SWITCH and NAME{constant=value}, left to right, on a file too", () => {
    const base = loadCosts("kvm-posted");
    const v = loadCosts("kvm-posted!vhost-2016!tun-queue-lock");
    expect(v.name).toBe("kvm-posted!vhost-2016!tun-queue-lock");
    expect(v.origin).toBe("builtin");
    expect(v.ref).toBe("kvm-posted!vhost-2016!tun-queue-lock");
    expect(v.c).toEqual({ ...base.c, vhost_signal_per_packet: 1, vhost_pkt_weight: 8192, tap_lock_lines: 2 });
    // The records keep their provenance; only the value moves.
    expect(v.constants.tap_lock_lines).toEqual({ ...base.constants.tap_lock_lines, value: 2 });
    expect(loadCosts("kvm-exits!irqfd-2010").c.irqfd_msi_fastpath).toBe(0);
    expect(loadCosts("bhyve{itr_us=10,cpu_ghz=3}!no-event-idx").c).toMatchObject({
      itr_us: 10,
      cpu_ghz: 3,
      virtio_event_idx: 0,
    });
    expect(loadCosts("bhyve!no-event-idx{virtio_event_idx=1}").c.virtio_event_idx).toBe(1);
    // costVariant's name is such a name: another thread resolves it without the registration.
    expect(costVariant("bhyve", { itr_us: 10, cpu_ghz: 3 })).toBe("bhyve{cpu_ghz=3,itr_us=10}");
    const f = file(
      "mine.json",
      JSON.stringify({ name: "mine", description: "d", extends: "kvm-exits", constants: {} }),
    );
    const fv = loadCosts(`${f}!irqfd-2010`);
    expect(fv.ref).toBe(`${f}!irqfd-2010`);
    expect(fv.name).toBe("mine!irqfd-2010");
    expect(fv.origin).toBe(f);
    expect(fv.c).toEqual(loadCosts("kvm-exits!irqfd-2010").c);
    // Named relative to the working directory, the ref a worker gets is absolute.
    expect(loadCosts(`${relative(process.cwd(), f)}!irqfd-2010`).ref).toBe(`${f}!irqfd-2010`);
    // A file's `extends` may name a variant.
    const child = file(
      "child-v.json",
      JSON.stringify({ name: "c", description: "d", extends: "kvm-exits!irqfd-2010", constants: {} }),
    );
    expect(loadCosts(child).c.irqfd_msi_fastpath).toBe(0);
  });

  it("a bad variant is refused naming the option: unknown switch (listing them), constant, value", () => {
    const msg = (name: string, option?: string) => {
      try {
        loadCosts(name, option);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      throw new Error(`${name} was accepted`);
    };
    expect(msg("kvm-exits!irqfd-2011")).toBe(
      "--profile kvm-exits!irqfd-2011: unknown switch 'irqfd-2011' (switches: no-event-idx (virtio_event_idx=0), vhost-2016 (vhost_signal_per_packet=1, vhost_pkt_weight=8192), tun-queue-lock (tap_lock_lines=2), guest-refill-half (virtio_rx_refill_free=128), irqfd-2010 (irqfd_msi_fastpath=0))",
    );
    expect(msg("kvm-exits!", "model show")).toMatch(/^model show kvm-exits!: unknown switch ''/);
    expect(msg("bhyve{l3_cache_mb=4}")).toMatch(
      /^--profile bhyve\{l3_cache_mb=4\}: unknown constant 'l3_cache_mb'/,
    );
    expect(msg("bhyve{itr_us=500}")).toBe(
      "--profile bhyve{itr_us=500}: itr_us = 500 lies outside its range [2, 125]",
    );
    expect(msg("bhyve{itr_us=0x10}")).toMatch(/itr_us=0x10: not a number/);
    expect(msg("bhyve{itr_us}")).toMatch(/each entry is constant=value/);
    expect(msg("bhyve{hugepages=0.5}")).toMatch(/hugepages = 0.5: a flag is 0 or 1/);
    expect(msg("bhyve{itr_us=10")).toMatch(/'\{itr_us=10' is not a variant step/);
    expect(msg("nosuch!irqfd-2010")).toMatch(/--profile nosuch: no such file/);
  });

  it("a variant that gives a switch or a constant twice is refused (the last silently won)", () => {
    const refused = (name: string) => {
      try {
        loadCosts(name);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      throw new Error(`${name} was accepted`);
    };
    expect(refused("bhyve{cpu_ghz=3,cpu_ghz=3.1}")).toBe(
      "--profile bhyve{cpu_ghz=3,cpu_ghz=3.1}: constant 'cpu_ghz' is given twice",
    );
    expect(refused("bhyve{cpu_ghz=3}{cpu_ghz=3.1}")).toMatch(/constant 'cpu_ghz' is given twice$/);
    expect(refused("bhyve!no-event-idx!no-event-idx")).toMatch(/switch 'no-event-idx' is given twice$/);
    // A switch after a {} step that set its constant still applies in order (fidelity's
    // sensitivity study builds such names): the switch's value wins.
    expect(loadCosts("kvm-posted{vhost_signal_per_packet=0}!vhost-2016").c.vhost_signal_per_packet).toBe(1);
  });

  it("a count constant (napi_budget, nic_window_frames) takes a whole number, in a variant and in a file", () => {
    expect(() => loadCosts("bhyve{napi_budget=64.5}")).toThrow(
      /napi_budget = 64.5: a count of packets\/poll, a whole number/,
    );
    expect(loadCosts("bhyve{napi_budget=65}").c.napi_budget).toBe(65);
    const text = bhyveText.replace(/("napi_budget":\s*\{\s*"value":\s*)64/, "$164.5");
    expect(text).not.toBe(bhyveText);
    const f = file("fractional-budget.json", text);
    const line = text.split("\n").findIndex((l) => l.includes("64.5")) + 1;
    expect(() => loadCosts(f)).toThrow(
      new RegExp(
        `fractional-budget\\.json:${line}:\\d+: \\$\\.constants\\.napi_budget\\.value: a count of packets/poll, a whole number`,
      ),
    );
  });

  it("`paths --profile` with an unknown switch exits 1 with the option named and no stack trace", async () => {
    const r = await cli(["paths", "--path", "virtio", "--size", "64", "--profile", "kvm-exits!nope"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--profile kvm-exits!nope: unknown switch 'nope' \(switches: .*irqfd-2010/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it("`model show NAME!SWITCH` prints the switched constants; model list lists the switches", async () => {
    const t = await cli(["model", "show", "kvm-exits!irqfd-2010"]);
    expect(t.code).toBe(0);
    // A variant is not itself a built-in: the header names its base and each step says what it
    // is and sets (it showed '(builtin)' as if kvm-exits!irqfd-2010 were one of model list's).
    expect(t.out).toMatch(/^profile kvm-exits!irqfd-2010: a variant of the built-in profile kvm-exits$/m);
    expect(t.out).not.toMatch(/\(builtin\)/);
    expect(t.out).toMatch(
      /^!irqfd-2010 sets irqfd_msi_fastpath=0: KVM before irqfd's MSI fast path \(bd2b53b20fcd, 2010\)/m,
    );
    expect(t.out).toMatch(/^variant of kvm-exits: irqfd_msi_fastpath 1 -> 0$/m);
    // A {} step that sets a constant to the value the base already has: said, not left out of
    // the moved list without a word.
    const ix = await cli(["model", "show", "kvm-exits!irqfd-2010{itr_us=6.7}"]);
    expect(ix.code).toBe(0);
    expect(ix.out).toMatch(/^\{itr_us=6.7\} sets itr_us=6.7 \(a value inside its range\)$/m);
    expect(ix.out).toMatch(/^variant of kvm-exits: irqfd_msi_fastpath 1 -> 0$/m);
    expect(ix.out).toMatch(/^set to the value kvm-exits has already: itr_us 6.7$/m);
    const own = file(
      "own.json",
      JSON.stringify({ name: "own", description: "mine", extends: "bhyve", constants: {} }),
    );
    const fo = await cli(["model", "show", "--profile", `${own}!no-event-idx`]);
    expect(fo.code).toBe(0);
    expect(fo.out).toMatch(
      new RegExp(
        `^profile own!no-event-idx: a variant of the profile file ${own.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
        "m",
      ),
    );
    expect(t.out).toMatch(/^irqfd_msi_fastpath\s+0\s+flag\s+\[0, 1\]/m);
    expect((await cli(["model", "show", "kvm-exits"])).out).toMatch(/^irqfd_msi_fastpath\s+1\s+flag/m);
    const j = JSON.parse(
      (await cli(["model", "show", "--json", "kvm-posted!vhost-2016!tun-queue-lock"])).out,
    );
    expect(j.variant).toEqual({
      base: "kvm-posted",
      base_origin: "builtin",
      steps: [
        {
          step: "!vhost-2016",
          set: { vhost_signal_per_packet: 1, vhost_pkt_weight: 8192 },
          why: expect.stringMatching(/^Linux 4\.8's vhost-net/),
        },
        {
          step: "!tun-queue-lock",
          set: { tap_lock_lines: 2 },
          why: expect.stringMatching(/^the tap before/),
        },
      ],
      changed: {
        tap_lock_lines: { from: 0, to: 2 },
        vhost_pkt_weight: { from: 256, to: 8192 },
        vhost_signal_per_packet: { from: 0, to: 1 },
      },
    });
    expect(j.constants.tap_lock_lines.value).toBe(2);
    const bad = await cli(["model", "show", "kvm-exits!nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/model show kvm-exits!nope: unknown switch 'nope'/);
    expect((await cli(["model", "show", "nosuch!irqfd-2010"])).err).toMatch(
      /unknown profile 'nosuch!irqfd-2010'/,
    );
    const list = await cli(["model", "list"]);
    expect(list.out).toMatch(/^irqfd-2010\s+sets irqfd_msi_fastpath=0: KVM before/m);
    // One name column for both sections, as wide as the longest name (guest-refill-half):
    // every row's text, and every wrapped continuation, starts at the same column, within 100.
    const lines = list.out.split("\n").filter((l) => l !== "");
    const col = lines[0]!.indexOf("description");
    expect(col).toBe("guest-refill-half".length + 2);
    for (const l of lines) {
      expect(l.length, l).toBeLessThanOrEqual(100);
      expect(l.slice(0, col).trimEnd().length < col && l[col] !== " ", l).toBe(true);
    }
    expect(lines).toContain(
      `${"switch".padEnd(col)}what PROFILE!SWITCH sets, and the era it stands for (e.g. kvm-exits!irqfd-2010)`,
    );
  });

  it("`model show` prints every constant with value, unit, range, tag and source; --json; located errors", async () => {
    const t = await cli(["model", "show", "kvm-exits"]);
    expect(t.code).toBe(0);
    for (const k of COST_NAMES) expect(t.out).toContain(k);
    expect(t.out).toMatch(/itr_us\s+6\.7\s+us\s+\[5, 18\]\s+derived\s+Gordon et al\./);
    const j = await cli(["model", "show", "--json", "freebsd"]);
    const doc = JSON.parse(j.out);
    expect(Object.keys(doc.constants)).toEqual([...COST_NAMES]);
    expect(doc.constants.epair_cycles).toMatchObject({ tag: "assumption", range: [300, 1400] });
    const bad = await cli(["model", "show", "--profile", join(dir, "broken.json")]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/broken\.json:3:18: not valid JSON/);
    expect(bad.err).not.toMatch(/at .*\.ts:\d+/);
    const hw = await cli(["model", "show", "--nic", "igb"]);
    expect(hw.out).toMatch(/hardware limits of NIC igb/);
    expect(hw.out).toMatch(/pcie_gbps\s+8\s+Gbit\/s per direction/);
    expect(hw.out).toMatch(/switch_pkt_ns\s+40\s+ns\/packet/); // 2x1 GbE, full duplex: 4 Gbit/s
    expect(hw.out).toMatch(/rx_buffer_bytes\s+65536\s+bytes\s+\[34816, 65536\]\s+assumption/);
    expect(JSON.parse((await cli(["model", "show", "--json"])).out).hardware.limits.pcie_tlp_bytes.tag).toBe(
      "secondary",
    );
    expect((await cli(["model", "show", "--nic", "e1000"])).err).toMatch(/unknown NIC profile 'e1000'/);
    expect((await cli(["model", "show", "nope"])).err).toMatch(/unknown profile 'nope'/);
    expect((await cli(["model", "show", "--frob"])).err).toMatch(/unknown option '--frob'/);
    expect((await cli(["model", "show", "freebsd", "--profile", "x.json"])).err).toBe(
      "iovsim: model show: give a built-in PROFILE ('freebsd') or --profile FILE ('x.json'), not both\n",
    );
  });
});
