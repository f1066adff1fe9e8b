// Config campaign: mutated iovctl.conf files through the UCL parser, iovctl's parse and
// validate phases (loadIovConfig) and the `validate` command's library path. Each input must
// give a configuration or LOCATED diagnostics (line >= 1, column >= 1, within the file, a
// message), never throw, never hang. Accepted configurations are then applied to a fresh
// simulated host (IOV_CONFIG) and programmed into the Wasm switch: what the control plane
// accepts, the data plane must run (a refusal is reported as a finding).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createValidateCommand } from "../cli/commands/validate.ts";
import type { CommandContext } from "../cli/context.ts";
import { loadNicApi } from "../cli/nic-api.ts";
import { KernelError } from "../nic/errno.ts";
import { Host } from "../nic/host.ts";
import { loadIovConfig } from "../nic/iovctl-validate.ts";
import { WasmSwitch } from "../switch/nic.ts";
import { programSwitch } from "../switch/program.ts";
import { createMemory, loadModuleSync } from "../switch/wasm.ts";
import { type CampaignOptions, type CampaignResult, describeThrown, FailureLog } from "./campaign.ts";
import { caseCount, eachCase } from "./cases.ts";
import { iovctlSeeds } from "./corpus.ts";
import { mutateText } from "./mutate-text.ts";

const STREAM = 11;
/** Seeds beyond the fixtures: the README's kind of file, one per NIC. */
export const EXTRA_SEEDS = [
  'PF {\n\tdevice : "ixl0";\n\tnum_vfs : 4;\n}\n\nDEFAULT {\n\tpassthrough : false;\n\tallow-promisc : false;\n}\n\nVF-0 {\n\tmac-addr : "02:00:00:00:00:10";\n\tmac-anti-spoof : true;\n}\n\nVF-1 {\n\tpassthrough : true;\n}\n',
  'PF { device = "ix0"; num_vfs = 8; }\nDEFAULT { num-queues = 2; }\nVF-3 { vlan = 100; allow-set-mac = true; }\n',
  'PF { device = "igb0"; num_vfs = 2; }\nVF-1 { mac-addr = "02:00:00:00:00:22"; allow-promisc = true; }\n',
];
const SMELLS = /undefined|NaN|\[object /;
/** FreeBSD's own texts: right for `iovsim iovctl`, a known defect in `validate` (issue 9 item 8). */
const FREEBSD_TEXT = /'\(null\)'|No error: 0/;

export async function runConfig(opts: CampaignOptions): Promise<CampaignResult> {
  const log = new FailureLog("config", opts);
  const seeds = [...iovctlSeeds().map((s) => new TextDecoder().decode(s.bytes)), ...EXTRA_SEEDS];
  const host = Host.fresh();
  const schemaFor = (dev: string) => (host.pf(dev) ? host.schema(dev) : undefined);
  const work = mkdtempSync(join(tmpdir(), "iovsim-fuzz-config-"));
  // No state file there: the validate command sees the default host, as a new user would.
  const stateDir = join(work, "state");
  const file = join(work, "fuzz.conf");
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const summary = new RegExp(`^${esc}: (ok \\(|\\d+ errors?, \\d+ warnings?)`);
  const locatedLine = new RegExp(`^${esc}:(\\d+):(\\d+): (error|warning): (.+)$`);
  const validate = createValidateCommand(loadNicApi);
  const module = loadModuleSync();
  const memory = createMemory(64);
  try {
    for (const { index: i, r, done } of eachCase(opts, STREAM)) {
      const text = r.bool(0.03) ? r.pick(seeds) : mutateText(r, r.pick(seeds), seeds);
      await oneConfig(text, i, log, {
        schemaFor,
        stateDir,
        file,
        summary,
        locatedLine,
        validate,
        module,
        memory,
      });
      if (opts.progress && (i & 255) === 0) opts.progress(done);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return log.result(caseCount(opts), caseCount(opts), "configs");
}

interface Env {
  schemaFor: (dev: string) => ReturnType<Host["schema"]> | undefined;
  stateDir: string;
  file: string;
  summary: RegExp;
  locatedLine: RegExp;
  validate: ReturnType<typeof createValidateCommand>;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

function located(line: number, column: number, message: string, text: string): string | null {
  const lines = text.split("\n").length;
  if (!Number.isInteger(line) || line < 1 || line > lines + 1) return `line ${line} outside 1..${lines + 1}`;
  if (!Number.isInteger(column) || column < 1) return `column ${column}`;
  if (typeof message !== "string" || message.trim() === "") return "empty message";
  if (SMELLS.test(message)) return `message smells of a bug: ${message}`;
  return null;
}

async function oneConfig(text: string, i: number, log: FailureLog, env: Env): Promise<void> {
  const repro = () => ({ file: text });
  let loaded: ReturnType<typeof loadIovConfig>;
  try {
    loaded = loadIovConfig(text, env.schemaFor);
  } catch (e) {
    log.fail("throw", i, `loadIovConfig threw ${describeThrown(e)}`, repro);
    return;
  }
  for (const d of loaded.diagnostics) {
    const bad = located(d.line, d.column, d.message, text);
    if (bad) log.fail("unlocated", i, `${bad} (${JSON.stringify(d)})`, repro);
  }
  const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
  if (loaded.config) log.outcome("accepted");
  else if (errors > 0) log.outcome(`rejected:${loaded.diagnostics[0]!.phase}`);
  else if (loaded.device !== undefined && !env.schemaFor(loaded.device)) log.outcome("unknown-device");
  else log.fail("no-verdict", i, "neither a configuration nor an error", repro);
  if (loaded.config && errors > 0) log.fail("no-verdict", i, "a configuration AND errors", repro);

  // The validate command's own path: every line located or the summary; no exception.
  const out: string[] = [];
  const ctx: CommandContext = {
    stateDir: env.stateDir,
    debug: false,
    out: (t) => out.push(t),
    err: (t) => out.push(t),
    isTTY: false,
  };
  let status: number;
  try {
    writeFileSync(env.file, text);
    status = await env.validate.run(["-f", env.file], ctx);
  } catch (e) {
    log.fail("throw", i, `validate threw ${describeThrown(e)}`, repro);
    return;
  }
  const lines = out
    .join("")
    .split("\n")
    .filter((l) => l !== "");
  let sawError = false;
  for (const l of lines) {
    const m = env.locatedLine.exec(l);
    if (m) {
      if (m[3] === "error") sawError = true;
      const bad = located(Number(m[1]), Number(m[2]), m[4]!, text);
      if (FREEBSD_TEXT.test(m[4]!))
        log.finding("validate-prints-freebsd-text", i, l.slice(l.indexOf(": ") + 2));
      if (bad) log.fail("unlocated", i, `validate: ${bad}: ${l}`, repro);
    } else if (!env.summary.test(l))
      log.fail("unlocated", i, `validate printed an unlocated line: ${l}`, repro);
  }
  if ((status !== 0) !== sawError)
    log.fail("exit-status", i, `validate exit ${status} with errors=${sawError}`, repro);

  // Accepted by the control plane: the kernel and the data plane must take it too.
  if (loaded.config && loaded.device && status === 0) {
    const host = Host.fresh();
    try {
      host.iovConfig(loaded.device, loaded.config);
    } catch (e) {
      if (e instanceof KernelError) log.finding("validate-ok-but-kernel-refuses", i, `${e.message}`);
      else log.fail("throw", i, `IOV_CONFIG threw ${describeThrown(e)}`, repro);
      return;
    }
    log.outcome("configured");
    try {
      const cfg = programSwitch(host.pf(loaded.device)!);
      new WasmSwitch(cfg, { module: env.module, memory: env.memory });
      log.outcome("programmed");
    } catch (e) {
      log.finding("control-plane-accepts-data-plane-refuses", i, `${describeThrown(e)} (${replay(i)})`);
    }
  }
}

const replay = (i: number) => `case ${i}`;
