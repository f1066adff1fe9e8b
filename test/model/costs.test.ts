// Cost profiles as data with provenance: every constant of every built-in profile has a value
// inside its range, a unit, a source (the publication, not the anchors digest), a tag and a use;
// a user's bad profile is refused with file:line:column of the entry at fault.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { COST_NAMES, COST_TAGS, costProfileNames, costVariant, loadCosts } from "../../src/model/costs.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-costs-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const bhyveText = readFileSync(new URL("../../src/model/costs/bhyve.json", import.meta.url), "utf8");

async function cli(args: string[]) {
  let out = "";
  let err = "";
  const status = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { status, out, err };
}

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
      /outside\.json:\d+:\d+: \$\.constants\.cpu_ghz\.value: value outside its range/,
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
      new RegExp(`ext\\.json:4:\\d+: \\$\\.extends: --profile ${join(dir, "nope")}: no such file`),
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

  it("a variant moves one constant inside its range and refuses one outside", () => {
    const n = costVariant("bhyve", { itr_us: 2 });
    expect(loadCosts(n).c.itr_us).toBe(2);
    expect(loadCosts("bhyve").c.itr_us).toBe(50);
    expect(() => costVariant("bhyve", { itr_us: 500 })).toThrow(/outside its range/);
  });

  it("`model show` prints every constant with value, unit, range, tag and source; --json; located errors", async () => {
    const t = await cli(["model", "show", "kvm-exits"]);
    expect(t.status).toBe(0);
    for (const k of COST_NAMES) expect(t.out).toContain(k);
    expect(t.out).toMatch(/itr_us\s+6\.7\s+us\s+\[5, 18\]\s+derived\s+Gordon et al\./);
    const j = await cli(["model", "show", "--json", "freebsd"]);
    const doc = JSON.parse(j.out);
    expect(Object.keys(doc.constants)).toEqual([...COST_NAMES]);
    expect(doc.constants.epair_cycles).toMatchObject({ tag: "assumption", range: [300, 1400] });
    const bad = await cli(["model", "show", "--profile", join(dir, "broken.json")]);
    expect(bad.status).not.toBe(0);
    expect(bad.err).toMatch(/broken\.json:3:18: not valid JSON/);
    expect(bad.err).not.toMatch(/at .*\.ts:\d+/);
    const hw = await cli(["model", "show", "--nic", "igb"]);
    expect(hw.out).toMatch(/hardware limits of NIC igb/);
    expect(hw.out).toMatch(/pcie_gbps\s+8\s+Gbit\/s per direction/);
    expect(hw.out).toMatch(/switch_pkt_ns\s+80\s+ns\/packet/);
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
