// State campaign: mutated state.json files through the loader (readState, as every command
// loads the host). Each must load or fail with a UserError naming the state file; a crash (any
// other exception) or a silent reset (undefined for a file that exists) fails the case. A state
// that loads is then used the way commands use it (PF records, status, switch programming; a
// plain Error there fails the case) and checked against the host's invariants (a state the
// loader should have refused fails the case).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { KernelError } from "../nic/errno.ts";
import { Host } from "../nic/host.ts";
import { type HostState, ZERO_MAC } from "../nic/host-model.ts";
import { loadIovConfig } from "../nic/iovctl-validate.ts";
import { formatLinkShow, netdevs, setVf, sysfsLs, sysfsWrite } from "../nic/linux/index.ts";
import { linuxSectionProblems } from "../nic/linux/state.ts";
import { formatPciconf } from "../nic/pciconf-format.ts";
import { readState, statePath } from "../nic/state.ts";
import { formatStatus } from "../nic/status-format.ts";
import { registerStateSection } from "../state-sections.ts";
import { flowSectionProblems, readFlowState } from "../steering/flow-state.ts";
import { programSwitch } from "../switch/program.ts";
import { type CampaignOptions, type CampaignResult, describeThrown, FailureLog } from "./campaign.ts";
import { caseCount, eachCase } from "./cases.ts";
import { iovctlSeeds } from "./corpus.ts";
import { mutateText } from "./mutate-text.ts";
import type { Rng } from "./prng.ts";

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
  out.push(JSON.stringify(linuxSeed(), null, 2));
  return out;
}

/** A host the Linux view has worked on: sysfs VFs with ip-link settings, a VF without its driver,
 *  a netdevsim device with VFs, and flow rules (what the loader's section checks read). */
function linuxSeed(): HostState {
  const host = Host.fresh();
  const st = host.state;
  for (const [path, value] of [
    ["/sys/class/net/ix0/device/sriov_numvfs", "3"],
    ["/sys/bus/pci/drivers/ixgbevf/unbind", "0000:03:10.2"],
    ["/sys/bus/pci/devices/0000:03:10.2/driver_override", "ixgbevf"],
    ["/sys/bus/netdevsim/new_device", "1 2"],
    ["/sys/bus/netdevsim/devices/netdevsim1/sriov_numvfs", "2"],
  ])
    sysfsWrite(st, path, `${value}\n`);
  const ix0 = netdevs(st).find((n) => n.name === "ix0");
  if (ix0) setVf(st, ix0, { vf: 1, mac: "02:00:00:00:00:21", trust: true });
  st.flow = {
    ixl0: [
      { id: 0, field: "gtpu-teid", lo: 5, hi: 9, queue: 3, items: ["eth", "ipv4", "udp", "gtpu"] },
      { id: 4, field: "esp-spi", lo: 7, hi: 7, action: "drop", items: ["esp"] },
    ],
  };
  return st;
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
  // The loader as the CLI runs it: the Linux and flow sections checked too (src/cli/state-sections.ts).
  registerStateSection("linux", async () => linuxSectionProblems);
  registerStateSection("flow", async () => flowSectionProblems);
  const log = new FailureLog("state", opts);
  const seeds = stateSeeds();
  const dir = mkdtempSync(join(tmpdir(), "iovsim-fuzz-state-"));
  try {
    for (const { index: i, r, done } of eachCase(opts, STREAM)) {
      const seed = r.pick(seeds);
      const text = r.bool(0.7)
        ? JSON.stringify(mutateJson(r, JSON.parse(seed)), null, r.bool() ? 2 : 0)
        : mutateText(r, seed, seeds);
      await oneState(text, dir, i, log);
      if (opts.progress && (i & 255) === 0) opts.progress(done);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return log.result(caseCount(opts), caseCount(opts), "state files");
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
  // A state no kernel builds must have been refused as corrupt (src/nic/state-invariants.ts).
  for (const v of invariantViolations(state)) log.fail(`unvalidated:${v.kind}`, i, v.detail, repro);
  // Use it as the commands do; anything but a user or kernel error is a crash after load.
  try {
    const host = new Host(state);
    for (const pf of host.pfs()) {
      formatStatus(host, pf.name);
      host.schema(pf.name);
      if (pf.vfs.length > 0) programSwitch(pf);
    }
    // The Linux view and the flow rules, as ip link show, sysfs ls and flow list read them.
    for (const nd of netdevs(state)) formatLinkShow(state, nd, { details: true });
    formatPciconf(host, { verbose: true, caps: true });
    for (const dir of ["0000:01:00.0", "0000:03:00.0", "0000:01:02.0", "0000:03:10.0", "0000:03:10.2"])
      sysfsLs(state, `/sys/bus/pci/devices/${dir}`, true);
    readFlowState(state, path);
  } catch (e) {
    if (!(e instanceof UserError || e instanceof KernelError))
      log.fail("crash-after-load", i, describeThrown(e).slice(0, 300), repro);
  }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const multicast = (m: string) => (Number.parseInt(m.slice(0, 2), 16) & 1) === 1;

/**
 * Host invariants a loaded state should satisfy (what iovctl or Linux sysfs can ever produce;
 * docs/control-plane.md "State directory"). Written apart from the loader's checks, so that a
 * rule the loader forgets shows up as a finding. iovctl keeps NumVFs when ADD_VF refuses a VF
 * (fewer records, gaps in the numbers); sysfs is all or nothing (VF 0..n-1); Linux accepts one
 * MAC on several VFs, ADD_VF does not.
 */
export function invariantViolations(state: HostState): Array<{ kind: string; detail: string }> {
  const out: Array<{ kind: string; detail: string }> = [];
  const pfNames = new Set(state.spec.devices.filter((d) => "profile" in d).map((d) => d.name));
  for (const [name, pf] of Object.entries(state.pfs)) {
    if (!pfNames.has(name)) out.push({ kind: "pf-not-in-spec", detail: name });
    let total: number | undefined;
    let pfMac: string | undefined;
    try {
      const rec = new Host(state).pf(name);
      total = rec?.totalVfs;
      pfMac = rec?.mac.toLowerCase();
    } catch {
      // reported by the use check
    }
    const sysfs = pf.configuredBy === "sysfs";
    const n = pf.numVfs ?? pf.vfs.length;
    const idx = pf.vfs.map((v) => v.index);
    if (new Set(idx).size !== idx.length)
      out.push({ kind: "duplicate-vf-index", detail: `${name}: ${idx.join(",")}` });
    if (idx.some((x) => x >= n)) out.push({ kind: "vf-index>=numVfs", detail: `${name}: ${idx.join(",")}` });
    if (sysfs && idx.some((x, k) => x !== k))
      out.push({ kind: "sysfs-vf-indices-not-0..n-1", detail: `${name}: ${idx.join(",")}` });
    if (sysfs ? n !== pf.vfs.length : pf.vfs.length > n)
      out.push({
        kind: "numVfs-mismatch",
        detail: `${name} (${sysfs ? "sysfs" : "iovctl"}): numVfs ${n}, ${pf.vfs.length} VF records`,
      });
    if (total !== undefined && n > total)
      out.push({ kind: "over-totalvfs", detail: `${name}: ${n} > ${total}` });
    if (!pf.sriovEnabled && (pf.vfs.length > 0 || n > 0))
      out.push({ kind: "vfs-without-sriov", detail: name });
    for (const v of pf.vfs)
      if (!MAC.test(v.effectiveMac) || multicast(v.effectiveMac))
        out.push({ kind: "bad-mac", detail: `${name}: ${JSON.stringify(v.effectiveMac)}` });
    const macs = pf.vfs.map((v) => v.effectiveMac);
    // An all-zero mac-addr assigns no address in the FreeBSD view (the VF makes one up).
    const configured = pf.vfs.flatMap((v) =>
      v.config.macAddr === null || (!sysfs && v.config.macAddr === ZERO_MAC) ? [] : [v.config.macAddr],
    );
    // Unconfigured VFs get distinct derived addresses; configured ones are refused when in use.
    const unconfigured = pf.vfs.filter((v) => v.config.macAddr === null).map((v) => v.effectiveMac);
    if (new Set(unconfigured).size !== unconfigured.length)
      out.push({ kind: "duplicate-mac", detail: `${name}: ${macs.join(",")}` });
    if (!sysfs && (new Set(configured).size !== configured.length || (pfMac && configured.includes(pfMac))))
      out.push({ kind: "duplicate-configured-mac", detail: `${name}: ${configured.join(",")}` });
    // What the kernel derives from the VF's number: its RID (First VF Offset + n * VF Stride,
    // here from the host's PF record), its driver (ppt for passthrough), a VM only on a ppt VF.
    let rec: ReturnType<Host["pf"]>;
    try {
      rec = new Host(state).pf(name);
    } catch {
      rec = undefined;
    }
    for (const v of pf.vfs) {
      if (rec && v.rid !== rec.rid + rec.firstVfOffset + v.index * rec.vfStride)
        out.push({ kind: "vf-rid", detail: `${name} VF-${v.index}: rid ${v.rid}` });
      if (rec && v.driver !== (v.config.passthrough ? "ppt" : rec.vfDriver))
        out.push({ kind: "vf-driver", detail: `${name} VF-${v.index}: ${v.driver}` });
      if (v.attachedVm !== null && v.driver !== "ppt")
        out.push({ kind: "vm-on-non-ppt", detail: `${name} VF-${v.index}: ${v.driver}` });
    }
    for (const v of pf.vfs) {
      if (v.config.numQueues < 1 || v.config.numQueues > 16)
        out.push({ kind: "num-queues-range", detail: `${name} VF-${v.index}: ${v.config.numQueues}` });
      if (v.config.vlan !== null && (v.config.vlan < 0 || v.config.vlan > 4096))
        out.push({ kind: "vlan-range", detail: `${name} VF-${v.index}: ${v.config.vlan}` });
    }
  }
  return out;
}
