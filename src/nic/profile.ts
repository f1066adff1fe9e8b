// NIC profiles as data: one JSON file per NIC under ./profiles/ (so a new NIC is one new
// file). This module validates them with zod and turns hex strings into numbers.
import { readdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { UserError } from "../errors.ts";
import { FramesSchema, framesProblems } from "./frames.ts";
import { jsonErrorOffset, jsonPathOffset, jsonSyntaxReason, lineColumn } from "./json-locate.ts";
import { TxQueueSchema, txQueueProblems } from "./tx-queue.ts";
import { type ParamSpec, SCHEMA_TYPES } from "./types.ts";
import { WriteBackSchema, writeBackProblems } from "./write-back.ts";

/** A register-sized hex string ("0x" and 1 to `digits` hex digits), read as a number. */
const hexOf = (digits: number, example: string) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{1,${digits}}$`), `expected a hex string like ${example}`)
    .transform((s) => Number.parseInt(s, 16));
const hex8 = hexOf(2, "0x02");
const hex16 = hexOf(4, "0x1572");
const hex24 = hexOf(6, "0x020000");
const hex32 = hexOf(8, "0x553");

const schemaType = z.enum(SCHEMA_TYPES);

const paramSpec = z
  .object({
    name: z.string().min(1),
    type: schemaType,
    required: z.boolean().optional(),
    default: z.union([z.boolean(), z.number(), z.string()]).optional(),
    description: z.string().optional(),
    range: z.string().optional(),
  })
  .strict()
  .refine(
    (p) => !(p.required && p.default !== undefined),
    "a parameter cannot be both required and defaulted",
  );

const vfBar = z
  .object({
    bar: z.number().int().min(0).max(5),
    type: z.enum(["Memory", "Prefetchable Memory"]),
    range: z.union([z.literal(32), z.literal(64)]),
    perVfSize: z.number().int().positive(),
  })
  .strict();

/** How sure a figure of the profile is, as cost constants are tagged (docs/model.md). */
const Tag = z.enum(["verified", "secondary", "derived", "assumption"]);
/** Where a figure comes from (driver function, datasheet section, ...). */
const Source = z.string().min(10, "a source names the publication (at least 10 characters)");

export const NicProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_-]*$/),
    title: z.string(),
    sources: z.array(z.string()),
    pf: z
      .object({
        driver: z.string().regex(/^[a-z]+$/),
        /** The pci_iov behaviour model its driver follows (src/nic/drivers/: ixl's queue budget,
         *  ix's pool modes, igb's fixed queues); absent: the model named like the driver. So a
         *  driver that behaves as a modelled one (ice as ixl) needs no code. */
        iovModel: z.enum(["ixl", "ix", "igb"]).optional(),
        vendor: hex16,
        device: hex16,
        subvendor: hex16,
        subdevice: hex16,
        revision: hex8,
        class: hex24,
        vendorName: z.string(),
        deviceName: z.string(),
        description: z.string(),
        macOui: z.string().regex(/^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/),
        bootLog: z.array(z.string()),
        caps: z.array(z.string()),
        ecapsBeforeSriov: z.array(z.string()),
        ecapsAfterSriov: z.array(z.string()),
      })
      .strict(),
    sriov: z
      .object({
        capOffset: hex16,
        version: z.number().int(),
        totalVfs: z.number().int().min(1).max(65535),
        firstVfOffset: z.number().int().min(1).max(65535),
        // How the PFs of a multi-function card space their VFs apart (PCIe Base §9.3.3.9: each PF
        // reports its own First VF Offset): `blocks` gives each PF a block of TotalVFs routing IDs
        // after the previous PF's, `interleaved` keeps one offset and lets VF Stride interleave them.
        perFunction: z
          .object({
            layout: z.enum(["blocks", "interleaved"]),
            tag: z.enum(["verified", "secondary", "derived", "assumption"]),
            source: z.string().min(1),
          })
          .strict()
          .optional(),
        // The First VF Offset the PF reports with ARI Capable Hierarchy clear (SR-IOV 1.1 §3.3.10:
        // First VF Offset may change when ARI Capable Hierarchy is set): `firstVfOffset` is the
        // value with it set. Absent: no dump of the card without ARI is known, and the ARI value
        // is kept (an assumption docs/control-plane.md states).
        withoutAri: z
          .object({
            firstVfOffset: z.number().int().min(1).max(65535),
            tag: z.enum(["verified", "secondary", "derived", "assumption"]),
            source: z.string().min(1),
          })
          .strict()
          .optional(),
        vfStride: z.number().int().min(1).max(65535),
        vfDeviceId: hex16,
        supportedPageSizes: hex32,
        ari: z.boolean(),
        vfBars: z.array(vfBar),
      })
      .strict(),
    vf: z
      .object({
        driver: z.string().regex(/^[a-z]+$/),
        revision: hex8,
        subdevice: hex16,
        deviceName: z.string(),
        description: z.string(),
        caps: z.array(z.string()),
        ecaps: z.array(z.string()),
      })
      .strict(),
    schema: z.object({ pf: z.array(paramSpec), vf: z.array(paramSpec) }).strict(),
    limits: z
      .object({
        driverMaxVfs: z.number().int().min(1),
        queueBudget: z.number().int().positive().optional(),
        /** The line the driver logs when a VF's queues do not fit the budget, with {queues} and
         *  {vf}; absent: ixl's "Error allocating {queues} queues for VF {vf}'s VSI". */
        queueShortLog: z.string().min(1).optional(),
        pfQueuePairs: z.number().int().min(0).optional(),
        minQueuesPerVf: z.number().int().min(1).optional(),
        maxQueuesPerVf: z.number().int().min(1).optional(),
        queuesPerVf: z.number().int().min(1).optional(),
        poolModes: z
          .array(
            z
              .object({
                minVfs: z.number().int().min(1),
                pools: z.number().int().min(2),
                queuesPerVf: z.number().int().min(1),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    rss: z
      .object({
        vfRetaSize: z.number().int().positive(),
        /** The PF pool's redirection table (X710: 512-entry LUT; 82599/82576: the shared 128). */
        pfRetaSize: z.number().int().positive(),
        retaShared: z.boolean(),
        keyBytes: z.number().int().positive(),
      })
      .strict(),
    /** The embedded switch: PF pool queues, answers to VF requests, capacity, filters. */
    switch: z
      .object({
        /** Queues of the PF's pool when not configured (pool modes, when given, decide first). */
        defaultPfQueues: z.number().int().min(1),
        /** An untrusted VF asking for more than MULTI: capped and told (ixgbe), or logged and ignored (i40e). */
        untrustedPromisc: z.enum(["cap-to-multi", "log-and-ignore"]),
        /** false: no unicast promiscuous in hardware (82576: PROMISC becomes ALLMULTI). */
        unicastPromisc: z.boolean(),
        /** RSS can hash a tunnelled frame's inner headers (VXLAN/GENEVE on ports the driver
         *  registers): X710 yes (i40e_udp_tunnel_set_port); 82599 and 82576 hash the outer only. */
        innerRss: z.boolean(),
        /** Packets per second the pipeline forwards at 64 B, all ports (millions). */
        capacityMpps: z.number().positive(),
        /** Bits per second it forwards, all ports (Gbit/s). */
        capacityGbps: z.number().positive(),
        sources: z.array(Source).min(1),
      })
      .strict(),
    pcie: z
      .object({
        generation: z.number().int().min(1).max(6),
        lanes: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16)]),
        /** Transfer rate per lane (GT/s). */
        gts: z.number().positive(),
        source: Source,
      })
      .strict(),
    /** The on-chip receive packet buffer: frames wait there for the switch pipeline and the
     *  DMA to host memory; a frame that finds it full is dropped (missed packets). Optional: a
     *  profile without it gets an assumption with a wide range (src/model/hw-limits.ts). */
    packetBuffer: z
      .object({
        /** Bytes of receive packet buffer this port's traffic has. */
        rxBytes: z.number().int().positive(),
        /** The range the sources allow (configuration, ports sharing the buffer). */
        rxBytesRange: z.tuple([z.number().int().positive(), z.number().int().positive()]),
        /** How sure the figure is (as a cost constant's tag); default "secondary". */
        tag: z.enum(["verified", "secondary", "derived", "assumption"]).optional(),
        source: Source,
      })
      .strict()
      .optional(),
    /** What the Linux view shows of this NIC's drivers (src/nic/linux). */
    linux: z
      .object({
        pfDriver: z.string().regex(/^[a-z0-9_]+$/),
        vfDriver: z.string().regex(/^[a-z0-9_]+$/),
        /** ndo_set_vf_vlan accepts 802.1ad port VLANs (i40e/ixgbe/igb refuse: EPROTONOSUPPORT). */
        qinq: z.boolean(),
        /** get_vf_config reports rss_query_en (ixgbe does; i40e and igb leave it unset). */
        reportsQueryRss: z.boolean(),
        /** Link speed (Mb/s): max_tx_rate above it is refused. */
        linkSpeedMbps: z.number().int().min(0),
        /** A non-zero max_tx_rate at or below this (Mb/s) is refused (ixgbe: 10). Absent: 0. */
        maxTxRateFloorMbps: z.number().int().min(0).optional(),
        /** The PF driver has ndo_set_vf_link_state (igb has not: `state` is EOPNOTSUPP). Absent: true. */
        vfLinkState: z.boolean().optional(),
        /** ndo_set_vf_rate applies a VF's min_tx_rate (ice: ice_set_min_bw_limit, refused when the
         *  VFs' minimums together exceed the link); i40e, ixgbe and igb refuse a non-zero one
         *  (EINVAL). Absent: false. */
        minTxRate: z.boolean().optional(),
      })
      .strict(),
    /** The transmit rate limiter `ip link set DEV vf N max_tx_rate R` programs: how the NIC's
     *  scheduler serves a VF's transmit queue no faster than R (src/model/vf-rate.ts, the
     *  engine's veb-tx). Optional: a NIC without it has no VF rate limit in the data plane. */
    vfTxShaper: z
      .object({
        /** How the rate asked for becomes the rate programmed: i40e's 50 Mb/s BW credits
         *  (rounded down, at least one), or ixgbe/igb's rate factor link/R with `fractionBits`
         *  fractional bits (RTTBCNRC). Each fact below carries its tag and source, like a cost
         *  constant (`iovsim model show --nic ID` lists them). */
        granularity: z.discriminatedUnion("kind", [
          z
            .object({
              kind: z.literal("credits"),
              creditMbps: z.number().positive(),
              tag: Tag,
              source: Source,
            })
            .strict(),
          z
            .object({
              kind: z.literal("rate-factor"),
              fractionBits: z.number().int().min(0).max(31),
              tag: Tag,
              source: Source,
            })
            .strict(),
          /** A rate-limiter profile in floating point (ice: ice_sched_bw_to_rl_profile): the rate
           *  (in Kb/s, within [minKbps, maxKbps]) becomes mantissa x (clockHz / (tickDivider x
           *  2^e)) bytes/s, e the first exponent whose rounded mantissa exceeds mantissaAbove. */
          z
            .object({
              kind: z.literal("mantissa-exponent"),
              clockHz: z.number().int().positive(),
              tickDivider: z.number().int().positive(),
              mantissaAbove: z.number().int().positive(),
              minKbps: z.number().int().positive(),
              maxKbps: z.number().int().positive(),
              tag: Tag,
              source: Source,
            })
            .strict()
            .refine((g) => g.minKbps <= g.maxKbps, {
              message: "minKbps must not exceed maxKbps",
              path: ["minKbps"],
            }),
        ]),
        /** What a frame costs the limiter: its bytes on the wire with preamble and inter-frame
         *  gap (layer1: frame + FCS + 20 B), or the frame with its FCS alone (frame). */
        counts: z.object({ value: z.enum(["layer1", "frame"]), tag: Tag, source: Source }).strict(),
        /** Bytes the limiter lets through back to back after an idle spell (its bucket). */
        burstBytes: z
          .object({
            value: z.number().int().positive(),
            range: z.tuple([z.number().int().positive(), z.number().int().positive()]),
            tag: Tag,
            source: Source,
          })
          .strict()
          .refine((b) => b.range[0] <= b.value && b.value <= b.range[1], {
            message: "value must lie inside its range [low, high]",
          }),
        /** The limit is programmed per transmit queue of the VF (ixgbe, igb: RTTDQSEL per
         *  queue), not once per VF (i40e: the VF's VSI). */
        perQueue: z.boolean(),
      })
      .strict()
      .optional(),
    /** Exact-match flow rules to queues (Flow Director / rte_flow / ethtool ntuple). */
    flow: z
      .object({
        /** Exact-match entries the port's rules may take; 0: the NIC has no such table (the
         *  source says why, and steering refuses flow-rules on it with that reason). */
        rules: z.number().int().min(0),
        /** The range the sources allow (driver defaults, ports sharing the table). */
        rulesRange: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
        /** How sure `rules` is (as a cost constant's tag). */
        tag: Tag.optional(),
        patterns: z.array(
          z.enum(["gtpu-teid", "vxlan-vni", "esp-spi", "ipv4-dst", "udp-dport", "ipv6-src", "ipv6-dst"]),
        ),
        source: Source,
        /** What an IPv6 rule costs in the table (entries per rule), with where that comes from. */
        ipv6: z
          .object({ entriesPerRule: z.number().int().min(1), source: Source })
          .strict()
          .optional(),
      })
      .strict()
      .refine((f) => !f.rulesRange || (f.rulesRange[0] <= f.rules && f.rules <= f.rulesRange[1]), {
        message: "rules must lie inside rulesRange [low, high]",
        path: ["rules"],
      })
      .optional(),
    /** The transmit-queue bounds of the drivers that drive this NIC, for each OS (linux,
     *  freebsd) and function (pf, vf): `driver`, `stopFree`, `wakeFree`, `unused`, each figure
     *  with `value`, `tag` and `source` (./tx-queue.ts). The engine's transmit driver runs with
     *  the entry of the OS driving the queue in its path (the cost profile's `os`). */
    txQueue: TxQueueSchema,
    /** How the NIC reports completions to the drivers that drive it, for each OS and function:
     *  transmit `report` (descriptor or head write-back), `rsEvery`, `wthresh`; receive
     *  `wthresh`; each figure with `value`, `tag` and `source` (./write-back.ts). The engine
     *  prices each write-back event on PCIe with the entry of the OS driving the queue. */
    writeBack: WriteBackSchema,
    /** Frame sizes: the largest frame the NIC takes, and for each OS and function the driver's
     *  largest MTU and the receive buffers it posts by MTU (./frames.ts). Optional: a profile
     *  without it runs at the standard MTU only (paths --mtu above 1500 is refused). */
    frames: FramesSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const drivers = {
      linux: { pf: p.linux.pfDriver, vf: p.linux.vfDriver },
      freebsd: { pf: p.pf.driver, vf: p.vf.driver },
    };
    for (const i of txQueueProblems(p.txQueue, drivers))
      ctx.addIssue({ code: "custom", path: i.path, message: i.message });
    for (const i of writeBackProblems(p.writeBack, drivers))
      ctx.addIssue({ code: "custom", path: i.path, message: i.message });
    if (p.frames)
      for (const i of framesProblems(p.frames, drivers))
        ctx.addIssue({ code: "custom", path: i.path, message: i.message });
  });

export type NicProfile = z.output<typeof NicProfileSchema>;

const PROFILE_DIR = new URL("./profiles/", import.meta.url);
let cache: Map<string, NicProfile> | undefined;

/** Every profile under src/nic/profiles/, validated; a broken file is an internal error naming it. */
export function allProfiles(): Map<string, NicProfile> {
  if (cache) return cache;
  const out = new Map<string, NicProfile>();
  for (const file of readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const text = readFileSync(new URL(file, PROFILE_DIR), "utf8");
    let parsed: NicProfile;
    try {
      parsed = parseNicProfile(text, `src/nic/profiles/${file}`);
    } catch (e) {
      // A broken built-in profile is the project's bug, not the user's.
      throw new Error(`NIC profile ${(e as Error).message}`);
    }
    if (`${parsed.id}.json` !== file)
      throw new Error(`NIC profile ${file}: id must be '${file.slice(0, -5)}'`);
    out.set(parsed.id, parsed);
  }
  cache = out;
  return out;
}

export function getProfile(id: string): NicProfile | undefined {
  return allProfiles().get(id);
}

/**
 * The First VF Offset the PF at PCI function `fn` reports unless the host file overrides it,
 * with ARI Capable Hierarchy set (`ari`) or clear (the profile's `withoutAri` value, when it has
 * one): `blocks` puts VF j of PF f at RID base + f × ((TotalVFs − 1) × stride + 1) + j × stride
 * (relative to function 0), so PF f's offset is base + f × (TotalVFs − 1) × stride.
 */
export function defaultFirstVfOffset(
  profile: NicProfile,
  fn: number,
  totalVfs: number,
  vfStride: number,
  ari: boolean,
): number {
  const blocks = profile.sriov.perFunction?.layout === "blocks";
  const base = ari
    ? profile.sriov.firstVfOffset
    : (profile.sriov.withoutAri?.firstVfOffset ?? profile.sriov.firstVfOffset);
  return base + (blocks ? fn * (totalVfs - 1) * vfStride : 0);
}

/** A port's link speed in Mb/s: its profile's, else 10 GbE (a profile without one, as netdevsim's
 *  0, which only means "no max_tx_rate check"). */
export function linkSpeedMbpsOf(profile: NicProfile | undefined): number {
  return profile?.linux.linkSpeedMbps || 10_000;
}

/**
 * Validates a NIC profile written as JSON text; every problem is reported as
 * file:line:column: $.json.path: message.
 */
export function parseNicProfile(text: string, where: string): NicProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const { line, column } = lineColumn(text, Math.max(0, jsonErrorOffset(text)));
    throw new UserError("E_PROFILE", `${where}:${line}:${column}: not valid JSON: ${jsonSyntaxReason(e)}`);
  }
  const r = NicProfileSchema.safeParse(data);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const { line, column } = lineColumn(text, jsonPathOffset(text, i.path));
      return `${where}:${line}:${column}: $${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`;
    });
    throw new UserError("E_PROFILE", `invalid NIC profile\n${lines.join("\n")}`);
  }
  return r.data;
}

/** Adds a NIC profile from a JSON file (a NIC that is not built in); returns its id. */
export function registerNicProfileFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError("E_PROFILE", `${file}: ${(e as Error).message}`);
  }
  const p = parseNicProfile(text, file);
  const all = allProfiles();
  const have = all.get(p.id);
  if (have && JSON.stringify(have) !== JSON.stringify(p))
    throw new UserError("E_PROFILE", `${file}: a different NIC profile '${p.id}' is already loaded`);
  all.set(p.id, p);
  return p.id;
}

/** The infrastructure (IOV) schema every PF gets from pci_iov, in the kernel's insertion order. */
export const IOV_PF_PARAMS: ParamSpec[] = [
  {
    name: "num_vfs",
    type: "uint16_t",
    required: true,
    description: "Number of VFs to create (at least 1, at most TotalVFs and the driver's own limit).",
  },
  {
    name: "device",
    type: "string",
    required: true,
    description: "PF device name, e.g. ixl0 (/dev/iov/<device>).",
  },
];

export const IOV_VF_PARAMS: ParamSpec[] = [
  {
    name: "passthrough",
    type: "bool",
    default: false,
    description: "Reserve the VF for bhyve PCI passthrough: ppt(4) claims it instead of the host VF driver.",
    range: "true | false",
  },
];

/**
 * Refuses an option that asks the NIC for RSS on inner headers when the profile says its RSS
 * sees the outer headers only: the run would show a queue spread the hardware cannot give.
 */
export function requireInnerRss(profile: NicProfile, port: string, asked: string): void {
  if (profile.switch.innerRss) return;
  const capable = [...allProfiles().values()]
    .filter((p) => p.switch.innerRss)
    .map((p) => `profile ${p.id}: ${p.pf.vendorName.replace(/ Corporation$/, "")} ${p.pf.deviceName}`);
  throw new UserError(
    "E_USAGE",
    `${asked}: ${port} is an ${profile.pf.vendorName.replace(/ Corporation$/, "")} ${profile.pf.deviceName} (profile ${profile.id}), whose RSS hashes only the outer headers of tunnelled frames (no VXLAN/GENEVE/GTP-U parsing for RSS); use --rss outer and spread the inner flows in software (iovsim steering --strategy sw-dispatch), or a NIC with tunnel-aware RSS${capable.length ? ` (${capable.join(", ")})` : ""}`,
  );
}
