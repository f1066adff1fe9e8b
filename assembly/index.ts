// Kernel entry point: one `export *` line per kernel module (keep it a plain list).
export * from "./mem";
export * from "./toeplitz";
export * from "./parse";
export * from "./rss";
export * from "./veb";
export * from "./gen";
export * from "./sink";
export * from "./hop";
export * from "./bridge";
export * from "./virtio";
export * from "./ring";
export * from "./echo";
export * from "./dispatch";
