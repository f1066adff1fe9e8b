// `iovsim iovctl`: FreeBSD iovctl(8) on the simulated host (usr.sbin/iovctl/iovctl.c).
// Command line, check order, messages, usage and outputs follow FreeBSD byte for byte
// (control-plane.md §1). Default variant: the 2026 iovctl with -L; IOVSIM_IOVCTL=classic gives
// FreeBSD 13/14's. Our additions (docs/iovctl.md): -v (with -S: descriptions, ranges, limits),
// and a located `file:line:column` line after iovctl's own message for UCL syntax errors.
import { readFile, stat } from "node:fs/promises";
import { UserError } from "../../errors.ts";
import { fsStrerror, PATH_MAX, strerror } from "../../nic/errno.ts";
import { findDevice, STRERROR_ZERO } from "../../nic/iovctl-parse.ts";
import { loadIovConfig } from "../../nic/iovctl-validate.ts";
import { configToNvList, dumpNvList, packedSize } from "../../nic/nvlist.ts";
import { formatSchema } from "../../nic/schema-format.ts";
import type { IovConfig } from "../../nic/types.ts";
import { parseUcl } from "../../nic/ucl.ts";
import { uclFileSource } from "../../nic/ucl-include.ts";
import type { CommandContext } from "../context.ts";
import { type IovHost, loadNicApi, type NicApi } from "../nic-api.ts";
import { defineRawCommand, type RegisteredCommand } from "../registry.ts";

type Action = "NONE" | "CONFIG" | "DELETE" | "PRINT_SCHEMA" | "LIST";

interface Variant {
  optstring: string;
  conflict: string;
  usage: string[];
}

const CLASSIC: Variant = {
  optstring: "Cd:Df:nSv",
  conflict: "Only one of -C, -D or -S may be specified",
  usage: [
    "Usage: iovctl -C -f <config file> [-n]",
    "       iovctl -D [-d <PF device> | -f <config file>] [-n]",
    "       iovctl -S [-d <PF device> | -f <config file>]",
  ],
};

const MODERN: Variant = {
  optstring: "Cd:Df:LnSv",
  conflict: "Only one action may be specified",
  usage: [
    "Usage: iovctl -C -f <config file> [-n]",
    "       iovctl -D [-d <PF device> | -f <config file>] [-n]",
    "       iovctl -L [-d <PF device> | -f <config file>]",
    "       iovctl -S [-d <PF device> | -f <config file>]",
  ],
};

/** IOVSIM_IOVCTL: unset (or 2026) for the 2026 iovctl, classic for 13/14's; a typo is an error, not the default. */
export function variantFromEnv(env: NodeJS.ProcessEnv = process.env): Variant {
  const v = env.IOVSIM_IOVCTL;
  if (v === "classic") return CLASSIC;
  if (v === undefined || v === "" || v === "2026") return MODERN;
  throw new UserError(
    "E_USAGE",
    `IOVSIM_IOVCTL='${v}' is not a known iovctl: 'classic' (FreeBSD 13/14), or unset (or '2026') for the 2026 iovctl`,
  );
}

/** errx/exit(1) as an exception, so every path returns through run(). */
class Exit {
  constructor(readonly status: number) {}
}

type GetoptEvent = { opt: string; arg?: string } | { bad: string; missingArg: boolean };

/**
 * FreeBSD getopt(3): no permutation (stops at the first non-option), `--` ends the options,
 * a lone `-` is an operand, clustered flags (`-Cn`), attached (`-fFILE`) or separate arguments.
 */
export function* bsdGetopt(argv: string[], optstring: string): Generator<GetoptEvent> {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i];
    if (a.length < 2 || a[0] !== "-") return;
    if (a === "--") return;
    let j = 1;
    while (j < a.length) {
      const c = a[j++];
      const at = c === ":" ? -1 : optstring.indexOf(c);
      if (at < 0) {
        yield { bad: c, missingArg: false };
        continue;
      }
      if (optstring[at + 1] !== ":") {
        yield { opt: c };
        continue;
      }
      if (j < a.length) {
        yield { opt: c, arg: a.slice(j) };
      } else if (i + 1 < argv.length) {
        i++;
        yield { opt: c, arg: argv[i] };
      } else {
        yield { bad: c, missingArg: true };
      }
      j = a.length;
    }
    i++;
  }
}

/** What `iovsim help iovctl` prints: iovctl itself has no --help (FreeBSD's getopt refuses it). */
export const HELP = `${MODERN.usage.map((l) => l.replace(/^( *)(Usage: )?iovctl/, (_m, sp, u) => `${sp}${u ? "usage: " : ""}iovsim iovctl`)).join("\n")}

FreeBSD iovctl(8) on the simulated host: command line, check order, messages, exit statuses
and outputs follow usr.sbin/iovctl/iovctl.c byte for byte (docs/iovctl.md).

  -C          create the VFs an iovctl.conf(5) file describes (-f)
  -D          destroy the PF's VFs
  -S          print the PF's configuration schema
  -L          print the PF's SR-IOV status: enabled, VFs, their drivers (2026 iovctl;
              not in IOVSIM_IOVCTL=classic)
  -d DEVICE   the PF (ixl0 or /dev/iov/ixl0)
  -f FILE     the configuration file
  -n          dry run: parse and validate, change nothing
  -v          iovsim addition: with -S, descriptions, ranges and the PF's limits
              (with -C, -D or -L it is an error)

Options follow FreeBSD's getopt(3): no --help and no -h (\`iovsim iovctl --help\` prints
getopt's "illegal option" and the usage, exit 1, as FreeBSD does), options end at the first
operand, and operands are ignored, as FreeBSD's iovctl ignores them: in
\`iovctl -C -f FILE extra -n\` the -n is not an option and the VFs are created (docs/iovctl.md).
IOVSIM_IOVCTL=classic gives FreeBSD 13/14's iovctl (no -L, its wording and usage).

Divergences (docs/iovctl.md): a UCL syntax error gets a second line with FILE:LINE:COL; the
config parser is a port of libucl's rules, not libucl: .include runs as in libucl (paths from
the working directory, $CURDIR/$FILENAME expanded in them, try/priority only), the other macros
and heredocs are refused with a located error, and $VARIABLES elsewhere are not expanded; a section or key
given twice is refused ('Multiple definitions'), where FreeBSD silently uses the first copy of
one spelled the same way and fails later on a key spelled two ways; -L (whose kernel side is
unpublished) lists the VFs that exist, so after an ADD_VF failure it shows vfs=1/64 with VF 1
alone, a record set FreeBSD's iovctl would itself reject (index not below the count), and its
location string is the pciconf selector; -f on a directory or device gets a second line
'FILE: not a regular file'; a section whose value is an array, or a file that is one array, is
refused with a message (FreeBSD's iovctl crashes); /dev/iov/ paths resolve as open(2) would on
a tree holding only the PFs' nodes; 'No error: 0' and -n's packed size follow FreeBSD's
sources (libucl's errno, libnv's nvlist_size) but were not checked on a FreeBSD system.
Every one, with its reason: docs/iovctl.md and docs/divergences.md.
\`iovsim validate -f FILE\` checks a file offline and reports every problem at once.
`;

export function createIovctlCommand(
  getApi: () => Promise<NicApi>,
  env: NodeJS.ProcessEnv = process.env,
): RegisteredCommand {
  return defineRawCommand({
    name: "iovctl",
    summary: "FreeBSD iovctl(8): -C/-D/-S/-L/-n on the simulated host",
    help: HELP,
    rawArgv:
      "FreeBSD getopt(3), byte for byte: `iovsim iovctl --help` and `-h` are getopt's illegal option and the usage (exit 1), as on FreeBSD; `iovsim help iovctl` prints this text.",
    async run(args: string[], ctx: CommandContext): Promise<number> {
      try {
        await iovctlMain(args, ctx, getApi, variantFromEnv(env));
        return 0;
      } catch (e) {
        if (e instanceof Exit) return e.status;
        throw e;
      }
    },
  });
}

export const command = createIovctlCommand(loadNicApi);

async function iovctlMain(
  argv: string[],
  ctx: CommandContext,
  getApi: () => Promise<NicApi>,
  variant: Variant,
): Promise<void> {
  const warnx = (msg: string) => ctx.err(`iovctl: ${msg}\n`);
  const errx = (msg: string): never => {
    warnx(msg);
    throw new Exit(1);
  };
  const usage = (): never => {
    for (const line of variant.usage) warnx(line);
    throw new Exit(1);
  };

  let device: string | undefined;
  let filename: string | undefined;
  let dryrun = false;
  let verbose = false;
  let action = "NONE" as Action;
  const setAction = (a: Action) => {
    if (action !== "NONE") {
      warnx(variant.conflict);
      usage();
    }
    action = a;
  };
  for (const ev of bsdGetopt(argv, variant.optstring)) {
    if ("bad" in ev) {
      warnx(ev.missingArg ? `option requires an argument -- ${ev.bad}` : `illegal option -- ${ev.bad}`);
      // The format string ends in "\n" and warnx adds another: an empty line follows.
      warnx(`Unrecognized argument '-${ev.bad}'\n`);
      usage();
    } else {
      switch (ev.opt) {
        case "C":
          setAction("CONFIG");
          break;
        case "D":
          setAction("DELETE");
          break;
        case "S":
          setAction("PRINT_SCHEMA");
          break;
        case "L":
          setAction("LIST");
          break;
        case "d":
          device = ev.arg;
          break;
        case "f":
          filename = ev.arg;
          break;
        case "n":
          dryrun = true;
          break;
        case "v":
          verbose = true;
          break;
      }
    }
  }

  if (device !== undefined && filename !== undefined) {
    warnx("Only one of the -d and -f flags may be specified");
    usage();
  }
  if (device === undefined && filename === undefined && action !== "CONFIG") {
    warnx("Either the -d or -f flag must be specified");
    usage();
  }

  const io = new IovctlIo(ctx, getApi, errx);
  // -v is iovsim's own -S option: with another action it would change nothing, so it is refused
  // (in FreeBSD's words for -n with -S), after FreeBSD's own checks for that action.
  const refuseVerbose = (flag: string) => {
    if (verbose) {
      warnx(`-v flag cannot be used with the ${flag} flag`);
      usage();
    }
  };
  switch (action) {
    case "CONFIG":
      if (device !== undefined) {
        warnx("-d flag cannot be used with the -C flag");
        usage();
      }
      if (filename === undefined) {
        warnx("The -f flag must be specified");
        usage();
      }
      refuseVerbose("-C");
      return io.configAction(filename as string, dryrun);
    case "DELETE":
      refuseVerbose("-D");
      return io.deleteAction(device ?? (await io.findDevice(filename as string)), dryrun);
    case "PRINT_SCHEMA":
      if (dryrun) {
        warnx("-n flag cannot be used with the -S flag");
        usage();
      }
      return io.printSchema(device ?? (await io.findDevice(filename as string)), verbose);
    case "LIST":
      if (dryrun) {
        warnx("-n flag cannot be used with the -L flag");
        usage();
      }
      refuseVerbose("-L");
      return io.listStatus(device ?? (await io.findDevice(filename as string)));
    default:
      usage();
  }
}

/** The actions, each as FreeBSD sequences them; every failure ends in errx (exit 1). */
class IovctlIo {
  constructor(
    private readonly ctx: CommandContext,
    private readonly getApi: () => Promise<NicApi>,
    private readonly errx: (msg: string) => never,
  ) {}

  /** Reads the config file; a read failure or a UCL syntax error is "Could not open ... for reading". */
  private async readConfigText(filename: string): Promise<string> {
    let text: string;
    try {
      // libucl (ucl_fetch_file) stats the file and refuses anything but a regular file, without
      // an errno: FreeBSD prints strerror(0). Then our detail, as for syntax errors.
      if (!(await stat(filename)).isFile()) {
        this.ctx.err(`iovctl: Could not open '${filename}' for reading: ${STRERROR_ZERO}\n`);
        this.errx(`${filename}: not a regular file`);
      }
      text = await readFile(filename, "utf8");
    } catch (e) {
      if (e instanceof Exit) throw e;
      return this.errx(`Could not open '${filename}' for reading: ${fsStrerror(e)}`);
    }
    const parsed = parseUcl(text, uclFileSource(filename));
    if (!parsed.ok) {
      const { line, column, message, errno, file } = parsed.error;
      // libucl's add_file fails with errno 0 (FreeBSD prints strerror(0)), except after a number
      // out of range (strtod/strtoimax left ERANGE) or a missing .include (realpath(3)'s errno).
      // Then our located detail, in the included file where the error is there.
      const why = errno ? strerror(errno) : (parsed.error.strerror ?? STRERROR_ZERO);
      this.ctx.err(`iovctl: Could not open '${filename}' for reading: ${why}\n`);
      this.errx(`${file ?? filename}:${line}:${column}: ${message}`);
    }
    return text;
  }

  /** find_device(): "/dev/iov/<PF.device>". */
  async findDevice(filename: string): Promise<string> {
    const text = await this.readConfigText(filename);
    const parsed = parseUcl(text, uclFileSource(filename));
    if (!parsed.ok) return this.errx("unreachable");
    const found = findDevice(parsed.root);
    if (!found.ok) return this.errx(found.diagnostic.message);
    return `/dev/iov/${found.device}`;
  }

  /**
   * open_device(): the name as a /dev/iov path, refused before open(2) when it does not fit a
   * buffer of pathconf("/dev", _PC_PATH_MAX) bytes, its NUL included (-D, -S and -L; -C opens
   * find_device's path as it is, so a long one is open(2)'s ENAMETOOLONG there).
   */
  private devicePath(devName: string): string {
    const path = devName.startsWith("/") ? devName : `/dev/iov/${devName}`;
    if (Buffer.byteLength(path) >= PATH_MAX) return this.errx("Provided file name too long");
    return path;
  }

  private open(host: IovHost, api: NicApi, path: string): string {
    try {
      return host.openIovDevice(path);
    } catch (e) {
      const text = api.kernelErrorText(e);
      if (text === undefined) throw e;
      return this.errx(`Could not open device '${path}': ${text}`);
    }
  }

  async configAction(filename: string, dryrun: boolean): Promise<void> {
    const dev = await this.findDevice(filename);
    const api = await this.getApi();
    const host = await api.loadHost(this.ctx.stateDir);
    const pf = this.open(host, api, dev);
    const schema = host.schema(pf);
    const text = await this.readConfigText(filename);
    const loaded = loadIovConfig(text, () => schema, uclFileSource(filename));
    const first = loaded.diagnostics.find((d) => d.severity === "error");
    if (first || !loaded.config) return this.errx(first?.message ?? "Could not parse config");
    const config: IovConfig = loaded.config;
    if (dryrun) {
      const nv = configToNvList(config);
      this.ctx.out(
        `Would enable SR-IOV on device '${dev}'.\n` +
          "The following configuration parameters would be used:\n" +
          dumpNvList(nv) +
          `The configuration parameters consume ${packedSize(nv)} bytes when packed.\n`,
      );
      return;
    }
    await this.underLock(api, dev, (h, name) => h.iovConfig(name, config), "Failed to configure SR-IOV");
  }

  async deleteAction(devName: string, dryrun: boolean): Promise<void> {
    const api = await this.getApi();
    const path = this.devicePath(devName);
    if (dryrun) {
      this.open(await api.loadHost(this.ctx.stateDir), api, path);
      this.ctx.out(`Would attempt to delete all VF children of '${devName}'\n`);
      return;
    }
    await this.underLock(api, path, (h, name) => h.iovDelete(name), "Failed to delete VFs");
  }

  /** Opens the device and runs the ioctl inside withHost, so the change is atomic and locked. */
  private async underLock(
    api: NicApi,
    path: string,
    ioctl: (h: IovHost, pf: string) => void,
    failure: string,
  ): Promise<void> {
    let message: string | undefined;
    await api.withHost(this.ctx.stateDir, (h) => {
      let pf: string;
      try {
        pf = h.openIovDevice(path);
      } catch (e) {
        const text = api.kernelErrorText(e);
        if (text === undefined) throw e;
        message = `Could not open device '${path}': ${text}`;
        return;
      }
      try {
        ioctl(h, pf);
      } catch (e) {
        const text = api.kernelErrorText(e);
        if (text === undefined) throw e;
        // The kernel's partial effects (dmesg, VFs left detached) persist, as on FreeBSD.
        message = `${failure}: ${text}`;
      }
    });
    if (message) this.errx(message);
  }

  async printSchema(devName: string, verbose: boolean): Promise<void> {
    const api = await this.getApi();
    const host = await api.loadHost(this.ctx.stateDir);
    const path = this.devicePath(devName);
    const pf = this.open(host, api, path);
    const schema = host.schema(pf);
    const out = formatSchema(schema, verbose, verbose ? api.pfLimits(host, pf) : undefined);
    this.ctx.out(out.text);
    if (out.error) this.errx(out.error);
  }

  async listStatus(devName: string): Promise<void> {
    const api = await this.getApi();
    const host = await api.loadHost(this.ctx.stateDir);
    const pf = this.open(host, api, this.devicePath(devName));
    this.ctx.out(api.formatStatus(host, pf));
  }
}
