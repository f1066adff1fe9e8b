// A small in-memory stand-in for src/nic/index.ts (the contract in .helpers/cp-contract.md),
// so iovctl's command-line behaviour is tested without the real kernel model.
import type { IovHost, NicApi } from "../../src/cli/nic-api.ts";
import type { IovConfig, PfRecord } from "../../src/nic/types.ts";
import { IX_SCHEMA, IXL_SCHEMA } from "../nic/schemas.ts";

const TEXT = {
  ENOENT: "No such file or directory",
  EBUSY: "Device busy",
  EINVAL: "Invalid argument",
  ECHILD: "No child processes",
};
export class FakeKernelError extends Error {
  constructor(readonly errno: keyof typeof TEXT) {
    super(TEXT[errno]);
  }
}

export interface FakeNic extends NicApi {
  calls: string[];
  vfCount(pf: string): number;
}

export function fakeNic(): FakeNic {
  const vfs: Record<string, number> = { ixl0: 0, ix0: 0 };
  const calls: string[] = [];
  const host: IovHost = {
    pfs: () => Object.keys(vfs).map((n) => ({ name: n }) as PfRecord),
    pf: (n) => (n in vfs ? ({ name: n } as PfRecord) : undefined),
    openIovDevice(path) {
      const m = /^\/dev\/iov\/([^/]+)$/.exec(path);
      if (!m || !(m[1] in vfs)) throw new FakeKernelError("ENOENT");
      return m[1];
    },
    schema: (n) => (n === "ix0" ? IX_SCHEMA : IXL_SCHEMA),
    iovConfig(n, config: IovConfig) {
      calls.push(`config ${n} ${config.vfs.length}`);
      if (vfs[n] > 0) throw new FakeKernelError("EBUSY");
      if (config.vfs.length > 64) throw new FakeKernelError("EINVAL");
      vfs[n] = config.vfs.length;
    },
    iovDelete(n) {
      calls.push(`delete ${n}`);
      if (vfs[n] === 0) throw new FakeKernelError("ECHILD");
      vfs[n] = 0;
    },
    dmesg: () => [],
  };
  return {
    calls,
    vfCount: (pf) => vfs[pf],
    loadHost: async () => host,
    withHost: async (_dir, fn) => fn(host),
    predictConfig: () => ({ problems: [], vfs: [], log: [] }),
    pfLimits: () => ({ totalVfs: 64, driverMaxVfs: 63, notes: ["fake note"] }),
    formatStatus: (_h, pf) => `${pf}: fake status vfs=${vfs[pf]}\n`,
    kernelErrorText: (e) => (e instanceof FakeKernelError ? e.message : undefined),
  };
}
