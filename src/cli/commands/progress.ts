// Progress bar on a terminal only (cli-progress); silent in pipes and CI.
import cliProgress from "cli-progress";
import type { CommandContext } from "../context.ts";

export async function withProgress<T>(
  ctx: CommandContext,
  total: number,
  fn: (onProgress: (done: number, total: number, label: string) => void) => Promise<T>,
): Promise<T> {
  if (!ctx.isTTY || process.env.CI) return fn(() => {});
  const bar = new cliProgress.SingleBar(
    {
      format: "  {bar} {value}/{total} runs  {label}",
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
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
