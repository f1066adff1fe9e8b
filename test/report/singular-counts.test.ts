// A count of one in the reports' sentences: "1 frames cut", "1 records read", "1 frames offered
// per trial" were printed where a capture or a run had one of them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html/index.ts";
import { encodeCapture } from "../../src/traffic/capture-io.ts";
import { eth } from "../../src/traffic/frames.ts";
import { loadReplayCapture } from "../../src/traffic/replay.ts";
import { iovsim, tempDir } from "../helpers/cli.ts";
import { quickPathsReplay } from "../helpers/quick-replay.ts";

const tmp = tempDir("iovsim-singular-");
const frame = eth({ dst: "02:00:00:00:00:01", src: "02:00:00:00:00:02" }).ipv4().udp().build();

describe("a count of one is singular", () => {
  it("paths --pcap: a capture of one record and no frame to replay", () => {
    const f = join(tmp, "empty.pcap");
    writeFileSync(f, encodeCapture([{ ts: 0n, data: new Uint8Array(0), origLen: 0, iface: 0, linktype: 1 }]));
    expect(() => loadReplayCapture(f)).toThrow(/no frame to replay \(1 record read; dropped: /);
  });

  it("paths --pcap: one frame cut by the capture's snaplen", async () => {
    const f = join(tmp, "cut.pcap");
    writeFileSync(
      f,
      encodeCapture([
        { ts: 0n, data: frame, origLen: frame.length, iface: 0, linktype: 1 },
        { ts: 1000n, data: frame.subarray(0, 40), origLen: frame.length, iface: 0, linktype: 1 },
      ]),
    );
    const r = await iovsim(quickPathsReplay(f));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("; 1 frame cut by the capture's snaplen (sent as captured)");
  });

  it("HTML test conditions: one frame offered per trial", async () => {
    const html = await renderHtmlReport({
      version: "0",
      command: "iovsim steering",
      conditions: { trial_frames: 1 },
      steering: {
        results: [
          {
            strategy: "single",
            traffic: "plain",
            queues: 1,
            per_queue: [1],
            jain: 1,
            max_over_mean: 1,
            ndr_mpps: 1,
          },
        ],
      },
    });
    expect(html).toContain("1 frame offered per trial");
  });
});
