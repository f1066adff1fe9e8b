// Progress on stderr (ctx.err), and only when stderr is a terminal outside CI: stdout may be a
// file (`paths --json > f`) and progress still shows; pipes, log files and CI stay clean.
import cliProgress from "cli-progress";
import { shouldShowProgress } from "../../report/terminal-charts.ts";
import type { CommandContext } from "../context.ts";

/** Whether a command run with `ctx` may draw progress: decided on stderr, never on stdout. */
export function showProgress(ctx: CommandContext, env: NodeJS.ProcessEnv = process.env): boolean {
  return shouldShowProgress({ isTTY: ctx.errIsTTY === true }, env);
}

/**
 * A terminal-like stream that writes through ctx.err (cli-progress draws with write() and
 * readline's cursor moves, which also only call write()).
 */
function errStream(ctx: CommandContext): NodeJS.WritableStream & { isTTY: true; columns: number } {
  return {
    isTTY: true,
    columns: process.stderr.columns || 80,
    write(chunk: string | Uint8Array, ...rest: unknown[]) {
      ctx.err(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: true; columns: number };
}

/** Runs `fn` with a progress bar of `total` runs on stderr when showProgress(ctx), else silently. */
export async function withProgress<T>(
  ctx: CommandContext,
  total: number,
  fn: (onProgress: (done: number, total: number, label: string) => void) => Promise<T>,
): Promise<T> {
  if (!showProgress(ctx)) return fn(() => {});
  const bar = new cliProgress.SingleBar(
    {
      format: "  {bar} {value}/{total} runs  {label}",
      hideCursor: true,
      clearOnComplete: true,
      stream: errStream(ctx),
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  try {
    return await fn((done, _t, label) => bar.update(done, { label }));
  } finally {
    bar.stop();
  }
}

/** A one-line status on stderr ("fidelity: case x"), redrawn in place; cleared by the returned `done`. */
export function statusLine(
  ctx: CommandContext,
  prefix: string,
): { update?: (l: string) => void; done: () => void } {
  if (!showProgress(ctx)) return { done: () => {} };
  return {
    update: (l) => ctx.err(`\r\x1b[K${prefix}: ${l}`),
    done: () => ctx.err("\r\x1b[K"),
  };
}
