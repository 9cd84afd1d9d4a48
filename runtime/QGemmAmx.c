/*===- QGemmAmx.c - the dense int8 GEMM on the AMX tile unit -------------===*\
|*                                                                            *|
|* qcc_rt_qgemm_s8 (QGemm.h) for the x86-64-v4-amx level: the AMX-INT8        *|
|* instructions multiply a 16 x 64-byte tile of X by a 16 x 64-byte tile of W *|
|* in the "VNNI" layout (row g holds k-steps 4g..4g+3 of 16 columns) into a   *|
|* 16 x 16 int32 tile. One instruction exists per signedness pair (tdpbuud,   *|
|* tdpbusd, tdpbsud, tdpbssd, X's first), so both operands keep their types   *|
|* and every product is exact; the sums wrap in int32 as the contract asks.   *|
|* The zero points come out of the inner loop as in QGemm.c:                  *|
|*                                                                            *|
|*   sum (x - xz)(w - wz) = sum x w - wz * sum x - xz * sum w + K * xz * wz   *|
|*                                                                            *|
|* Register tile: 32 x 32 int32 in four C tiles, fed by two X tiles and two   *|
|* W tiles per 64-byte k-step (tmm0-3: C, tmm4-5: X rows 0-15 and 16-31,      *|
|* tmm6-7: W columns 0-15 and 16-31). X tiles load straight from X (stride    *|
|* ldx) where its rows lie on 64-byte lines; slivers with fewer than 32 rows, *|
|* rows off the lines (split rows made the whole product 10 to 23% slower on  *|
|* Emerald Rapids) or a last k-step that would read past X are copied and     *|
|* zero-padded first. W is packed per call, by the whole OpenMP team, into    *|
|* panels of 32 columns (a 16 x 16 transpose of 32-bit units per tile), zero  *|
|* past K and N, for column blocks of QCC_AMX_NC columns and k-blocks of      *|
|* QCC_AMX_KC bytes; each thread then takes a rectangle of slivers x panels.  *|
|* A full 32 x 32 block of a row-major result on 64-byte lines whose          *|
|* corrections are per column only starts from its bias (a tile of the bias   *|
|* repeated) and is stored straight to C, later k-blocks reloading it from    *|
|* there; other blocks go through a buffer and a vector pass that adds the    *|
|* corrections.                                                               *|
|*                                                                            *|
|* Tiles are configured per thread (ldtilecfg) at the start of each product   *|
|* and released (tilerelease) at its end, so no tile state outlives a call.   *|
|* The tile data state needs the process's permission from Linux, asked for   *|
|* once by qcc_rt_amx_enable (the model loader asks at load time).            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemmAmx.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/*===----------------------------------------------------------------------===*
 * The OS permission (every x86-64 build: the model loader uses it)
 *===----------------------------------------------------------------------===*/

/* From Linux's asm/prctl.h and the XSAVE feature numbers (not every libc
 * header set has them). */
#define QCC_ARCH_REQ_XCOMP_PERM 0x1023
#define QCC_XFEATURE_XTILEDATA 18

/* The answer of the first request plus 2 (0: not asked yet). */
static int amxAnswer;

int qcc_rt_amx_enable(void) {
  int a = __atomic_load_n(&amxAnswer, __ATOMIC_ACQUIRE);
  if (a)
    return a - 2;
  int r = -1;
#if defined(__x86_64__) && defined(__linux__)
  unsigned eax, ebx, ecx, edx;
  /* CPUID.(7,0):EDX bit 24 AMX-TILE, bit 25 AMX-INT8 */
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (edx >> 24 & 1) &&
      (edx >> 25 & 1)) {
    /* Idempotent and per process: concurrent first calls get one answer. */
    if (syscall(SYS_arch_prctl, QCC_ARCH_REQ_XCOMP_PERM,
                QCC_XFEATURE_XTILEDATA) == 0)
      r = 0;
    else
      r = errno > 0 ? errno : EINVAL;
  }
#endif
  __atomic_store_n(&amxAnswer, r + 2, __ATOMIC_RELEASE);
  return r;
}

#if defined(QCC_HAVE_AMX)

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(QCC_AMX_EMULATE)
#include <stdio.h>
#endif
#if defined(__AVX512BW__)
#include <immintrin.h>
#endif

/* Bytes of K per k-block: longer blocks store and reload C less often.
 * Blocks over 640 bytes load their W tiles with the T1 hint, which keeps
 * the X sliver in L1 (on Emerald Rapids a 1024-byte block ran at 0.75 of
 * the tdpbusd peak with it, 0.58 without). */
#ifndef QCC_AMX_KC
#define QCC_AMX_KC 1024
#endif
/* Columns of W per packed block (a multiple of 32): NC * KC bytes in L2. */
#ifndef QCC_AMX_NC
#define QCC_AMX_NC 512
#endif
#define AMX_MR 32
#define AMX_NR 32

typedef uint32_t u32;

static inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* The 64-byte operand of ldtilecfg (palette 1). */
typedef struct TileCfg {
  uint8_t palette, startRow;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} __attribute__((aligned(64))) TileCfg;

/*===----------------------------------------------------------------------===*
 * Tile instructions
 *===----------------------------------------------------------------------===*/

#if defined(QCC_AMX_EMULATE)
/* A C model of the tile unit after the pseudo-code of Intel's SDM (tile
 * shapes from the configuration, rows past `rows` and bytes past `colsb`
 * zero, int32 sums that wrap), strict where the hardware faults: an
 * instruction without a configuration or with mismatched shapes aborts. */
typedef struct EmuTile {
  int rows, colsb;
  uint8_t d[16][64];
} EmuTile;
static __thread EmuTile emuTiles[8];
static __thread int emuConfigured;

static void emuFail(const char *what) {
  fprintf(stderr, "qcc AMX emulation: %s\n", what);
  abort();
}

static void emuConfig(const TileCfg *c) {
  if (c->palette != 1 || c->startRow != 0)
    emuFail("ldtilecfg: palette must be 1 and start_row 0");
  for (int t = 0; t < 16; ++t) {
    if (t >= 8 && (c->rows[t] || c->colsb[t]))
      emuFail("ldtilecfg: palette 1 has 8 tiles");
    if (t >= 8)
      continue;
    if (c->rows[t] > 16 || c->colsb[t] > 64 || !c->rows[t] != !c->colsb[t])
      emuFail("ldtilecfg: bad tile shape");
    emuTiles[t].rows = c->rows[t];
    emuTiles[t].colsb = c->colsb[t];
    memset(emuTiles[t].d, 0, sizeof(emuTiles[t].d));
  }
  emuConfigured = 1;
}

static EmuTile *emuTile(int t) {
  if (!emuConfigured)
    emuFail("tile instruction without a tile configuration");
  if (!emuTiles[t].rows)
    emuFail("unconfigured tile");
  return &emuTiles[t];
}

static void emuLoad(int t, const void *base, int64_t stride) {
  EmuTile *x = emuTile(t);
  memset(x->d, 0, sizeof(x->d));
  for (int r = 0; r < x->rows; ++r)
    memcpy(x->d[r], (const uint8_t *)base + r * stride, x->colsb);
}

static void emuStore(int t, void *base, int64_t stride) {
  EmuTile *x = emuTile(t);
  for (int r = 0; r < x->rows; ++r)
    memcpy((uint8_t *)base + r * stride, x->d[r], x->colsb);
}

static void emuZero(int t) { memset(emuTile(t)->d, 0, sizeof(emuTiles[t].d)); }

/* c += a * b: a is rows x K bytes, b is K/4 rows of 4-byte groups. */
static void emuDp(int c, int a, int b, int aSigned, int bSigned) {
  EmuTile *tc = emuTile(c), *ta = emuTile(a), *tb = emuTile(b);
  if (tc->rows != ta->rows || ta->colsb != 4 * tb->rows ||
      tc->colsb != tb->colsb || tc->colsb % 4 || ta->colsb % 4)
    emuFail("tdp: tile shapes do not match");
  int kb = ta->colsb, n = tc->colsb / 4;
  int32_t av[64], bv[16][64];
  for (int k = 0; k < kb; ++k)
    for (int j = 0; j < n; ++j) {
      uint8_t v = tb->d[k / 4][4 * j + k % 4];
      bv[j][k] = bSigned ? (int8_t)v : v;
    }
  for (int m = 0; m < tc->rows; ++m) {
    for (int k = 0; k < kb; ++k)
      av[k] = aSigned ? (int8_t)ta->d[m][k] : ta->d[m][k];
    for (int j = 0; j < n; ++j) {
      u32 acc;
      memcpy(&acc, &tc->d[m][4 * j], 4);
      for (int k = 0; k < kb; ++k)
        acc += (u32)(av[k] * bv[j][k]);
      memcpy(&tc->d[m][4 * j], &acc, 4);
    }
  }
}

#define T_CONFIG(cfg) emuConfig(cfg)
#define T_RELEASE() (emuConfigured = 0)
#define T_LOAD(t, p, s) emuLoad(t, p, s)
#define T_LOAD_T1(t, p, s) emuLoad(t, p, s)
#define T_STORE(t, p, s) emuStore(t, p, s)
#define T_ZERO(t) emuZero(t)
#define DP_UU(c, a, b) emuDp(c, a, b, 0, 0)
#define DP_US(c, a, b) emuDp(c, a, b, 0, 1)
#define DP_SU(c, a, b) emuDp(c, a, b, 1, 0)
#define DP_SS(c, a, b) emuDp(c, a, b, 1, 1)
#else
/* Inline assembly rather than the compilers' intrinsics: GCC's tileloadd
 * and ldtilecfg do not tell the compiler which memory they read, so stores
 * that feed them (the packing) could be moved past them. */
#define T_CONFIG(cfg) __asm__ volatile("ldtilecfg %0" ::"m"(*(cfg)))
#define T_RELEASE() __asm__ volatile("tilerelease" ::)
#define T_LOAD(t, p, s)                                                        \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(p), "r"((int64_t)(s)) \
                   : "memory")
/* With a hint that the data will not be reused soon: W tiles of long
 * k-blocks, which would otherwise push the X sliver out of L1. */
#define T_LOAD_T1(t, p, s)                                                     \
  __asm__ volatile("tileloaddt1 (%0,%1,1), %%tmm" #t ::"r"(p),                 \
                   "r"((int64_t)(s))                                           \
                   : "memory")
#define T_STORE(t, p, s)                                                       \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(p),               \
                   "r"((int64_t)(s))                                           \
                   : "memory")
#define T_ZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
#define T_DP(op, c, a, b)                                                      \
  __asm__ volatile(#op " %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
/* X is the first source (tmm4/5), W the second (tmm6/7). */
#define DP_UU(c, a, b) T_DP(tdpbuud, c, a, b)
#define DP_US(c, a, b) T_DP(tdpbusd, c, a, b)
#define DP_SU(c, a, b) T_DP(tdpbsud, c, a, b)
#define DP_SS(c, a, b) T_DP(tdpbssd, c, a, b)
#endif

/*===----------------------------------------------------------------------===*
 * The micro-kernel
 *===----------------------------------------------------------------------===*/

/* One 32 x 32 block over `steps` k-steps of ka bytes. X rows at a (stride
 * lda; rows 16-31 at a + 16 * lda), the W panel at b (step s: the tile of
 * columns 0-15 at b + 2 * s * 16 * ka, columns 16-31 right after). The
 * accumulators start as zero or, when `init` is set, are loaded from tile
 * (r, c) at init + r * initR + c * initC with row stride ldi; tile (r, c)
 * of the result goes to out + r * 16 * ldo + c * 64, row stride ldo.
 * `half`: rows 0-15 only. */
typedef struct Call {
  int64_t steps, ka;
  const uint8_t *a;
  int64_t lda;
  const uint8_t *b;
  const uint8_t *init;
  int64_t ldi, initR, initC;
  uint8_t *out;
  int64_t ldo;
  int half;
} Call;
typedef void (*KernelFn)(const Call *k);

#define AMX_KERNEL(name, DP, LOADW)                                            \
  static void name(const Call *k) {                                            \
    const uint8_t *a = k->a, *b = k->b;                                        \
    int64_t lda = k->lda, ka = k->ka, tb = ka * 16;                            \
    if (k->init) {                                                             \
      T_LOAD(0, k->init, k->ldi);                                              \
      T_LOAD(1, k->init + k->initC, k->ldi);                                   \
      if (!k->half) {                                                          \
        T_LOAD(2, k->init + k->initR, k->ldi);                                 \
        T_LOAD(3, k->init + k->initR + k->initC, k->ldi);                      \
      }                                                                        \
    } else {                                                                   \
      T_ZERO(0);                                                               \
      T_ZERO(1);                                                               \
      if (!k->half) {                                                          \
        T_ZERO(2);                                                             \
        T_ZERO(3);                                                             \
      }                                                                        \
    }                                                                          \
    if (k->half) {                                                             \
      for (int64_t s = 0; s < k->steps; ++s, a += ka, b += 2 * tb) {           \
        T_LOAD(4, a, lda);                                                     \
        LOADW(6, b, 64);                                                       \
        DP(0, 4, 6);                                                           \
        LOADW(7, b + tb, 64);                                                  \
        DP(1, 4, 7);                                                           \
      }                                                                        \
    } else {                                                                   \
      const uint8_t *a1 = a + 16 * lda;                                        \
      for (int64_t s = 0; s < k->steps; ++s, a += ka, a1 += ka, b += 2 * tb) { \
        T_LOAD(4, a, lda);                                                     \
        LOADW(6, b, 64);                                                       \
        DP(0, 4, 6);                                                           \
        LOADW(7, b + tb, 64);                                                  \
        DP(1, 4, 7);                                                           \
        T_LOAD(5, a1, lda);                                                    \
        DP(2, 5, 6);                                                           \
        DP(3, 5, 7);                                                           \
      }                                                                        \
    }                                                                          \
    T_STORE(0, k->out, k->ldo);                                                \
    T_STORE(1, k->out + 64, k->ldo);                                           \
    if (!k->half) {                                                            \
      T_STORE(2, k->out + 16 * k->ldo, k->ldo);                                \
      T_STORE(3, k->out + 16 * k->ldo + 64, k->ldo);                           \
    }                                                                          \
  }
AMX_KERNEL(kernelUU, DP_UU, T_LOAD)
AMX_KERNEL(kernelUS, DP_US, T_LOAD)
AMX_KERNEL(kernelSU, DP_SU, T_LOAD)
AMX_KERNEL(kernelSS, DP_SS, T_LOAD)
AMX_KERNEL(kernelUUStream, DP_UU, T_LOAD_T1)
AMX_KERNEL(kernelUSStream, DP_US, T_LOAD_T1)
AMX_KERNEL(kernelSUStream, DP_SU, T_LOAD_T1)
AMX_KERNEL(kernelSSStream, DP_SS, T_LOAD_T1)

/*===----------------------------------------------------------------------===*
 * Packing W
 *===----------------------------------------------------------------------===*/

typedef uint32_t v16u __attribute__((vector_size(64)));

/* Stage of the 16 x 16 transpose of 32-bit units that swaps bit `b` of the
 * vector index with bit `b` of the lane index, for the pair of vectors
 * whose indices differ in that bit. */
#define LO(b, l) (((l) & (b)) ? 16 + ((l) & ~(b)) : (l))
#define HI(b, l) (((l) & (b)) ? 16 + (l) : ((l) | (b)))
#define IDX16(F, b)                                                            \
  F(b, 0), F(b, 1), F(b, 2), F(b, 3), F(b, 4), F(b, 5), F(b, 6), F(b, 7),      \
      F(b, 8), F(b, 9), F(b, 10), F(b, 11), F(b, 12), F(b, 13), F(b, 14),      \
      F(b, 15)
#define STAGE(b)                                                               \
  for (int i = 0; i < 16; ++i)                                                 \
    if (!(i & (b))) {                                                          \
      v16u x = r[i], y = r[i | (b)];                                           \
      r[i] = __builtin_shufflevector(x, y, IDX16(LO, b));                      \
      r[i | (b)] = __builtin_shufflevector(x, y, IDX16(HI, b));                \
    }

/* One W tile: src holds 16 columns of 64 bytes (column c at src + c * ld);
 * dst gets `rows` rows of 64 bytes, row g holding k-steps 4g..4g+3 of the
 * 16 columns. */
static void transposeTile(const uint8_t *src, int64_t ld, uint8_t *dst,
                          int rows) {
  v16u r[16];
  for (int c = 0; c < 16; ++c)
    memcpy(&r[c], src + c * ld, 64);
  STAGE(1)
  STAGE(2)
  STAGE(4)
  STAGE(8)
  for (int g = 0; g < rows; ++g)
    memcpy(dst + g * 64, &r[g], 64);
}

/* Packs the 16 columns [0, wc) of W (the rest zero), k-bytes [0, kc) (zero
 * up to steps * ka): step s's tile at dst + s * 2 * 16 * ka. */
static void packHalf(const uint8_t *W, int64_t ldw, int64_t wc, int64_t kc,
                     int64_t ka, int64_t steps, uint8_t *dst) {
  int64_t tb = ka * 16;
  for (int64_t s = 0; s < steps; ++s) {
    int64_t k = s * ka, len = kc - k < ka ? kc - k : ka;
    uint8_t *d = dst + s * 2 * tb;
    if (wc == 16 && len == 64) {
      transposeTile(W + k, ldw, d, 16);
      continue;
    }
    uint8_t tmp[16 * 64] __attribute__((aligned(64)));
    memset(tmp, 0, sizeof(tmp));
    for (int64_t c = 0; c < wc; ++c)
      memcpy(tmp + c * 64, W + c * ldw + k, len);
    transposeTile(tmp, 64, d, (int)(ka / 4));
  }
}

/*===----------------------------------------------------------------------===*
 * The product
 *===----------------------------------------------------------------------===*/

typedef struct Problem {
  int64_t M, N, K;
  const uint8_t *X, *W;
  int64_t ldx, ldw;
  const int32_t *wZp;
  int64_t wZpStride;
  int32_t *C;
  int64_t rsC, csC;
  int xSigned, wSigned;
  u32 xz;
  int needCol, needRow; /* X's zero point, W's zero points nonzero */
  u32 *bias, *zp, *rs;  /* per column, per column, per row */
  int64_t ka, kcNom;    /* k-step bytes; k-block bytes (multiple of ka) */
  KernelFn kernel, kernelStream; /* W tiles loaded plainly / with the T1 hint */
} Problem;

static inline u32 wZpAt(const Problem *p, int64_t j) {
  return p->wZp ? (u32)p->wZp[j * p->wZpStride] : 0;
}

static u32 byteSum(const uint8_t *p, int64_t K, int isSigned) {
  u32 s = 0;
#if defined(__AVX512BW__)
  /* vpsadbw sums 8 bytes into each 64-bit lane; int8 bytes are summed as
   * uint8 (x ^ 0x80 = x + 128) less 128 each. */
  __m512i acc = _mm512_setzero_si512(), zero = _mm512_setzero_si512();
  __m512i flip = _mm512_set1_epi8(isSigned ? (char)0x80 : 0);
  int64_t k = 0;
  for (; k + 64 <= K; k += 64)
    acc = _mm512_add_epi64(
        acc, _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(p + k), flip),
                             zero));
  s = (u32)_mm512_reduce_add_epi64(acc) - (isSigned ? (u32)k * 128u : 0);
  p += k, K -= k;
#endif
  if (isSigned)
    for (int64_t k = 0; k < K; ++k)
      s += (u32)(int32_t)(int8_t)p[k];
  else
    for (int64_t k = 0; k < K; ++k)
      s += p[k];
  return s;
}

/* The definition, for a thread that got no scratch memory. */
static void naiveBlock(const Problem *p, int64_t i0, int64_t i1, int64_t j0,
                       int64_t j1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      const uint8_t *x = p->X + i * p->ldx, *w = p->W + j * p->ldw;
      u32 s = 0, wz = wZpAt(p, j);
      for (int64_t k = 0; k < p->K; ++k) {
        u32 xv = p->xSigned ? (u32)(int32_t)(int8_t)x[k] : x[k];
        u32 wv = p->wSigned ? (u32)(int32_t)(int8_t)w[k] : w[k];
        s += (xv - p->xz) * (wv - wz);
      }
      p->C[i * p->rsC + j * p->csC] = (int32_t)s;
    }
}

/* How a team splits an np-panel by sl-sliver block into rp row parts by cp
 * panel parts: the least estimated time per thread, counting the
 * multiply-adds at 1024 a cycle, the W panels a thread reads first at 32
 * bytes a cycle and its X rows (from memory) at 16. */
static void splitBlock(int64_t np, int64_t sl, int team, int64_t *rp,
                       int64_t *cp) {
  double best = 0;
  *rp = *cp = 1;
  for (int64_t c = 1; c <= team && c <= np; ++c)
    for (int64_t r = 1; r * c <= team && r <= sl; ++r) {
      double cols = (double)ceilDiv(np, c) * AMX_NR;
      double rows = (double)ceilDiv(sl, r) * AMX_MR;
      double cost = cols * rows / 1024 + cols / 32 + rows / 16;
      if (best == 0 || cost < best * 0.999) {
        best = cost;
        *rp = r;
        *cp = c;
      }
    }
}

/* Scratch kept per thread across products (as QGemm.c does): the W block
 * with its bias tiles (used by the team of the thread that called the
 * product), and each thread's X sliver copy and result buffer. */
static __thread uint8_t *wScratch, *xScratch;
static __thread u32 *cScratch;
#define W_BLOCK_BYTES ((size_t)QCC_AMX_NC * QCC_AMX_KC)
#define BIAS_TILES_BYTES ((size_t)QCC_AMX_NC / AMX_NR * 2 * 1024)

static uint8_t *getWScratch(void) {
  if (!wScratch)
    wScratch = (uint8_t *)aligned_alloc(64, W_BLOCK_BYTES + BIAS_TILES_BYTES);
  return wScratch;
}

static int getThreadScratch(void) {
  if (!xScratch)
    xScratch = (uint8_t *)aligned_alloc(64, (size_t)AMX_MR * QCC_AMX_KC);
  if (!cScratch)
    cScratch = (u32 *)aligned_alloc(64, AMX_MR * AMX_NR * sizeof(u32));
  return xScratch && cScratch;
}

static inline int aligned64(const void *p, int64_t stride) {
  return ((uintptr_t)p | (uintptr_t)stride) % 64 == 0;
}

/* The rows [i, i + h) of one k-block (bytes [k0, k0 + kc), padded to kcp)
 * as the kernel reads them: in place when all 32 rows exist, lie on cache
 * lines (tile rows split across two lines load more slowly) and the padded
 * last k-step stays inside X (the bytes past K meet zero W bytes), else
 * copied to `buf` with zero rows and bytes. */
static const uint8_t *sliverRows(const Problem *p, int64_t i, int64_t h,
                                 int64_t k0, int64_t kc, int64_t kcp,
                                 uint8_t *buf, int64_t *lda) {
  if (h == AMX_MR && aligned64(p->X + i * p->ldx + k0, p->ldx) &&
      k0 + kcp <= p->K + (p->M - 1 - (i + AMX_MR - 1)) * p->ldx) {
    *lda = p->ldx;
    return p->X + i * p->ldx + k0;
  }
  int64_t rows = h <= 16 ? 16 : AMX_MR;
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t *d = buf + r * kcp;
    int64_t n = r < h ? kc : 0;
    if (n)
      memcpy(d, p->X + (i + r) * p->ldx + k0, n);
    memset(d + n, 0, kcp - n);
  }
  *lda = kcp;
  return buf;
}

static void product(Problem *p, int threads, uint8_t *wBlock) {
  int64_t M = p->M, N = p->N, K = p->K, ka = p->ka;
  int corr = p->needCol || p->needRow;
  /* Blocks that go straight to C: row-major with rows on cache lines (a
   * tile store across lines is slow), corrections per column. */
  int directOk = p->csC == 1 && !p->needRow && aligned64(p->C, p->rsC * 4);
  uint8_t *biasTiles = wBlock + W_BLOCK_BYTES;
  int64_t panels = ceilDiv(N, AMX_NR), slivers = ceilDiv(M, AMX_MR);
  int64_t colBlocks = ceilDiv(panels, QCC_AMX_NC / AMX_NR);
  TileCfg cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.palette = 1;
  for (int t = 0; t < 4; ++t) /* C */
    cfg.rows[t] = 16, cfg.colsb[t] = 64;
  for (int t = 4; t < 6; ++t) /* X */
    cfg.rows[t] = 16, cfg.colsb[t] = (uint16_t)ka;
  for (int t = 6; t < 8; ++t) /* W */
    cfg.rows[t] = (uint8_t)(ka / 4), cfg.colsb[t] = 64;
  (void)threads; /* without OpenMP */
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    int team = 1;
#ifdef _OPENMP
    team = omp_get_num_threads();
#endif
    int ok = getThreadScratch();
    if (ok)
      T_CONFIG(&cfg);
    if (corr) {
#pragma omp for schedule(static)
      for (int64_t j = 0; j < N; ++j) {
        u32 wz = wZpAt(p, j);
        p->zp[j] = wz;
        p->bias[j] = p->needCol
                         ? (u32)K * p->xz * wz -
                               p->xz * byteSum(p->W + j * p->ldw, K, p->wSigned)
                         : 0;
      }
    }
    if (p->needRow) {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < M; ++i)
        p->rs[i] = byteSum(p->X + i * p->ldx, K, p->xSigned);
    }
    for (int64_t cb = 0; cb < colBlocks; ++cb) {
      int64_t q0 = panels * cb / colBlocks, q1 = panels * (cb + 1) / colBlocks;
      int64_t j0 = q0 * AMX_NR, j1 = q1 * AMX_NR < N ? q1 * AMX_NR : N;
      int64_t np = q1 - q0, nc = j1 - j0, rp, cp;
      splitBlock(np, slivers, team, &rp, &cp);
      for (int64_t k0 = 0; k0 < K; k0 += p->kcNom) {
        int64_t kc = K - k0 < p->kcNom ? K - k0 : p->kcNom;
        int64_t steps = ceilDiv(kc, ka), kcp = steps * ka;
        int64_t panelBytes = AMX_NR * kcp;
        int first = k0 == 0, last = k0 + kc == K;
        /* Past ~20 KB per panel, the X sliver and one W panel no longer
         * share L1: W tiles then load with the T1 hint. */
        KernelFn kernel = kcp > 640 ? p->kernelStream : p->kernel;
#pragma omp for schedule(static)
        /* The team packs the block's 16-column halves (and, for blocks
         * stored straight to C, their bias tiles). */
        for (int64_t hf = 0; hf < 2 * np; ++hf) {
          int64_t j = (hf / 2) * AMX_NR + (hf % 2) * 16; /* in the block */
          int64_t wc = nc - j < 16 ? (nc - j > 0 ? nc - j : 0) : 16;
          packHalf(p->W + (j0 + j) * p->ldw + k0, p->ldw, wc, kc, ka, steps,
                   wBlock + (hf / 2) * panelBytes + (hf % 2) * 16 * ka);
          if (first && directOk && p->needCol) {
            u32 *bt = (u32 *)(biasTiles + hf * 1024);
            for (int c = 0; c < 16; ++c)
              bt[c] = c < wc ? p->bias[j0 + j + c] : 0;
            for (int r = 1; r < 16; ++r)
              memcpy(bt + 16 * r, bt, 64);
          }
        }
#pragma omp for schedule(static)
        for (int64_t t = 0; t < rp * cp; ++t) {
          int64_t r = t / cp, c = t % cp;
          int64_t g0 = np * c / cp, g1 = np * (c + 1) / cp;
          for (int64_t sl = slivers * r / rp; sl < slivers * (r + 1) / rp;
               ++sl) {
            int64_t i = sl * AMX_MR, h = M - i < AMX_MR ? M - i : AMX_MR;
            if (!ok) { /* no memory for this thread: slow but exact */
              if (last)
                naiveBlock(p, i, i + h, j0 + g0 * AMX_NR,
                           j0 + g1 * AMX_NR < j1 ? j0 + g1 * AMX_NR : j1);
              continue;
            }
            Call k;
            k.steps = steps;
            k.ka = ka;
            k.a = sliverRows(p, i, h, k0, kc, kcp, xScratch, &k.lda);
            k.half = h <= 16;
            for (int64_t q = g0; q < g1; ++q) {
              int64_t jq = j0 + q * AMX_NR,
                      w = N - jq < AMX_NR ? N - jq : AMX_NR;
              k.b = wBlock + q * panelBytes;
              int32_t *cBlock = p->C + i * p->rsC + jq * p->csC;
              if (directOk && h == AMX_MR && w == AMX_NR) {
                if (first) {
                  k.init = p->needCol ? biasTiles + q * 2048 : NULL;
                  k.ldi = 64, k.initR = 0, k.initC = 1024;
                } else {
                  k.init = (const uint8_t *)cBlock;
                  k.ldi = p->rsC * 4, k.initR = 16 * p->rsC * 4, k.initC = 64;
                }
                k.out = (uint8_t *)cBlock;
                k.ldo = p->rsC * 4;
                kernel(&k);
                continue;
              }
              k.init = NULL;
              k.out = (uint8_t *)cScratch;
              k.ldo = AMX_NR * 4;
              kernel(&k);
              qcc_rt_store_tile((const int32_t *)cScratch, AMX_NR, h, w,
                                cBlock, p->rsC, p->csC, !first,
                                last && corr ? p->bias + jq : NULL,
                                last && p->needRow ? p->zp + jq : NULL,
                                last && p->needRow ? p->rs + i : NULL);
            }
          }
        }
      }
    }
    if (ok)
      T_RELEASE();
  }
}

static int amxUsable(void) {
#if defined(QCC_AMX_EMULATE)
  return 1;
#else
  return qcc_rt_amx_enable() == 0;
#endif
}

int qcc_rt_qgemm_s8_amx(int64_t M, int64_t N, int64_t K, const void *X,
                        int64_t ldx, int64_t xSigned, int64_t xZp,
                        const void *W, int64_t ldw, int64_t wSigned,
                        const int32_t *wZp, int64_t wZpStride, int32_t *C,
                        int64_t rsC, int64_t csC, int threads) {
  if (M <= 0 || N <= 0 || K <= 0)
    return 1;
  if (!amxUsable())
    return 0;
  uint8_t *wBlock = getWScratch();
  if (!wBlock)
    return 0;
  Problem p;
  memset(&p, 0, sizeof(p));
  p.M = M, p.N = N, p.K = K;
  p.X = (const uint8_t *)X, p.W = (const uint8_t *)W;
  p.ldx = ldx, p.ldw = ldw;
  p.wZp = wZp, p.wZpStride = wZpStride;
  p.C = C, p.rsC = rsC, p.csC = csC;
  p.xSigned = xSigned != 0, p.wSigned = wSigned != 0;
  p.xz = (u32)xZp;
  p.needCol = p.xz != 0;
  for (int64_t j = 0; j < (wZpStride ? N : 1) && !p.needRow; ++j)
    p.needRow = wZpAt(&p, j) != 0;
  /* k-steps of 64 bytes; a K below 64 is one step of K rounded up to 4 */
  p.ka = K >= 64 ? 64 : (K + 3) / 4 * 4;
  int64_t blocks = ceilDiv(K, QCC_AMX_KC);
  p.kcNom = ceilDiv(ceilDiv(K, blocks), p.ka) * p.ka;
  static const KernelFn kernels[2][2][2] = {
      {{kernelUU, kernelUS}, {kernelSU, kernelSS}},
      {{kernelUUStream, kernelUSStream}, {kernelSUStream, kernelSSStream}}};
  p.kernel = kernels[0][p.xSigned][p.wSigned];
  p.kernelStream = kernels[1][p.xSigned][p.wSigned];
  u32 *sums = NULL;
  if (p.needCol || p.needRow) {
    sums = (u32 *)malloc((2 * N + M) * sizeof(u32));
    if (!sums)
      return 0;
    p.bias = sums, p.zp = sums + N, p.rs = sums + 2 * N;
  }
  if (threads < 1)
    threads = 1;
  product(&p, threads, wBlock);
  free(sums);
  return 1;
}

#endif /* QCC_HAVE_AMX */
