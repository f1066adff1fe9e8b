// Module loader hook (runs on Node's loader thread): appends each loaded module's URL to
// $IOVSIM_MODULE_LOG. Loaded through register.mjs beside it.
import { appendFileSync } from "node:fs";

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (process.env.IOVSIM_MODULE_LOG) appendFileSync(process.env.IOVSIM_MODULE_LOG, `${url}\n`);
  return result;
}
