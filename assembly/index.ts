// Kernel entry point: one `export *` line per kernel module (keep it a plain list). The switch
// (switch/, one file per reference file) exports its entry points by name: its modules also
// export the helpers they share, which are not kernel entry points.
export * from "./mem";
export * from "./toeplitz";
export * from "./parse";
export * from "./rss";
export { vebTxBurst, wireRxBurst, wireRxMiss, vebRunAll, bufferSize } from "./switch/veb";
export { bufAlloc, bufFree } from "./switch/buffers";
export { ringCount } from "./switch/rings";
export * from "./elements/gen";
export * from "./elements/sink";
export * from "./elements/hop";
export * from "./elements/bridge";
export * from "./elements/virtio";
export * from "./ring";
export * from "./elements/echo";
export * from "./elements/ipfwd";
export * from "./elements/dispatch";
