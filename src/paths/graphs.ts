// The packet paths as data (Snabb-style configurations, not code): each is a list of elements
// joined by named links (SPSC rings). The direction modeled is receive: the wire (a peer, played
// by the generator) sends to a consumer on this host. src/paths/build.ts turns a graph into rings
// and element contexts in shared memory.
import type { PathContext } from "../model/cost.ts";

export type ElementSpec =
  | { kind: "gen"; name: string; out: string }
  | { kind: "veb"; name: string; in: string; out: string; pool: "pf" | "vf" }
  | {
      kind: "hop";
      name: string;
      in: string;
      out: string;
      role: "pf-rx" | "epair" | "tap";
      interrupts: boolean;
    }
  | { kind: "bridge"; name: string; in: string; uplink: string; port: string }
  | { kind: "vhost"; name: string; in: string; vq: string }
  | { kind: "guest-rx"; name: string; vq: string; sink: string }
  | {
      kind: "sink";
      name: string;
      in: string | null;
      role: string;
      iotlbPerFrame: number;
      interrupts: boolean;
    };

export interface PathGraph {
  name: string;
  summary: string;
  /** Who pays for what in the cost model. */
  context: PathContext;
  /** Where the consumer lives. */
  consumer: "host" | "jail" | "vm";
  /** Uses a VF created through the control plane (else the PF). */
  usesVf: boolean;
  elements: ElementSpec[];
}

const gen = { kind: "gen", name: "gen", out: "wire" } as const;

export const PATHS: readonly PathGraph[] = [
  {
    name: "native",
    summary: "PF in the host's network stack",
    context: "host",
    consumer: "host",
    usesVf: false,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      {
        kind: "sink",
        name: "host-stack",
        in: "pf.rx0",
        role: "host stack (PF driver)",
        iotlbPerFrame: 0,
        interrupts: true,
      },
    ],
  },
  {
    name: "jail-vf",
    summary: "VF (iavf) moved into a vnet jail; the jail shares the host kernel",
    context: "host",
    consumer: "jail",
    usesVf: true,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "vf.rx0", pool: "vf" },
      {
        kind: "sink",
        name: "jail-stack",
        in: "vf.rx0",
        role: "jail stack (iavf)",
        iotlbPerFrame: 0,
        interrupts: true,
      },
    ],
  },
  {
    name: "vm-vf",
    summary: "VF passed through (ppt) to a bhyve VM: host takes the interrupt, then injects",
    context: "vm-assigned",
    consumer: "vm",
    usesVf: true,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "vf.rx0", pool: "vf" },
      {
        kind: "sink",
        name: "guest-iavf",
        in: "vf.rx0",
        role: "guest stack (iavf in the VM)",
        iotlbPerFrame: 2,
        interrupts: true,
      },
    ],
  },
  {
    name: "passthrough",
    summary: "whole PF passed through to one VM (no SR-IOV; a second VM is refused)",
    context: "vm-assigned",
    consumer: "vm",
    usesVf: false,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      {
        kind: "sink",
        name: "guest-pf",
        in: "pf.rx0",
        role: "guest stack (PF driver in the VM)",
        iotlbPerFrame: 2,
        interrupts: true,
      },
    ],
  },
  {
    name: "virtio",
    summary: "paravirtual: PF in the host, learning bridge, tap, vhost-copy backend, split virtqueue",
    context: "virtio",
    consumer: "vm",
    usesVf: false,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      { kind: "hop", name: "pf-rx", in: "pf.rx0", out: "bridge.in", role: "pf-rx", interrupts: true },
      { kind: "bridge", name: "bridge", in: "bridge.in", uplink: "uplink.out", port: "tap.in" },
      { kind: "hop", name: "tap", in: "tap.in", out: "tap.q", role: "tap", interrupts: false },
      { kind: "vhost", name: "vhost-copy", in: "tap.q", vq: "vq0" },
      { kind: "guest-rx", name: "virtio-net", vq: "vq0", sink: "guest-virtio" },
    ],
  },
  {
    name: "jail-epair",
    summary: "PF in the host, if_bridge, epair into a vnet jail",
    context: "host",
    consumer: "jail",
    usesVf: false,
    elements: [
      gen,
      { kind: "veb", name: "veb-rx", in: "wire", out: "pf.rx0", pool: "pf" },
      { kind: "hop", name: "pf-rx", in: "pf.rx0", out: "bridge.in", role: "pf-rx", interrupts: true },
      { kind: "bridge", name: "bridge", in: "bridge.in", uplink: "uplink.out", port: "epair.a" },
      { kind: "hop", name: "epair", in: "epair.a", out: "epair.b", role: "epair", interrupts: false },
      {
        kind: "sink",
        name: "jail-stack",
        in: "epair.b",
        role: "jail stack (epair b)",
        iotlbPerFrame: 0,
        interrupts: false,
      },
    ],
  },
];

export const PATH_NAMES = PATHS.map((p) => p.name);

export function pathByName(name: string): PathGraph | undefined {
  return PATHS.find((p) => p.name === name);
}
