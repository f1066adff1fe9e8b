// tx_stop_free_desc and tx_wake_free_desc (a transmit driver's queue in front of the NIC's ring,
// src/engine/elements/tx-queue-stop.ts): a queue woken with fewer free than it stops at would stop
// again at once, and one that needs more than the ring holds would never post or never wake. The
// control plane refuses both, located, rather than let the data plane run such a driver.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels, simulate } from "../../src/engine/simulate.ts";
import { loadCosts } from "../../src/model/costs.ts";
import { NIC_TX_RING_SIZE } from "../../src/model/nic-tx-ring.ts";
import { baseSpec } from "../engine/base-spec.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const dir = mkdtempSync(join(tmpdir(), "iovsim-txq-"));
const bhyve = loadCosts("bhyve").constants;
/** A profile extending bhyve that sets the stop bound and, unless `wake` is undefined, the wake
 *  bound, both with `range`. */
function profile(name: string, stop: number, wake: number | undefined, range: [number, number]): string {
  const constants = {
    tx_stop_free_desc: { ...bhyve.tx_stop_free_desc, value: stop, range },
    ...(wake === undefined ? {} : { tx_wake_free_desc: { ...bhyve.tx_wake_free_desc, value: wake, range } }),
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, description: "d", extends: "bhyve", constants }, null, 2));
  return path;
}
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
};

describe("a transmit queue's stop and wake bounds", () => {
  it("the built-in profile takes the same bound for both (FreeBSD iflib: MAX_TX_DESC + 2, ixl/iavf)", () => {
    const c = loadCosts("bhyve").c;
    expect(c.tx_stop_free_desc).toBe(130);
    expect(c.tx_wake_free_desc).toBe(130);
  });

  it("refuses a wake below the stop bound, in a file and in a variant", () => {
    expect(message(() => loadCosts(profile("low-wake", 42, 21, [1, 130])))).toMatch(
      /\$\.constants\.tx_wake_free_desc\.value: must be at least tx_stop_free_desc \(42\)/,
    );
    expect(message(() => loadCosts("bhyve{tx_wake_free_desc=42}"))).toBe(
      "--profile bhyve{tx_wake_free_desc=42}: tx_wake_free_desc = 42: must be at least tx_stop_free_desc (130): a transmit queue woken with fewer free would stop again at once",
    );
    // A file that raises only the stop bound above the wake bound it extends: located at what it
    // set, not at a wake bound it never wrote.
    expect(message(() => loadCosts(profile("high-stop", 200, undefined, [21, 200])))).toMatch(
      /high-stop\.json:\d+:\d+: \$\.constants\.tx_stop_free_desc\.value: must be at most tx_wake_free_desc \(130\)/,
    );
    // A variant that moves only the stop bound past its profile's wake bound: the stop bound.
    const linuxPair = profile("linux-pair", 21, 42, [21, 130]);
    expect(message(() => loadCosts(`${linuxPair}{tx_stop_free_desc=100}`))).toMatch(
      /: tx_stop_free_desc = 100: must be at most tx_wake_free_desc \(42\)/,
    );
    // Linux ixgbe's pair (DESC_NEEDED 21, TX_WAKE_THRESHOLD 42) is a variant of the built-in one.
    expect(loadCosts("bhyve{tx_stop_free_desc=21,tx_wake_free_desc=42}").c.tx_wake_free_desc).toBe(42);
  });

  it("refuses a bound above the NIC's transmit ring, range ends included", () => {
    const m = message(() => loadCosts(profile("over-ring", 130, 600, [21, 600])));
    expect(m).toContain(
      `$.constants.tx_wake_free_desc.value: must be at most the NIC transmit ring's ${NIC_TX_RING_SIZE} descriptors`,
    );
    expect(m).toContain("$.constants.tx_wake_free_desc.range[1]: must be at most");
    // At the ring's size it is accepted, and the data plane runs it: the engine's transmit ring
    // holds that many (a driver whose wake needs more than its ring is refused when it is built).
    const atRing = profile("at-ring", NIC_TX_RING_SIZE, NIC_TX_RING_SIZE, [21, NIC_TX_RING_SIZE]);
    expect(message(() => loadCosts(atRing))).toBe("accepted");
    const r = simulate(
      baseSpec({ path: "native", direction: "tx", profile: atRing, durationNs: 2e5, warmupNs: 0 }),
    );
    expect(r.conservation.ok).toBe(true);
    // Woken only with the whole ring free, the driver posts one frame a wake: every frame the
    // sender made (one every 1 µs at 1 Mpps) is delivered, each its own batch. A queue never
    // woken would have delivered its first frame only.
    expect(r.conservation.sent).toBeGreaterThan(100);
    expect(r.conservation.delivered).toBe(r.conservation.sent);
    const drv = r.elements!.find((e) => e.kind === "txdrv")!;
    expect(drv.max_batch).toBe(1);
    expect(drv.batches).toBe(r.conservation.sent);
  });
});
