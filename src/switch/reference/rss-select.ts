// Queue choice inside a pool (spec §4.6): hash the frame with the pool's key, hash types and
// level through the RSS reference, then queue = RETA[hash & (size - 1)]. Non-hashable frames
// get hash 0, type none and therefore RETA[0] (queue 0 with the default fill).
import {
  type PoolConfig,
  type PortConfig,
  RSS_HASH_TYPE_BIT,
  RSS_TYPE_CODE,
  type RssType,
} from "../config.ts";
import { parseFrame } from "./parse.ts";
import type { ParsedFrame } from "./parsed.ts";
import { type RssConfig, retaQueue, rssHash } from "./rss.ts";

const TYPE_BY_CODE = new Map<number, RssType>(
  Object.entries(RSS_TYPE_CODE).map(([name, code]) => [code, name as RssType]),
);

/** The RSS reference's settings for one pool (pool key/level override the port's). */
export function rssConfigFor(port: PortConfig, pool: PoolConfig): RssConfig {
  let enabled = 0;
  for (const [name, bit] of Object.entries(RSS_HASH_TYPE_BIT)) {
    if (port.rss.hashTypes[name as keyof typeof RSS_HASH_TYPE_BIT]) enabled |= 1 << bit;
  }
  return {
    key: Uint8Array.from(pool.rssKey ?? port.rss.key),
    enabled,
    level: pool.rssLevel ?? port.rss.level,
  };
}

export interface QueueChoice {
  queue: number;
  hash: number;
  rssType: RssType;
}

/** Hash `frame` for `pool` and pick the queue from the pool's RETA (`parsed` saves a re-parse). */
export function chooseQueue(
  frame: Uint8Array,
  port: PortConfig,
  pool: PoolConfig,
  parsed: ParsedFrame = parseFrame(frame),
): QueueChoice {
  const { hash, type } = rssHash(frame, parsed, rssConfigFor(port, pool));
  const rssType = TYPE_BY_CODE.get(type) ?? "none";
  return { queue: retaQueue(hash, pool.reta), hash: hash >>> 0, rssType };
}
