// docs/reports.md shows how to make an HTML report from code out of `iovsim paths --json`
// output. Its snippet's fields taken from that document (`...json`, `KEY: json.PATH`,
// `pathsConditions(json)`, the command) are applied here to a real `paths --json` document and
// must validate as report input; the optional fields that need other inputs (the config text,
// a cost profile, steering, counters, fidelity) are left out, as the page marks them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { pathsConditions } from "../../src/report/html/conditions.ts";
import { parseReportInput } from "../../src/report/html/types.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";

const root = join(import.meta.dirname, "..", "..");

/** The object literal passed to writeHtmlReport in the page's ```ts block, one line per field. */
function snippetFields(markdown: string): string[] {
  const block = /```ts\n([\s\S]*?)```/.exec(markdown)?.[1] ?? "";
  const start = block.indexOf("writeHtmlReport(");
  const body = block.slice(block.indexOf("{", start) + 1, block.lastIndexOf("});"));
  return body
    .split("\n")
    .map((l) => l.replace(/\/\/.*$/, "").trim())
    .filter((l) => l !== "");
}

function apply(fields: string[], json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === "...json,") Object.assign(out, json);
    else {
      const m = /^(\w+): (.*),$/.exec(f);
      if (!m) throw new Error(`unexpected line in the snippet: ${f}`);
      const [, key, expr] = m;
      if (expr === "pathsConditions(json)") out[key] = pathsConditions(json as never);
      else if (/^"[^"]*"$/.test(expr)) out[key] = JSON.parse(expr);
      else if (/^json(\.\w+)+$/.test(expr))
        out[key] = expr
          .split(".")
          .slice(1)
          .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], json);
      // Anything else names an input the page says is the reader's own (optional fields).
    }
  }
  return out;
}

it("docs/reports.md: the snippet's fields from a paths --json document make valid report input", async () => {
  const fields = snippetFields(readFileSync(join(root, "docs", "reports.md"), "utf8"));
  expect(fields).toContain("...json,");
  const state = tempDir("iovsim-reports-snippet-");
  const { code, out } = await iovsim([
    "--state",
    state,
    "paths",
    "--path",
    "native",
    "--size",
    "64",
    "--rate",
    "1Mpps",
    "--workers",
    "1",
    "--json",
  ]);
  expect(code).toBe(0);
  const input = apply(fields, JSON.parse(out) as Record<string, unknown>);
  expect(() => parseReportInput(input)).not.toThrow();
}, 60_000);
