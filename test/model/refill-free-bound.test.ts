// virtio_rx_refill_free bounded by the ring the paths build: the guest re-posts its receive
// buffers only once more than that many are free, so a value at or above the ring size would
// stop receive after one ring's worth. The control plane refuses it, located, rather than let
// the data plane run a guest that never refills.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCosts } from "../../src/model/costs.ts";
import { VIRTIO_RING_SIZE } from "../../src/model/virtio-ring.ts";

const dir = mkdtempSync(join(tmpdir(), "iovsim-refill-"));
function profile(name: string, value: number, range: [number, number]): { path: string; text: string } {
  const rec = { ...loadCosts("bhyve").constants.virtio_rx_refill_free, value, range };
  const text = JSON.stringify(
    { name, description: "d", extends: "bhyve", constants: { virtio_rx_refill_free: rec } },
    null,
    2,
  );
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return { path, text };
}
/** line:column in `text` of the character `skip` into the first occurrence of `needle`. */
function at(text: string, needle: string, skip = 0): string {
  const off = text.indexOf(needle) + skip;
  const before = text.slice(0, off).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe("virtio_rx_refill_free stays below the virtio ring size", () => {
  it("refuses a value at or above the ring, at the value's file:line:column, naming the ring size", () => {
    const { path, text } = profile("refill300", 300, [32, 512]);
    const msg = (() => {
      try {
        loadCosts(path);
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    })();
    expect(msg).toContain(
      `${path}:${at(text, '"value": 300', 9)}: $.constants.virtio_rx_refill_free.value: must stay below the virtio ring size (${VIRTIO_RING_SIZE} entries)`,
    );
    // The range end a variant could pick is refused too, where it stands.
    expect(msg).toContain(
      `${path}:${at(text, "512")}: $.constants.virtio_rx_refill_free.range[1]: must stay below`,
    );
    expect(() => profile("refill256", VIRTIO_RING_SIZE, [32, VIRTIO_RING_SIZE])).not.toThrow();
    expect(() => loadCosts(join(dir, "refill256.json"))).toThrow(
      /value: must stay below the virtio ring size/,
    );
  });

  it("accepts the largest value the ring allows (one below its size)", () => {
    const { path } = profile("refill255", VIRTIO_RING_SIZE - 1, [32, VIRTIO_RING_SIZE - 1]);
    expect(loadCosts(path).c.virtio_rx_refill_free).toBe(VIRTIO_RING_SIZE - 1);
  });
});
