// vhost's transmit hands each guest buffer on inline (handle_tx -> tun_sendmsg -> tun_get_user ->
// the bridge and dev_queue_xmit, all on the vhost thread; tun_get_user returns the frame's length
// whatever the stack then does): nothing on the way waits on a timer. The model splits that call
// into stages on the vhost thread (src/engine/elements/vhost-tx.ts): with the ring toward the tap's
// hand-off full, vhost parks until that stage takes from it (Link.taken), no timed retry.
import { beforeAll, describe, expect, it } from "vitest";
import { ensureKernels } from "../../src/engine/simulate.ts";
import { virtioTxOverload } from "../helpers/virtio-tx-overload.ts";

beforeAll(async () => {
  await ensureKernels();
}, 120_000);

const run = (retryNs: number) => virtioTxOverload({ backpressure_retry_ns: retryNs });

describe("vhost transmit behind the tap", () => {
  it("64 B above what vhost takes: nothing waits on the engine's back-pressure timer (its range ends give one result)", () => {
    const short = run(100);
    const long = run(10_000);
    expect(short.conservation.ok).toBe(true);
    expect(short.conservation.dropped).toEqual({});
    // vhost is the bottleneck: the thread is busy throughout, the wire is not.
    expect(short.resources.find((x) => x.resource === "vhost0")!.utilization).toBeGreaterThan(0.95);
    expect(long.conservation).toEqual(short.conservation);
    expect(long.delivered_pps).toBe(short.delivered_pps);
    expect(long.resources).toEqual(short.resources);
  });
});
