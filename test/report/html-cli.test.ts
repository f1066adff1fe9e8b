// The command line under "Reproduce" in `paths --html` and `steering --html` is the one that
// was run: a shell splits it back into the same arguments (a file name with a space or a quote
// stays one argument), and the seed, link and NIC the run used are stated beside it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iovsim } from "../helpers/cli.ts";

const run = (args: string[]) => iovsim(args);

/** The page's reproduce command, unescaped. */
function reproduceCommand(html: string): string {
  const code = html.match(/<pre class="wrap command"><code>([\s\S]*?)<\/code><\/pre>/)?.[1] ?? "";
  return code
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** How a POSIX shell splits `line` into arguments. */
function shellWords(line: string): string[] {
  const out = execFileSync("sh", ["-c", `for a in ${line}; do printf '%s\\0' "$a"; done`], {
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

describe("the reproduce command of an HTML report", () => {
  const dir = mkdtempSync(join(tmpdir(), "iovsim report's dir "));

  it("paths: a shell gives back the arguments that were run; seed, link and PF are stated", async () => {
    const file = join(dir, "paths report.html");
    const args = ["paths", "--path", "native", "--size", "64", "--rate", "10%", "--trial-ms", "0.2"];
    const r = await run([...args, "--workers", "1", "--seed", "3", "--html", file]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(file, "utf8");
    const cmd = reproduceCommand(html);
    expect(shellWords(cmd)).toEqual(["iovsim", ...args, "--workers", "1", "--seed", "3", "--html", file]);
    expect(html).toContain("10 Gbit/s link (ixl0) · seed 3");
    expect(html).toContain("cost profile bhyve · seed 3</p>");
  }, 60_000);

  it("steering: the same, with the NIC, the frames per trial, NDR in Gbit/s and the simulator's speed", async () => {
    const file = join(dir, "steering report.html");
    const args = ["steering", "--mix", "plain", "--strategy", "single", "--queues", "1", "--frames", "500"];
    const r = await run([...args, "--no-ndr", "--rate", "10%", "--html", file]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(file, "utf8");
    expect(shellWords(reproduceCommand(html))).toEqual([
      "iovsim",
      ...args,
      "--no-ndr",
      "--rate",
      "10%",
      "--html",
      file,
    ]);
    expect(html).toContain("10 Gbit/s link (ixl0) · seed 1");
    expect(html).toMatch(/trial duration<\/th><td class="text wrap">500 frames offered per trial/);
    // NDR in Gbit/s beside Mpps, the bottleneck, and the simulator's own speed apart.
    expect(html).toContain('<th scope="col">NDR Gbit/s L1 (simulated)</th>');
    expect(html).toContain('<th scope="col" class="text">bottleneck (simulated)</th>');
    // Which operating point the row's latency and per-queue load are from.
    expect(html).toMatch(/<th scope="col" class="text">at<\/th>[\s\S]*<td class="text">--rate<\/td>/);
    expect(html).toMatch(/<section id="simulator-speed"[\s\S]*frames simulated[\s\S]*wall-clock time \(s\)/);
  }, 60_000);
});
