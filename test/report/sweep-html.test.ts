// `sweep merge --html` meets the paths report's standards: a Content-Security-Policy that forbids
// every fetch, scoped table headers, the test conditions the points ran under, simulated figures
// and simulator speed labelled apart, and how to reproduce the runs (plan, run, each point's own
// command), not only the merge.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPORT_CSP } from "../../src/report/html/index.ts";
import type { PointExecutor } from "../../src/sweep/execute.ts";
import { renderSweepHtml } from "../../src/sweep/html.ts";
import type { MergedSweep } from "../../src/sweep/merge.ts";
import { planSweep } from "../../src/sweep/plan.ts";
import { runShard } from "../../src/sweep/run.ts";
import { parseSweep } from "../../src/sweep/spec.ts";
import { iovsim } from "../helpers/cli.ts";
import { pathsDoc } from "./paths-doc.ts";

const TEXT = `name: s
experiment: paths
axes: { path: [native], size: [64, 1518] }
seed: { policy: fixed, value: 7 }
options: { trial-ms: 1 }
`;
const plan = planSweep({ file: "s.yaml", text: TEXT, spec: parseSweep(TEXT, "s.yaml") });

/** A paths --json result per point: pathsDoc at the point's size, on PF ixl0. */
function pointResult(size: number) {
  const d = pathsDoc();
  return { ...d, nic: "ixl0", paths: d.paths.map((p) => ({ ...p, size, frame_bytes: size })) };
}

const merged = (): MergedSweep => ({
  schema: "iovsim.sweep.merge/1",
  sweep: "s",
  experiment: "paths",
  hash: plan.hash,
  version: "iovsim 0.1.0",
  axes: plan.axes,
  count: plan.points.length,
  points: plan.points.map((p) => ({
    index: p.index,
    coords: p.coords,
    seed: p.seed,
    result: pointResult(p.coords.size as number),
  })),
});

const reproduce = {
  sweepText: TEXT,
  dir: "out dir",
  merge: "iovsim sweep merge 'out dir' --html s.html",
  pointArgs: new Map(plan.points.map((p) => [p.index, p.args])),
};

const section = (html: string, id: string) => {
  const from = html.indexOf(`<h2 id="${id}"`);
  expect(from, id).toBeGreaterThanOrEqual(0);
  const to = html.indexOf("<h2 ", from + 1);
  return html.slice(from, to < 0 ? undefined : to);
};

describe("sweep merge --html", () => {
  const html = renderSweepHtml(merged(), reproduce);

  it("has the paths report's Content-Security-Policy and scopes every table header", () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toMatch(/^default-src 'none'/);
    const ths = [...html.matchAll(/<th\b[^>]*>/g)].map((m) => m[0]);
    expect(ths.length).toBeGreaterThan(10);
    for (const th of ths) expect(th).toMatch(/^<th scope="(col|row)">$/);
    expect(section(html, "results")).toContain('<th scope="row">0</th>');
  });

  it("states the test conditions: profile, NIC/PF, frame sizes, trial length, NDR/PDR criteria", () => {
    const c = section(html, "conditions");
    const row = (what: string) =>
      new RegExp(`<th scope="row">${what}</th><td class="text">([^<]*)</td>`).exec(c)?.[1];
    expect(row("cost profile")).toBe("bhyve");
    expect(row("link")).toMatch(/^10 Gbit\/s Ethernet \(PF ixl0\); Gbit\/s figures are Layer 1/);
    expect(row("frame sizes")).toBe("64 B, 1518 B with FCS (the size axis)");
    expect(row("trial duration")).toBe(
      "search: 1 ms of virtual time per trial; NDR, PDR and the load points from final trials of 11.32 ms of virtual time",
    );
    expect(row("NDR/PDR criteria")).toContain("NDR: 0 % loss; PDR: 0.5 % loss; resolution 1 % of line rate");
    expect(row("seed")).toBe("7");
  });

  it("says 'search:' of the trials only where final trials followed a search (not at --rate)", () => {
    const m = merged();
    for (const p of m.points) {
      const r = p.result as ReturnType<typeof pointResult>;
      p.result = {
        ...r,
        rate: "50%",
        search: null,
        paths: r.paths.map((x) => ({ ...x, ndr_mpps: null, pdr_mpps: null, final_trial_ms: null })),
      };
    }
    const c = section(renderSweepHtml(m, reproduce), "conditions");
    const row = (what: string) =>
      new RegExp(`<th scope="row">${what}</th><td class="text">([^<]*)</td>`).exec(c)?.[1];
    expect(row("offered load \\(--rate\\)")).toBe("50%");
    expect(row("trial duration")).toBe("1 ms of virtual time per trial");
    expect(c).not.toContain("search:");
  });

  it("a fidelity sweep's conditions name no seed (fidelity takes none; its cases fix their own)", () => {
    const m: MergedSweep = {
      ...merged(),
      experiment: "fidelity",
      axes: ["case"],
      count: 1,
      points: [
        {
          index: 0,
          coords: { case: "talk-ping-jail" },
          seed: 1,
          result: { schema: "iovsim.fidelity/2", passed: 1, total: 1, cases: [] },
        },
      ],
    };
    // Its only condition was 'seed 1': the page now has no conditions table at all.
    const page = renderSweepHtml(m, { ...reproduce, pointArgs: new Map() });
    expect(page).not.toContain('<th scope="row">seed</th>');
    expect(section(html, "conditions")).toContain('<th scope="row">seed</th>');
  });

  it("labels simulated figures and simulator speed apart", () => {
    expect(section(html, "results")).toMatch(
      /<h2 id="results">Results <span class="label simulated">simulated<\/span>/,
    );
    expect(section(html, "simulator-speed")).toMatch(/label speed">simulator speed · wall clock</);
    expect(section(html, "results")).not.toMatch(/wall clock/);
  });

  it("gives the commands that ran the points, not only the merge", () => {
    const r = section(html, "reproduce");
    expect(r).toContain("iovsim sweep plan s.yaml");
    expect(r).toContain("iovsim sweep run s.yaml --out &#39;out dir&#39;");
    expect(r).toContain("iovsim sweep merge &#39;out dir&#39; --html s.html");
    expect(r).toContain("experiment: paths"); // the sweep file itself
    for (const p of plan.points) expect(r).toContain(`iovsim ${p.args.join(" ")}`);
    expect(r).toMatch(/iovsim paths .*--size 1518 .*--seed 7 --json/);
  });

  it("the CLI passes the plan's commands and its own merge command line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iovsim-sweep-html-"));
    const execute: PointExecutor = async (args) => ({
      exitCode: 0,
      stdout: JSON.stringify(pointResult(Number(args[args.indexOf("--size") + 1]))),
      stderr: "",
    });
    await runShard({ plan, text: TEXT, version: "iovsim 0.0.0-test", dir, shard: { k: 0, n: 1 }, execute });
    const file = join(dir, "report.html");
    expect((await iovsim(["sweep", "merge", dir, "--html", file])).code).toBe(0);
    const r = section(await readFile(file, "utf8"), "reproduce");
    expect(r).toContain(`iovsim sweep run s.yaml --out ${dir}`);
    expect(r).toContain(`iovsim sweep merge ${dir} --html ${file}`);
    expect(r).toContain(`iovsim ${plan.points[1].args.join(" ")}`);
  });

  it("gives each point's simulator speed (wall clock) in its own labelled table, never among the results", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iovsim-sweep-speed-"));
    // Each point's run took its own wall-clock time: 2.5 s for 64 B, 4 s for 1518 B.
    const execute: PointExecutor = async (args) => {
      const size = Number(args[args.indexOf("--size") + 1]);
      const r = pointResult(size);
      return {
        exitCode: 0,
        stdout: JSON.stringify({ ...r, simulator: { ...r.simulator, wall_s: size === 64 ? 2.5 : 4 } }),
        stderr: "",
      };
    };
    await runShard({ plan, text: TEXT, version: "iovsim 0.0.0-test", dir, shard: { k: 0, n: 1 }, execute });
    const file = join(dir, "report.html");
    const { code, out } = await iovsim(["sweep", "merge", dir, "--html", file, "--json"]);
    expect(code).toBe(0);
    const page = await readFile(file, "utf8");
    const speed = section(page, "simulator-speed");
    expect(speed).toMatch(
      /<h2 id="simulator-speed">Simulator speed \(wall clock\) <span class="label speed">/,
    );
    expect(speed).toContain('<th scope="col">wall-clock s</th>');
    expect(speed).toMatch(
      /<th scope="row">0<\/th><td class="text">path=native size=64<\/td>.*<td>2\.5<\/td>/,
    );
    expect(speed).toMatch(/<th scope="row">1<\/th><td class="text">path=native size=1518<\/td>.*<td>4<\/td>/);
    expect(section(page, "results")).not.toMatch(/wall|real time/);
    // The merged document itself stays free of wall-clock figures.
    expect(out).not.toMatch(/wall_s/);
  });
});
