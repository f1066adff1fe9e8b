// The element kinds the engine knows, registered once. A new kind is one file in elements/ and
// one line here; building and running a graph never switch on a kind.
import { bridge } from "./elements/bridge.ts";
import type { ElementKind } from "./elements/common.ts";
import { echo } from "./elements/echo.ts";
import { gen } from "./elements/gen.ts";
import { guestRx } from "./elements/guest-rx.ts";
import { guestTx } from "./elements/guest-tx.ts";
import { hop } from "./elements/hop.ts";
import { ipfwd } from "./elements/ipfwd.ts";
import { sink } from "./elements/sink.ts";
import { txdrv } from "./elements/txdrv.ts";
import { veb } from "./elements/veb.ts";
import { vebTx } from "./elements/veb-tx.ts";
import { vhost } from "./elements/vhost.ts";
import { vhostTx } from "./elements/vhost-tx.ts";

export const ELEMENT_KINDS: readonly ElementKind[] = [
  gen,
  veb,
  vebTx,
  txdrv,
  sink,
  hop,
  bridge,
  vhost,
  guestRx,
  guestTx,
  vhostTx,
  echo,
  ipfwd,
];

const byKind = new Map(ELEMENT_KINDS.map((k) => [k.kind, k]));

export function elementKind(kind: string): ElementKind {
  const k = byKind.get(kind);
  if (!k) throw new Error(`no element kind '${kind}' (known: ${[...byKind.keys()].join(", ")})`);
  return k;
}
