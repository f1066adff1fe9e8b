// What SR-IOV isolation allows, computed from the configuration a user programmed (VF records
// -> programSwitch -> mailbox requests), and a per-frame runner over either switch (Wasm or
// reference) that returns every copy a frame produced (deliveries and wire output).
import type { Delivery, PoolConfig, SwitchConfig } from "../../src/switch/config.ts";
import { hashTableIndex } from "../../src/switch/config.ts";
import { WasmSwitch } from "../../src/switch/nic.ts";
import { ReferenceSwitch } from "../../src/switch/reference/veb.ts";

export type Event =
  | { kind: "wire"; frame: Uint8Array }
  | { kind: "tx"; pool: number; frame: Uint8Array; vlanTci?: number };

export interface Outcome {
  deliveries: Delivery[];
  wire: Uint8Array[];
}

export interface SwitchUnderTest {
  name: string;
  send(e: Event): Outcome;
}

export function wasmUnderTest(
  cfg: SwitchConfig,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): SwitchUnderTest {
  // One frame at a time, drained after each: a few buffers are enough.
  const w = new WasmSwitch(cfg, { module, memory, bufCount: 512, txRingSize: 64, wireRingSize: 64 });
  return {
    name: "wasm",
    send(e) {
      if (e.kind === "wire") w.injectWire([e.frame]);
      else w.injectTx(e.pool, [e.frame], e.vlanTci === undefined ? {} : { vlanTci: e.vlanTci });
      w.run();
      return { deliveries: w.drainAll(), wire: w.wireOut() };
    },
  };
}

export function referenceUnderTest(cfg: SwitchConfig): SwitchUnderTest {
  const ref = new ReferenceSwitch(cfg);
  return {
    name: "reference",
    send(e) {
      const d =
        e.kind === "wire"
          ? ref.receiveFromWire(e.frame)
          : ref.transmitFromPool(e.pool, e.frame, e.vlanTci === undefined ? {} : { vlanTci: e.vlanTci });
      return { deliveries: ref.drainAll(), wire: d.wireBytes ? [d.wireBytes] : [] };
    },
  };
}

const macStr = (b: Uint8Array, at: number) =>
  Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, "0")).join(":");
export const dstOf = (f: Uint8Array) => macStr(f, 0);
export const srcOf = (f: Uint8Array) => macStr(f, 6);

/** VLAN ID of a frame as the switch classifies it (802.1Q outer tag; 0 when untagged or priority-tagged). */
export function vidOf(f: Uint8Array, tpid = 0x8100): number {
  if (f.length < 16 || ((f[12]! << 8) | f[13]!) !== tpid) return 0;
  return ((f[14]! << 8) | f[15]!) & 0xfff;
}

/** The unicast MACs a pool owns (RAR entries naming it). */
export function ownMacs(cfg: SwitchConfig, pool: number): Set<string> {
  return new Set(
    cfg.rar
      .filter((r) => r.pools.includes(pool) && (Number.parseInt(r.mac.slice(0, 2), 16) & 1) === 0)
      .map((r) => r.mac),
  );
}

/** VLANs a pool belongs to (VLVF); a port-VLAN pool belongs to its access VLAN only. */
export function vlansOf(cfg: SwitchConfig, pool: number): Set<number> {
  return new Set(cfg.vlvf.filter((e) => e.pools.includes(pool)).map((e) => e.vid));
}

export const isPortVlan = (p: PoolConfig) => p.portVlan.action !== "descriptor";
export const accessVid = (p: PoolConfig) => p.portVlan.tci & 0xfff;

/** A multicast address passes a pool's group filter: it asked for groups and the shared MTA has the hash. */
export function inGroupFilter(cfg: SwitchConfig, pool: PoolConfig, dst: string): boolean {
  return pool.flags.rompe && cfg.mta.includes(hashTableIndex(dst, cfg.port.multicastOffset));
}

/** The VLAN a frame travels in inside the switch (what a receiving pool's membership is checked against). */
export function switchVid(cfg: SwitchConfig, e: Event): number {
  if (e.kind === "wire") return vidOf(e.frame, cfg.port.vlanTpid);
  const p = cfg.pools[e.pool]!;
  if (isPortVlan(p)) return accessVid(p);
  if (e.vlanTci !== undefined && vidOf(e.frame, cfg.port.vlanTpid) === 0 && !hasTag(cfg, e.frame))
    return e.vlanTci & 0xfff;
  return vidOf(e.frame, cfg.port.vlanTpid);
}

const hasTag = (cfg: SwitchConfig, f: Uint8Array) =>
  f.length >= 14 && ((f[12]! << 8) | f[13]!) === cfg.port.vlanTpid;
