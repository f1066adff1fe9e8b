// Steering strategies as switch configurations. Each one is an iovctl.conf for ixl0 on a fresh
// in-memory host: the VFs are created through the control plane (src/nic), then the switch is
// programmed from the PF record (src/switch/program.ts), as the PF driver would. Nothing in
// here decides where a frame goes; the switch does, on the frames' bytes.
import { UserError } from "../errors.ts";
import type { PfRecord } from "../nic/index.ts";
import { setupHost } from "../paths/setup.ts";
import type { SwitchConfig } from "../switch/config.ts";
import { programSwitch } from "../switch/program.ts";
import { instanceMac } from "./traffic.ts";

export type StrategyId = "single" | "outer-rss" | "inner-rss" | "mac-vf" | "sw-dispatch";
export const STRATEGY_IDS: readonly StrategyId[] = [
  "single",
  "outer-rss",
  "inner-rss",
  "mac-vf",
  "sw-dispatch",
];
export const STRATEGY_NAMES: Record<StrategyId, string> = {
  single: "single queue",
  "outer-rss": "outer RSS",
  "inner-rss": "inner RSS",
  "mac-vf": "MAC-based VF steering",
  "sw-dispatch": "software dispatch",
};

/** ixl VF limits: num-queues 1..16 (ixl_pf_iov.c); 63 VFs + the PF fill the switch's 64 pools. */
export const MAX_QUEUES = 16;
export const MAX_MAC_VFS = 63;
/** Standard MTU (no jumbo): the test frames are short and buffers stay 2 KiB. */
const STD_MAX_FRAME_FCS = 1522;
const RX_RING = 1024;

export interface StrategySetup {
  id: StrategyId;
  /** The iovctl.conf the VFs were created from. */
  conf: string;
  pf: PfRecord;
  config: SwitchConfig;
  /** Cores the load is spread over (n). */
  cores: number;
  /**
   * Where each core's frames come from: hardware queue (pool, queue) or, for software dispatch,
   * the single hardware queue feeding the dispatcher (dispatch: true).
   */
  hwQueues: Array<{ pool: number; queue: number }>;
  dispatch: boolean;
}

function iovConf(vfs: Array<{ mac: string; queues: number }>): string {
  const lines = [
    "PF {",
    '\tdevice : "ixl0";',
    `\tnum_vfs : ${vfs.length};`,
    "}",
    "",
    "DEFAULT {",
    "\tpassthrough : false;",
    "}",
    "",
  ];
  vfs.forEach((v, i) => {
    lines.push(`VF-${i} {`, `\tmac-addr : "${v.mac}";`, `\tnum-queues : ${v.queues};`, "}", "");
  });
  return lines.join("\n");
}

/**
 * The switch setup for strategy `id` over `n` cores. `dstMacs` are the destination MACs the
 * traffic uses: with one receiver (every strategy but MAC steering) the receiving VF owns the
 * first and accepts the others as secondary unicast filters (the iavf ADD_ETH_ADDR request), so
 * the same frames reach it whichever regime they come from.
 */
export function strategySetup(id: StrategyId, n: number, dstMacs: readonly string[]): StrategySetup {
  if (!Number.isInteger(n) || n < 1)
    throw new UserError("E_USAGE", `--queues: must be a positive integer (got ${n})`);
  if (id === "mac-vf") {
    if (n > MAX_MAC_VFS)
      throw new UserError(
        "E_USAGE",
        `--queues: MAC-based VF steering needs one VF per core; at most ${MAX_MAC_VFS} (got ${n})`,
      );
  } else if (n > MAX_QUEUES) {
    throw new UserError("E_USAGE", `--queues: an ixl VF has at most ${MAX_QUEUES} queues (got ${n})`);
  }
  const vfs =
    id === "mac-vf"
      ? Array.from({ length: n }, (_, k) => ({ mac: instanceMac(k), queues: 1 }))
      : [{ mac: instanceMac(0), queues: id === "outer-rss" || id === "inner-rss" ? n : 1 }];
  const conf = iovConf(vfs);
  const host = setupHost(conf, "steering.conf");
  const pf = host.host.pf(host.pf);
  if (!pf) throw new Error(`steering: PF ${host.pf} vanished`);
  const config = programSwitch(pf, {
    rssLevel: id === "inner-rss" ? "inner" : "outer",
    ringSize: RX_RING,
    pfQueues: 1,
  });
  config.port.maxFrame = STD_MAX_FRAME_FCS;
  config.port.txMaxFrame = STD_MAX_FRAME_FCS;
  if (id !== "mac-vf") {
    for (const mac of dstMacs) {
      if (!config.rar.some((r) => r.mac === mac)) config.rar.push({ mac, pools: [0] });
    }
  }
  const hwQueues =
    id === "mac-vf"
      ? Array.from({ length: n }, (_, k) => ({ pool: k, queue: 0 }))
      : id === "outer-rss" || id === "inner-rss"
        ? Array.from({ length: n }, (_, q) => ({ pool: 0, queue: q }))
        : [{ pool: 0, queue: 0 }];
  return { id, conf, pf, config, cores: n, hwQueues, dispatch: id === "sw-dispatch" };
}
