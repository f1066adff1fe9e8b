// The description of a simulated host: its PCI devices (SR-IOV PFs that use a NIC profile,
// and ordinary devices such as bridges so pciconf looks real). The embedded default host is
// here; `iovsim reset --host FILE` loads a user's file, validated with zod, errors naming the
// file:line:column and the JSON path.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { UserError } from "../errors.ts";
import { isSpecialFile } from "../input-file.ts";
import { fsStrerror } from "./errno.ts";
import { jsonErrorOffset, jsonPathOffset, lineColumn, refuseDuplicateKey } from "./json-locate.ts";
import { type PciAddress, parseSelector, planVfRids, ridOf } from "./pci.ts";
import { defaultFirstVfOffset, getProfile } from "./profile.ts";

const mac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, "expected a MAC like 3c:fd:fe:9e:a1:00")
  .refine((m) => (Number.parseInt(m.slice(0, 2), 16) & 1) === 0, "a PF MAC must be unicast")
  .transform((m) => m.toLowerCase());
/** A PCI function's address: 8-bit bus, 5-bit slot, 3-bit function (a PF is never ARI-numbered). */
function validSelector(s: string): boolean {
  const a = parseSelector(s);
  if (!a || !s.startsWith("pci")) return false;
  return a.domain <= 0xffff && a.bus <= 255 && a.slot <= 31 && a.function <= 7;
}
const selector = z.string().refine(validSelector, {
  message: "expected a selector like pci0:1:0:0 (bus 0-255, slot 0-31, function 0-7)",
});
const deviceName = z
  .string()
  .regex(/^[a-z][a-z_]*[0-9]+$/, "expected a device name like ixl0 (driver + unit)");
const hex = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{1,${digits}}$`), `expected a hex string of at most ${digits} digits`);

const PfDeviceSchema = z
  .object({
    name: deviceName,
    selector,
    profile: z.string(),
    mac: mac.optional(),
    /** Overrides of the profile's SR-IOV capability (e.g. a card whose two PFs share 128 VFs). */
    sriov: z
      .object({
        totalVfs: z.number().int().min(1).max(65535).optional(),
        firstVfOffset: z.number().int().min(1).max(65535).optional(),
        vfStride: z.number().int().min(1).max(65535).optional(),
        ari: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type PfDeviceSpec = z.output<typeof PfDeviceSchema>;

const PlainDeviceSchema = z
  .object({
    name: deviceName,
    selector,
    class: hex(6),
    vendor: hex(4),
    device: hex(4),
    subvendor: hex(4).optional(),
    subdevice: hex(4).optional(),
    revision: hex(2).optional(),
    hdr: hex(2).optional(),
    vendorName: z.string().optional(),
    deviceName: z.string().optional(),
    /**
     * A PCI-to-PCI bridge (a root or downstream port) may say what sits below it: the bus
     * numbers it forwards (secondary .. subordinate) and whether its ARI Forwarding is enabled
     * (PCIe Device Control 2). A PF on its secondary bus gets ARI Capable Hierarchy from it
     * (FreeBSD pci_iov_set_ari, Linux sriov_init), and its VFs may take the bus numbers up to
     * the subordinate one (Linux; FreeBSD keeps them on the PF's bus).
     */
    secondaryBus: z.number().int().min(0).max(255).optional(),
    subordinateBus: z.number().int().min(0).max(255).optional(),
    ariForwarding: z.boolean().optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const port =
      d.secondaryBus !== undefined || d.subordinateBus !== undefined || d.ariForwarding !== undefined;
    if (port && !/^0x0604[0-9a-fA-F]{2}$/.test(d.class))
      ctx.addIssue({
        code: "custom",
        path: ["class"],
        message: `secondaryBus, subordinateBus and ariForwarding describe a PCI bridge (class 0x0604xx), not class ${d.class}`,
      });
    if (port && d.secondaryBus === undefined)
      ctx.addIssue({
        code: "custom",
        path: [d.subordinateBus !== undefined ? "subordinateBus" : "ariForwarding"],
        message:
          "a bridge's subordinateBus or ariForwarding needs its secondaryBus (the bus the port leads to)",
      });
    if (d.secondaryBus !== undefined && d.subordinateBus !== undefined && d.subordinateBus < d.secondaryBus)
      ctx.addIssue({
        code: "custom",
        path: ["subordinateBus"],
        message: `subordinateBus ${d.subordinateBus} is below secondaryBus ${d.secondaryBus}`,
      });
  });

/** A device with a "profile" key is an SR-IOV PF, anything else an ordinary device (clear errors, no union noise). */
const DeviceSchema = z.unknown().transform((v, ctx): PfDeviceSpec | PlainDeviceSpec => {
  const schema = v !== null && typeof v === "object" && "profile" in v ? PfDeviceSchema : PlainDeviceSchema;
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues)
    ctx.addIssue({ code: "custom", message: issue.message, path: atUnknownKey(issue) });
  return z.NEVER;
});

/** An issue's path; an unknown key is located at itself (its first), not at the object holding it. */
function atUnknownKey(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === "unrecognized_keys" && issue.keys.length > 0
    ? [...issue.path, issue.keys[0]]
    : [...issue.path];
}

export type PlainDeviceSpec = z.output<typeof PlainDeviceSchema>;

export const HostSpecSchema = z
  .object({
    description: z.string().optional(),
    kernel: z
      .object({
        /** Newer pci_iov.c: without ARI, VFs beyond slot 0 → ENOSPC. Off by default (see docs). */
        strictAriSlotCheck: z.boolean().optional(),
      })
      .strict()
      .optional(),
    devices: z.array(DeviceSchema).min(1),
  })
  .strict()
  .superRefine((host, ctx) => {
    const names = new Map<string, number>();
    const sels = new Map<string, number>();
    host.devices.forEach((d, i) => {
      if (names.has(d.name))
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "name"],
          message: `duplicate device name '${d.name}'`,
        });
      names.set(d.name, i);
      const a = parseSelector(d.selector);
      const key = a ? `${a.domain}:${a.bus}:${a.slot}:${a.function}` : d.selector;
      if (sels.has(key))
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "selector"],
          message: `duplicate selector ${d.selector}`,
        });
      sels.set(key, i);
      if ("profile" in d) {
        const p = getProfile(d.profile);
        if (!p) {
          ctx.addIssue({
            code: "custom",
            path: ["devices", i, "profile"],
            message: `unknown NIC profile '${d.profile}'`,
          });
        } else if (d.name.replace(/[0-9]+$/, "") !== p.pf.driver) {
          ctx.addIssue({
            code: "custom",
            path: ["devices", i, "name"],
            message: `a '${d.profile}' PF is named after its driver: expected ${p.pf.driver}<unit>, got '${d.name}'`,
          });
        }
      }
    });
    checkBridgeBusRanges(host.devices, ctx);
    checkVfRidCollisions(host.devices, ctx);
  });

/** [secondary, subordinate] as lspci's bus range reads it (%pR: [bus 05-06], [bus 03]). */
const busRange = (lo: number, hi: number) =>
  `[bus ${lo.toString(16).padStart(2, "0")}${hi > lo ? `-${hi.toString(16).padStart(2, "0")}` : ""}]`;

/**
 * The bus numbers the bridges forward: a bridge leads to buses below its own (its secondary bus
 * above the one it sits on), and two bridges' ranges are apart unless one bridge sits inside the
 * other's range (below it), its range within the other's: each bus number is reached through
 * one bridge of a level (PCI-to-PCI Bridge Architecture 1.2 §3.2.5.3-5, the bus number
 * registers). Overlapping siblings would give one bus two parents, and a PF's VFs (placed up to
 * its port's subordinate bus) routing IDs that another port claims.
 */
function checkBridgeBusRanges(devices: Array<PfDeviceSpec | PlainDeviceSpec>, ctx: z.RefinementCtx): void {
  const bridges: Array<{ i: number; name: string; domain: number; bus: number; lo: number; hi: number }> = [];
  devices.forEach((d, i) => {
    if (isPfSpec(d) || d.secondaryBus === undefined) return;
    const a = parseSelector(d.selector);
    if (!a) return;
    const lo = d.secondaryBus;
    const hi = Math.max(lo, d.subordinateBus ?? lo);
    if (lo <= a.bus) {
      ctx.addIssue({
        code: "custom",
        path: ["devices", i, "secondaryBus"],
        message: `secondaryBus ${lo} is not above ${d.name}'s own bus ${a.bus}: a bridge leads to a higher bus number than the one it sits on`,
      });
      return;
    }
    bridges.push({ i, name: d.name, domain: a.domain, bus: a.bus, lo, hi });
  });
  for (const [k, b] of bridges.entries())
    for (const a of bridges.slice(0, k)) {
      if (a.domain !== b.domain || b.hi < a.lo || a.hi < b.lo) continue;
      const inside = (x: typeof a, y: typeof a) =>
        x.bus >= y.lo && x.bus <= y.hi && x.lo >= y.lo && x.hi <= y.hi;
      if (inside(b, a) || inside(a, b)) continue;
      ctx.addIssue({
        code: "custom",
        path: ["devices", b.i, "secondaryBus"],
        message: `${b.name}'s buses ${busRange(b.lo, b.hi)} overlap ${a.name}'s ${busRange(a.lo, a.hi)}, and neither bridge sits below the other: each bus number is reached through one bridge (set secondaryBus/subordinateBus apart)`,
      });
    }
}

/**
 * Every routing ID a PF's VFs can take (up to TotalVFs, on the PF's bus) must be free: real
 * cards space their PFs' VFs apart, and so do the profiles' per-function defaults (X710 PF 1:
 * offset 79; 82599: interleaved by stride 2); an override can still collide.
 */
function checkVfRidCollisions(devices: Array<PfDeviceSpec | PlainDeviceSpec>, ctx: z.RefinementCtx): void {
  const owner = new Map<string, string>();
  const at = (domain: number, rid: number) => `${domain}:${rid}`;
  for (const d of devices) {
    const a = parseSelector(d.selector);
    if (a) owner.set(at(a.domain, ridOf(a, false)), d.name);
  }
  devices.forEach((d, i) => {
    const a = parseSelector(d.selector);
    const profile = "profile" in d ? getProfile(d.profile) : undefined;
    if (!a || !profile || !("profile" in d)) return;
    const total = d.sriov?.totalVfs ?? profile.sriov.totalVfs;
    const stride = d.sriov?.vfStride ?? profile.sriov.vfStride;
    const place = pfHierarchy(devices, d, a);
    const offset =
      d.sriov?.firstVfOffset ?? defaultFirstVfOffset(profile, a.function, total, stride, place.ari);
    if (offset > 0xffff) {
      // The register is 16 bits: a per-function block this far out does not exist on the card.
      ctx.addIssue({
        code: "custom",
        path: ["devices", i, "sriov"],
        message: `${d.name} at function ${a.function} would report First VF Offset ${offset} (${total} VFs a PF, stride ${stride}), more than the 16-bit register holds; set sriov.firstVfOffset`,
      });
      return;
    }
    const plan = planVfRids(ridOf(a, false), offset, stride, total);
    for (let vf = 0; vf < total; vf++) {
      const rid = plan.rid(vf);
      // Past the bus numbers the PF's port forwards: no kernel creates it.
      if (rid >> 8 > place.lastBus || rid > 0xffff) break;
      const other = owner.get(at(a.domain, rid));
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "sriov"],
          message: `VF ${vf} of ${d.name} would take routing ID 0x${rid.toString(16).padStart(4, "0")}, already used by ${other}; set sriov.firstVfOffset/vfStride so the PFs' VFs do not overlap`,
        });
        return;
      }
      owner.set(at(a.domain, rid), `${d.name} VF ${vf}`);
    }
  });
}

export type HostSpec = z.output<typeof HostSpecSchema>;

/** Where a PF sits: whether its hierarchy is ARI-capable, the last bus number its VFs may take. */
export interface PfHierarchy {
  /** ARI Capable Hierarchy, as the OS sets it: the PF's `sriov.ari` override, else its port's
   *  ariForwarding, else (no port described) the profile's `ari`. */
  ari: boolean;
  /** The bridge whose secondary bus the PF is on (undefined: the host file does not say). */
  port?: PlainDeviceSpec;
  /** The highest bus number below the PF's port: its subordinate bus (the PF's own bus when the
   *  port gives none, or when no port is described). */
  lastBus: number;
}

export function pfHierarchy(
  devices: ReadonlyArray<PfDeviceSpec | PlainDeviceSpec>,
  pf: PfDeviceSpec,
  address: PciAddress,
): PfHierarchy {
  const port = devices.find(
    (d): d is PlainDeviceSpec =>
      !isPfSpec(d) && d.secondaryBus === address.bus && parseSelector(d.selector)?.domain === address.domain,
  );
  const profileAri = getProfile(pf.profile)?.sriov.ari ?? false;
  return {
    ari: pf.sriov?.ari ?? port?.ariForwarding ?? profileAri,
    ...(port ? { port } : {}),
    lastBus: Math.max(address.bus, port?.subordinateBus ?? address.bus),
  };
}

export function isPfSpec(d: PfDeviceSpec | PlainDeviceSpec): d is PfDeviceSpec {
  return "profile" in d;
}

/** The embedded default host: §9 reference profiles (ixl0, ix0) plus igb0, behind Xeon root ports. */
export const DEFAULT_HOST: HostSpec = {
  description: "iovsim default host: X710 (ixl0), 82599 (ix0), 82576 (igb0)",
  devices: [
    {
      name: "hostb0",
      selector: "pci0:0:0:0",
      class: "0x060000",
      vendor: "0x8086",
      device: "0x6f00",
      revision: "0x01",
      vendorName: "Intel Corporation",
      deviceName: "Xeon E7 v4/Xeon E5 v4/Xeon E3 v4/Xeon D DMI2",
    },
    {
      name: "pcib1",
      selector: "pci0:0:1:0",
      class: "0x060400",
      vendor: "0x8086",
      device: "0x6f02",
      revision: "0x01",
      hdr: "0x01",
      vendorName: "Intel Corporation",
      deviceName: "Xeon E7 v4/Xeon E5 v4/Xeon E3 v4/Xeon D PCI Express Root Port 1",
    },
    {
      name: "pcib2",
      selector: "pci0:0:2:0",
      class: "0x060400",
      vendor: "0x8086",
      device: "0x6f04",
      revision: "0x01",
      hdr: "0x01",
      vendorName: "Intel Corporation",
      deviceName: "Xeon E7 v4/Xeon E5 v4/Xeon E3 v4/Xeon D PCI Express Root Port 2",
    },
    {
      name: "pcib3",
      selector: "pci0:0:3:0",
      class: "0x060400",
      vendor: "0x8086",
      device: "0x6f08",
      revision: "0x01",
      hdr: "0x01",
      vendorName: "Intel Corporation",
      deviceName: "Xeon E7 v4/Xeon E5 v4/Xeon E3 v4/Xeon D PCI Express Root Port 3",
    },
    { name: "ixl0", selector: "pci0:1:0:0", profile: "ixl", mac: "3c:fd:fe:9e:a1:00" },
    { name: "ix0", selector: "pci0:3:0:0", profile: "ix", mac: "90:e2:ba:4c:12:30" },
    { name: "igb0", selector: "pci0:5:0:0", profile: "igb", mac: "00:1b:21:5a:7c:40" },
  ],
};

/** Loads and validates a user's host file; every mistake is a UserError naming file and JSON path. */
export function loadHostSpecFile(file: string): HostSpec {
  // A FIFO or a device is never read whole (a FIFO without a writer blocks forever).
  if (isSpecialFile(file))
    throw new UserError("E_HOST_FILE", `cannot read host file '${file}': not a regular file`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError("E_HOST_FILE", `cannot read host file '${file}': ${fsStrerror(e)}`);
  }
  text = text.replace(/^\uFEFF/, ""); // an editor's byte-order mark is not JSON's concern
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message
      .replace(/\s*\(line \d+ column \d+\)$/, "")
      .replace(/ in JSON at position \d+$/, "");
    const at = jsonErrorOffset(text);
    if (at >= 0) {
      const { line, column } = lineColumn(text, at);
      const what = at < text.length ? `unexpected ${JSON.stringify(text[at])}` : "unexpected end of file";
      throw new UserError("E_HOST_FILE", `${file}:${line}:${column}: invalid JSON: ${what}`);
    }
    throw new UserError("E_HOST_FILE", `${file}: invalid JSON: ${msg}`);
  }
  refuseDuplicateKey(text, file);
  return validateHostSpec(json, file, text);
}

/** `text` (the file's JSON): each error is also located, `file:line:column: $.path: message`. */
export function validateHostSpec(json: unknown, file: string, text?: string): HostSpec {
  const r = HostSpecSchema.safeParse(json);
  if (r.success) return r.data;
  const where = (path: ReadonlyArray<PropertyKey>) => {
    if (text === undefined) return file;
    const { line, column } = lineColumn(text, jsonPathOffset(text, path));
    return `${file}:${line}:${column}`;
  };
  const lines = r.error.issues.map((i) => {
    const path = atUnknownKey(i);
    return `${where(path)}: ${formatJsonPath(path)}: ${i.message}`;
  });
  throw new UserError("E_HOST_FILE", `invalid host file:\n  ${lines.join("\n  ")}`);
}

export function formatJsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "$";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}
