// What `iovctl -S -d ixl0` prints on FreeBSD 14.0 for the X710 (ixl), byte for byte: the
// expected text of the CLI tests that list the schema.
export const IXL0_SCHEMA_LISTING = `The following configuration parameters may be configured on the PF:
\tnum_vfs : uint16_t (required)
\tdevice : string (required)

The following configuration parameters may be configured on a VF:
\tpassthrough : bool (default = false)
\tmac-addr : unicast-mac (optional)
\tmac-anti-spoof : bool (default = true)
\tallow-set-mac : bool (default = false)
\tallow-promisc : bool (default = false)
\tnum-queues : uint16_t (default = 4)
`;

/** iovctl's usage message (FreeBSD 14.0 and later: -L listed), as it writes it to stderr. */
export const IOVCTL_USAGE = [
  "iovctl: Usage: iovctl -C -f <config file> [-n]",
  "iovctl:        iovctl -D [-d <PF device> | -f <config file>] [-n]",
  "iovctl:        iovctl -L [-d <PF device> | -f <config file>]",
  "iovctl:        iovctl -S [-d <PF device> | -f <config file>]",
  "",
].join("\n");
