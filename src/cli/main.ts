// iovsim command-line entry: global options, then dispatch to one command module.
// Global options may appear anywhere (so `iovctl`'s own getopt rules stay FreeBSD-exact):
//   --state DIR   state directory (else $IOVSIM_STATE, else $XDG_STATE_HOME/iovsim)
//   --debug       show stack traces for internal errors
import { UserError } from "../errors.ts";
import { type Command, type CommandContext, defaultStateDir } from "./context.ts";
import { toolVersion } from "./version.ts";

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  iovctl: () => import("./commands/iovctl.ts"),
  pciconf: () => import("./commands/pciconf.ts"),
  dmesg: () => import("./commands/dmesg.ts"),
  validate: () => import("./commands/validate.ts"),
  vm: () => import("./commands/vm.ts"),
  reset: () => import("./commands/reset.ts"),
  decode: () => import("./commands/decode.ts"),
  switch: () => import("./commands/switch.ts"),
  paths: () => import("./commands/paths.ts"),
  ping: () => import("./commands/ping.ts"),
  demo: () => import("./commands/demo.ts"),
  sysfs: () => import("./commands/sysfs.ts"),
  ip: () => import("./commands/ip.ts"),
  devlink: () => import("./commands/devlink.ts"),
  steering: () => import("./commands/steering.ts"),
  sweep: () => import("./commands/sweep.ts"),
  model: () => import("./commands/model.ts"),
  fidelity: () => import("./commands/fidelity.ts"),
  flow: () => import("./commands/flow.ts"),
};

const SUMMARIES: Record<string, string> = {
  iovctl: "FreeBSD iovctl(8): -C/-D/-S/-L/-n on the simulated host",
  pciconf: "pciconf -l [-v] [-c]: the simulated PCI bus",
  dmesg: "kernel and driver log lines produced by the SR-IOV lifecycle",
  validate: "validate -f FILE: offline check of an iovctl.conf against every limit",
  vm: "vm attach|detach|list: give a passthrough VF to a named bhyve VM",
  reset: "return the simulated host to its clean state",
  decode: "decode FILE [--json]: what the parser finds in each frame of a pcap/pcapng",
  switch: "switch -f iov.conf --in wire=in.pcap --out DIR: run frames through the NIC's switch",
  paths: "compare packet paths (simulated): RFC 2544 NDR/PDR, latency at load points, CPU",
  ping: "ping --path NAME: ICMP echoes through a path (simulated RTT)",
  demo: "the talk's setup end to end (what `npm start` runs)",
  sysfs: "sysfs read|write|ls PATH: the Linux view (sriov_numvfs, netdevsim)",
  ip: "ip link set DEV vf N ... / ip link show: Linux VF settings",
  devlink: "devlink dev eswitch show|set: netdevsim's eswitch mode",
  sweep: "sweep plan|run|merge|status: an experiment over axes, sharded for Slurm/Kubernetes",
  model: "model show [PROFILE]: every cost-profile constant with its range, tag and source",
  fidelity: "published results reproduced by simulation: published vs simulated, error, pass/fail",
  steering: "steering strategies as graphs on the engine: per-core load, reordering, NDR vs cores",
  flow: "flow create|list|destroy: exact-match rules to queues on a port",
};

export function usage(): string {
  const lines = [
    "usage: iovsim [--state DIR] [--debug] <command> [args]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((n) => `  ${n.padEnd(10)} ${SUMMARIES[n] ?? ""}`),
    "",
    "Run `iovsim <command> --help` for a command's options (iovctl follows FreeBSD: no --help).",
  ];
  return `${lines.join("\n")}\n`;
}

/** Pulls --state/--debug out of argv wherever they are. */
export function extractGlobals(argv: string[]): { args: string[]; state?: string; debug: boolean } {
  const args: string[] = [];
  let state: string | undefined;
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--debug") debug = true;
    else if (a === "--state") {
      if (i + 1 >= argv.length) throw new UserError("E_USAGE", "option '--state' needs a directory");
      state = argv[++i];
    } else if (a.startsWith("--state=")) state = a.slice("--state=".length);
    else args.push(a);
  }
  // An empty path would silently put state.json in the current directory.
  if (state === "") throw new UserError("E_USAGE", "option '--state' needs a directory");
  return { args, state, debug };
}

export async function runCli(argv: string[], partial: Partial<CommandContext> = {}): Promise<number> {
  const err = partial.err ?? ((t: string) => process.stderr.write(t));
  let debug = argv.includes("--debug");
  try {
    const g = extractGlobals(argv);
    debug = g.debug;
    const ctx: CommandContext = {
      stateDir: g.state ?? partial.stateDir ?? defaultStateDir(),
      debug,
      out: partial.out ?? ((t: string) => process.stdout.write(t)),
      err,
      isTTY: partial.isTTY ?? Boolean(process.stdout.isTTY),
      // A caller's own err sink is no terminal unless it says so.
      errIsTTY: partial.errIsTTY ?? (partial.err ? false : Boolean(process.stderr.isTTY)),
    };
    const [name, ...rest] = g.args;
    if (!name || name === "--help" || name === "-h" || name === "help") {
      (name ? ctx.out : ctx.err)(usage());
      return name ? 0 : 1;
    }
    if (name === "--version" || name === "-V") {
      ctx.out(`${await version()}\n`);
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) {
      err(`iovsim: unknown command '${name}'\n${usage()}`);
      return 1;
    }
    const { command } = await load();
    return await command.run(rest, ctx);
  } catch (e) {
    if (e instanceof UserError) {
      err(`iovsim: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    err(`iovsim: internal error: ${msg}\n`);
    if (debug && e instanceof Error && e.stack) err(`${e.stack}\n`);
    else err("iovsim: run again with --debug for a stack trace\n");
    return 70;
  }
}

export async function version(): Promise<string> {
  return `iovsim ${await toolVersion()}`;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isMain) {
  // `iovsim decode big.pcap | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
