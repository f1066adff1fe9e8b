// The iovctl.conf the NIC-profile tests run on a PF: two VFs with fixed MACs, VF-0 bound to the
// host's VF driver and VF-1 a passthrough (ppt) VF, so both kinds of VF path exist.

/** That configuration for the PF named `device`. */
export const twoVfConf = (device: string) => `PF {
	device : "${device}";
	num_vfs : 2;
}
VF-0 {
	passthrough : false;
	mac-addr : "02:05:00:00:00:10";
}
VF-1 {
	passthrough : true;
	mac-addr : "02:05:00:00:00:11";
}
`;
