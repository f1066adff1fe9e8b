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

/** What a native case measured (items per second). */
export interface NativeMeasure {
  /** Median round by wall clock: compared with the group's tinybench `wasm` row. */
  rate: number;
  /** Median round by process CPU time. */
  cpuRate: number;
  /** The group's Wasm case timed the same way (CPU time, median round), just before. */
  wasmCpuRate: number;
}

/**
 * A case timed by a program of its own (the native C references): `measure()` runs it after the
 * tinybench cases, in the same bench run. Compared with the `wasm` row of its group as
 * Wasm ÷ native, by wall clock and by CPU time.
 */
export interface NativeCase {
  name: string;
  group: string;
  variant: "native";
  unit: BenchCase["unit"];
  items: number;
  measure: () => NativeMeasure;
  note?: string;
}

/** A line a suite returns instead of cases when something it measures cannot run here. */
export interface SkippedLine {
  skipped: string;
}

export interface SuiteContext {
  /** Short runs (CI smoke): fewer samples, same cases. */
  quick: boolean;
}

export type SuiteItem = BenchCase | NativeCase | SkippedLine;
export type Suite = (ctx: SuiteContext) => Promise<SuiteItem[]> | SuiteItem[];

/** Target ratio Wasm ÷ reference (issue 4 item 9). */
export const TARGET_RATIO = 5;

/** Target ratio Wasm ÷ native C reference (issue 8 item 9). */
export const TARGET_NATIVE_RATIO = 0.7;
