// Extracts the example commands of a markdown page (the convention docs/README.md describes):
// in a fenced ```sh block, a line that starts with `$ ` is a command a reader can type. It is
// `iovsim ARGS` (or `npx iovsim ARGS`) or `cp FROM TO`; a trailing `# ...` is a comment, and a
// comment containing `exit N` says the command exits with status N (otherwise 0). A line that
// ends with `\` continues on the next. Lines without `$ ` are output or prose: not run; those
// right after a command in its block are what the page shows it printing.

export interface DocCommand {
  /** The page's 1-based line number of the `$ ` line. */
  line: number;
  /** The command as written (continuations joined), without `$ ` and the comment. */
  text: string;
  /** `iovsim` (argv after the program name) or `cp` (argv after cp). */
  program: "iovsim" | "cp";
  argv: string[];
  expectedExit: number;
  /** The lines right after it in its block, up to the next `$ ` line or the fence: what the
   *  page shows the command printing (empty when the output is elsewhere or not shown). */
  shown: string[];
}

/** Splits a command line into words: whitespace-separated, '...' and "..." quote. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  if (inWord) words.push(cur);
  return words;
}

/** Index of the ` #` that starts a comment, outside quotes; -1 when there is none. */
function commentStart(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "#" && (i === 0 || /\s/.test(text[i - 1]))) return i;
  }
  return -1;
}

/** Every `$ ` command of the page's ```sh blocks, in page order. Throws on a line it cannot run. */
export function docCommands(markdown: string, page: string): DocCommand[] {
  const lines = markdown.split("\n");
  const out: DocCommand[] = [];
  let inSh = false;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (/^\s*```/.test(raw)) {
      if (inFence) {
        inFence = false;
        inSh = false;
      } else {
        inFence = true;
        inSh = /^\s*```sh\s*$/.test(raw);
      }
      continue;
    }
    if (!inSh || !raw.trimStart().startsWith("$ ")) continue;
    const start = i;
    let joined = raw.trimStart().slice(2);
    while (joined.endsWith("\\") && i + 1 < lines.length)
      joined = `${joined.slice(0, -1)} ${lines[++i].trim()}`;
    const hash = commentStart(joined);
    const comment = hash >= 0 ? joined.slice(hash) : "";
    const text = (hash >= 0 ? joined.slice(0, hash) : joined).trim();
    const words = shellWords(text);
    const exit = /\bexit (\d+)\b/.exec(comment);
    const where = `${page}:${start + 1}`;
    let program: DocCommand["program"];
    let argv: string[];
    if (words[0] === "iovsim") [program, argv] = ["iovsim", words.slice(1)];
    else if (words[0] === "npx" && words[1] === "iovsim") [program, argv] = ["iovsim", words.slice(2)];
    else if (words[0] === "cp" && words.length === 3) [program, argv] = ["cp", words.slice(1)];
    else throw new Error(`${where}: '$ ${text}': only iovsim, npx iovsim and cp FROM TO are run`);
    if (/[|<>;&`]|\$\(/.test(text)) throw new Error(`${where}: '$ ${text}': no shell syntax in examples`);
    const shown: string[] = [];
    for (
      let j = i + 1;
      j < lines.length && !/^\s*```/.test(lines[j]) && !lines[j].trimStart().startsWith("$ ");
      j++
    )
      shown.push(lines[j]);
    out.push({ line: start + 1, text, program, argv, expectedExit: exit ? Number(exit[1]) : 0, shown });
  }
  return out;
}
