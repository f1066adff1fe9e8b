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

export async function loadCommand(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return load ? (await load()).command : undefined;
}

/** Every command, in the order above (loads every module). */
export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(async (n) => (await COMMANDS[n]()).command));
}
