// `iovsim fidelity --json / --csv / --html` (schema iovsim.fidelity/2, docs/fidelity-json.md):
// a real case run on the engine, validated against the zod schema; the CSV has one row per case.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCaseNames } from "../../src/cli/commands/fidelity.ts";
import { DEFAULT_TRIALS } from "../../src/fidelity/env.ts";
import { parseCsv } from "../../src/report/csv.ts";
import { FIDELITY_CSV_HEADER, fidelityJsonSchema } from "../../src/report/fidelity-json.ts";
import { iovsim } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "iovsim-fidelity-out-"));

const cli = (argv: string[]) => iovsim(argv);

/** Every object key of a JSON document, except the keys of `ranges` (profile names). */
function fieldNames(v: unknown, parent = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => fieldNames(x, parent));
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(parent === "ranges" ? [] : [k]),
    ...fieldNames(x, parent === "ranges" ? "" : k),
  ]);
}

describe("iovsim fidelity: machine-readable output", () => {
  it("--json validates against iovsim.fidelity/2; --csv has its case; --html its table", async () => {
    const html = join(tmp, "fidelity.html");
    const r = await cli(["fidelity", "--case", "talk-ping-jail", "--json", "--html", html]);
    expect(r.err).toBe(`iovsim: wrote ${html}\n`);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    expect(j.schema).toBe("iovsim.fidelity/2");
    expect(j.cases.map((c) => c.name)).toEqual(["talk-ping-jail"]);
    expect(j.total).toBe(1);
    expect(j.passed).toBe(j.cases.filter((c) => c.pass).length);
    expect(r.code).toBe(j.passed === j.total ? 0 : 1);
    expect(j.sensitivity).toBeNull();
    const c = j.cases[0];
    expect(c.error).toBeCloseTo((c.simulated - c.published.value) / c.published.value, 12);
    expect(c.pass).toBe(c.simulated >= c.published.tolerance[0] && c.simulated <= c.published.tolerance[1]);

    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/<section id="fidelity"/);
    expect(page).toMatch(/talk-ping-jail/);
    expect(page).toMatch(/0\.9 – 1\.2/); // the published tolerance range, not a symmetric ±
    // The profile the case ran on, as the terminal's profile line gives it (fidelity takes no
    // --profile, so the report was the one output that did not say).
    expect(page).toMatch(/<th scope="col" class="text">cost profile<\/th>/);
    // Reproduce names only what the run had: no configuration, profile or seed to match.
    expect(page).toContain("This command, run with the same tool version (below;");
    expect(page).toContain(
      `<th scope="row" class="text">talk-ping-jail</th><td class="text">${c.profiles.join(", ")}</td>`,
    );
    expect(page).not.toMatch(/https?:\/\//);

    const csv = await cli(["fidelity", "--case", "talk-ping-jail", "--csv"]);
    expect(csv.code).toBe(r.code);
    const rows = parseCsv(csv.out);
    expect(rows[0]).toEqual([...FIDELITY_CSV_HEADER]);
    expect(rows).toHaveLength(1 + j.cases.length);
    const row = Object.fromEntries(FIDELITY_CSV_HEADER.map((h, i) => [h, rows[1][i]]));
    expect(row.case).toBe(c.name);
    expect(Number(row.simulated)).toBe(c.simulated);
    expect(Number(row.tolerance_low)).toBe(c.published.tolerance[0]);
    expect(row.pass).toBe(String(c.pass));
  }, 120_000);

  it("--sensitivity: the HTML report has the same findings as --json", async () => {
    const html = join(tmp, "sensitivity.html");
    const r = await cli(["fidelity", "--case", "talk-ping-jail", "--sensitivity", "--json", "--html", html]);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    const sens = j.sensitivity ?? [];
    expect(sens.length).toBeGreaterThan(0);
    const page = readFileSync(html, "utf8");
    const part = page.slice(
      page.indexOf('<h3 id="sensitivity">'),
      page.indexOf("</section>", page.indexOf('id="sensitivity"')),
    );
    expect(part).toContain(
      `${sens.filter((x) => x.holds).length} of ${sens.length} (case, constant) pairs hold`,
    );
    const trs = [...part.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
      [...m[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]),
    );
    expect(trs.slice(1).map((t) => [t[0], t[1], t[6]])).toEqual(
      sens.map((x) => [x.case, x.constant, x.holds ? "holds" : "DEPENDS"]),
    );
    trs.slice(1).forEach((t, i) => {
      expect(t[4]).toMatch(new RegExp(` ${sens[i].low.pass ? "pass" : "FAIL"}$`));
      expect(t[5]).toMatch(new RegExp(` ${sens[i].high.pass ? "pass" : "FAIL"}$`));
    });
    const plain = await cli(["fidelity", "--case", "talk-ping-jail", "--html", join(tmp, "plain.html")]);
    expect(plain.code).toBe(r.code);
    expect(readFileSync(join(tmp, "plain.html"), "utf8")).not.toContain('id="sensitivity"');
  }, 120_000);

  it("--case takes a list (comma-separated, repeatable, as paths --path); --json and --sensitivity follow it", async () => {
    const both = ["talk-ping-jail", "ordering-2.3"];
    const r = await cli(["fidelity", "--case", both.join(","), "--sensitivity", "--json"]);
    const j = fidelityJsonSchema.parse(JSON.parse(r.out));
    expect(j.cases.map((c) => c.name)).toEqual(both);
    expect(j.total).toBe(2);
    expect(new Set((j.sensitivity ?? []).map((s) => s.case))).toEqual(new Set(both));
    // iovsim.fidelity/2: every field name snake_case, as the other documents (/1's trials had
    // trialNs, ndrStepPps); the keys of `ranges` are profile names, not fields.
    expect(j.trials).toEqual({
      trial_ns: DEFAULT_TRIALS.trialNs,
      ndr_step_pps: DEFAULT_TRIALS.ndrStepPps,
      pings: DEFAULT_TRIALS.pings,
    });
    expect(fieldNames(JSON.parse(r.out)).filter((k) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(k))).toEqual([]);
    const repeated = await cli(["fidelity", "--case", both[0], "--case", both[1], "--json"]);
    expect(fidelityJsonSchema.parse(JSON.parse(repeated.out)).cases.map((c) => c.name)).toEqual(both);
    expect(repeated.code).toBe(r.code);
  }, 120_000);

  it("--case: an unknown or empty name is refused naming it and listing the cases; a case given twice too", async () => {
    const listing = /\(cases: talk-ping-vm-vf, talk-ping-jail, .*ordering-2\.3\)\n$/;
    const u = await cli(["fidelity", "--case", "talk-ping-jail,no-such-case"]);
    expect(u.code).toBe(1);
    expect(u.out).toBe("");
    expect(u.err).toMatch(/^iovsim: --case: unknown case 'no-such-case' /);
    expect(u.err).toMatch(listing);
    const e = await cli(["fidelity", "--case", "talk-ping-jail,", "--csv"]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/^iovsim: --case: empty case name /);
    expect(e.err).toMatch(listing);
    // A space after the comma names the same list (it was "unknown case ' talk-ping-jail'").
    expect(parseCaseNames(["ordering-2.3, talk-ping-jail"])).toEqual(["ordering-2.3", "talk-ping-jail"]);
    const d = await cli(["fidelity", "--case", "ordering-2.3", "--case", "ordering-2.3"]);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/--case: 'ordering-2\.3' is given twice/);
  });

  it("refuses --json with --csv, and --csv with --sensitivity", async () => {
    const a = await cli(["fidelity", "--json", "--csv"]);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--json and --csv are exclusive/);
    const b = await cli(["fidelity", "--csv", "--sensitivity"]);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/--csv has one row per case; the --sensitivity findings are in --json/);
    const c = await cli(["fidelity", "--html"]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/fidelity: option '--html' needs a value/);
  });
});
