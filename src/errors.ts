// Errors a user can cause. The CLI prints `iovsim: <message>` (no stack unless --debug) and
// exits with `exitCode`. `code` is a stable machine-readable identifier.
export class UserError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A located diagnostic: file:line:column: message. */
export interface Located {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatLocated(d: Located): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}
