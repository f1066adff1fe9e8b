/* Native reference of the Toeplitz kernel: assembly/toeplitz.ts toeplitzBatchIpv4 (hashV4 over
 * `count` IPv4 4-tuples of 12 bytes, `stride` bytes apart, table-driven: one 32-bit table load
 * per input byte), on an image of the Wasm memory the bench set up (same table, same tuples).
 *
 * usage: toeplitz IMAGE [rounds] [round_ms]
 * params: table, data, stride, count
 * prints: {"checksum":N,"xor":N,"rate":R,"best":R,"cpuRate":R}, R in hashes per second: rate
 * the median round by wall clock, best the best one, cpuRate the median by process CPU time.
 * The checksum is FNV-1a of every tuple's hash (4 bytes, little-endian), as
 * bench/toeplitz.bench.ts computes it from the Wasm kernel's toeplitzIpv4Tuple. */
#include "image.h"

static uint32_t pTable, pData, pStride, pCount;
static volatile uint32_t sink;

/* toeplitz.ts tz/hashV4: table + position * 1024 + byte * 4. */
static inline uint32_t tzb(uint32_t table, uint32_t pos, uint32_t b) { return ld32(table + (pos << 10) + (b << 2)); }
static inline uint32_t tzw(uint32_t table, uint32_t pos, uint32_t w) {
  return tzb(table, pos, w & 0xff) ^ tzb(table, pos + 1, (w >> 8) & 0xff) ^ tzb(table, pos + 2, (w >> 16) & 0xff) ^
         tzb(table, pos + 3, w >> 24);
}
static inline uint32_t hashV4(uint32_t table, uint32_t addrs, uint32_t portsAt) {
  uint32_t h = tzw(table, 0, ld32(addrs)) ^ tzw(table, 4, ld32(addrs + 4));
  if (portsAt) h ^= tzw(table, 8, ld32(portsAt));
  return h;
}

/* toeplitz.ts toeplitzBatchIpv4. */
static uint32_t batch(void) {
  uint32_t x = 0;
  for (uint32_t i = 0; i < pCount; i++) {
    const uint32_t p = pData + i * pStride;
    x ^= hashV4(pTable, p, p + 8);
  }
  return x;
}
static void iteration(void) { sink ^= batch(); }

int main(int argc, char **argv) {
  if (argc < 2) die("usage: toeplitz IMAGE [rounds] [round_ms]");
  const int rounds = argc > 2 ? atoi(argv[2]) : 7;
  const double round_s = (argc > 3 ? atof(argv[3]) : 100) / 1000;
  load_image(argv[1]);
  if (NP < 4) die("missing parameters");
  pTable = P[0], pData = P[1], pStride = P[2], pCount = P[3];
  if ((uint64_t)pData + (uint64_t)pCount * pStride > MSIZE || (uint64_t)pTable + TOEPLITZ_TABLE_BYTES > MSIZE)
    die("table or tuples outside the image");
  uint32_t sum = FNV_INIT;
  for (uint32_t i = 0; i < pCount; i++) {
    const uint32_t p = pData + i * pStride;
    const uint32_t h = hashV4(pTable, p, p + 8);
    uint8_t b[4];
    memcpy(b, &h, 4);
    for (int k = 0; k < 4; k++) sum = (sum ^ b[k]) * 16777619u;
  }
  const uint32_t x = batch();
  const struct rates r = measure_rates(iteration, pCount, rounds, round_s);
  printf("{\"checksum\":%u,\"xor\":%u,\"rate\":%.0f,\"best\":%.0f,\"cpuRate\":%.0f}\n", sum, x, r.median, r.best,
         r.cpu_median);
  return 0;
}
