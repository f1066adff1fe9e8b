// CSV as RFC 4180 writes it: CRLF line ends, a field quoted when it holds a comma, a double
// quote, CR or LF (quotes doubled inside), and every row as wide as the header.

export type CsvValue = string | number | boolean | null | undefined;

/** One field: numbers as JavaScript prints them, null/undefined empty, text quoted when needed. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`csv: not a finite number: ${v}`);
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record (no line end). */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvField).join(",");
}

/** A whole document: the header, then the rows, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new Error(`csv: row ${i + 1} has ${r.length} fields, the header has ${header.length}`);
  });
  return [header, ...rows].map((r) => `${csvRow(r)}\r\n`).join("");
}

/** Splits a document written by toCsv back into rows (for tests and round trips). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (quoted) throw new Error("csv: unterminated quoted field");
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
