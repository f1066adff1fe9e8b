// `steering --html FILE`: the report of a small run, written with the steering results and the
// cost profile, self-contained (no URL), charts present.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";

describe("steering --html", () => {
  it("writes a self-contained report with per-queue load, fairness and NDR against queues", async () => {
    const file = join(tempDir("iovsim-steering-html-"), "s.html");
    const { code, err } = await iovsim([
      "steering",
      "--mix",
      "gtpu",
      "--strategy",
      "single,inner-rss",
      "--queues",
      "1,2",
      "--frames",
      "1000",
      "--html",
      file,
    ]);
    expect(code, err).toBe(0);
    const html = readFileSync(file, "utf8");
    expect(html).toMatch(/Per-queue load: gtpu/);
    expect(html).toMatch(/Jain's fairness/);
    expect(html).toMatch(/NDR vs queues: gtpu/);
    expect(html).toMatch(/iovsim steering --mix gtpu/);
    expect(html).not.toMatch(/https?:\/\//);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  // --rate 10% --no-ndr: the test conditions named only the trial length, link and seed; the
  // one load every row ran at was in no condition. With the search too, both are named.
  it("names the --rate load in the test conditions, alone (--no-ndr) or beside the search", async () => {
    const dir = tempDir("iovsim-steering-html-rate-");
    const conditions = async (...extra: string[]) => {
      const file = join(dir, `${extra.length}.html`);
      const argv = ["steering", "--mix", "vxlan", "--strategy", "single", "--queues", "1", "--frames", "500"];
      const r = await iovsim([...argv, "--rate", "10%", ...extra, "--html", file]);
      expect(r.code, r.err).toBe(0);
      return readFileSync(file, "utf8").match(/<h3 id="steering-conditions">[\s\S]*?<\/table>/)?.[0] ?? "";
    };
    const alone = await conditions("--no-ndr");
    expect(alone).toMatch(
      /method<\/th><td class="text wrap">one load point at 10% \(no throughput search\)</,
    );
    const both = await conditions();
    expect(both).toMatch(/method<\/th><td class="text wrap">RFC 2544 binary search/);
    expect(both).toMatch(/also<\/th><td class="text wrap">one load point at 10% \(the rows at --rate\)</);
  }, 120_000);

  it("refuses --html without a file", async () => {
    const { code, err } = await iovsim(["steering", "--html"]);
    expect(code).not.toBe(0);
    expect(err).toBe("iovsim: steering: option '--html' needs a value (see iovsim steering --help)\n");
  });
});
