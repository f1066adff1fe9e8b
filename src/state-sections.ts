// Sections of state.json that other modules own (the Linux view's `linux`, the flow rules'
// `flow`): each check returns every broken rule as "$.section...: reason", as
// invariantProblems does, and the state loader reports the first one located
// (file:line:column) before any command runs on the state. The program registers them
// (src/cli/state-sections.ts): the control plane does not import its users. No imports here:
// the CLI loads this file at start-up, so it lives outside src/nic (whose modules the bundled
// entry must not hold).
import type { HostState } from "./nic/host-model.ts";

export type StateSectionCheck = (value: unknown, state: HostState) => string[];
export type StateSection = "linux" | "flow";

/** Loaded only when a state file has the section (a light command loads no checker). */
const checks = new Map<StateSection, () => Promise<StateSectionCheck>>();

export function registerStateSection(key: StateSection, load: () => Promise<StateSectionCheck>): void {
  checks.set(key, load);
}

export function stateSectionChecks(): ReadonlyMap<StateSection, () => Promise<StateSectionCheck>> {
  return checks;
}
