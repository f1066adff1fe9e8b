// `iovsim demo`: the sections its help lists are exactly the sections its output has, every
// figure of the path comparison is simulated, and the simulator's speed is one line apart.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const cli = (argv: string[]) => iovsim(argv);

describe("iovsim demo", () => {
  it("has the sections its help lists, in order, simulated figures only", async () => {
    const help = (await cli(["demo", "--help"])).out;
    const listed = [...help.matchAll(/^ {2}(\d)\. (\S+)/gm)].map((m) => `${m[1]}. ${m[2]}`);
    expect(listed).toEqual(["1. iovctl.conf", "2. VFs", "3. paths", "4. ping", "5. steering"]);
    const r = await cli(["demo", "--trial-ms", "0.2", "--workers", "1"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const sections = [...r.out.matchAll(/^== (\d)\. (.*) ==$/gm)].map((m) => m[1]);
    expect(sections).toEqual(["1", "2", "3", "4", "5"]);
    // The steering parts the help lists, (a) then (b), are the ones the output has.
    const parts = (t: string) => [...t.matchAll(/^\s*(\([a-z]\)) /gm)].map((m) => m[1]);
    expect(parts(help)).toEqual(["(a)", "(b)"]);
    expect(parts(r.out)).toEqual(["(a)", "(b)"]);
    expect(r.out).toMatch(/num_vfs : 3/);
    expect(r.out).toMatch(/VF-1 ppt0 .* bhyve VM 'vm0'/);
    expect(r.out).toMatch(/NDR Mpps\s*│[\s\S]*\(simulated\)/);
    expect(r.out).toMatch(/RTT µs \(simulated\)/);
    // One tunnel pair: a single queue and MAC steering put everything on one core; inner RSS spreads.
    expect(r.out).toMatch(/vxlan\s*│ single queue\s*│ \d+ \/ 0 \/ 0 \/ 0\s*│ 0\.250/);
    expect(r.out).toMatch(/vxlan\s*│ MAC-based VF steering\s*│ \d+ \/ 0 \/ 0 \/ 0\s*│ 0\.250/);
    expect(r.out).toMatch(/vxlan\s*│ inner RSS\s*│ [\d /]+│ 0\.9\d\d/);
    expect(r.out).toMatch(/NDR Mpps \(simulated\)/);
    expect(r.out).not.toMatch(/steering-model|modeled/);
    // No wall-clock figure besides the one simulator-speed line at the end.
    expect(r.out).not.toMatch(/measured \(simulator\)|Mpps \(sim\)/);
    const wall = r.out.split("\n").filter((l) => /wall/.test(l));
    expect(wall).toHaveLength(1);
    expect(r.out.trimEnd().split("\n").at(-1)).toMatch(/^simulator speed \(wall clock/);
    // The reader is told where to go next, and every page named there exists.
    const next = r.out.split("\n").find((l) => l.startsWith("Next: ")) ?? "";
    const pages = [...next.matchAll(/\b(?:docs\/[\w./-]*?)?[\w-]+\.md\b/g)].map((m) => m[0]);
    expect(pages).toContain("docs/questions.md");
    for (const p of pages) expect(existsSync(join(import.meta.dirname, "..", "..", p)), p).toBe(true);
  });

  it("--mtu: the paths' heading says the MTU they ran at, as paths' does (not at the default 1500)", async () => {
    const r = await cli(["demo", "--mtu", "9000", "--size", "9000", "--trial-ms", "0.2", "--workers", "1"]);
    expect(r.code).toBe(0);
    const heading = r.out.split("\n").find((l) => l.startsWith("cost profile '")) ?? "";
    expect(heading).toMatch(/^cost profile 'bhyve', 10 Gbit\/s link, MTU 9000, /);
    expect(r.out).toMatch(/│ native\s*│ rx\s*│ 9000 │/);
  });
});
