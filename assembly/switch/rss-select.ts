// Queue choice inside a pool (reference rss-select.ts chooseQueue): hash the frame with the
// pool's Toeplitz table, hash types and level, then queue = RETA[hash & mask]. The common frame
// is hashed by fastRss; any other is parsed in full once per frame (the summary in gScratch is
// reused for the frame's further pools) and hashed from the summary.
import { PC_RSS_TYPES, PC_RETA_MASK, PC_RETA, PC_TOEPLITZ, PF_RSS_INNER, RSS_NONE } from "../abi";
import { gScratch } from "../mem";
import { pcfg } from "./config";
import { parse } from "../parse";
import { gRssHash, rssSummary, RSS_BAIL, fastRss } from "../rss";

/** Hash and RSS type of the last chooseQueue call. */
export let qHash: u32 = 0;
export let qType: u32 = RSS_NONE;
/** Whether gScratch holds the current frame's parse summary. */
let qParsed = false;

/** A new frame: its parse summary (if needed) is not there yet. */
@inline export function chooseQueueNewFrame(): void {
  qParsed = false;
}

/** Rx queue (index within pool `p`, flags `pflags`) for the frame of `len` bytes at `f`. */
@inline export function chooseQueue(f: usize, len: u32, p: u32, pflags: u32): u32 {
  const table = <usize>pcfg(p, PC_TOEPLITZ);
  const types = pcfg(p, PC_RSS_TYPES);
  const inner = (pflags & PF_RSS_INNER) != 0;
  let rtype = qParsed ? RSS_BAIL : fastRss(f, len, table, types, inner);
  if (rtype == RSS_BAIL) {
    if (!qParsed) {
      parse(f, len, gScratch);
      qParsed = true;
    }
    rtype = rssSummary(gScratch, f, table, types, inner);
  }
  qType = rtype;
  qHash = rtype == RSS_NONE ? 0 : gRssHash;
  return <u32>load<u8>(<usize>pcfg(p, PC_RETA) + <usize>(qHash & pcfg(p, PC_RETA_MASK)));
}
