// Consistency checks for a SwitchConfig (what the reference and the Wasm table writer rely on).
import { MAX_POOLS } from "../../assembly/abi.ts";
import { macToBytes, type SwitchConfig } from "./config.ts";

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Every problem found, as "path: message" lines; empty when the configuration is usable. */
export function switchConfigProblems(config: SwitchConfig): string[] {
  const out: string[] = [];
  const n = config.pools.length;
  const poolOk = (p: number) => Number.isInteger(p) && p >= 0 && p < n;
  const { port } = config;
  if (config.version !== 1) out.push(`version: unsupported ${String(config.version)}`);
  if (n === 0) out.push("pools: at least one pool (the PF's) is required");
  if (n > MAX_POOLS) out.push(`pools: ${n} pools, at most ${MAX_POOLS} supported`);
  if (!port.replication) out.push("port.replication: only replication-enabled mode is supported (§2.4)");
  if (!poolOk(port.defaultPool)) out.push(`port.defaultPool: no pool ${port.defaultPool}`);
  if (!Number.isInteger(port.ringSize) || port.ringSize < 2 || port.ringSize > 65536) {
    out.push(`port.ringSize: ${port.ringSize} out of range 2..65536`);
  }
  if (!Number.isInteger(port.rxBufferSize) || port.rxBufferSize < 64) {
    out.push(`port.rxBufferSize: ${port.rxBufferSize} must be an integer >= 64`);
  }
  if (port.rss.key.length < 4 || port.rss.key.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    out.push("port.rss.key: at least 4 bytes, each 0..255");
  }
  for (const vid of port.vfta)
    if (!Number.isInteger(vid) || vid < 0 || vid > 4095) out.push(`port.vfta: bad VID ${vid}`);
  for (const [name, list] of [
    ["uta", config.uta],
    ["mta", config.mta],
  ] as const) {
    for (const i of list) if (!Number.isInteger(i) || i < 0 || i > 4095) out.push(`${name}: bad index ${i}`);
  }
  config.rar.forEach((r, i) => {
    try {
      macToBytes(r.mac);
    } catch {
      out.push(`rar[${i}].mac: invalid "${r.mac}"`);
    }
    if (r.mac !== r.mac.toLowerCase()) out.push(`rar[${i}].mac: must be lower-case`);
    for (const p of r.pools) if (!poolOk(p)) out.push(`rar[${i}].pools: no pool ${p}`);
  });
  const seenVid = new Set<number>();
  config.vlvf.forEach((e, i) => {
    if (!Number.isInteger(e.vid) || e.vid < 0 || e.vid > 4095) out.push(`vlvf[${i}].vid: bad VID ${e.vid}`);
    if (seenVid.has(e.vid)) out.push(`vlvf[${i}].vid: duplicate VID ${e.vid}`);
    seenVid.add(e.vid);
    for (const p of e.pools) if (!poolOk(p)) out.push(`vlvf[${i}].pools: no pool ${p}`);
  });
  config.pools.forEach((p, i) => {
    const at = `pools[${i}]`;
    if (p.index !== i) out.push(`${at}.index: ${p.index}, expected ${i}`);
    if (!Number.isInteger(p.numRxQueues) || p.numRxQueues < 1 || p.numRxQueues > 64) {
      out.push(`${at}.numRxQueues: ${p.numRxQueues} out of range 1..64`);
    }
    if (!isPow2(p.reta.length)) out.push(`${at}.reta: size ${p.reta.length} is not a power of two`);
    p.reta.forEach((q, j) => {
      if (!Number.isInteger(q) || q < 0 || q >= p.numRxQueues)
        out.push(`${at}.reta[${j}]: queue ${q} not in 0..${p.numRxQueues - 1}`);
    });
    if (p.rssKey !== null && p.rssKey.length < 4) out.push(`${at}.rssKey: at least 4 bytes`);
    if (p.portVlan.tci < 0 || p.portVlan.tci > 0xffff) out.push(`${at}.portVlan.tci: not 16-bit`);
    if (p.flags.lpe && (p.rlpml < 64 || p.rlpml > 16384))
      out.push(`${at}.rlpml: ${p.rlpml} out of range 64..16384`);
  });
  return out;
}

/** Throws one Error listing every problem. */
export function assertValidSwitchConfig(config: SwitchConfig): void {
  const problems = switchConfigProblems(config);
  if (problems.length > 0) throw new Error(`invalid switch configuration:\n  ${problems.join("\n  ")}`);
}
