// What a benchmark suite module (`bench/<name>.bench.ts`) exports: `suite(ctx)` returning cases.
// run.ts times each case with tinybench and reports items/s, the target, and Wasm ÷ reference.

export interface BenchCase {
  /** Row label; cases of one `group` are compared (wasm vs reference). */
  name: string;
  group: string;
  variant: "wasm" | "reference" | "other";
  /** What one item is, for the rate column: "Mpps" counts frames, "M hashes/s" hashes. */
  unit: "Mpps" | "M hashes/s" | "M frames/s" | "M ops/s";
  /** Items processed by one call of fn (the burst size). */
  items: number;
  fn: () => void;
  /** Target from the issue (in `unit`), shown beside the measurement; wasm rows only. */
  target?: number;
  /** One line on what the case includes. */
  note?: string;
}

export interface SuiteContext {
  /** Short runs (CI smoke): fewer samples, same cases. */
  quick: boolean;
}

export type Suite = (ctx: SuiteContext) => Promise<BenchCase[]> | BenchCase[];

/** Target ratio Wasm ÷ reference (issue 4 item 9). */
export const TARGET_RATIO = 5;
