// What every fuzz target shares: options, the failure log (seed + case index + reproducer file
// under build/fuzz/), the heartbeat the hang watchdog reads, and the result summary.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type TargetName = "frames" | "config" | "pcap" | "state";
export const TARGETS: readonly TargetName[] = ["frames", "config", "pcap", "state"];

export interface CampaignOptions {
  seed: number;
  /** Frames for the frame target; inputs (files) for the others. */
  count: number;
  /** Replay only this case (the one a failure named). */
  onlyCase?: number;
  /** Where reproducers go (default build/fuzz). Empty string: write none. */
  reproDir?: string;
  /** Reproducer files written per failure kind (the rest are only counted). */
  reproPerKind?: number;
  /** Called with the index of each case as it starts: the hang watchdog follows it. */
  heartbeat?: (caseIndex: number) => void;
  /** Called now and then with the units done (progress). */
  progress?: (done: number) => void;
}

export interface Failure {
  kind: string;
  caseIndex: number;
  message: string;
  reproducer?: string;
}

export interface CampaignResult {
  target: TargetName;
  seed: number;
  /** Cases run (bursts for frames, inputs otherwise). */
  cases: number;
  /** Units fuzzed: frames, configs, capture files, state files. */
  units: number;
  unit: string;
  failures: Failure[];
  failureCounts: Record<string, number>;
  /** Outcome tallies (what the inputs did), to show the campaign exercised something. */
  outcomes: Record<string, number>;
  /** Findings that are not failures of the code under test but are worth reporting. */
  findings: Record<string, { count: number; example: string; caseIndex: number }>;
}

export class FailureLog {
  readonly failures: Failure[] = [];
  readonly counts: Record<string, number> = {};
  readonly outcomes: Record<string, number> = {};
  readonly findings: CampaignResult["findings"] = {};
  constructor(
    private readonly target: TargetName,
    private readonly opts: CampaignOptions,
  ) {}

  outcome(name: string, n = 1): void {
    this.outcomes[name] = (this.outcomes[name] ?? 0) + n;
  }

  finding(kind: string, caseIndex: number, example: string): void {
    const f = this.findings[kind];
    if (f) f.count++;
    else this.findings[kind] = { count: 1, example, caseIndex };
  }

  /** Records a failure; writes `repro()` (JSON-able) to a file for the first few of each kind. */
  fail(kind: string, caseIndex: number, message: string, repro?: () => unknown): void {
    const n = (this.counts[kind] ?? 0) + 1;
    this.counts[kind] = n;
    const f: Failure = { kind, caseIndex, message };
    const dir = this.opts.reproDir ?? join("build", "fuzz");
    if (dir !== "" && n <= (this.opts.reproPerKind ?? 3) && repro) {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${this.target}-seed${this.opts.seed}-case${caseIndex}-${kind}.json`);
      const body = {
        target: this.target,
        seed: this.opts.seed,
        case: caseIndex,
        kind,
        message,
        replay: replayCommand(this.target, this.opts.seed, caseIndex),
        input: repro(),
      };
      writeFileSync(path, `${JSON.stringify(body, null, 1)}\n`);
      f.reproducer = path;
    }
    if (this.failures.length < 200) this.failures.push(f);
  }

  result(cases: number, units: number, unit: string): CampaignResult {
    return {
      target: this.target,
      seed: this.opts.seed,
      cases,
      units,
      unit,
      failures: this.failures,
      failureCounts: this.counts,
      outcomes: this.outcomes,
      findings: this.findings,
    };
  }
}

export function replayCommand(target: TargetName, seed: number, caseIndex: number): string {
  return `npm run fuzz -- --target ${target} --seed ${seed} --case ${caseIndex}`;
}

export const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** A message for anything thrown (an Error's name + message, else its string form). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}
