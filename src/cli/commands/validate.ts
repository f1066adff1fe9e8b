// `iovsim validate -f FILE [--json]`: the offline check FreeBSD lacks (control-plane.md §7 gap 1).
// Runs iovctl's parse and validate rules without stopping at the first error, then asks the
// simulated kernel and driver what IOV_CONFIG would do (TotalVFs, driver VF limits, queue
// budget, per-VF ADD_VF failures), and prints every problem as FILE:LINE:COL: severity: message.
import { readFile } from "node:fs/promises";
import { UserError } from "../../errors.ts";
import { isSpecialFile } from "../../input-file.ts";
import { fsStrerror } from "../../nic/errno.ts";
import { type Diagnostic, findDevice, parseSections } from "../../nic/iovctl-parse.ts";
import { type ConfigSource, validateSections } from "../../nic/iovctl-validate.ts";
import type { Pos } from "../../nic/ucl.ts";
import { parseUcl, printable, type UclSource } from "../../nic/ucl.ts";
import { uclFileSource } from "../../nic/ucl-include.ts";
import type { CommandContext } from "../context.ts";
import { loadNicApi, type NicApi } from "../nic-api.ts";
import { defineCommand, type RegisteredCommand } from "../registry.ts";

const HELP = `usage: iovsim validate -f FILE [--json]

Checks an iovctl.conf(5) file offline against everything iovctl -C would hit, and reports
every problem at once (FreeBSD's iovctl stops at the first and skips kernel/driver checks):

  1. UCL syntax (located; iovctl itself only says "Could not open ... for reading")
  2. iovctl's parse and validate rules (same messages as iovctl: unknown sections and keys,
     value types, multicast MACs, DEFAULT placement, required parameters, VF numbers)
  3. what the simulated kernel and driver would do on the current host (--state):
     num_vfs above TotalVFs, driver VF limits (ix: 63), the ixl queue-pair budget and
     num-queues clamping, per-VF ADD_VF failures (e.g. ix vlan 0), VFs that already exist

Each problem is printed on stderr as  FILE:LINE:COL: error: message  (or warning:), pointing at
the key or value at fault; the summary line (or --json's document) goes to stdout. Messages
are iovctl's where they are clear, plainer where FreeBSD's carry artefacts ('(null)',
"No error: 0", which stay in iovsim iovctl). Exit status 0 when there are no errors (warnings
allowed), 1 otherwise.

options:
  -f FILE    the configuration file (also --file FILE, -fFILE)
  --json     print one JSON document instead of text
  -h, --help this text

The file format and the located errors: docs/formats/iovctl-conf.md. validate is not a FreeBSD
command (docs/divergences.md).
`;

interface Problem {
  severity: "error" | "warning";
  /** An included file the problem is in (as its .include named it); absent for FILE itself. */
  file?: string;
  line: number;
  column: number;
  message: string;
  /** Which layer found it: iovctl's userland rules or the simulated kernel/driver. */
  source: "syntax" | "iovctl" | "kernel";
}

function fromDiagnostic(d: Diagnostic): Problem {
  return {
    severity: d.severity,
    ...(d.file !== undefined ? { file: d.file } : {}),
    line: d.line,
    column: d.column,
    // iovctl's own text carries FreeBSD's artefacts ('(null)', "No error: 0"): validate says better.
    message: d.detail ?? d.message,
    source: d.phase === "syntax" ? "syntax" : "iovctl",
  };
}

export function createValidateCommand(getApi: () => Promise<NicApi>): RegisteredCommand {
  return defineCommand({
    name: "validate",
    summary: "validate -f FILE: offline check of an iovctl.conf against every limit",
    help: HELP,
    options: [
      { flags: "-f, --file <file>", description: "the configuration file" },
      { flags: "--json", description: "print one JSON document instead of text" },
    ],
    async run({ opts }, ctx) {
      const file = opts.file as string | undefined;
      const json = opts.json === true;
      if (file === undefined)
        throw new UserError(
          "E_USAGE",
          "validate: the -f FILE option is required (see iovsim validate --help)",
        );
      // A FIFO or a device (/dev/zero never ends) is refused before reading, as iovctl -f does.
      if (isSpecialFile(file))
        throw new UserError("E_READ", `validate: cannot read '${file}': not a regular file`);
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        throw new UserError("E_READ", `validate: cannot read '${file}': ${fsStrerror(e)}`);
      }
      const result = await check(text, getApi, ctx.stateDir, uclFileSource(file));
      report(file, json, result, ctx);
      return result.problems.some((p) => p.severity === "error") ? 1 : 0;
    },
  });
}

export const command = createValidateCommand(loadNicApi);

interface CheckResult {
  device?: string;
  problems: Problem[];
  /** VFs the kernel would create (names), when the config reached the kernel check. */
  vfs?: string[];
}

async function check(
  text: string,
  getApi: () => Promise<NicApi>,
  stateDir: string,
  source: UclSource | undefined,
): Promise<CheckResult> {
  const parsed = parseUcl(text, source);
  if (!parsed.ok) {
    const { strerror: _strerror, ...error } = parsed.error;
    return { problems: [{ severity: "error", ...error, source: "syntax" }] };
  }
  const dev = findDevice(parsed.root);
  if (!dev.ok) return { problems: [fromDiagnostic(dev.diagnostic)] };
  const api = await getApi();
  const host = await api.loadHost(stateDir);
  const path = `/dev/iov/${dev.device}`;
  let pf: string;
  try {
    pf = host.openIovDevice(path);
  } catch (e) {
    const why = api.kernelErrorText(e);
    if (why === undefined) throw e;
    // The PFs with a /dev/iov node; one without (its driver unbound in the Linux view) is named apart.
    const opens = (name: string) => {
      try {
        host.openIovDevice(`/dev/iov/${name}`);
        return true;
      } catch {
        return false;
      }
    };
    const names = host.pfs().map((p) => p.name);
    const nodes = names.filter(opens);
    const unbound = names.includes(dev.device) && !nodes.includes(dev.device);
    const note = unbound
      ? `; ${dev.device} has no driver attached: its driver was unbound through Linux sysfs (bind it again there)`
      : "";
    return {
      device: dev.device,
      problems: [
        {
          severity: "error",
          ...dev.pos,
          message: `Could not open device '${path}': ${why} (this host's PFs: ${nodes.join(", ") || "none"}${note})`,
          source: "kernel",
        },
      ],
    };
  }
  const schema = host.schema(pf);
  const validated = validateSections(parseSections(parsed.root, schema), schema);
  const problems = validated.diagnostics.map(fromDiagnostic);
  // With userland errors, still ask the kernel about the valid parts (num_vfs limits, queues...).
  const config = validated.config ?? validated.partialConfig;
  if (!config) return { device: dev.device, problems };
  const prediction = api.predictConfig(host, pf, config);
  for (const p of prediction.problems) {
    const at = locate(validated.source, p.vf, p.key);
    problems.push({
      severity: p.severity,
      ...(at.file !== undefined ? { file: at.file } : {}),
      line: at.line,
      column: at.column,
      message: p.message,
      source: "kernel",
    });
  }
  if (prediction.errno && !prediction.problems.some((p) => p.severity === "error")) {
    const at = validated.source.locatePf("num_vfs");
    problems.push({
      severity: "error",
      ...at,
      message: `iovctl -C would fail: ${prediction.errno}`,
      source: "kernel",
    });
  }
  return {
    device: dev.device,
    problems,
    vfs: validated.config ? prediction.vfs.map((v) => v.name) : undefined,
  };
}

function locate(source: ConfigSource, vf: number | undefined, key: string | undefined): Pos {
  if (vf !== undefined) return source.locateVf(vf, key);
  return source.locatePf(key ?? "num_vfs");
}

function report(file: string, json: boolean, result: CheckResult, ctx: CommandContext): void {
  // Messages quote user text (iovctl's "Invalid config key '...'" keeps it raw, as FreeBSD does):
  // escape control characters so each problem stays one FILE:LINE:COL line.
  const problems = [...result.problems]
    .sort((a, b) => (a.file ?? "").localeCompare(b.file ?? "") || a.line - b.line || a.column - b.column)
    .map((p) => ({ ...p, message: printable(p.message) }));
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  if (json) {
    ctx.out(
      `${JSON.stringify({ file, device: result.device ?? null, ok: errors === 0, errors, warnings, problems, vfs: result.vfs ?? null }, null, 2)}\n`,
    );
    return;
  }
  // Diagnostics on stderr; stdout keeps the result (the summary line, or the JSON document).
  for (const p of problems)
    ctx.err(`${printable(p.file ?? file)}:${p.line}:${p.column}: ${p.severity}: ${p.message}\n`);
  const counts = `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  if (errors === 0 && result.vfs) {
    ctx.out(
      `${file}: ok (${counts}): ${result.device} would get ${result.vfs.length} VF${result.vfs.length === 1 ? "" : "s"}${result.vfs.length ? `: ${result.vfs.join(" ")}` : ""}\n`,
    );
  } else ctx.out(`${file}: ${counts}\n`);
}
