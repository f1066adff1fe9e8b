// What `paths` says about where its VFs came from: the configuration file (-f), the embedded
// talk's iovctl.conf, or the saved host (--host), and the PF or VF (number, device, PCI
// selector, MAC, port VLAN) each path's consumer used. The JSON carries it as `configuration`;
// the text prints it as a short header (src/report/paths-table.ts configurationText).
import { SECOND_PORT } from "../../engine/graph.ts";
import { vfTxShaping } from "../../model/vf-rate.ts";
import { DEFAULT_HOST_SOURCE } from "../../nic/host.ts";
import { getProfile } from "../../nic/profile.ts";
import { VF_VLAN_TRUNK, type VfRecord } from "../../nic/types.ts";
import { enginePath } from "../../paths/path-graphs.ts";
import { type PathConfig, type PathHost, TALK_IOVCTL_CONF, vfSettingsOf } from "../../paths/setup.ts";
import type { ConfigurationJson } from "../../report/paths-json.ts";
import { type PathRun, throughNic } from "./paths-host.ts";
import { EMBEDDED_CONFIG_NAME } from "./paths-options.ts";

type VfUse = NonNullable<ConfigurationJson["paths"][number]["vf"]>;

function vfUse(vf: VfRecord, ph: PathHost): VfUse {
  const vlan = vf.config.vlan;
  const profile = getProfile(ph.host.pf(ph.pf)?.profile ?? "");
  const shaping = profile ? vfTxShaping(profile, vfSettingsOf(ph, vf.index).maxTxRateMbps) : null;
  return {
    index: vf.index,
    device: vf.name,
    selector: vf.selector,
    mac: vf.effectiveMac,
    vlan: vlan === null ? null : vlan === VF_VLAN_TRUNK ? "trunk" : vlan,
    ...(shaping
      ? {
          max_tx_rate: {
            asked_mbps: shaping.askedMbps,
            programmed_mbps: shaping.programmedMbps,
            counts: shaping.counts,
            burst_bytes: shaping.burstBytes,
            counts_tag: shaping.countsTag,
            burst_tag: shaping.burstTag,
          },
        }
      : {}),
  };
}

/**
 * The PF whose NIC the run's frames crossed: the second PF when every run that reaches a NIC
 * is on it (only passthrough, e.g. with the SR-IOV PF's driver unbound so its paths were left
 * out; virtio-tap rx never reaches one), else the SR-IOV PF.
 */
export function runPf(ph: PathHost, runs: readonly PathRun[]): string {
  const onNic = runs.filter((r) => throughNic(r.path, r.direction));
  const second = onNic.length > 0 && onNic.every((r) => enginePath(r.path)?.nic.port === "second");
  return second ? SECOND_PORT : ph.pf;
}

/** The user's host file the run's host was made from (the state's `reset --host FILE`), or null
 *  for the embedded default host. */
export function hostFileOf(conf: PathConfig): string | null {
  if (!conf.hostState) return conf.host?.file ?? null;
  const source = (JSON.parse(conf.text) as { hostSource?: string }).hostSource;
  return source === undefined || source === DEFAULT_HOST_SOURCE ? null : source;
}

/** The configuration of a run over `paths` (each name once, in the run's order). */
export function configurationJson(
  conf: PathConfig,
  ph: PathHost,
  paths: readonly string[],
): ConfigurationJson {
  const source = conf.hostState
    ? "host"
    : conf.file === EMBEDDED_CONFIG_NAME && conf.text === TALK_IOVCTL_CONF
      ? "embedded"
      : "file";
  const poolVf = (pool: "pf" | "host-vf" | "ppt-vf") =>
    pool === "host-vf" ? ph.jailVf : pool === "ppt-vf" ? ph.vmVf : undefined;
  return {
    source,
    file: source === "embedded" ? null : conf.file,
    host_file: hostFileOf(conf),
    pf: ph.pf,
    vf_count: ph.vfs.length,
    paths: [...new Set(paths)].map((name) => {
      const b = enginePath(name)?.nic;
      const vf = b && b.port === "main" ? poolVf(b.pool) : undefined;
      const peer = b?.peer ? poolVf(b.peer) : undefined;
      return {
        name,
        port: b?.port === "second" ? SECOND_PORT : ph.pf,
        vf: vf ? vfUse(vf, ph) : null,
        ...(peer ? { peer_vf: vfUse(peer, ph) } : {}),
      };
    }),
  };
}
