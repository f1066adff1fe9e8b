// Opens the generated HTML report in a real browser (Debian's chromium, driven by playwright-core,
// no browser download) and checks what a reader would see: every chart with marks, no console
// error, no request leaving the page. Screenshots are kept under build/test-artifacts/.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { FULL_REPORT_SECTIONS, fullReportInput } from "./full-fixture.ts";

const CHROMIUM = process.env.IOVSIM_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = "build/test-artifacts";
const inCI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveChromium = existsSync(CHROMIUM);

// In CI a missing browser is a failure (.ci/run installs it); on a laptop it is a skip.
if (!haveChromium && inCI) {
  it("finds chromium (required in CI)", () => {
    expect.fail(
      `CI is set but there is no chromium at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`,
    );
  });
} else if (!haveChromium) {
  console.warn(`skipping the browser test: no chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describe.skipIf(!haveChromium)("HTML report in headless Chromium", () => {
  let browser: Browser;
  let html: string;
  let file: string;

  beforeAll(async () => {
    if (!haveChromium)
      throw new Error(`CI=${process.env.CI} but ${CHROMIUM} is missing: .ci/run installs it`);
    html = await renderHtmlReport(fullReportInput());
    mkdirSync(ARTIFACTS, { recursive: true });
    file = join(process.cwd(), ARTIFACTS, "report.html");
    writeFileSync(file, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the report from a file:// URL, recording every request and console error. */
  async function open(viewport: { width: number; height: number }) {
    const page: Page = await browser.newPage({ viewport });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    const url = `file://${file}`;
    await page.goto(url, { waitUntil: "load" });
    return { page, url, requests, errors };
  }

  it("shows every chart with marks, logs no error and requests nothing but itself", async () => {
    const { page, url, requests, errors } = await open({ width: 1280, height: 900 });
    const expected = [...html.matchAll(/<figure class="chart" id="([^"]+)"/g)].map((m) => m[1]);
    // The fixture has data for every section: 5 paths x (latency, cpu, cycles) + throughput, ping,
    // vm-vf's RTT per echo, 2 per-queue, fairness, 2 scaling, counters.
    expect(expected.length).toBe(24);
    const charts = await page.$$eval("figure.chart", (figs) =>
      figs.map((f) => {
        const svg = f.querySelector("svg");
        const marks = [...f.querySelectorAll("g.role-mark path, g.role-mark line, g.role-mark rect")].filter(
          (m) => (m.getAttribute("d") ?? "x").length > 0,
        );
        const box = svg?.getBoundingClientRect();
        return {
          id: f.id,
          marks: marks.length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          text: svg?.querySelectorAll("text").length ?? 0,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(expected);
    for (const c of charts) {
      expect(c.marks, `${c.id} has marks`).toBeGreaterThan(0);
      expect(c.width, `${c.id} is laid out`).toBeGreaterThan(200);
      expect(c.height, `${c.id} is laid out`).toBeGreaterThan(50);
      expect(c.text, `${c.id} has axis text`).toBeGreaterThan(2);
    }
    const sections = await page.$$eval("section.report-section", (s) => s.map((x) => x.id));
    expect(sections).toEqual(FULL_REPORT_SECTIONS);
    expect(errors).toEqual([]);
    expect(requests.filter((r) => r !== url && !r.startsWith("data:"))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: false });
    await page.close();
  });

  it("fits a 390 px phone screen: no page-wide horizontal scroll, charts scaled to the width", async () => {
    const { page, errors, requests, url } = await open({ width: 390, height: 844 });
    const widths = await page.$eval("html", (h) => ({
      doc: h.scrollWidth,
      view: h.ownerDocument.defaultView?.innerWidth ?? 0,
      charts: [...h.querySelectorAll("figure.chart svg")].map((s) => s.getBoundingClientRect().width),
    }));
    expect(widths.view).toBe(390);
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    for (const w of widths.charts) expect(w).toBeLessThanOrEqual(390);
    // The test conditions are read as text: their table wraps to the width, no sideways scroll.
    const conditions = await page.$eval("#conditions + .table-wrap", (w) => ({
      scroll: w.scrollWidth,
      box: w.clientWidth,
    }));
    expect(conditions.scroll).toBeLessThanOrEqual(conditions.box);
    expect(errors).toEqual([]);
    expect(requests.filter((r) => r !== url && !r.startsWith("data:"))).toEqual([]);
    await page.locator("#latency h2").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, "report-phone.png") });
    await page.close();
  });

  it("prints to PDF without error (print stylesheet applies)", async () => {
    const { page } = await open({ width: 1280, height: 900 });
    await page.emulateMedia({ media: "print" });
    const breaks = await page.$$eval("section.report-section", (s) =>
      s.map((x) => x.ownerDocument.defaultView?.getComputedStyle(x).breakBefore),
    );
    expect(breaks[0]).toBe("auto");
    expect(breaks.slice(1).every((b) => b === "page")).toBe(true);
    const inside = await page.$$eval("figure.chart", (f) =>
      f.map((x) => x.ownerDocument.defaultView?.getComputedStyle(x).breakInside),
    );
    expect(inside.every((b) => b === "avoid")).toBe(true);
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.close();
  });
});
