// Refreshes test/fixtures/ucl/libucl-oracle.json: what real libucl makes of each case, as
// FreeBSD's iovctl iterates it (ucl_iterate_object(obj, &it, true), one level of sections).
// Build the harness against a libucl checkout (vstakhov/libucl; the fixture was made at
// e4b95c6), with a config.h that defines the usual HAVE_* macros:
//   cc -I. -Iinclude -Isrc -Iuthash -Iklib -DHAVE_CONFIG_H -o ucl-oracle scripts/ucl-oracle.c src/ucl_*.c -lm
// then: npx tsx scripts/ucl-oracle.ts ./ucl-oracle
// The test (test/nic/ucl-oracle.test.ts) needs only the fixture, never libucl.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const harness = process.argv[2];
if (!harness) {
  process.stderr.write("usage: npx tsx scripts/ucl-oracle.ts PATH-TO-HARNESS\n");
  process.exit(1);
}
const fixture = new URL("../test/fixtures/ucl/libucl-oracle.json", import.meta.url);
const cases: { text: string; libucl?: string[]; divergence?: string }[] = JSON.parse(readFileSync(fixture, "utf8"));
const dir = mkdtempSync(join(tmpdir(), "ucl-oracle-"));
try {
  const files = cases.map((c, i) => {
    const f = join(dir, `c${i}.conf`);
    writeFileSync(f, c.text);
    return f;
  });
  const out = execFileSync(harness, files, { encoding: "utf8", cwd: dir });
  const blocks = out.split(/^### .*\n/m).slice(1);
  if (blocks.length !== cases.length) throw new Error(`harness printed ${blocks.length} results for ${cases.length} cases`);
  blocks.forEach((b, i) => {
    const lines = b.split("\n").filter((l) => l !== "");
    // errno 34 (ERANGE) is the one errno libucl sets itself; any other is the C library's.
    cases[i].libucl = lines.map((l) => (l === "ERR errno=34" ? "ERANGE" : l.startsWith("ERR ") ? "ERR" : l));
  });
  writeFileSync(fixture, `${JSON.stringify(cases, null, 1)}\n`);
  process.stdout.write(`wrote ${cases.length} cases to ${fixture.pathname}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
