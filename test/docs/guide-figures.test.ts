// Figures the tutorials quote in prose, checked against the runs they come from (the commands
// themselves run in test/docs/examples.test.ts, which checks only their exit status). The idle
// pings went stale unnoticed (vnet-jail said 9.8 / 10.9 µs while the run printed 9.9 / 11.0):
// each sentence's numbers are read from the page and compared with the run, rounded as printed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");
const page = (name: string) => readFileSync(join(root, "docs", "guide", name), "utf8");

/** The page's command as argv, its examples/ files from the repository wherever the test runs. */
const words = (cmd: string) => cmd.split(" ").map((w) => (w.startsWith("examples/") ? join(root, w) : w));

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await iovsim([...args, "--json"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe("docs/guide/vnet-jail.md: the idle pings of the --rate 1Mpps run", () => {
  it("are the Ping table's RTTs of native, jail-vf and jail-epair", async () => {
    const m =
      /idle round trip through each path: ([\d.]+) µs for\s+native and jail-vf, ([\d.]+) µs for jail-epair/.exec(
        page("vnet-jail.md"),
      );
    expect(m, "the sentence with the figures").not.toBeNull();
    const out = await json(
      words(
        "paths -f examples/jail.conf --path native,jail-vf,jail-epair --size 64 --rate 1Mpps --workers 1",
      ),
    );
    const rtt = new Map(
      (out.ping as { path: string; rtt_us: { avg: number } }[]).map((p) => [p.path, p.rtt_us.avg.toFixed(1)]),
    );
    expect(rtt.get("native")).toBe(m![1]);
    expect(rtt.get("jail-vf")).toBe(m![1]);
    expect(rtt.get("jail-epair")).toBe(m![2]);
  }, 60_000);
});

describe("docs/guide/bhyve-passthrough.md: the talk's demo", () => {
  it("quotes the RTTs of its three ping commands and their ratio", async () => {
    const m =
      /round trips at the time of writing: ([\d.]+) µs native, ([\d.]+) µs vm-vf \(([\d.]+)x,[^)]*\)[^,]*,\s+and ([\d.]+) µs again with `--profile kvm-posted`/.exec(
        page("bhyve-passthrough.md"),
      );
    expect(m, "the sentence with the figures").not.toBeNull();
    const avg = async (args: string) => ((await json(words(args))).rtt_us as { avg: number }).avg;
    const native = await avg("ping --path native -c 3");
    const vmvf = await avg("ping --path vm-vf -f examples/bhyve.conf -c 3");
    const posted = await avg("ping --path vm-vf -f examples/bhyve.conf -c 3 --profile kvm-posted");
    expect(native.toFixed(1)).toBe(m![1]);
    expect(vmvf.toFixed(1)).toBe(m![2]);
    expect((vmvf / native).toFixed(1)).toBe(m![3]);
    expect(posted.toFixed(1)).toBe(m![4]);
  }, 60_000);
});
