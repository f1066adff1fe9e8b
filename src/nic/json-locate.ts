// Finds where a JSON text stops being valid (V8's messages do not always give a position), so
// host-file syntax errors can be reported as file:line:column.

/** Offset of the first JSON syntax error in `text`, or -1 when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!lit) fail();
    i += lit![0].length;
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
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const upto = text.slice(0, offset);
  return { line: upto.split("\n").length, column: offset - upto.lastIndexOf("\n") };
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
  // Walks the value at i; `depth` = how many path elements matched so far (-1: off the path).
  const value = (depth: number): void => {
    ws();
    if (depth >= 0) best = i;
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
