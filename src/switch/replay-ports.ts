// What replaying a capture taken elsewhere needs from the switch, shared by `iovsim switch` and
// `iovsim paths --pcap`: naming a port (PF or VF-<n>), its MAC (to rewrite destinations to it),
// and unicast promiscuous mode requested the way its driver would, answered as configured (a VF
// is untrusted unless its iovctl.conf section says `allow-promisc: true;`).
import { UserError } from "../errors.ts";
import { getProfile } from "../nic/profile.ts";
import type { PfRecord } from "../nic/types.ts";
import { macToBytes, type SwitchConfig } from "./config.ts";
import { requestPromisc } from "./program.ts";

/** The PF's VFs in pool order (pool i is the i-th VF by index; the PF's pool comes last). */
export function vfsInPoolOrder(pf: PfRecord) {
  return [...pf.vfs].sort((a, b) => a.index - b.index);
}

/** Port names a configuration has, as the options take them. */
export function portNames(pf: PfRecord): string[] {
  return ["PF", ...vfsInPoolOrder(pf).map((v) => `VF-${v.index}`)];
}

/** A port name in any spelling the options take ("pf", "vf0", "vf-0", "VF-0", "WIRE"), or undefined. */
function portId(port: string): "wire" | "pf" | number | undefined {
  if (/^wire$/i.test(port)) return "wire";
  if (/^pf$/i.test(port)) return "pf";
  const m = /^vf-?(0|[1-9]\d*)$/i.exec(port);
  return m ? Number(m[1]) : undefined;
}

/**
 * A port name as options write it, in the canonical spelling results are keyed by: "pf" -> "PF",
 * "vf0" / "vf-0" / "VF0" -> "VF-0", "WIRE" -> "wire" (the spellings parsePort accepts). Anything
 * else (e.g. "VF-01") is returned as given, for the caller to refuse with the ports there are.
 */
export function canonicalPortName(port: string): string {
  const id = portId(port);
  if (id === undefined) return port;
  return id === "wire" ? "wire" : id === "pf" ? "PF" : `VF-${id}`;
}

/** A VF the configuration describes that the PF driver refused (ADD_VF failed): it has no pool. */
export interface RefusedVf {
  index: number;
  errno: string;
  reason: string;
}

/** Why a refused VF is missing, in words (the switch's note and every option naming it). */
export function refusedVfText(pf: PfRecord, v: RefusedVf): string {
  return `VF-${v.index} was not created: the ${pf.driver ?? pf.profile} driver refused it (${v.errno}: ${v.reason}); as on FreeBSD, the other VFs were created (iovctl -C exits 0, dmesg: ${pf.name}: Failed to add VF ${v.index})`;
}

/**
 * The one port resolver behind every option naming a port: "wire" (only where the option takes
 * it), "pf", or the index of a VF that has a pool. A VF the driver refused is named with why; any
 * other name is an error naming the option and the ports there are.
 */
function resolvePort(
  pf: PfRecord,
  port: string,
  option: string,
  refused: readonly RefusedVf[],
  takesWire: boolean,
): "wire" | "pf" | number {
  const id = portId(port);
  if (id === "wire") {
    if (takesWire) return "wire";
    throw new UserError("E_USAGE", `option '${option}': 'wire' is not a function; name PF or VF-<n>`);
  }
  if (id === "pf") return "pf";
  if (id !== undefined && pf.vfs.some((v) => v.index === id)) return id;
  const gone = id === undefined ? undefined : refused.find((v) => v.index === id);
  if (gone) throw new UserError("E_USAGE", `option '${option}': ${refusedVfText(pf, gone)}`);
  const ports = [...(takesWire ? ["wire"] : []), ...portNames(pf)];
  throw new UserError(
    "E_USAGE",
    `option '${option}': no port '${port}' on ${pf.name} (ports: ${ports.join(", ")})`,
  );
}

/**
 * A port name ("PF", "VF-<n>"; also "pf", "vf<n>", "vf-<n>") as its VF index or "pf"; "wire",
 * an unknown name or a refused VF is an error naming the option.
 */
export function parsePort(
  pf: PfRecord,
  port: string,
  option: string,
  refused: readonly RefusedVf[] = [],
): number | "pf" {
  return resolvePort(pf, port, option, refused, false) as number | "pf";
}

/** The pool a function's port maps to: the i-th VF that exists (a refused VF leaves no gap), the PF's last. */
function poolOf(pf: PfRecord, p: number | "pf"): number {
  return p === "pf" ? pf.vfs.length : vfsInPoolOrder(pf).findIndex((v) => v.index === p);
}

/** The pool of a function an option names (PF or VF-<n>). */
export function poolOfPort(
  pf: PfRecord,
  port: string,
  option: string,
  refused: readonly RefusedVf[] = [],
): number {
  return poolOf(pf, parsePort(pf, port, option, refused));
}

/** An input port (--in): "wire" or the pool of the function named. */
export function inputPool(
  pf: PfRecord,
  port: string,
  option: string,
  refused: readonly RefusedVf[] = [],
): number | "wire" {
  const p = resolvePort(pf, port, option, refused, true);
  return p === "wire" ? "wire" : poolOf(pf, p);
}

/** The MAC of a port (the VF's effective MAC, or the PF's). */
export function portMac(
  pf: PfRecord,
  port: string,
  option: string,
  refused: readonly RefusedVf[] = [],
): Uint8Array {
  const p = parsePort(pf, port, option, refused);
  const mac = p === "pf" ? pf.mac : vfsInPoolOrder(pf).find((v) => v.index === p)!.effectiveMac;
  return macToBytes(mac.toLowerCase());
}

/** The NIC's model as its profile's title names it ("Intel 82599ES 10-Gigabit (X520), ..." -> 82599ES). */
function nicModel(profile: string): string {
  const title = getProfile(profile)?.title ?? profile;
  return /\b(8\d{4}\w*|X\d{3}\w*|E\d{3}\w*)/.exec(title)?.[1] ?? title;
}

/**
 * Puts a port in unicast promiscuous mode: the PF's own driver may always (the PF is trusted);
 * a VF asks its PF driver, which answers as configured (allow-promisc; ix and igb have no unicast
 * promiscuous mode). A request the driver would not honour is an error saying why.
 */
/** Where the VFs came from, for a refusal's advice: a configuration file, or (`hostState`) the
 *  saved host that `paths --host` measures, whose VFs `ip link` configures. */
export interface VfSource {
  file: string;
  hostState?: boolean;
  /** VFs the configuration describes that the driver refused: named with why. */
  refused?: readonly RefusedVf[];
}

export function applyPromisc(
  config: SwitchConfig,
  pf: PfRecord,
  port: string,
  source: VfSource,
  option = "--promisc",
  /** How the user named the port, when not by its name (paths: "consumer"). */
  asked = port,
): void {
  const p = parsePort(pf, port, option, source.refused);
  if (p === "pf") {
    const pool = config.pools.find((x) => x.kind === "pf");
    if (!pool) throw new Error(`${pf.name}: the switch has no PF pool`);
    pool.flags.upe = true;
    pool.flags.mpe = true;
    config.port.unicastPromisc = true;
    config.port.multicastPromisc = true;
    return;
  }
  // Pool i is the i-th VF that exists: a VF the driver refused leaves no pool (no gap).
  const reply = requestPromisc(config, poolOf(pf, p), "promisc");
  if (!reply.honoured) {
    const name = `VF-${p}`;
    const why =
      reply.applied === "allmulti"
        ? `the ${pf.profile} NIC (${nicModel(pf.profile)}) has no unicast promiscuous mode for VFs (it gives ${reply.applied})`
        : source.hostState // a saved host (paths --host): Linux's words
          ? `${name} is untrusted on the simulated host (${source.file}; ip link set ${pf.name} vf ${p} trust on allows it), so the ${pf.profile} driver ${config.profile === "ixl" ? "ignores" : "caps"} the request (the VF stays in mode ${reply.applied})`
          : `${name} is untrusted: ${source.file} does not set 'allow-promisc: true;' in its ${name} section, so the ${pf.profile} driver ${config.profile === "ixl" ? "ignores" : "caps"} the request (the VF stays in mode ${reply.applied})`;
    throw new UserError(
      "E_USAGE",
      `option '${option} ${asked}'${asked !== port ? ` (${port})` : ""}: ${why}`,
    );
  }
}
