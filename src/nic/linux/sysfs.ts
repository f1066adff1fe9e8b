// A read/write view of /sys (and the debugfs files the SR-IOV tools use) built from the host's
// state on every call: directories, attribute files with their modes, and symlinks (virtfnN,
// physfn, driver, device) that path resolution follows like the kernel's VFS does.
import type { HostState } from "../host-model.ts";
import { isPfSpec } from "../host-spec.ts";
import { parseSelector } from "../pci.ts";
import { bdfOfAddress, bdfOfRid } from "./bdf.ts";
import type { LinuxErrno, SysResult } from "./errno.ts";
import { linkFacts } from "./iplink.ts";
import { kstrtoul } from "./kstrto.ts";
import { setMtu } from "./mtu.ts";
import { type Netdev, netdevs } from "./netdevs.ts";
import {
  nsimDevices,
  storeDelDevice,
  storeNewDevice,
  storeNsimMaxVfs,
  storeNsimNumvfs,
} from "./netdevsim.ts";
import {
  boundDriver,
  loadedPciDrivers,
  type PciFunction,
  pciFunctions,
  readDriverOverride,
  storeBind,
  storeDriverOverride,
  storeDriversProbe,
  storeNewId,
  storeRemoveId,
  storeUnbind,
} from "./pci-bind.ts";
import {
  currentNumVfs,
  type LinuxPciPf,
  linuxPciPfs,
  pfBoundDriver,
  sriovTotalVfs,
  storeAutoprobe,
  storeFaultKnob,
  storeSriovNumvfs,
} from "./pci-sriov.ts";
import { pfLinuxOf } from "./state.ts";

export type SysNode =
  | { kind: "dir"; entries: () => Map<string, SysNode> }
  | { kind: "file"; mode: number; read?: () => string; write?: (buf: string) => SysResult }
  | { kind: "link"; target: string };

const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, "0")}`;
const ro = (text: () => string): SysNode => ({ kind: "file", mode: 0o444, read: () => text() });
const dir = (make: () => Array<[string, SysNode]>): SysNode => ({
  kind: "dir",
  entries: () => new Map(make()),
});
const link = (target: string): SysNode => ({ kind: "link", target });

function idFiles(id: {
  vendor: number;
  device: number;
  cls: number;
  subvendor: number;
  subdevice: number;
  rev: number;
}): Array<[string, SysNode]> {
  return [
    ["class", ro(() => `${hex(id.cls, 6)}\n`)],
    ["device", ro(() => `${hex(id.device, 4)}\n`)],
    ["revision", ro(() => `${hex(id.rev, 2)}\n`)],
    ["subsystem_device", ro(() => `${hex(id.subdevice, 4)}\n`)],
    ["subsystem_vendor", ro(() => `${hex(id.subvendor, 4)}\n`)],
    ["vendor", ro(() => `${hex(id.vendor, 4)}\n`)],
  ];
}

function driverOverrideFile(state: HostState, fn: PciFunction): [string, SysNode] {
  return [
    "driver_override",
    {
      kind: "file",
      mode: 0o644,
      read: () => readDriverOverride(state, fn),
      write: (b) => storeDriverOverride(state, fn, b),
    },
  ];
}

/** `<BDF>/net/<ifname>`: the function's network interface (here a link to /sys/class/net). */
function netDir(ifname: string): [string, SysNode] {
  return ["net", dir(() => [[ifname, link(`../../../../../class/net/${ifname}`)]])];
}

function pfDir(state: HostState, pf: LinuxPciPf): SysNode {
  const { info } = pf;
  const p = info.profile;
  return dir(() => {
    const rt = state.pfs[info.name];
    const vfs = rt?.sriovEnabled ? rt.vfs : [];
    const entries: Array<[string, SysNode]> = [
      ...idFiles({
        vendor: p.pf.vendor,
        device: p.pf.device,
        cls: p.pf.class,
        subvendor: p.pf.subvendor,
        subdevice: p.pf.subdevice,
        rev: p.pf.revision,
      }),
      driverOverrideFile(state, { kind: "pf", pf, bdf: pf.bdf }),
      [
        "sriov_drivers_autoprobe",
        {
          kind: "file",
          mode: 0o644,
          read: () => `${pfLinuxOf(state, info.name).autoprobe ? 1 : 0}\n`,
          write: (b) => storeAutoprobe(state, pf, b),
        },
      ],
      [
        "sriov_numvfs",
        {
          kind: "file",
          // drivers/pci/iov.c: DEVICE_ATTR_RW(sriov_numvfs), 0644 (0664 before Linux 5.x's
          // conversion; netdevsim's own sriov_numvfs below is still 0664).
          mode: 0o644,
          read: () => `${currentNumVfs(state, info.name)}\n`,
          write: (b) => storeSriovNumvfs(state, pf, b),
        },
      ],
      ["sriov_offset", ro(() => `${info.firstVfOffset}\n`)],
      ["sriov_stride", ro(() => `${info.vfStride}\n`)],
      ["sriov_totalvfs", ro(() => `${sriovTotalVfs(state, pf)}\n`)],
      ["sriov_vf_device", ro(() => `${p.sriov.vfDeviceId.toString(16)}\n`)],
    ];
    // The driver link and the PF's netdev exist while a driver is bound (vfio-pci makes no netdev).
    const driver = pfBoundDriver(state, pf);
    if (driver) entries.push(["driver", link(`../../drivers/${driver}`)]);
    if (driver === pf.facts.pfDriver) entries.push(netDir(info.name));
    for (const vf of vfs)
      entries.push([`virtfn${vf.index}`, link(`../${bdfOfRid(vf.rid, info.address.domain)}`)]);
    return entries;
  });
}

function pciDevices(state: HostState): Array<[string, SysNode]> {
  const out: Array<[string, SysNode]> = [];
  for (const d of state.spec.devices) {
    if (isPfSpec(d)) continue;
    const n = (h: string | undefined, dflt = 0) => (h ? Number.parseInt(h, 16) : dflt);
    out.push([
      bdfOfAddress(parseSelector(d.selector)!),
      dir(() =>
        idFiles({
          vendor: n(d.vendor),
          device: n(d.device),
          cls: n(d.class),
          subvendor: n(d.subvendor),
          subdevice: n(d.subdevice),
          rev: n(d.revision),
        }),
      ),
    ]);
  }
  for (const pf of linuxPciPfs(state)) {
    out.push([pf.bdf, pfDir(state, pf)]);
    const rt = state.pfs[pf.info.name];
    const p = pf.info.profile;
    for (const vf of rt?.sriovEnabled ? rt.vfs : []) {
      const entries: Array<[string, SysNode]> = [
        ...idFiles({
          vendor: p.pf.vendor,
          device: p.sriov.vfDeviceId,
          cls: p.pf.class,
          subvendor: p.pf.subvendor,
          subdevice: p.vf.subdevice,
          rev: p.vf.revision,
        }),
        ["physfn", link(`../${pf.bdf}`)],
      ];
      const bdf = bdfOfRid(vf.rid, pf.info.address.domain);
      entries.push(driverOverrideFile(state, { kind: "vf", pf, vf, bdf }));
      const driver = boundDriver(state, { kind: "vf", pf, vf, bdf });
      if (driver) entries.push(["driver", link(`../../drivers/${driver}`)]);
      // The VF's netdev (what scripts read to find its interface name), while its host driver is
      // bound (vfio-pci makes none).
      if (driver === pf.facts.vfDriver) entries.push(netDir(vf.name));
      out.push([bdf, dir(() => entries)]);
    }
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** /sys/bus/pci/drivers: each loaded driver, the functions bound to it, bind and unbind. */
function pciDrivers(state: HostState): Array<[string, SysNode]> {
  const fns = pciFunctions(state);
  return loadedPciDrivers(state).map((drv) => [
    drv,
    dir(() => [
      ...fns
        .filter((fn) => boundDriver(state, fn) === drv)
        .map((fn): [string, SysNode] => [fn.bdf, link(`../../devices/${fn.bdf}`)]),
      ["bind", { kind: "file", mode: 0o200, write: (b) => storeBind(state, drv, b) }],
      ["new_id", { kind: "file", mode: 0o200, write: (b) => storeNewId(state, drv, b) }],
      ["remove_id", { kind: "file", mode: 0o200, write: (b) => storeRemoveId(state, drv, b) }],
      ["unbind", { kind: "file", mode: 0o200, write: (b) => storeUnbind(state, drv, b) }],
    ]),
  ]);
}

function netdevsimBus(state: HostState): SysNode {
  return dir(() => [
    ["del_device", { kind: "file", mode: 0o200, write: (b) => storeDelDevice(state, b) }],
    [
      "devices",
      dir(() =>
        nsimDevices(state).map((dev) => [
          `netdevsim${dev.id}`,
          dir(() => [
            [
              "net",
              dir(() =>
                netdevs(state)
                  .filter((n) => n.owner.kind === "nsim" && n.owner.dev.id === dev.id)
                  .map((n) => [n.name, link(`../../../../../class/net/${n.name}`)]),
              ),
            ],
            [
              "sriov_numvfs",
              {
                kind: "file",
                mode: 0o664,
                read: () => `${dev.numVfs}\n`,
                write: (b) => storeNsimNumvfs(dev, b),
              },
            ],
          ]),
        ]),
      ),
    ],
    ["new_device", { kind: "file", mode: 0o200, write: (b) => storeNewDevice(state, b) }],
  ]);
}

/** net_device flags as dev->flags holds them (sysfs `flags`): LOWER_UP is rtnetlink's, not here. */
const IFF_BITS: Record<string, number> = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  NOARP: 0x80,
  MULTICAST: 0x1000,
};

/** net-sysfs.c mtu_store: kstrtoul(buf, 0) then dev_set_mtu((int)value); no extack, the errno alone. */
function storeMtu(state: HostState, n: Netdev, buf: string): SysResult {
  const v = kstrtoul(buf, 0, 0xffffffff);
  if (!v.ok) return { ok: false, errno: v.errno };
  const r = setMtu(state, n.owner, n.port, v.value);
  return r.ok ? r : { ok: false, errno: r.errno };
}

function classNet(state: HostState): SysNode {
  return dir(() =>
    netdevs(state).map((n) => [
      n.name,
      dir(() => [
        // net-sysfs.c attributes that agree with `ip link show` (ether_setup: type 1, 6-byte
        // addresses, qlen 1000); flags and tx_queue_len are read-only here, and lo's mtu.
        ["addr_len", ro(() => "6\n")],
        ["address", ro(() => `${n.mac}\n`)],
        ["broadcast", ro(() => `${linkFacts(n).broadcast}\n`)],
        [
          "flags",
          ro(
            () =>
              `0x${linkFacts(n)
                .flags.reduce((f, w) => f | (IFF_BITS[w] ?? 0), 0)
                .toString(16)}\n`,
          ),
        ],
        n.owner.kind === "loopback"
          ? ["mtu", ro(() => `${linkFacts(n).mtu}\n`)]
          : [
              "mtu",
              {
                kind: "file",
                mode: 0o644,
                read: () => `${linkFacts(n).mtu}\n`,
                write: (b) => storeMtu(state, n, b),
              },
            ],
        ["operstate", ro(() => `${linkFacts(n).operstate.toLowerCase()}\n`)],
        ["tx_queue_len", ro(() => "1000\n")],
        // ARPHRD_ETHER 1, ARPHRD_LOOPBACK 772 (include/uapi/linux/if_arp.h).
        ["type", ro(() => (n.owner.kind === "loopback" ? "772\n" : "1\n"))],
        // lo has no parent device, so no `device` link.
        ...(n.owner.kind === "loopback"
          ? []
          : [
              [
                "device",
                link(
                  n.owner.kind === "pci"
                    ? `../../../bus/pci/devices/${n.owner.pf.bdf}`
                    : n.owner.kind === "vf"
                      ? `../../../bus/pci/devices/${n.owner.bdf}`
                      : `../../../bus/netdevsim/devices/netdevsim${n.owner.dev.id}`,
                ),
              ] as [string, SysNode],
            ]),
        ["ifindex", ro(() => `${n.ifindex}\n`)],
      ]),
    ]),
  );
}

function debugfs(state: HostState): SysNode {
  return dir(() => [
    [
      "iovsim",
      dir(() =>
        linuxPciPfs(state).map((pf) => [
          pf.bdf,
          dir(() => [
            [
              "fail_vf_add",
              {
                kind: "file",
                mode: 0o600,
                read: () => `${pfLinuxOf(state, pf.info.name).failVfAdd}\n`,
                write: (b) => storeFaultKnob(state, pf, "fail_vf_add", b),
              },
            ],
            [
              "vf_enable_limit",
              {
                kind: "file",
                mode: 0o600,
                read: () => `${pfLinuxOf(state, pf.info.name).vfEnableLimit}\n`,
                write: (b) => storeFaultKnob(state, pf, "vf_enable_limit", b),
              },
            ],
          ]),
        ]),
      ),
    ],
    [
      "netdevsim",
      dir(() =>
        nsimDevices(state).map((dev) => [
          `netdevsim${dev.id}`,
          dir(() => [
            [
              "max_vfs",
              {
                kind: "file",
                mode: 0o600,
                read: () => `${dev.maxVfs}\n`,
                write: (b) => storeNsimMaxVfs(dev, b),
              },
            ],
          ]),
        ]),
      ),
    ],
  ]);
}

export function sysRoot(state: HostState): SysNode {
  const sys = dir(() => [
    [
      "bus",
      dir(() => [
        ["netdevsim", netdevsimBus(state)],
        [
          "pci",
          dir(() => [
            ["devices", dir(() => pciDevices(state))],
            ["drivers", dir(() => pciDrivers(state))],
            ["drivers_probe", { kind: "file", mode: 0o200, write: (b) => storeDriversProbe(state, b) }],
          ]),
        ],
      ]),
    ],
    ["class", dir(() => [["net", classNet(state)]])],
    ["kernel", dir(() => [["debug", debugfs(state)]])],
  ]);
  return dir(() => [["sys", sys]]);
}

export type Resolved =
  | { ok: true; node: SysNode; path: string }
  /** `parentExists`: only the last component is missing (a write would try to create it). */
  | { ok: false; errno: LinuxErrno; parentExists?: boolean };

/** Resolves an absolute path, following symlinks (also the last component unless `nofollow`). */
export function resolve(state: HostState, path: string, nofollow = false): Resolved {
  if (!path.startsWith("/")) return { ok: false, errno: "ENOENT" };
  const root = sysRoot(state);
  let hops = 0;
  const walk = (parts: string[]): Resolved => {
    const stack: Array<{ name: string; node: SysNode }> = [];
    const queue = [...parts];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === "" || name === "." || name === "..") {
        // `file/`, `file/.` and `file/..` are ENOTDIR, as path resolution says.
        if (stack.length && stack[stack.length - 1].node.kind !== "dir")
          return { ok: false, errno: "ENOTDIR" };
        if (name === "..") stack.pop();
        continue;
      }
      const cur = stack.length ? stack[stack.length - 1].node : root;
      if (cur.kind !== "dir") return { ok: false, errno: "ENOTDIR" };
      const next = cur.entries().get(name);
      if (!next) return { ok: false, errno: "ENOENT", parentExists: queue.every((q) => q === "") };
      // Only a link that ends the path is left unfollowed (lstat): `link/` follows it.
      const last = queue.length === 0;
      if (next.kind === "link" && !(last && nofollow)) {
        if (++hops > 40) return { ok: false, errno: "ENOENT" };
        queue.unshift(...next.target.split("/"));
        continue;
      }
      stack.push({ name, node: next });
    }
    const node = stack.length ? stack[stack.length - 1].node : root;
    return { ok: true, node, path: `/${stack.map((s) => s.name).join("/")}` };
  };
  return walk(path.split("/"));
}
