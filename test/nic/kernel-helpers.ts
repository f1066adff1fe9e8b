// Hand-built IOV_CONFIG nvlists for kernel tests (what iovctl would pass after its own phases).
import type { DeviceConfig, IovConfig, ParamValue } from "../../src/nic/types.ts";

export function mac(text: string): Uint8Array {
  return new Uint8Array(text.split(":").map((h) => Number.parseInt(h, 16)));
}

export interface VfSpec {
  passthrough?: boolean;
  driver?: Record<string, ParamValue>;
}

/** PF {device, num_vfs} and VF-0..n-1; `vf(i)` gives each VF's keys. */
export function config(device: string, numVfs: number, vf: (i: number) => VfSpec = () => ({})): IovConfig {
  const vfs: DeviceConfig[] = [];
  for (let i = 0; i < numVfs; i++) {
    const s = vf(i);
    vfs.push({
      driver: Object.entries(s.driver ?? {}),
      iov: s.passthrough === undefined ? [] : [["passthrough", s.passthrough]],
    });
  }
  return {
    pf: {
      driver: [],
      iov: [
        ["device", device],
        ["num_vfs", numVfs],
      ],
    },
    vfs,
  };
}
