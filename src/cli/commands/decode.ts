// iovsim decode FILE [--json] [--vxlan-port N ...]: what the reference parser finds in each
// frame of a pcap or pcapng file. Output format: docs/decode-json.md.
import { closeSync, openSync } from "node:fs";
import { UserError } from "../../errors.ts";
import { readFailure } from "../../input-file.ts";
import { parseFrame } from "../../switch/reference/parse.ts";
import {
  type CaptureDrop,
  CaptureFormatError,
  dropLabel,
  LINKTYPE_ETHERNET,
  linktypeLabel,
} from "../../traffic/capture.ts";
import { STDIN_NAME } from "../../traffic/capture-io.ts";
import { streamCapture } from "../../traffic/capture-stream.ts";
import { decodeJson, decodeLine } from "../decode-format.ts";
import { vxlanPortValues } from "../list-option.ts";
import { defineCommand, type Opts } from "../registry.ts";

const HELP = `usage: iovsim decode FILE [--json] [--vxlan-port N ...]   (FILE '-': standard input)

Decodes every frame of a pcap (µs or ns, either byte order) or pcapng file with the simulator's
reference parser and prints, per frame, the layers it found, the tunnel, the inner packet and
the RSS hashes (Microsoft key; outer, and tunnel-aware inner).

  --json            one JSON object per line (fields: docs/decode-json.md)
  --vxlan-port N    also decode UDP destination port N (1..65535) as VXLAN: one port per
                    option, repeat it for more (--vxlan-port 8472 --vxlan-port 4788);
                    4789, the IANA port, always is (giving it changes nothing); 4790 is
                    VXLAN-GPE unless named here
  -h, --help        this text

Frames whose link type is not Ethernet are listed and skipped. A pcapng packet block naming an
interface no interface block declared is listed as dropped, with its byte offset, and decoding
goes on; the summary line counts it as a record dropped, by reason, not as a frame. An FCS
the capture says its frames end in (pcap link-type FCS bits, pcapng if_fcslen or epb_flags) is
not part of the frame, as in a NIC. A record that breaks the format's rules but is whole (its
captured length above its original length; a pcap record's microseconds or nanoseconds field
a second or more) is decoded as tshark reads it and marked on its line (IRREGULAR, why, its
byte offset; --json: "irregular"); the summary line counts such records. A corrupt file is
decoded up to the corrupt record, then reported with its byte offset (exit status 1).

Divergence (docs/divergences.md): a pcap record longer than the file's snaplen is read whole,
where libpcap cuts it to the snaplen, so nothing in the file is dropped unseen.
`;

interface DecodeArgs {
  file: string;
  json: boolean;
  vxlanPorts: number[];
}

function decodeArgs(opts: Opts, operands: string[]): DecodeArgs {
  const vxlanPorts = vxlanPortValues((opts["vxlan-port"] as string[] | undefined) ?? []);
  const [file, extra] = operands;
  if (extra !== undefined) throw new UserError("E_USAGE", `decode: one FILE only ('${extra}' is extra)`);
  if (file === undefined)
    throw new UserError(
      "E_USAGE",
      "decode: missing FILE (usage: iovsim decode FILE [--json]; FILE '-' reads standard input)",
    );
  // '' names no file: not "iovsim: : no such file" with nothing before the colon.
  if (file === "")
    throw new UserError(
      "E_USAGE",
      "decode: FILE is an empty string (give a pcap or pcapng file, or '-' for standard input)",
    );
  return { file, json: opts.json === true, vxlanPorts };
}

/**
 * The records the reader dropped, for the summary line: `, 1 record dropped (interface id 7 not
 * declared: 1)`. They are records, not frames (no frame was read from them), counted by reason
 * as `paths --pcap` counts them (`replay.dropped_before_engine`); empty when none was dropped.
 */
function droppedSummary(byReason: ReadonlyMap<string, number>): string {
  let n = 0;
  for (const count of byReason.values()) n += count;
  if (n === 0) return "";
  const reasons = [...byReason].map(([reason, count]) => `${reason}: ${count}`).join("; ");
  return `, ${n} record${n === 1 ? "" : "s"} dropped (${reasons})`;
}

export const command = defineCommand({
  name: "decode",
  summary: "decode FILE [--json]: what the parser finds in each frame of a pcap/pcapng",
  help: HELP,
  options: [
    { flags: "--json", description: "one JSON object per line" },
    { flags: "--vxlan-port <n>", description: "also decode UDP port N as VXLAN", repeatable: true },
  ],
  operands: "any",
  async run({ opts, operands }, ctx) {
    const { file, json, vxlanPorts } = decodeArgs(opts, operands);
    // Standard input is named in words, as the reader's own messages name it (not '-').
    const cannotRead = (e: unknown) =>
      new UserError("E_CAPTURE", `${file === "-" ? STDIN_NAME : file}: ${readFailure(e)}`);
    let fd: number;
    try {
      fd = file === "-" ? 0 : openSync(file, "r"); // "-": standard input (tcpdump -w - | ...)
    } catch (e) {
      throw cannotRead(e);
    }
    let records = 0; // the file's packet records, dropped ones included: what `frame` numbers
    let frames = 0; // the records read as frames (decoded or skipped), dropped ones not
    let truncated = 0;
    let skipped = 0;
    let irregular = 0;
    // The irregularity of the record the reader yields next (it is reported just before).
    let odd: CaptureDrop | null = null;
    const droppedByReason = new Map<string, number>();
    let buf: string[] = [];
    const flush = () => {
      if (buf.length) ctx.out(`${buf.join("\n")}\n`);
      buf = [];
    };
    try {
      // Streamed: the header is checked from the first bytes read (a non-capture fails at once),
      // and each frame is printed as it arrives (a live `tcpdump -w -` pipe works too).
      // Messages name standard input as switch --in PORT=- and paths --pcap - do.
      // A record the reader drops (an undeclared pcapng interface) keeps its number, as
      // skipped ones do, is listed where it was and counted; reading goes on.
      const onDrop = (d: CaptureDrop) => {
        records++;
        droppedByReason.set(d.reason, (droppedByReason.get(d.reason) ?? 0) + 1);
        buf.push(
          json
            ? JSON.stringify({ frame: records, offset: d.offset, dropped: d.reason })
            : `${String(records).padStart(5)}  dropped: ${dropLabel(d)}`,
        );
      };
      // A record kept though irregular (read as tshark reads it) is decoded and marked.
      const onIrregular = (d: CaptureDrop) => {
        odd = d;
        irregular++;
      };
      for (const rec of streamCapture(fd, file === "-" ? STDIN_NAME : file, onDrop, onIrregular)) {
        records++;
        frames++;
        const mark = odd as CaptureDrop | null;
        odd = null;
        const jsonMark = mark ? { irregular: { reason: mark.reason, offset: mark.offset } } : {};
        const textMark = mark ? `  IRREGULAR ${mark.reason} (at byte ${mark.offset})` : "";
        if (rec.linktype !== LINKTYPE_ETHERNET) {
          skipped++;
          buf.push(
            json
              ? JSON.stringify({
                  frame: records,
                  len: rec.data.length,
                  linktype: rec.linktype,
                  skipped: "not Ethernet",
                  ...jsonMark,
                })
              : `${String(records).padStart(5)}  ${String(rec.data.length).padStart(5)}B  link type ${linktypeLabel(rec.linktype)}: not Ethernet, skipped${textMark}`,
          );
        } else {
          const p = parseFrame(rec.data, { vxlanPorts });
          if (p.truncated) truncated++;
          buf.push(
            json
              ? JSON.stringify({ ...decodeJson(records, p, rec.data), ...jsonMark })
              : decodeLine(records, p) + textMark,
          );
        }
        if (buf.length >= 512) flush();
      }
    } catch (e) {
      flush();
      if ((e as NodeJS.ErrnoException).code && !(e instanceof CaptureFormatError)) throw cannotRead(e);
      if (e instanceof CaptureFormatError) {
        throw new UserError(
          "E_CAPTURE",
          frames > 0 ? `${e.message} (after ${frames} good frame${frames === 1 ? "" : "s"})` : e.message,
        );
      }
      throw e;
    }
    flush();
    if (fd !== 0) closeSync(fd);
    if (!json) {
      ctx.out(
        `${frames} frame${frames === 1 ? "" : "s"}${truncated ? `, ${truncated} truncated` : ""}${skipped ? `, ${skipped} not Ethernet (skipped)` : ""}${irregular ? `, ${irregular} irregular (read as tshark reads ${irregular === 1 ? "it" : "them"})` : ""}${droppedSummary(droppedByReason)}\n`,
      );
    }
    return 0;
  },
});
