/* Native reference of the switch burst: assembly/switch/veb.ts vebTxBurst (txLoop and
 * switch/fast-tx.ts txFast, the Tx fast path: anti-spoof look-up, exact-MAC look-up in the same
 * open-addressing table, outer RSS with the same table-driven Toeplitz as assembly/toeplitz.ts
 * hashV4 / assembly/rss.ts fastRssInline, RETA, ring-limit check, one 16-byte descriptor per
 * frame, counters summed per burst and published), then ringMove of every Rx ring back to the
 * Tx ring (the bench's driver stand-in, assembly/ring.ts), on an image of the Wasm memory the
 * bench set up. Frames that would leave the fast path (txOne) are not covered: the program
 * stops with an error.
 *
 * usage: switch IMAGE [rounds] [round_ms]
 * params: header, pool, queue, burst, txRing, nRx, rxRing[nRx]
 * prints: {"checksum":N,"fast":N,"rate":R,"best":R,"cpuRate":R}, R in frames per second: rate
 * the median round by wall clock, best the best one, cpuRate the median by process CPU time.
 * The checksum is taken after one burst, as bench/native-ref.ts switchChecksum takes it on the
 * Wasm memory. */
#include "image.h"

#define NONE 0xffffffffu
#define RSS_BAIL 0xffffffffu

/* ---- per-burst configuration (switch/config.ts loadConfig, the part the fast path reads) ---------------- */
static uint32_t cFlags, cVet, cVetExt, cTxMax, cRxBuf;
/* Pool sets (abi.ts POOL_SET_BYTES): u64 lo (pools 0..63) then u64 hi (pools 64..127); the fast
 * path works on lo and keeps the hi words to leave a frame that reaches a pool >= 64. */
static uint64_t mVfre, mVfte, mAupe, mUpe, mLle, mMacas;
static uint64_t mVfreHi, mVfteHi, mAupeHi, mUpeHi;
static uint32_t nDirty;

static inline uint64_t mask(int i) { return ld64(gSwitchCfg + SC_MASKS + (uint32_t)i * POOL_SET_BYTES); }
static inline uint64_t maskHi(int i) { return ld64(gSwitchCfg + SC_MASKS + (uint32_t)i * POOL_SET_BYTES + 8); }
static inline uint32_t scfg(int off) { return ld32(gSwitchCfg + (uint32_t)off); }
static inline uint32_t pcfg(uint32_t pool, int off) { return ld32(gPoolCfg + pool * POOL_CFG_BYTES + (uint32_t)off); }

static void loadConfig(void) {
  cFlags = scfg(SC_FLAGS);
  cVet = scfg(SC_VET);
  cVetExt = scfg(SC_VET_EXT);
  cTxMax = scfg(SC_TX_MAX);
  cRxBuf = scfg(SC_RX_BUF);
  if (cRxBuf == 0) cRxBuf = 2048;
  mVfre = mask(M_VFRE);
  mVfte = mask(M_VFTE);
  mAupe = mask(M_AUPE);
  mUpe = mask(M_UPE);
  mLle = mask(M_LLE);
  mMacas = mask(M_MACAS);
  mVfreHi = maskHi(M_VFRE);
  mVfteHi = maskHi(M_VFTE);
  mAupeHi = maskHi(M_AUPE);
  mUpeHi = maskHi(M_UPE);
}

static inline void cntPool(uint32_t pool, int idx, uint64_t v) {
  uint32_t p = gCntPool + ((pool * POOL_CNT_WORDS + (uint32_t)idx) << 3);
  st64(p, ld64(p) + v);
}
static inline void cntQueue(uint32_t ring, int idx, uint64_t v) {
  uint32_t p = gCntQueue + ((ring * QUEUE_CNT_WORDS + (uint32_t)idx) << 3);
  st64(p, ld64(p) + v);
}

/* ---- MAC table (switch/select.ts macSlotPools: open addressing, Fibonacci hash, key = mac | 1 << 48) ----- */
static inline uint64_t macAt(uint32_t p) { return (uint64_t)ld32(p) | ((uint64_t)ld16(p + 4) << 32); }
/* Address of the pool set (lo, hi) of `mac`'s exact filters, 0 when none. */
static inline uint32_t macSlotPools(uint64_t mac) {
  const uint64_t key = mac | ((uint64_t)1 << 48);
  uint32_t i = (uint32_t)((mac * 0x9e3779b97f4a7c15ull) >> 40) & gMacMask;
  for (uint32_t n = 0; n <= gMacMask; n++) {
    const uint32_t s = gMacTable + i * MAC_SLOT_BYTES;
    const uint64_t k = ld64(s);
    if (k == key) return s + MAC_SLOT_POOLS;
    if (k == 0) return 0;
    i = (i + 1) & gMacMask;
  }
  return 0;
}
static inline uint64_t macFind(uint64_t mac) {
  const uint32_t at = macSlotPools(mac);
  return at == 0 ? 0 : ld64(at);
}

/* ---- Toeplitz (toeplitz.ts hashV4: one table load per input byte, position in the offset) ------ */
static inline uint32_t tzb(uint32_t table, uint32_t pos, uint32_t b) { return ld32(table + (pos << 10) + (b << 2)); }
static inline uint32_t tzw(uint32_t table, uint32_t pos, uint32_t w) {
  return tzb(table, pos, w & 0xff) ^ tzb(table, pos + 1, (w >> 8) & 0xff) ^ tzb(table, pos + 2, (w >> 16) & 0xff) ^
         tzb(table, pos + 3, w >> 24);
}
static inline uint32_t hashV4(uint32_t table, uint32_t addrs, uint32_t ports) {
  uint32_t h = tzw(table, 0, ld32(addrs)) ^ tzw(table, 4, ld32(addrs + 4));
  if (ports) h ^= tzw(table, 8, ld32(ports));
  return h;
}

/* rss.ts fastRssInline: the hash goes to *hash, the RSS type is returned (RSS_BAIL: not covered). */
static inline uint32_t fastRss(uint32_t f, uint32_t len, uint32_t table, uint32_t enabled, int inner, uint32_t *hash) {
  if (len < 34) return RSS_BAIL;
  uint32_t l3 = 14;
  uint32_t et = ld16(f + 12);
  if (et == 0x0081) {
    et = ld16(f + 16);
    l3 = 18;
    if (len < 38) return RSS_BAIL;
  }
  if (et != 0x0008 || ld8(f + l3) != 0x45) return RSS_BAIL;
  const uint32_t total = bswap16(ld16(f + l3 + 2));
  if (total < 20 || l3 + total > len) return RSS_BAIL;
  if ((ld16(f + l3 + 6) & 0xff3f) != 0) return RSS_BAIL;
  const uint32_t proto = ld8(f + l3 + 9);
  const uint32_t l4 = f + l3 + 20;
  const uint32_t avail = total - 20;
  int isTcp = 0, isUdp = 0;
  if (proto == 6) {
    if (avail < 20) return RSS_BAIL;
    if ((ld8(l4 + 12) >> 4) < 5) return RSS_BAIL;
    isTcp = 1;
  } else if (proto == 17) {
    if (avail < 8) return RSS_BAIL;
    if (inner) return RSS_BAIL;
    isUdp = 1;
  } else if (proto == 4 || proto == 41 || proto == 47 || proto == 51) {
    return RSS_BAIL;
  }
  const uint32_t addrs = f + l3 + 12;
  if (isTcp && (enabled & RT_TCP4)) { *hash = hashV4(table, addrs, l4); return RSS_TCP4; }
  if (isUdp && (enabled & RT_UDP4)) { *hash = hashV4(table, addrs, l4); return RSS_UDP4; }
  if (enabled & RT_IPV4) { *hash = hashV4(table, addrs, 0); return RSS_IPV4; }
  *hash = 0;
  return RSS_NONE;
}

/* ---- rings: shadow producer state, published once per burst (switch/rings.ts) ------------------------- */
static inline uint32_t shadow(uint32_t ring) { return gShadow + ring * SH_BYTES; }
static inline void shadowInit(uint32_t id) {
  const uint32_t sh = shadow(id), r = ringAt(id);
  st32(sh + SH_TAIL, ld32(r + R_TAIL));
  st32(sh + SH_HEAD, ld32(r + R_HEAD));
  st32(sh + SH_DESC, ld32(r + R_DESC));
  st32(sh + SH_MASK, ld32(r + R_MASK));
  st32(sh + SH_LIMIT, ld32(r + R_LIMIT));
  st32(sh + SH_DIRTY, 1);
  st32(gScratch + SCR_DIRTY + (nDirty << 2), id);
  nDirty++;
}

static void publish(void) {
  for (uint32_t i = 0; i < nDirty; i++) {
    const uint32_t id = ld32(gScratch + SCR_DIRTY + (i << 2));
    const uint32_t sh = shadow(id), r = ringAt(id);
    __atomic_store_n((uint32_t *)(M + r + R_TAIL), ld32(sh + SH_TAIL), __ATOMIC_RELEASE);
    st32(sh + SH_DIRTY, 0);
    const uint32_t fp = ld32(sh + SH_FPKTS);
    if (fp != 0) {
      const uint64_t fb = ld64(sh + SH_FBYTES), n = fp;
      const uint32_t pool = ld32(r + R_OWNER);
      cntQueue(id, CQ_RX_PACKETS, n);
      cntQueue(id, CQ_RX_BYTES, fb);
      cntQueue(id, CQ_RX_DESCRIPTORS, n);
      cntPool(pool, CP_RX_PACKETS, n);
      cntPool(pool, CP_RX_BYTES, fb);
      cntPool(pool, CP_RX_UNICAST, n);
      cntPool(pool, CP_RX_LB_PACKETS, n);
      cntPool(pool, CP_RX_LB_BYTES, fb);
      st32(sh + SH_FPKTS, 0);
      st64(sh + SH_FBYTES, 0);
    }
    if (ld32(sh + SH_RPKTS) != 0) die("Rx fast-path counters pending (not covered)");
  }
  nDirty = 0;
}

/* ---- buffers (switch/buffers.ts bufFree, fastCopy, copyFrame) --------------------------------------------- */
static inline uint32_t freeStack(void) { return ld32(gSwitchState + SS_FREE_STACK); }
static void bufFree(uint32_t idx) {
  const uint32_t owners = ld32(gSwitchState + SS_NOWNERS);
  for (uint32_t k = 0; k < owners; k++) {
    const uint32_t e = gSwitchState + SS_OWNERS + k * SS_OWNER_BYTES;
    if (idx >= ld32(e + SO_LO) && idx < ld32(e + SO_HI)) {
      const uint32_t home = ld32(e + SO_STACK);
      if (home != 0) {
        const uint32_t c = ld32(home + FS_COUNT);
        st32(home + FS_ENTRIES + (c << 2), idx);
        st32(home + FS_COUNT, c + 1);
        return;
      }
      const uint32_t r = ld32(e + SO_RING), t = ld32(r + R_TAIL);
      st32(ld32(r + R_DESC) + ((t & ld32(r + R_MASK)) << 4) + D_BUF, idx);
      __atomic_store_n((uint32_t *)(M + r + R_TAIL), t + 1, __ATOMIC_RELEASE);
      return;
    }
  }
  const uint32_t s = freeStack(), c = ld32(s + FS_COUNT);
  st32(s + FS_ENTRIES + (c << 2), idx);
  st32(s + FS_COUNT, c + 1);
}
static inline void copyFrame(uint32_t dst, uint32_t dstOff, uint32_t src, uint32_t srcOff, uint32_t len) {
  const uint32_t rounded = (len + 15) & ~15u;
  if (srcOff + rounded <= gBufSize && dstOff + rounded <= gBufSize) {
    for (uint32_t i = 0; i < rounded; i += 16) memcpy(M + dst + i, M + src + i, 16);
  } else {
    memmove(M + dst, M + src, len);
  }
}
static inline uint32_t fastCopy(uint32_t buf, uint32_t off, uint32_t f, uint32_t len, int owned) {
  const uint32_t stack = freeStack(), c = ld32(stack + FS_COUNT);
  if (c == 0) return NONE;
  const uint32_t b = ld32(stack + FS_ENTRIES + ((c - 1) << 2));
  copyFrame(bufAddr(b) + gHeadroom, gHeadroom, f, off, len);
  if (owned) {
    st32(stack + FS_COUNT, c - 1);
    bufFree(buf);
  } else {
    st32(stack + FS_ENTRIES + ((c - 1) << 2), buf);
  }
  return b;
}

static void drainReturns(void) {
  const uint32_t id = ld32(gSwitchState + SS_RETURN_RING);
  if (id == NONE) return;
  const uint32_t r = ringAt(id), head = ld32(r + R_HEAD), tail = ld32(r + R_TAIL), m = ld32(r + R_MASK),
                 desc = ld32(r + R_DESC);
  for (uint32_t i = head; i != tail; i++) bufFree(ld32(desc + ((i & m) << 4)));
  __atomic_store_n((uint32_t *)(M + r + R_HEAD), tail, __ATOMIC_RELEASE);
}

/* ---- the Tx fast path (switch/fast-tx.ts txFast, per-burst state in locals) ------------------------------- */
static uint32_t fastFrames;

static uint32_t txFast(uint32_t pool, uint32_t desc, uint32_t m, uint32_t head, uint32_t n) {
  const uint64_t srcBit = (uint64_t)1 << (pool & 63); /* pool < 64 (vebTxBurst) */
  const int spoofCheck = (mMacas & srcBit) != 0;
  const int rssOn = (cFlags & SF_RSS_ON_LB) != 0;
  const int copy = (cFlags & SF_ALWAYS_COPY) != 0;
  if (ld32(gSwitchState + SS_TRACE) != 0) die("trace on (not covered)");
  const uint32_t txLimit = cTxMax >= 4 ? cTxMax - 4 : 0;
  const uint32_t vetLe = bswap16(cVet), vetExtLe = bswap16(cVetExt);
  const uint64_t addMask = mUpe;
  const uint64_t keepMask = ((mLle & srcBit) != 0 ? ~(uint64_t)0 : ~srcBit) &
                            ((cFlags & SF_VLAN_FILTER) != 0 ? mAupe : ~(uint64_t)0) & mVfre;
  const uint64_t vfre = mVfre;
  const uint64_t keepHi = ((cFlags & SF_VLAN_FILTER) != 0 ? mAupeHi : ~(uint64_t)0) & mVfreHi;
  const uint64_t addHi = mUpeHi & keepHi;
  const uint32_t bufCount = gBufCount, bufSize = gBufSize;
  uint32_t dPool = NONE, dMax = 0, dTable = 0, dTypes = 0, dReta = 0, dRetaMask = 0, dRxRing = 0;
  int dInner = 0;
  uint32_t txN = 0;
  uint64_t txBytes = 0;
  const int owned = ld32(gSwitchState + SS_NOWNERS) != 0;
  uint32_t i = 0;
  for (; i < n; i++) {
    const uint32_t d = desc + (((head + i) & m) << 4);
    const uint64_t lo = ld64(d);
    const uint32_t buf = (uint32_t)lo, off = (uint32_t)(lo >> 32) & 0xffff, len = (uint32_t)(lo >> 48);
    if (buf >= bufCount || off + 64 > bufSize) break;
    if ((ld8(d + D_FLAGS) & DF_VLE) != 0 || len < 60 || len > txLimit) break;
    const uint32_t f = bufAddr(buf) + off;
    const uint32_t et = ld16(f + 12);
    const uint64_t da = macAt(f);
    if (et == vetLe || et == vetExtLe || (da & 1) != 0) break;
    uint64_t P = macFind(da) & vfre;
    if (P == 0) break;
    if (keepHi != 0 && ((ld64(macSlotPools(da) + 8) & keepHi) | addHi) != 0) break;
    P = (P | addMask) & keepMask;
    if (P == 0 || (P & (P - 1)) != 0) break;
    if (spoofCheck && (macFind(macAt(f + 6)) & srcBit) == 0) break;
    const uint32_t p = (uint32_t)__builtin_ctzll(P);
    if (p != dPool) {
      dPool = p;
      const uint32_t pflags = pcfg(p, PC_FLAGS), rlpml = pcfg(p, PC_RLPML);
      uint32_t lim = (pflags & PF_LPE) != 0 ? (rlpml >= 4 ? rlpml - 4 : 0) : 1514;
      if (lim > cRxBuf) lim = cRxBuf;
      dMax = lim;
      dTable = pcfg(p, PC_TOEPLITZ);
      dTypes = pcfg(p, PC_RSS_TYPES);
      dInner = (pflags & PF_RSS_INNER) != 0;
      dReta = pcfg(p, PC_RETA);
      dRetaMask = pcfg(p, PC_RETA_MASK);
      dRxRing = pcfg(p, PC_RXRING);
    }
    if (len > dMax) break;
    uint32_t rtype = RSS_NONE, hash = 0, queue = 0;
    if (rssOn) {
      rtype = fastRss(f, len, dTable, dTypes, dInner, &hash);
      if (rtype == RSS_BAIL) break;
      if (rtype == RSS_NONE) hash = 0;
      queue = ld8(dReta + (hash & dRetaMask));
    }
    const uint32_t ring = dRxRing + queue;
    const uint32_t sh = shadow(ring);
    if (ld32(sh + SH_DIRTY) == 0) shadowInit(ring);
    const uint32_t tail = ld32(sh + SH_TAIL);
    if (tail - ld32(sh + SH_HEAD) >= ld32(sh + SH_LIMIT)) break;
    uint32_t b = buf, o = off;
    if (copy) {
      b = fastCopy(buf, off, f, len, owned);
      if (b == NONE) break;
      o = gHeadroom;
    }
    const uint32_t s = ld32(sh + SH_DESC) + ((tail & ld32(sh + SH_MASK)) << 4);
    st64(s, (uint64_t)b | ((uint64_t)(o & 0xffff) << 32) | ((uint64_t)len << 48));
    st64(s + 8, (uint64_t)hash | ((uint64_t)(DF_DD | DF_LB | DF_EOP) << 48) | ((uint64_t)(rtype & 0xff) << 56));
    st32(sh + SH_TAIL, tail + 1);
    const uint64_t bytes = len + 4;
    st32(sh + SH_FPKTS, ld32(sh + SH_FPKTS) + 1);
    st64(sh + SH_FBYTES, ld64(sh + SH_FBYTES) + bytes);
    txN++;
    txBytes += bytes;
  }
  if (txN != 0) {
    cntPool(pool, CP_TX_PACKETS, txN);
    cntPool(pool, CP_TX_BYTES, txBytes);
    cntPool(pool, CP_TX_UNICAST, txN);
    cntPool(pool, CP_TX_LB_PACKETS, txN);
    cntPool(pool, CP_TX_LB_BYTES, txBytes);
    st32(gSwitchState + SS_FAST_FRAMES, ld32(gSwitchState + SS_FAST_FRAMES) + txN);
    st32(gSwitchState + SS_LAST_DROP, DR_NONE);
  }
  fastFrames += txN;
  return i;
}

/* switch/veb.ts vebTxBurst, fast path only. */
static uint32_t vebTxBurst(uint32_t pool, uint32_t queue, uint32_t budget) {
  loadConfig();
  if (((pool < 64 ? mVfte : mVfteHi) >> (pool & 63) & 1) == 0) return 0;
  if (queue >= pcfg(pool, PC_TXQ)) return 0;
  drainReturns();
  const uint32_t r = ringAt(pcfg(pool, PC_TXRING) + queue);
  const uint32_t head = ld32(r + R_HEAD);
  const uint32_t avail = __atomic_load_n((uint32_t *)(M + r + R_TAIL), __ATOMIC_ACQUIRE) - head;
  const uint32_t n = avail < budget ? avail : budget;
  const int fastOn = (cFlags & SF_LOOPBACK) != 0 && pcfg(pool, PC_VLAN_ACTION) == VA_USE_DESC && pool < 64;
  if (!fastOn || txFast(pool, ld32(r + R_DESC), ld32(r + R_MASK), head, n) != n)
    die("a frame left the Tx fast path (txOne is not covered by this reference)");
  __atomic_store_n((uint32_t *)(M + r + R_HEAD), head + n, __ATOMIC_RELEASE);
  publish();
  return n;
}

/* ring.ts ringMove */
static uint32_t ringMove(uint32_t src, uint32_t dst, uint32_t max) {
  const uint32_t s = ringAt(src), d = ringAt(dst);
  const uint32_t sh = ld32(s + R_HEAD);
  uint32_t n = __atomic_load_n((uint32_t *)(M + s + R_TAIL), __ATOMIC_ACQUIRE) - sh;
  const uint32_t dt = ld32(d + R_TAIL);
  const uint32_t used = dt - __atomic_load_n((uint32_t *)(M + d + R_HEAD), __ATOMIC_ACQUIRE);
  const uint32_t limit = ld32(d + R_LIMIT);
  const uint32_t room = used >= limit ? 0 : limit - used;
  if (n > room) n = room;
  if (n > max) n = max;
  const uint32_t sm = ld32(s + R_MASK), dm = ld32(d + R_MASK), sd = ld32(s + R_DESC), dd = ld32(d + R_DESC);
  uint32_t i = 0;
  while (i < n) {
    const uint32_t si = (sh + i) & sm, di = (dt + i) & dm;
    uint32_t run = n - i;
    if (run > sm + 1 - si) run = sm + 1 - si;
    if (run > dm + 1 - di) run = dm + 1 - di;
    memmove(M + dd + (di << 4), M + sd + (si << 4), (size_t)run << 4);
    i += run;
  }
  __atomic_store_n((uint32_t *)(M + s + R_HEAD), sh + n, __ATOMIC_RELEASE);
  __atomic_store_n((uint32_t *)(M + d + R_TAIL), dt + n, __ATOMIC_RELEASE);
  return n;
}

/* ---- the bench's iteration and checksum ------------------------------------------------------- */
static uint32_t pPool, pQueue, pBurst, pTx, pNRx;
static const uint32_t *pRx;

static void iteration(void) {
  vebTxBurst(pPool, pQueue, pBurst);
  for (uint32_t q = 0; q < pNRx; q++) ringMove(pRx[q], pTx, pBurst);
}

/* bench/native-ref.ts switchChecksum: every pending Rx descriptor of the listed rings (16 bytes,
 * then the frame bytes it points at), then the pool and queue counter regions. */
static uint32_t checksum(void) {
  uint32_t h = FNV_INIT;
  for (uint32_t q = 0; q < pNRx; q++) {
    const uint32_t r = ringAt(pRx[q]), head = ld32(r + R_HEAD), tail = ld32(r + R_TAIL), m = ld32(r + R_MASK),
                   desc = ld32(r + R_DESC);
    for (uint32_t i = head; i != tail; i++) {
      const uint32_t d = desc + ((i & m) << 4);
      h = fnv1a(h, d, 16);
      h = fnv1a(h, bufAddr(ld32(d + D_BUF)) + ld16(d + D_OFF), ld16(d + D_LEN));
    }
  }
  h = fnv1a(h, gCntPool, gNumPools * POOL_CNT_WORDS * 8);
  h = fnv1a(h, gCntQueue, gRingCount * QUEUE_CNT_WORDS * 8);
  return h;
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage: switch IMAGE [rounds] [round_ms]");
  const int rounds = argc > 2 ? atoi(argv[2]) : 7;
  const double round_s = (argc > 3 ? atof(argv[3]) : 100) / 1000;
  load_image(argv[1]);
  if (NP < 6) die("missing parameters");
  mem_init(P[0]);
  pPool = P[1], pQueue = P[2], pBurst = P[3], pTx = P[4], pNRx = P[5], pRx = P + 6;
  if (NP < 6 + pNRx) die("missing Rx ring ids");
  /* One burst, then the checksum of what it produced (compared with the Wasm kernel's). */
  const uint32_t n = vebTxBurst(pPool, pQueue, pBurst);
  const uint32_t sum = checksum();
  const uint32_t fast = fastFrames;
  for (uint32_t q = 0; q < pNRx; q++) ringMove(pRx[q], pTx, pBurst);
  if (n != pBurst) die("the first burst did not consume every frame");
  const struct rates r = measure_rates(iteration, pBurst, rounds, round_s);
  printf("{\"checksum\":%u,\"fast\":%u,\"rate\":%.0f,\"best\":%.0f,\"cpuRate\":%.0f}\n", sum, fast, r.median, r.best,
         r.cpu_median);
  return 0;
}
