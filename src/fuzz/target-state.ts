// State campaign: mutated state.json files through the loader (readState, as every command
// loads the host). Each must load or fail with a UserError naming the state file; a crash (any
// other exception) or a silent reset (undefined for a file that exists) fails the case. A state
// that loads is then used the way commands use it (PF records, status, switch programming) and
// checked against the host's invariants; what the loader let through is reported as findings.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { KernelError } from "../nic/errno.ts";
import { Host } from "../nic/host.ts";
import type { HostState } from "../nic/host-model.ts";
import { loadIovConfig } from "../nic/iovctl-validate.ts";
import { readState, statePath } from "../nic/state.ts";
import { formatStatus } from "../nic/status-format.ts";
import { programSwitch } from "../switch/program.ts";
import { type CampaignOptions, type CampaignResult, describeThrown, FailureLog } from "./campaign.ts";
import { iovctlSeeds } from "./corpus.ts";
import { mutateText } from "./mutate-text.ts";
import { caseRng, type Rng } from "./prng.ts";

const STREAM = 31;

/** Seed states: the default host, and hosts after iovctl -C with the valid fixtures. */
export function stateSeeds(): string[] {
  const out = [JSON.stringify(Host.fresh().state, null, 2)];
  for (const s of iovctlSeeds().filter((f) => /\/V\d/.test(f.name))) {
    const host = Host.fresh();
    const schemaFor = (dev: string) => (host.pf(dev) ? host.schema(dev) : undefined);
    const l = loadIovConfig(new TextDecoder().decode(s.bytes), schemaFor);
    if (!l.config || !l.device) continue;
    try {
      host.iovConfig(l.device, l.config);
      out.push(JSON.stringify(host.state, null, 2));
    } catch {
      // a fixture the kernel refuses gives no extra seed
    }
  }
  return out;
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1,
  1000,
  65536,
  1.5,
  1e308,
  "",
  "x",
  "ff:ff:ff:ff:ff:ff",
  [],
  {},
  [1, 2],
];

/** Structural mutation: pick a random node and replace, delete or duplicate it. */
function mutateJson(r: Rng, root: unknown): unknown {
  const paths: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        paths.push({ parent: v, key: i });
        walk(x);
      });
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        paths.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
  };
  walk(root);
  for (let n = r.int(1, 3); n > 0 && paths.length > 0; n--) {
    const { parent, key } = r.pick(paths);
    const cur = (parent as Record<string | number, unknown>)[key];
    const op = r.int(0, 5);
    if (op === 0 && Array.isArray(parent))
      parent.push(structuredClone(cur)); // duplicate a record
    else if (op === 1 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else if (op === 2 && typeof cur === "number")
      (parent as Record<string | number, unknown>)[key] = cur + r.pick([-1, 1, 64, 1000, -1000]);
    else if (op === 3 && typeof cur === "string")
      (parent as Record<string | number, unknown>)[key] = r.pick([
        "",
        cur.toUpperCase(),
        `${cur}x`,
        "02:00:00:00:00:01",
        "ixl0",
      ]);
    else (parent as Record<string | number, unknown>)[key] = structuredClone(r.pick(ODD_VALUES));
  }
  return root;
}

export async function runState(opts: CampaignOptions): Promise<CampaignResult> {
  const log = new FailureLog("state", opts);
  const seeds = stateSeeds();
  const dir = mkdtempSync(join(tmpdir(), "iovsim-fuzz-state-"));
  const first = opts.onlyCase ?? 0;
  const end = opts.onlyCase === undefined ? opts.count : first + 1;
  try {
    for (let i = first; i < end; i++) {
      opts.heartbeat?.(i);
      const r = caseRng(opts.seed, STREAM, i);
      const seed = r.pick(seeds);
      const text = r.bool(0.7)
        ? JSON.stringify(mutateJson(r, JSON.parse(seed)), null, r.bool() ? 2 : 0)
        : mutateText(r, seed, seeds);
      await oneState(text, dir, i, log);
      if (opts.progress && (i & 255) === 0) opts.progress(i - first);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return log.result(end - first, end - first, "state files");
}

async function oneState(text: string, dir: string, i: number, log: FailureLog): Promise<void> {
  const repro = () => ({ "state.json": text });
  const path = statePath(dir);
  writeFileSync(path, text);
  let state: HostState | undefined;
  try {
    state = await readState(dir);
  } catch (e) {
    if (!(e instanceof UserError)) return log.fail("throw", i, `readState threw ${describeThrown(e)}`, repro);
    if (!e.message.includes(path)) log.fail("unnamed", i, `error does not name ${path}: ${e.message}`, repro);
    log.outcome("rejected");
    return;
  }
  if (state === undefined)
    return log.fail("silent-reset", i, "an existing state file read as no state", repro);
  log.outcome("loaded");
  for (const v of invariantViolations(state)) log.finding(`unvalidated:${v.kind}`, i, v.detail);
  // Use it as the commands do; anything but a user or kernel error is a crash after load.
  try {
    const host = new Host(state);
    for (const pf of host.pfs()) {
      formatStatus(host, pf.name);
      host.schema(pf.name);
      if (pf.vfs.length > 0) programSwitch(pf);
    }
  } catch (e) {
    if (!(e instanceof UserError || e instanceof KernelError))
      log.finding("crash-after-load", i, describeThrown(e).slice(0, 300));
  }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Host invariants a loaded state should satisfy (what iovctl/the kernel can ever produce). */
export function invariantViolations(state: HostState): Array<{ kind: string; detail: string }> {
  const out: Array<{ kind: string; detail: string }> = [];
  const pfNames = new Set(state.spec.devices.filter((d) => "profile" in d).map((d) => d.name));
  for (const [name, pf] of Object.entries(state.pfs)) {
    if (!pfNames.has(name)) out.push({ kind: "pf-not-in-spec", detail: name });
    let total: number | undefined;
    try {
      total = new Host(state).pf(name)?.totalVfs;
    } catch {
      // reported by the use check
    }
    const idx = pf.vfs.map((v) => v.index);
    if (new Set(idx).size !== idx.length)
      out.push({ kind: "duplicate-vf-index", detail: `${name}: ${idx.join(",")}` });
    if (idx.some((x, k) => x !== k))
      out.push({ kind: "vf-indices-not-0..n-1", detail: `${name}: ${idx.join(",")}` });
    if (pf.numVfs !== undefined && pf.numVfs !== pf.vfs.length)
      out.push({
        kind: "numVfs-mismatch",
        detail: `${name}: numVfs ${pf.numVfs}, ${pf.vfs.length} VF records`,
      });
    if (total !== undefined && (pf.numVfs ?? pf.vfs.length) > total)
      out.push({ kind: "over-totalvfs", detail: `${name}: ${pf.numVfs ?? pf.vfs.length} > ${total}` });
    if (!pf.sriovEnabled && pf.vfs.length > 0) out.push({ kind: "vfs-without-sriov", detail: name });
    const macs = pf.vfs.map((v) => v.effectiveMac);
    for (const m of macs)
      if (!MAC.test(m)) out.push({ kind: "bad-mac", detail: `${name}: ${JSON.stringify(m)}` });
    if (new Set(macs).size !== macs.length) out.push({ kind: "duplicate-mac", detail: name });
    for (const v of pf.vfs) {
      if (v.config.numQueues < 1)
        out.push({ kind: "num-queues<1", detail: `${name} VF-${v.index}: ${v.config.numQueues}` });
      if (v.config.vlan !== null && (v.config.vlan < 0 || v.config.vlan > 4096))
        out.push({ kind: "vlan-range", detail: `${name} VF-${v.index}: ${v.config.vlan}` });
    }
  }
  return out;
}
