// Opt-in: report pages the CLI wrote, opened in a real browser (Debian's chromium through
// playwright-core, no download). Skips cleanly without a chromium; html-browser.test.ts is the
// one that insists on it in CI. Checks what only a browser can: a hostile name in a report runs
// no script, the sweep page's small multiples draw marks, nothing is requested, a phone screen
// has no page-wide sideways scroll.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { hostileCopy, IXL0_CONF, runSweepHere, SWEEP_NDR, SWEEP_RATE } from "./acceptance-runs.ts";

const CHROMIUM = process.env.IOVSIM_CHROMIUM ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)("report pages in headless Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(file: string, viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage({ viewport });
    const requests: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const url = `file://${file}`;
    await page.goto(url, { waitUntil: "load" });
    const foreign = () => requests.filter((r) => r !== url && !r.startsWith("data:"));
    return { page, errors, dialogs, foreign };
  }

  it("paths -f under a directory named <script>alert(...): no script element, no dialog, the name shown as text", async () => {
    const conf = hostileCopy(IXL0_CONF, "ixl0.conf");
    const file = join(tempDir("iovsim-report-acc-browser-"), "paths.html");
    const r = await iovsim([
      "paths",
      "-f",
      conf,
      "--path",
      "native",
      "--size",
      "64",
      "--count",
      "300",
      "--html",
      file,
    ]);
    expect(r.code, r.err).toBe(0);
    const { page, errors, dialogs, foreign } = await open(file);
    expect(await page.$$eval("script", (s) => s.length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await page.locator("code", { hasText: '<script>alert("x")' }).count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(foreign()).toEqual([]);
    await page.close();
  });

  it("sweep merge --html: the small multiples draw marks, nothing fetched, no sideways scroll on a phone", async () => {
    const dir = await runSweepHere(SWEEP_NDR);
    const file = join(tempDir("iovsim-report-acc-browser-"), "sweep.html");
    const r = await iovsim(["sweep", "merge", dir, "--html", file]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(file, "utf8")).toContain('id="small-multiples"');
    const desk = await open(file);
    const marks = await desk.page.$$eval(
      "#small-multiples + .chart svg g.role-mark path",
      (p) => p.filter((x) => (x.getAttribute("d") ?? "").length > 0).length,
    );
    expect(marks).toBeGreaterThan(0);
    expect(desk.errors).toEqual([]);
    expect(desk.foreign()).toEqual([]);
    await desk.page.close();
    const phone = await open(file, { width: 390, height: 844 });
    const widths = await phone.page.$eval("html", (h) => ({
      doc: h.scrollWidth,
      view: h.ownerDocument.defaultView?.innerWidth ?? 0,
    }));
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    await phone.page.close();
  });

  it("sweep merge --html of a --rate sweep: its panels draw the p99 line, not empty NDR axes", async () => {
    const dir = await runSweepHere(SWEEP_RATE);
    const file = join(tempDir("iovsim-report-acc-browser-"), "rate.html");
    const r = await iovsim(["sweep", "merge", dir, "--html", file]);
    expect(r.code, r.err).toBe(0);
    const { page, errors } = await open(file);
    const lines = await page.$$eval(
      "#small-multiples + .chart svg g.mark-line path",
      (p) => p.filter((x) => (x.getAttribute("d") ?? "").length > 0).length,
    );
    expect(lines).toBeGreaterThan(0);
    expect(await page.locator("#small-multiples + .chart svg text", { hasText: "p99 latency" }).count()).toBe(
      1,
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
