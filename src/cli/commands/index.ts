// Every iovsim command, once: name -> its module (loaded only when used, so `iovsim iovctl`
// does not load the engine). Each module exports `command`, declared with defineCommand or
// defineRawCommand (src/cli/registry.ts); its name, summary, help and options live there.
import type { Command } from "../context.ts";

export const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  iovctl: () => import("./iovctl.ts"),
  pciconf: () => import("./pciconf.ts"),
  dmesg: () => import("./dmesg.ts"),
  validate: () => import("./validate.ts"),
  vm: () => import("./vm.ts"),
  reset: () => import("./reset.ts"),
  decode: () => import("./decode.ts"),
  switch: () => import("./switch.ts"),
  paths: () => import("./paths.ts"),
  ping: () => import("./ping.ts"),
  demo: () => import("./demo.ts"),
  sysfs: () => import("./sysfs.ts"),
  ip: () => import("./ip.ts"),
  devlink: () => import("./devlink.ts"),
  modprobe: () => import("./modprobe.ts"),
  steering: () => import("./steering.ts"),
  sweep: () => import("./sweep.ts"),
  model: () => import("./model.ts"),
  fidelity: () => import("./fidelity.ts"),
  flow: () => import("./flow.ts"),
};

export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/**
 * Each command's one-line summary, as its module declares it: `iovsim --help` (and every usage
 * error that prints it) lists the commands from here without loading their modules, which
 * would load nearly the whole simulator. test/cli/registry.test.ts fails when a module's
 * `summary` differs from its line here: change both.
 */
export const SUMMARIES: Readonly<Record<string, string>> = {
  iovctl: "FreeBSD iovctl(8): -C/-D/-S/-L/-n on the simulated host",
  pciconf: "pciconf -l [-v] [-c] [-e] / -a: the simulated PCI bus",
  dmesg: "kernel and driver log lines produced by the SR-IOV lifecycle",
  validate: "validate -f FILE: offline check of an iovctl.conf against every limit",
  vm: "vm attach|detach|list: give a passthrough VF to a named bhyve VM",
  reset: "return the simulated host to its clean state",
  decode: "decode FILE [--json]: what the parser finds in each frame of a pcap/pcapng",
  switch: "switch -f iov.conf --in wire=in.pcap --out DIR: run frames through the NIC's switch",
  paths: "compare packet paths: simulated NDR/PDR, latency at load points, CPU, events",
  ping: "ICMP echo through a path: simulated round-trip times",
  demo: "the talk's setup end to end",
  sysfs: "sysfs read|write|ls PATH: the Linux view (sriov_numvfs, netdevsim) of the host",
  ip: "ip link set DEV vf N ... / ip [-d] [-j [-p]] link show: Linux VF settings (iproute2)",
  devlink: "devlink dev show | dev eswitch show|set: instances; netdevsim's eswitch mode",
  modprobe: "modprobe [-r] vfio-pci [ids=...]: load the VFIO PCI driver on the Linux view",
  steering: "steering strategies as graphs on the engine: per-core load, reordering, NDR vs cores",
  sweep: "sweep plan|run|merge|status: an experiment over axes, sharded by index",
  model: "model show [PROFILE]: cost-profile constants with range, tag and source",
  fidelity: "published results reproduced by simulation: published vs simulated, error, pass/fail",
  flow: "flow create|list|destroy: exact-match rules to queues (or drop) on a port",
};

export async function loadCommand(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return load ? (await load()).command : undefined;
}

/** Every command, in the order above (loads every module). */
export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(async (n) => (await COMMANDS[n]()).command));
}
