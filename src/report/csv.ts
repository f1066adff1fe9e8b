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

/**
 * Parses an RFC 4180 document strictly (for tests and round trips): records end with CRLF (the
 * last may omit it), a quote may only open a field and, once closed, be followed by a comma or
 * the record's end, a bare CR or LF outside quotes is an error, and every record has the
 * header's width. Errors name the record and column (1-based, in characters).
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let closed = false; // the field was quoted and its closing quote seen
  let line = 1;
  let lineStart = 0;
  const fail = (i: number, why: string): never => {
    throw new Error(`csv: line ${line}, column ${i - lineStart + 1}: ${why}`);
  };
  const endRecord = () => {
    row.push(field);
    if (rows.length > 0 && row.length !== rows[0]!.length)
      fail(lineStart, `record has ${row.length} fields, the header has ${rows[0]!.length}`);
    rows.push(row);
    row = [];
    field = "";
    closed = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
        closed = true;
      } else {
        if (c === "\n") {
          line++; // a line end inside a quoted field still moves the position
          lineStart = i + 1;
        }
        field += c;
      }
    } else if (c === ",") {
      row.push(field);
      field = "";
      closed = false;
    } else if (c === "\r" && text[i + 1] === "\n") {
      endRecord();
      i++;
      line++;
      lineStart = i + 1;
    } else if (closed) fail(i, `${JSON.stringify(c)} after a closing quote (expected "," or CRLF)`);
    else if (c === '"') {
      if (field !== "") fail(i, "a quote inside an unquoted field");
      quoted = true;
    } else if (c === "\r" || c === "\n")
      fail(i, `a bare ${c === "\r" ? "CR" : "LF"} (records end with CRLF)`);
    else field += c;
  }
  if (quoted) fail(text.length, "unterminated quoted field");
  if (field !== "" || row.length > 0 || closed) endRecord();
  return rows;
}
