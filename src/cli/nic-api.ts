// The slice of the control-plane library (src/nic/index.ts, see .helpers/cp-contract.md) that
// the iovctl and validate commands use, behind an interface so tests can pass a fake host.
import type { IovConfig, PfRecord, PfSchema, VfRecord } from "../nic/types.ts";

export interface IovHost {
  pfs(): PfRecord[];
  pf(name: string): PfRecord | undefined;
  /** "/dev/iov/ixl0" -> "ixl0"; throws a KernelError (ENOENT) when there is no such node. */
  openIovDevice(path: string): string;
  schema(pfName: string): PfSchema;
  iovConfig(pfName: string, config: IovConfig): void;
  iovDelete(pfName: string): void;
  dmesg(): string[];
}

export interface Prediction {
  errno?: string;
  problems: Array<{ severity: "error" | "warning"; vf?: number; key?: string; message: string }>;
  vfs: VfRecord[];
  log: string[];
}

export interface NicApi {
  loadHost(stateDir: string): Promise<IovHost>;
  withHost<T>(stateDir: string, fn: (host: IovHost) => T | Promise<T>): Promise<T>;
  predictConfig(host: IovHost, pfName: string, config: IovConfig): Prediction;
  pfLimits(host: IovHost, pfName: string): { totalVfs: number; driverMaxVfs: number; notes: string[] };
  formatStatus(host: IovHost, pfName: string): string;
  /** The strerror text when `e` is a KernelError, else undefined. */
  kernelErrorText(e: unknown): string | undefined;
}

/** The real library. Loaded lazily so the CLI starts fast and tests can substitute a fake. */
export async function loadNicApi(): Promise<NicApi> {
  const nic = await import("../nic/index.ts");
  // The library's Host is structurally an IovHost; the casts only bridge the two declarations.
  const real = nic as unknown as {
    loadHost(d: string): Promise<IovHost>;
    withHost<T>(d: string, fn: (h: IovHost) => T | Promise<T>): Promise<T>;
    predictConfig(h: IovHost, pf: string, c: IovConfig): Prediction;
    pfLimits(h: IovHost, pf: string): { totalVfs: number; driverMaxVfs: number; notes: string[] };
    formatStatus(h: IovHost, pf: string): string;
    KernelError: new (...args: never[]) => Error;
  };
  return {
    loadHost: (d) => real.loadHost(d),
    withHost: (d, fn) => real.withHost(d, fn),
    predictConfig: (h, pf, c) => real.predictConfig(h, pf, c),
    pfLimits: (h, pf) => real.pfLimits(h, pf),
    formatStatus: (h, pf) => real.formatStatus(h, pf),
    kernelErrorText: (e) => (e instanceof real.KernelError ? e.message : undefined),
  };
}
