// The fidelity table as text: published vs simulated, the error and pass/fail per case; the
// sensitivity findings (which verdicts hold across each constant's range).
import type { FidelityReport } from "./run.ts";

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}K`;
  return v.toFixed(3);
}

/** A head, a rule of dashes and the rows, each column as wide as its widest cell. */
function columns(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(w[i]))
      .join("  ")
      .trimEnd();
  return [line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)];
}

export function formatFidelity(r: FidelityReport): string {
  const head = ["case", "published", "tolerance", "simulated", "error", "result"];
  const rows = r.cases.map((c) => [
    c.name,
    fmt(c.published.value),
    `${fmt(c.published.tolerance[0])}..${fmt(c.published.tolerance[1])}`,
    fmt(c.simulated),
    `${c.error >= 0 ? "+" : ""}${(c.error * 100).toFixed(1)} %`,
    c.pass ? "pass" : "FAIL",
  ]);
  const out = [
    "Published results reproduced by simulation (virtual time; every figure from full engine runs)",
    "",
    ...columns(head, rows),
    "",
  ];
  for (const c of r.cases) {
    out.push(`${c.name}: ${c.published.text} (${c.published.unit})`);
    out.push(`  source:    ${c.publication}`);
    out.push(`  profile:   ${c.profiles.join(", ")}`);
    out.push(`  scenario:  ${c.scenario}`);
    out.push(`  why:       ${c.why}`);
    out.push(`  simulated: ${c.details}`);
  }
  const passed = r.cases.filter((c) => c.pass).length;
  out.push("", `${passed} of ${r.cases.length} cases pass.`);
  if (r.sensitivity) {
    out.push("", "Sensitivity: each constant at both ends of its range, one at a time", "");
    const sh = ["case", "constant", "range", "at low", "at high", "verdict"];
    const srows = r.sensitivity.map((s) => {
      const rg = Object.entries(s.ranges)
        .map(([, v]) => `${v.range[0]}..${v.range[1]}`)
        .filter((x, i, a) => a.indexOf(x) === i)
        .join(" / ");
      return [
        s.case,
        s.constant,
        rg,
        `${fmt(s.low.simulated)} ${s.low.pass ? "pass" : "FAIL"}`,
        `${fmt(s.high.simulated)} ${s.high.pass ? "pass" : "FAIL"}`,
        s.holds ? "holds" : "DEPENDS",
      ];
    });
    out.push(...columns(sh, srows));
    const dep = r.sensitivity.filter((s) => !s.holds);
    out.push(
      "",
      `${r.sensitivity.length - dep.length} of ${r.sensitivity.length} (case, constant) pairs hold across the range.`,
    );
    // What the study leaves out, said rather than implied (constants with ranges of their own).
    if (r.notMoved && r.notMoved.length > 0) {
      out.push("", "Not moved (NIC profile constants, iovsim model show --nic):");
      for (const n of r.notMoved) out.push(`  ${n.constants.join(", ")}: ${n.reason}`);
    }
  }
  return `${out.join("\n")}\n`;
}
