/* Shared by the native references: a Wasm linear-memory image loaded from a file, little-endian
 * loads and stores at 32-bit offsets into it (exactly what the Wasm kernels address), the
 * region pointers of assembly/mem.ts init(), FNV-1a checksums and a best-of-N timer.
 *
 * Image file (written by bench/native-ref.ts): u32 magic 'IOVN', u32 nparams, u32 params[],
 * u32 image bytes, then the bytes of the Wasm memory. */
#ifndef IOVSIM_NATIVE_IMAGE_H
#define IOVSIM_NATIVE_IMAGE_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "abi.h" /* generated from assembly/abi.ts by bench/native-ref.ts */

static uint8_t *M;     /* base of the memory image: Wasm address a is M + a */
static uint32_t MSIZE; /* bytes in the image */
static uint32_t P[64]; /* parameters from the file (meaning per program) */
static uint32_t NP;

static inline uint8_t ld8(uint32_t a) { return M[a]; }
static inline uint16_t ld16(uint32_t a) { uint16_t v; memcpy(&v, M + a, 2); return v; }
static inline uint32_t ld32(uint32_t a) { uint32_t v; memcpy(&v, M + a, 4); return v; }
static inline uint64_t ld64(uint32_t a) { uint64_t v; memcpy(&v, M + a, 8); return v; }
static inline void st8(uint32_t a, uint8_t v) { M[a] = v; }
static inline void st16(uint32_t a, uint16_t v) { memcpy(M + a, &v, 2); }
static inline void st32(uint32_t a, uint32_t v) { memcpy(M + a, &v, 4); }
static inline void st64(uint32_t a, uint64_t v) { memcpy(M + a, &v, 8); }
static inline uint32_t bswap16(uint32_t v) { return ((v & 0xff) << 8) | ((v >> 8) & 0xff); }

static void die(const char *msg) {
  fprintf(stderr, "native reference: %s\n", msg);
  exit(2);
}

static void load_image(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open the image file");
  uint32_t hdr[2];
  if (fread(hdr, 4, 2, f) != 2 || hdr[0] != 0x4e564f49u /* 'IOVN' */ || hdr[1] > 64) die("bad image header");
  NP = hdr[1];
  if (fread(P, 4, NP, f) != NP || fread(&MSIZE, 4, 1, f) != 1) die("bad image header");
  /* 64 spare bytes: the Wasm kernels may read a few bytes past a frame inside memory. */
  M = aligned_alloc(64, ((size_t)MSIZE + 64 + 63) & ~(size_t)63);
  if (!M || fread(M, 1, MSIZE, f) != MSIZE) die("short image");
  memset(M + MSIZE, 0, 64);
  fclose(f);
}

/* ---- assembly/mem.ts: region pointers cached from the header ---------------------------- */
static uint32_t gHdr, gBufBase, gBufSize, gBufStride, gBufCount, gHeadroom, gSwitchCfg, gPoolCfg,
    gNumPools, gMacTable, gMacMask, gVfta, gMta, gUta, gVlanPools, gCntPool, gCntQueue, gCntPort,
    gRingDir, gRingCount, gSwitchState, gScratch, gTunnelPorts, gShadow;

static inline uint32_t slot(int i) { return ld32(gHdr + ((uint32_t)i << 2)); }

static void mem_init(uint32_t header) {
  gHdr = header;
  if (slot(H_MAGIC) != (uint32_t)ABI_MAGIC) die("bad ABI magic in the image");
  if (slot(H_VERSION) != (uint32_t)ABI_VERSION) die("ABI version of the image differs from abi.h");
  gBufBase = slot(H_BUF_BASE);
  gBufSize = slot(H_BUF_SIZE);
  gBufStride = slot(H_BUF_STRIDE);
  gBufCount = slot(H_BUF_COUNT);
  gHeadroom = slot(H_BUF_HEADROOM);
  gSwitchCfg = slot(H_SWITCH_CFG);
  gPoolCfg = slot(H_POOL_CFG);
  gNumPools = slot(H_NUM_POOLS);
  gMacTable = slot(H_MAC_TABLE);
  gMacMask = slot(H_MAC_SLOTS) - 1;
  gVfta = slot(H_VFTA);
  gMta = slot(H_MTA);
  gUta = slot(H_UTA);
  gVlanPools = slot(H_VLAN_POOLS);
  gCntPool = slot(H_CNT_POOL);
  gCntQueue = slot(H_CNT_QUEUE);
  gCntPort = slot(H_CNT_PORT);
  gRingDir = slot(H_RING_DIR);
  gRingCount = slot(H_RING_COUNT);
  gSwitchState = slot(H_SWITCH_STATE);
  gScratch = slot(H_SCRATCH);
  gTunnelPorts = slot(H_TUNNEL_PORTS);
  gShadow = slot(H_SHADOW);
}

static inline uint32_t bufAddr(uint32_t idx) { return gBufBase + idx * gBufStride; }
static inline uint32_t ringAt(uint32_t id) { return ld32(gRingDir + (id << 2)); }

/* ---- checksums (the TypeScript side computes the same: bench/native-ref.ts fnv1a) ---------- */
static inline uint32_t fnv1a(uint32_t h, uint32_t a, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) h = (h ^ M[a + i]) * 16777619u;
  return h;
}
#define FNV_INIT 2166136261u

/* ---- timing: rounds of `iters` calls, in items per second ---------------------------------- */
static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this process: on a machine shared by other jobs, what the loop itself cost. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* Calls `fn` (processing `items` items per call) in `rounds` rounds of about `round_s` seconds;
 * reports the median round by wall-clock time (what the bench compares with Wasm, whose
 * tinybench figure is a mean over about a second), the best, and the median by CPU time. */
struct rates { double median, best, cpu_median; };
static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static struct rates measure_rates(void (*fn)(void), double items, int rounds, double round_s) {
  uint64_t iters = 1;
  for (;;) { /* calibrate */
    double t0 = now_s();
    for (uint64_t i = 0; i < iters; i++) fn();
    double dt = now_s() - t0;
    if (dt >= round_s / 4) { iters = (uint64_t)((double)iters * round_s / dt) + 1; break; }
    iters *= 4;
  }
  if (rounds < 1) rounds = 1;
  if (rounds > 99) rounds = 99;
  double r[99], c[99];
  for (int k = 0; k < rounds; k++) {
    const double t0 = now_s(), c0 = cpu_s();
    for (uint64_t i = 0; i < iters; i++) fn();
    const double c1 = cpu_s(), t1 = now_s();
    r[k] = items * (double)iters / (t1 - t0);
    c[k] = items * (double)iters / (c1 - c0);
  }
  qsort(r, (size_t)rounds, sizeof r[0], cmp_double);
  qsort(c, (size_t)rounds, sizeof c[0], cmp_double);
  struct rates out = { r[rounds / 2], r[rounds - 1], c[rounds / 2] };
  return out;
}
#endif
