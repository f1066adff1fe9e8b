// The links of other speeds a run's paths crossed, in words: one wording for the terminal header
// (paths-table.ts) and the HTML report's conditions (html/conditions.ts), which had one each.
import type { OtherLink } from "./paths-json.ts";

/** One such link with the paths that crossed it and its port: "passthrough on a 10 Gbit/s link (ix0)". */
export function otherLinkText(o: OtherLink): string {
  return `${o.paths.join(", ")} on a ${o.link_gbps} Gbit/s link${o.port ? ` (${o.port})` : ""}`;
}
