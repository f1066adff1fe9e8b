// The Toeplitz hash (data-plane spec §4.1), in the readable shift-register form.
// For every input bit that is 1 (MSB of byte 0 first), XOR the current 32-bit key window into
// the result; then slide the window one key bit to the left. Key bytes past the end read as 0.

/** Microsoft's RSS verification key (spec §4.2), also the default key of Intel's DPDK PMDs. */
export const MS_RSS_KEY: Uint8Array = Uint8Array.from([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca,
  0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b,
  0xbe, 0xac, 0x01, 0xfa,
]);

export function toeplitzHash(input: ArrayLike<number>, key: ArrayLike<number> = MS_RSS_KEY): number {
  const keyByte = (i: number) => (i < key.length ? key[i] : 0);
  let window = ((keyByte(0) << 24) | (keyByte(1) << 16) | (keyByte(2) << 8) | keyByte(3)) >>> 0;
  let result = 0;
  for (let i = 0; i < input.length; i++) {
    const next = keyByte(i + 4);
    for (let b = 7; b >= 0; b--) {
      if ((input[i] >> b) & 1) result = (result ^ window) >>> 0;
      window = ((window << 1) | ((next >> b) & 1)) >>> 0;
    }
  }
  return result >>> 0;
}
