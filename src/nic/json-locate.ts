// Locates faults in the JSON files a user gives (host files, cost profiles) and in state.json:
// where the text stops being valid (V8's messages do not always give a position), where a
// value named by its JSON path is, a repeated key; each as file:line:column.
import { UserError } from "../errors.ts";

/** A JSON literal at lastIndex (sticky: never copies the rest of the text). */
const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first JSON syntax error in `text`, or -1 when it is valid JSON. Iterative (an
 * explicit stack of open containers), so a file nested 100,000 levels deep is located, not a
 * stack overflow.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail();
      } else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  // `"key":` of an object member, up to its value.
  const key = () => {
    ws();
    if (text[i] !== '"') fail();
    string();
    ws();
    if (text[i] !== ":") fail();
    i++;
  };
  const open: Array<"{" | "["> = [];
  try {
    for (;;) {
      // A value starts here.
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (text[i] === (c === "{" ? "}" : "]")) i++;
        else {
          open.push(c);
          if (c === "{") key();
          continue;
        }
      } else if (c === '"') string();
      else {
        LITERAL.lastIndex = i;
        const lit = LITERAL.exec(text);
        if (!lit) fail();
        i += lit![0].length;
      }
      // A value ended: close what it ends, or go on to the next member.
      for (;;) {
        ws();
        const top = open.at(-1);
        if (top === undefined) return i < text.length ? i : -1;
        if (text[i] === ",") {
          i++;
          if (top === "{") key();
          break;
        }
        if (text[i] !== (top === "{" ? "}" : "]")) fail();
        i++;
        open.pop();
      }
    }
  } catch (at) {
    return at as number;
  }
}

/**
 * 1-based line and column of `offset` in `text`. The column counts characters (Unicode code
 * points: an é or a 😀 is one column, as an editor's cursor moves), a tab is one column, and a
 * CRLF line's CR belongs to the line it ends. libucl counts bytes instead: see
 * docs/reliability.md, "Line and column".
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const upto = text.slice(0, offset);
  const lineStart = upto.lastIndexOf("\n") + 1;
  return { line: upto.split("\n").length, column: codePointColumn(text, lineStart, offset) };
}

/** The 1-based column of `offset` on the line starting at `lineStart`, counting code points. */
export function codePointColumn(text: string, lineStart: number, offset: number): number {
  let column = offset - lineStart + 1;
  for (let k = lineStart; k < offset - 1; k++) {
    const c = text.charCodeAt(k);
    // A surrogate pair is one character: count its high half, not its low half.
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        column--;
        k++;
      }
    }
  }
  return column;
}

/**
 * Offset in a valid JSON `text` of the value at `path` (keys and array indices), or of the
 * deepest part of the path that exists (a missing key points at its parent object), so a schema
 * error found on the parsed value can be reported as file:line:column.
 */
export function jsonPathOffset(text: string, path: ReadonlyArray<PropertyKey>): number {
  let i = 0;
  let best = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const skipString = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  // Skips the value at i without recursion (a value off the path may be nested very deep).
  const skipValue = () => {
    let open = 0;
    do {
      ws();
      const c = text[i];
      if (c === '"') skipString();
      else if (c === "{" || c === "[") {
        open++;
        i++;
      } else if (c === "}" || c === "]") {
        open--;
        i++;
      } else if (c === "," || c === ":") i++;
      else {
        const start = i;
        while (i < text.length && !",]}: \t\n\r".includes(text[i])) i++;
        if (i === start) i++;
      }
    } while (open > 0 && i < text.length);
  };
  // Walks the value at i; `depth` = how many path elements matched so far (-1: off the path).
  const value = (depth: number): void => {
    ws();
    if (depth < 0) {
      skipValue();
      return;
    }
    best = i;
    const want = depth >= 0 && depth < path.length ? path[depth] : undefined;
    const c = text[i];
    if (c === "{") {
      i++;
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return;
        }
        if (text[i] === ",") {
          i++;
          continue;
        }
        const keyStart = i;
        skipString();
        const key = JSON.parse(text.slice(keyStart, i)) as string;
        ws();
        i++; // ':'
        const hit = want !== undefined && String(want) === key;
        if (hit) best = keyStart;
        value(hit ? depth + 1 : -1);
      }
    }
    if (c === "[") {
      i++;
      let n = 0;
      for (;;) {
        ws();
        if (text[i] === "]") {
          i++;
          return;
        }
        if (text[i] === ",") {
          i++;
          continue;
        }
        value(want !== undefined && Number(want) === n ? depth + 1 : -1);
        n++;
      }
    }
    if (c === '"') {
      skipString();
      return;
    }
    while (i < text.length && !",]} \t\n\r".includes(text[i])) i++;
  };
  value(0);
  return best;
}

/**
 * A JSON.parse error in words, without V8's excerpt of the text (which may span lines or quote
 * binary bytes) nor its "at position N" (a UTF-16 offset): the caller names file:line:column.
 */
export function jsonSyntaxReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message
    .replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, "")
    .replace(/\s*\(line \d+ column \d+\)$/, "")
    .replace(/ (?:in JSON )?at position \d+$/, "");
}

/**
 * The first key repeated within one object of a valid JSON `text` (JSON.parse keeps the last
 * copy and drops the others unseen), with the offsets of both copies; undefined when none.
 */
export function jsonDuplicateKey(text: string): { key: string; at: number; first: number } | undefined {
  // One map of keys per open container (undefined for an array), so nesting costs no recursion.
  const open: Array<Map<string, number> | undefined> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      open.push(new Map());
      expectKey = true;
    } else if (c === "[") open.push(undefined);
    else if (c === "}" || c === "]") open.pop();
    else if (c === ",") expectKey = open.at(-1) !== undefined;
    else if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = open.at(-1);
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        const first = keys.get(key);
        if (first !== undefined) return { key, at: start, first };
        keys.set(key, start);
      }
      expectKey = false;
    }
  }
  return undefined;
}

/** Refuses a JSON file (already parsed) that repeats a key: `file:line:column: duplicate key`. */
export function refuseDuplicateKey(text: string, file: string): void {
  const dup = jsonDuplicateKey(text);
  if (!dup) return;
  const at = lineColumn(text, dup.at);
  const first = lineColumn(text, dup.first);
  throw new UserError(
    "E_JSON_DUPLICATE",
    `${file}:${at.line}:${at.column}: duplicate key ${JSON.stringify(dup.key)} (first at line ${first.line}, column ${first.column}): JSON keeps only the last copy; remove one`,
  );
}
