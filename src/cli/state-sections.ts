// The state file's sections the control plane's loader does not own (the Linux view's, the flow
// rules'): their checks are handed to it here, so that a hand-edited or corrupt section is
// reported at load, located (file:line:column), before any command runs on it. Each module is
// loaded only when a state file has its section (--version and --help load neither).
import { registerStateSection } from "../state-sections.ts";

export function registerStateSections(): void {
  registerStateSection("linux", async () => (await import("../nic/linux/state.ts")).linuxSectionProblems);
  registerStateSection("flow", async () => (await import("../steering/flow-state.ts")).flowSectionProblems);
}
