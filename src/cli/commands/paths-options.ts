// Option parsing shared by `paths`, `ping` and `demo`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UserError } from "../../errors.ts";
import { type CostProfile, loadProfile } from "../../model/profile.ts";
import { type Direction, directionsOf, PATH_NAMES, type PathGraph, pathByName } from "../../paths/graphs.ts";
import { type PathHost, setupHost, TALK_IOVCTL_CONF } from "../../paths/setup.ts";
import { readCaptureFile } from "../../traffic/capture-io.ts";
import {
  ENCAPS,
  type Encap,
  type L4,
  parseSizes,
  type TemplateSet,
  templatesFromCapture,
} from "../../traffic/profiles.ts";

export interface PathsOptions {
  paths: PathGraph[];
  sizes: number[];
  seconds: number;
  workers: number;
  profile: CostProfile;
  json: boolean;
  csv: boolean;
  help: boolean;
  count: number;
  pathHost: PathHost;
  flows: number;
  l4: L4;
  encap: Encap;
  replay?: TemplateSet;
  direction: Direction;
  /** -c/--count as given (paths: frames per run, count-bounded; ping: echoes); undefined if absent. */
  countGiven?: number;
  seed: number;
}

const OPTIONS = {
  path: { type: "string", multiple: true },
  size: { type: "string" },
  seconds: { type: "string" },
  workers: { type: "string" },
  profile: { type: "string" },
  config: { type: "string", short: "f" },
  json: { type: "boolean" },
  csv: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  count: { type: "string", short: "c" },
  flows: { type: "string" },
  proto: { type: "string" },
  encap: { type: "string" },
  pcap: { type: "string" },
  direction: { type: "string" },
  seed: { type: "string" },
} as const;

function num(
  v: string | undefined,
  opt: string,
  def: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UserError(
      "E_USAGE",
      `${opt}: '${v}' is not ${integer ? "an integer" : "a number"} in ${min}..${max}`,
    );
  }
  return n;
}

export function parsePathsArgs(args: string[], defaults: { sizes: string; seconds: number }): PathsOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UserError("E_USAGE", `${(e as Error).message.replace(/\. To specify.*$/s, "")} (see --help)`);
  }
  const v = values as Record<string, string | string[] | boolean | undefined>;
  const names = ((v.path as string[] | undefined) ?? []).flatMap((s) => s.split(",")).filter((s) => s !== "");
  const direction = ((v.direction as string | undefined) ?? "rx") as Direction;
  if (!["rx", "tx", "both"].includes(direction))
    throw new UserError("E_USAGE", `--direction: '${direction}' is not rx, tx or both`);
  const paths =
    names.length === 0
      ? PATH_NAMES.map((n) => pathByName(n)!).filter((g) => directionsOf(g).includes(direction))
      : names.map((n) => {
          const g = pathByName(n);
          if (!g)
            throw new UserError("E_USAGE", `--path: unknown path '${n}' (paths: ${PATH_NAMES.join(", ")})`);
          if (!directionsOf(g).includes(direction))
            throw new UserError(
              "E_USAGE",
              `--direction ${direction}: path '${n}' runs only ${directionsOf(g).join(", ")}`,
            );
          return g;
        });
  const sizeSpec = parseSizes((v.size as string | undefined) ?? defaults.sizes);
  const sizes = sizeSpec.kind === "fixed" ? [sizeSpec.size] : sizeSpec.kind === "list" ? sizeSpec.sizes : [];
  if (sizes.length === 0)
    throw new UserError("E_USAGE", "--size: give frame sizes (64..1518), e.g. 64,512,1518");
  const proto = (v.proto as string | undefined) ?? "udp";
  if (!["udp", "tcp", "icmp"].includes(proto))
    throw new UserError("E_USAGE", `--proto: '${proto}' is not udp, tcp or icmp`);
  const encap = (v.encap as string | undefined) ?? "none";
  if (!ENCAPS.includes(encap as Encap))
    throw new UserError("E_USAGE", `--encap: '${encap}' is not one of ${ENCAPS.join(", ")}`);
  const config = v.config as string | undefined;
  let confText = TALK_IOVCTL_CONF;
  if (config !== undefined) {
    try {
      confText = readFileSync(config, "utf8");
    } catch (e) {
      throw new UserError(
        "E_USAGE",
        `--config ${config}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
      );
    }
  }
  const pcap = v.pcap as string | undefined;
  let replay: TemplateSet | undefined;
  if (pcap !== undefined) {
    try {
      const cap = readCaptureFile(pcap);
      replay = templatesFromCapture(
        cap.records.filter((r) => r.linktype === 1).map((r) => r.data.slice()),
        pcap,
      );
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError("E_USAGE", `--pcap ${(e as Error).message}`);
    }
  }
  return {
    replay,
    paths,
    sizes,
    seconds: num(v.seconds as string | undefined, "--seconds", defaults.seconds, 0.01, 600),
    workers: num(v.workers as string | undefined, "--workers", 1, 1, 8, true),
    profile: loadProfile((v.profile as string | undefined) ?? "bhyve"),
    json: Boolean(v.json),
    csv: Boolean(v.csv),
    help: Boolean(v.help),
    count: num(v.count as string | undefined, "-c/--count", 5, 1, 100_000_000, true),
    countGiven:
      v.count === undefined ? undefined : num(v.count as string, "-c/--count", 5, 1, 100_000_000, true),
    direction,
    seed: num(v.seed as string | undefined, "--seed", 1, 0, 2 ** 31 - 1, true),
    pathHost: setupHost(confText, config ?? "embedded iovctl.conf"),
    flows: num(v.flows as string | undefined, "--flows", 64, 1, 65535, true),
    l4: proto as L4,
    encap: encap as Encap,
  };
}
