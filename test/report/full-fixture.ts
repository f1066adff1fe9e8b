// The report input with data for every section (test/fixtures/report/report-input.json), shared
// by the text, browser and terminal-chart tests, and the sections its HTML report must have.
import { readFileSync } from "node:fs";
import type { ReportInputJson } from "../../src/report/html/types.ts";

export function fullReportInput(): ReportInputJson {
  return JSON.parse(readFileSync("test/fixtures/report/report-input.json", "utf8"));
}

/** Every section, in page order, simulator speed last. */
export const FULL_REPORT_SECTIONS = [
  "throughput",
  "latency",
  "cpu",
  "cycles",
  "ping",
  "steering",
  "counters",
  "fidelity",
  "configuration",
  "reproduce",
  "simulator-speed",
];
