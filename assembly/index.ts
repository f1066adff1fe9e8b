// Kernel entry point: re-exports every kernel. Filled in by the data-plane work.
export function version(): u32 {
  return 1;
}
