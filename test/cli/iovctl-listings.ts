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
