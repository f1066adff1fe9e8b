// What a PF driver implements for pci_iov (PCI_IOV_INIT / PCI_IOV_ADD_VF / PCI_IOV_UNINIT),
// modelled as plain functions over data so the kernel and the offline validator share them.
import type { Errno } from "../errno.ts";
import type { NicProfile } from "../profile.ts";

/** A VF's parameters as the driver sees them: lower-cased names, schema defaults applied, MACs as strings. */
export type VfParams = Map<string, boolean | number | string>;

/** Per-PF driver state kept between commands (queue manager, pool mode). */
export type DriverState = Record<string, number>;

export interface DriverContext {
  pfName: string;
  pfMac: string;
  profile: NicProfile;
  state: DriverState;
  /** device_printf: the line is logged as "<pf>: <text>". */
  log(text: string): void;
}

export interface DriverFailure {
  errno: Errno;
  /** Why, in words, for iovsim's offline diagnostics. */
  reason: string;
  /** The VF parameter at fault, so that `validate` points at it (not at the section). */
  key?: string;
}

export interface AddVfResult {
  /** Queue pairs the driver gave the VF. */
  numQueues: number;
}

export interface PfDriver {
  /** PCI_IOV_INIT: may refuse num_vfs (error returned as is, full rollback). */
  init(ctx: DriverContext, numVfs: number): DriverFailure | undefined;
  /** PCI_IOV_ADD_VF: a failure drops only this VF. `macsInUse` = PF MAC + MACs of VFs added so far. */
  addVf(
    ctx: DriverContext,
    index: number,
    params: VfParams,
    macsInUse: Set<string>,
  ): AddVfResult | DriverFailure;
  /** PCI_IOV_UNINIT: releases every SR-IOV resource. */
  uninit(ctx: DriverContext): void;
  /** Limits for `iovctl -S -v` / validate. */
  limits(profile: NicProfile): { driverMaxVfs: number; notes: string[] };
}

export function isFailure(r: AddVfResult | DriverFailure): r is DriverFailure {
  return (r as DriverFailure).errno !== undefined;
}
