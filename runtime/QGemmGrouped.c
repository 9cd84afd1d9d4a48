/*===- QGemmGrouped.c - integer GEMM over packed sub-byte weights -------===*\
|*                                                                            *|
|* qcc_rt_qgemm_grouped (see QGemm.h): W2A8, W3A8, W4A8 and grouped W8A8.     *|
|* Weights stay packed in memory and are widened to bytes in registers; all   *|
|* arithmetic is integer and exact modulo 2^32.                               *|
|*                                                                            *|
|* Arithmetic. X is turned once per call into int8 xs = x - xOff (xOff = 0    *|
|* for int8 X, 128 for uint8) and the weight codes into qk = q - wOff (wOff   *|
|* = 128 for 8-bit codes on AArch64, whose sdot is int8 x int8; else 0).      *|
|* With xz = xZp - xOff and zk = z - wOff, per group g                        *|
|*                                                                            *|
|*   sum (x - xZp)(q - z) = sum xs qk - zk * Ax[i][g] - xz * sum qk           *|
|*                                                                            *|
|* where Ax[i][g] = sum_g (x - xZp) is precomputed per row. So                *|
|*                                                                            *|
|*   C[i][j] = T1 - sum_g s zk Ax[i][g] - xz * sum_g s sum_g qk               *|
|*                                                                            *|
|* T1 = sum_g s * sum_g xs qk is the vector kernel; the last term is T1 of a  *|
|* virtual row of ones, added as row 0 when xz != 0 (common symmetric cases   *|
|* have xz = 0 and skip it); the middle one is a small product over groups.   *|
|*                                                                            *|
|* Unpacking. Codes are widened by shifts and masks on 64-bit lanes, each     *|
|* lane one 8-code chunk (a group holds whole chunks); the bytes come out     *|
|* in a fixed order per width and X is stored in that same order, so no       *|
|* shuffles are spent on the weights:                                         *|
|*                                                                            *|
|*   4 bits  4 bytes -> (e | e << 28) & 0x0f..   codes 0 2 4 6 1 3 5 7        *|
|*   2 bits  2 bytes -> 2 shift/or steps, & 0x03 codes 0 4 1 5 2 6 3 7;       *|
|*           when groups are whole vectors, 8 bytes copied to 4 lanes that    *|
|*           shift by 0, 2, 4, 6 instead (one shift, one mask per vector)     *|
|*   3 bits  3 bytes -> 3 halving steps, & 0x07  codes 0..7; with AVX-512     *|
|*           VBMI one vpmultishiftqb                                          *|
|*   8 bits  as is                                                            *|
|*                                                                            *|
|* Dot products, exact (int32 lanes wrap, nothing saturates):                 *|
|*                                                                            *|
|*   codes <= 15, SSSE3 and up   fused with the scale: vpmaddubsw (|pair|     *|
|*                               <= 2*15*128 fits int16), then vpdpwssd       *|
|*                               (VNNI) or vpmaddwd against the 16-bit        *|
|*                               scales of the pairs                          *|
|*   8-bit codes, VNNI           vpdpbusd into a per-group accumulator t,     *|
|*                               then acc += t * scale                        *|
|*   8-bit codes, AVX2 / SSE2    even and odd bytes widened to int16 by       *|
|*   (all codes on SSE2)         shifts, two vpmaddwd, then as above          *|
|*   AArch64                     sdot when the CPU has dotprod (hwcaps,       *|
|*                               checked once), else smull + sadalp; then     *|
|*                               as above (mla)                               *|
|*                                                                            *|
|* Vectors are 32 bytes with AVX2 and above (an AVX-512 build keeps ymm: one  *|
|* vector then never straddles groups of 32, and Zen 4 gains nothing from     *|
|* zmm), else 16.                                                             *|
|*                                                                            *|
|* Blocking. A register tile covers a few rows and columns over all of K.     *|
|* Products with one or two rows (GEMV, incl. the ones row) unpack straight   *|
|* from W into the tile, up to four columns at a time, prefetching the next   *|
|* rows of W (each row is a few KiB: the hardware prefetchers stop at every   *|
|* page); each byte of W is read once, so the loop streams. Bigger products   *|
|* unpack blocks of NB columns into a per-thread buffer and reuse them for    *|
|* every MR-row tile. OpenMP splits the columns when (rows) * N * K > 2^18:   *|
|* a 4-bit 576x1536 GEMV takes 58 us on one core of a 16-core Xeon, 13 on     *|
|* all of them.                                                               *|
|*                                                                            *|
|* Assumptions (guaranteed by the compiler; checked cheaply, the call does    *|
|* nothing if they fail): bits in {2,3,4,8}, group > 0, group % 8 == 0,       *|
|* K % group == 0. K == 0 stores zeros. Groups that neither divide nor are    *|
|* multiples of the vector width (24, 40, 48 with 32-byte vectors...), and    *|
|* the last K % 32 codes when groups of 8/16 leave a partial vector, take a   *|
|* scalar path over 8-code chunks. W rows are read only within their          *|
|* K*bits/8 bytes, scales and zero points within [N][K/group]. x86-64 and     *|
|* AArch64 only.                                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#define QG_X86 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#define QG_ARM 1
#endif

#if defined(QG_X86) && defined(__AVX2__)
#define VB 32
#else
#define VB 16
#endif
#define VL (VB / 4) /* int32 lanes */
#define VC (VB / 8) /* 8-code chunks */

#if defined(QG_X86) && VB == 32 && defined(__AVX512VNNI__) &&                  \
    defined(__AVX512VL__)
#define QG_DPBUSD(t, q, x) _mm256_dpbusd_epi32(t, q, x)
#elif defined(QG_X86) && VB == 32 && defined(__AVXVNNI__)
#define QG_DPBUSD(t, q, x) _mm256_dpbusd_avx_epi32(t, q, x)
#endif

/* Whether the unscaled dot products (8-bit codes; on plain SSE2 all codes)
 * multiply even/odd bytes as int16 with vpmaddwd. */
#if defined(QG_X86) && !defined(QG_DPBUSD)
#define QG_EMUL16 1
#else
#define QG_EMUL16 0
#endif

#if VB == 32
#define QG_MADD(a, b) ((vu32)_mm256_madd_epi16((__m256i)(a), (__m256i)(b)))
#define QG_MADDUBS(a, b)                                                       \
  ((vs16)_mm256_maddubs_epi16((__m256i)(a), (__m256i)(b)))
#elif defined(QG_X86)
#define QG_MADD(a, b) ((vu32)_mm_madd_epi16((__m128i)(a), (__m128i)(b)))
#ifdef __SSSE3__
#define QG_MADDUBS(a, b) ((vs16)_mm_maddubs_epi16((__m128i)(a), (__m128i)(b)))
#endif
#endif

/* Register tiles. Direct (unpacking) tiles are 1 x NC1(bits) or 2 x 2;
 * buffered ones MR x NC. ISAs with 32 vector registers take the larger
 * sizes; with 16, four columns of 3-bit codes spill the unpacking masks. */
#if defined(QG_ARM) || defined(__AVX512VL__)
#define MR 4
#define NC1(bits) 4
#else
#define MR 2
#define NC1(bits) ((bits) == 3 ? 2 : 4)
#endif
#define NC 2
#define NB 16 /* columns unpacked per buffered block */
#define PARALLEL_WORK (1 << 18)
/* Prefetch W into L2 (prefetcht1), not L1: on Zen 4 that streams 4-bit
 * weights from DRAM up to twice as fast, and is no slower from cache. */
#define PF_LOCALITY 2

typedef uint8_t vu8 __attribute__((vector_size(VB)));
typedef int16_t vs16 __attribute__((vector_size(VB)));
typedef uint16_t vu16 __attribute__((vector_size(VB)));
typedef int32_t vs32 __attribute__((vector_size(VB)));
typedef uint32_t vu32 __attribute__((vector_size(VB)));
typedef uint64_t vu64 __attribute__((vector_size(VB)));
typedef uint32_t vu32h __attribute__((vector_size(VB / 2))); /* VC lanes */
typedef uint16_t vu16q __attribute__((vector_size(VB / 4))); /* VC lanes */
typedef uint8_t v16u8 __attribute__((vector_size(16)));

#if defined(QG_ARM)
#define WOFF8 0x80 /* 8-bit codes become int8 for sdot */
#else
#define WOFF8 0
#endif

/*===-- unpacking ---------------------------------------------------------===*/

/* Each works on 64-bit lanes holding one chunk's packed bits at the bottom;
 * scalar and vector forms share the code (GCC vector extensions). */
#define SPREAD4(e) (((e) | (e) << 28) & 0x0F0F0F0F0F0F0F0FULL)
#define SPREAD2(e, t)                                                          \
  ((t) = (e) | (e) << 14, ((t) | (t) << 28) & 0x0303030303030303ULL)
#define SPREAD3(d)                                                             \
  ((d) = ((d) | (d) << 20) & 0x00000FFF00000FFFULL,                            \
   (d) = ((d) | (d) << 10) & 0x003F003F003F003FULL,                            \
   ((d) | (d) << 5) & 0x0707070707070707ULL)

/* One 8-code chunk of a packed row as 8 bytes in unpacking order (bits 0:
 * already unpacked bytes). Reads exactly the chunk's bytes. */
static inline uint64_t unpack_chunk(int bits, const uint8_t *p) {
  uint64_t e = 0, t;
  switch (bits) {
  case 4: {
    uint32_t d;
    memcpy(&d, p, 4);
    e = d;
    return SPREAD4(e);
  }
  case 2: {
    uint16_t d;
    memcpy(&d, p, 2);
    e = d;
    return SPREAD2(e, t);
  }
  case 3:
    e = p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16;
    return SPREAD3(e);
  default:
    memcpy(&e, p, 8);
    return bits == 8 ? e ^ (0x0101010101010101ULL * WOFF8) : e;
  }
}

/* VC packed 32- or 16-bit chunks from p widened to 64-bit lanes. (GCC
 * splits __builtin_convertvector to 256 bits into 128-bit halves, so AVX2
 * spells out vpmovzx.) */
static inline __attribute__((always_inline)) vu64 widen32(vu32h d) {
#if VB == 32
  return (vu64)_mm256_cvtepu32_epi64((__m128i)d);
#else
  return __builtin_convertvector(d, vu64);
#endif
}

static inline __attribute__((always_inline)) vu64
load_widen16(const uint8_t *p) {
#if VB == 32
  uint64_t d;
  memcpy(&d, p, 8);
  return (vu64)_mm256_cvtepu16_epi64(_mm_cvtsi64_si128((long long)d));
#else
  vu16q d;
  memcpy(&d, p, sizeof(d));
  return __builtin_convertvector(d, vu64);
#endif
}

/* 2-bit codes, block form: the VB/4 packed bytes copied into each of four
 * lanes, lane m shifted right by 2m: byte b of lane m is code 4b + m. One
 * shift and one mask for VB codes (the chunk form needs four steps), but a
 * lane mixes codes from the whole block, so it serves only groups that are
 * multiples of VB. Needs per-lane shifts (AVX2, NEON). */
#if VB == 32 || defined(QG_ARM)
#define QG_BLOCK2 1
#endif

enum { MODE_BLOCK2 = 12 }; /* `bits` value selecting the 2-bit block form */

/* VB codes from packed bytes at p. `wide` says 16 bytes may be read (only
 * the 3-bit form reads past its 3*VC bytes, and only when it may). */
static inline __attribute__((always_inline)) vu8
unpack_vec(const int bits, const uint8_t *p, int wide) {
  if (bits == 4) {
    vu32h d;
    memcpy(&d, p, sizeof(d));
    vu64 e = widen32(d);
    return (vu8)SPREAD4(e);
  }
  if (bits == 2) {
    vu64 e = load_widen16(p), t;
    return (vu8)SPREAD2(e, t);
  }
#ifdef QG_BLOCK2
  if (bits == MODE_BLOCK2) {
#if VB == 32
    uint64_t d;
    memcpy(&d, p, 8);
    const vu64 sh = {0, 2, 4, 6};
    return (vu8)(((vu64){0} + d) >> sh & 0x0303030303030303ULL);
#else
    uint32_t d;
    memcpy(&d, p, 4);
    const vu32 sh = {0, 2, 4, 6};
    return (vu8)(((vu32){0} + d) >> sh & 0x03030303u);
#endif
  }
#endif
  if (bits == 3) {
#if VB == 32
    if (wide) {
      /* chunks 0, 1 lie in bytes 0..7, chunks 2, 3 in bytes 6..13: two
       * broadcast loads and a blend, no byte shuffle */
      long long lo, hi;
      memcpy(&lo, p, 8);
      memcpy(&hi, p + 6, 8);
      __m256i e = _mm256_blend_epi32(_mm256_set1_epi64x(lo),
                                     _mm256_set1_epi64x(hi), 0xF0);
#if defined(__AVX512VBMI__) && defined(__AVX512VL__)
      /* byte c of lane m = bits 3c.. of chunk m (at bit 24 in lanes 1, 3) */
      const __m256i ctl =
          _mm256_setr_epi64x(0x15120F0C09060300LL, 0x2D2A2724211E1B18LL,
                             0x15120F0C09060300LL, 0x2D2A2724211E1B18LL);
      return (vu8)_mm256_multishift_epi64_epi8(ctl, e) & 7;
#else
      vu64 d = (vu64)_mm256_srlv_epi64(e, _mm256_setr_epi64x(0, 24, 0, 24)) &
               0xFFFFFF;
      return (vu8)SPREAD3(d);
#endif
    }
#endif
    v16u8 b = {0};
    if (wide)
      memcpy(&b, p, 16);
    else
      memcpy(&b, p, 3 * VC);
    /* chunk m's 3 bytes into 32-bit lane m, then widened to 64 bits */
    const v16u8 idx = {0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16};
    v16u8 s = __builtin_shuffle(b, (v16u8){0}, idx);
    vu32h h;
    memcpy(&h, &s, sizeof(h));
    vu64 e = widen32(h);
#if VB == 32 && defined(__AVX512VBMI__) && defined(__AVX512VL__)
    /* byte c of each lane = bits 3c..3c+7 of the chunk */
    return (vu8)_mm256_multishift_epi64_epi8(
               _mm256_set1_epi64x(0x15120F0C09060300LL), (__m256i)e) &
           7;
#else
    return (vu8)SPREAD3(e);
#endif
  }
  vu8 v;
  memcpy(&v, p, VB);
  if (bits == 8 && WOFF8)
    v ^= (uint8_t)WOFF8;
  return v;
}

/* Packed bytes per vector of codes. */
#define PACKED_BYTES(bits)                                                     \
  ((bits) == 0 ? VB : (bits) == MODE_BLOCK2 ? VB / 4 : VB * (bits) / 8)

/* Position in unpacking order -> position in the chunk. */
static const uint8_t order4[8] = {0, 2, 4, 6, 1, 3, 5, 7};
static const uint8_t order2[8] = {0, 4, 1, 5, 2, 6, 3, 7};

/* Row x in the order of unpacking for `mode`, as int8 (x ^ flip). */
static void reorder_row(int mode, const uint8_t *x, uint8_t *d, int64_t K,
                        uint8_t flip) {
  int64_t k = 0;
  if (mode == 4 || mode == 2) {
    const v16u8 idx4 = {0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15};
    const v16u8 idx2 = {0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15};
    for (; k + 16 <= K; k += 16) {
      v16u8 v;
      memcpy(&v, x + k, 16);
      v = (mode == 4 ? __builtin_shuffle(v, idx4)
                     : __builtin_shuffle(v, idx2)) ^
          flip;
      memcpy(d + k, &v, 16);
    }
    const uint8_t *order = mode == 4 ? order4 : order2;
    for (; k < K; k += 8)
      for (int b = 0; b < 8; ++b)
        d[k + b] = x[k + order[b]] ^ flip;
    return;
  }
#ifdef QG_BLOCK2
  if (mode == MODE_BLOCK2) {
    /* position (VB/4)*m + b holds code 4b + m of the block */
#if VB == 32
    const vu8 idx = {0,  4,  8,  12, 16, 20, 24, 28, 1,  5,  9,
                     13, 17, 21, 25, 29, 2,  6,  10, 14, 18, 22,
                     26, 30, 3,  7,  11, 15, 19, 23, 27, 31};
#else
    const vu8 idx = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
#endif
    for (; k < K; k += VB) {
      vu8 v;
      memcpy(&v, x + k, VB);
      v = __builtin_shuffle(v, idx) ^ flip;
      memcpy(d + k, &v, VB);
    }
    return;
  }
#endif
  for (; k < K; ++k)
    d[k] = x[k] ^ flip;
}

/*===-- dot products ------------------------------------------------------===*/

/* An operand ready for tdot: the bytes, and for the int16 form the even and
 * odd bytes widened (q zero-extended, x sign-extended). */
typedef struct {
  vu8 v;
  vs16 e, o;
} operand;

static inline __attribute__((always_inline)) operand prep_q(vu8 q) {
  operand r = {q, {0}, {0}};
  if (QG_EMUL16) {
    r.e = (vs16)q & 0xFF;
    r.o = (vs16)((vu16)q >> 8);
  }
  return r;
}

static inline __attribute__((always_inline)) operand prep_x(vu8 x) {
  operand r = {x, {0}, {0}};
  if (QG_EMUL16) {
    r.e = ((vs16)x << 8) >> 8;
    r.o = (vs16)x >> 8;
  }
  return r;
}

/* Unscaled group accumulator: int32 lanes of 4 bytes each; without sdot,
 * AArch64 keeps pairwise sums of the low and high 8 bytes apart. */
typedef struct {
  vu32 a;
#ifdef QG_ARM
  int32x4_t lo, hi;
#endif
} tacc;

static inline __attribute__((always_inline)) tacc tzero(void) {
  tacc t;
  memset(&t, 0, sizeof(t));
  return t;
}

/* t += sum over each 4-byte lane of q * x (q codes unsigned on x86, int8 on
 * AArch64; x int8). `dp`: AArch64 dotprod. */
static inline __attribute__((always_inline)) tacc
tdot(tacc t, const operand *q, const operand *x, const int dp) {
#if defined(QG_DPBUSD)
  (void)dp;
  t.a = (vu32)QG_DPBUSD((__m256i)t.a, (__m256i)q->v, (__m256i)x->v);
#elif defined(QG_X86)
  (void)dp;
  t.a += QG_MADD(q->e, x->e) + QG_MADD(q->o, x->o);
#elif defined(QG_ARM)
  if (dp) {
    __asm__("sdot %0.4s, %1.16b, %2.16b" : "+w"(t.a) : "w"(q->v), "w"(x->v));
  } else {
    int8x16_t a = vreinterpretq_s8_u8((uint8x16_t)q->v);
    int8x16_t b = vreinterpretq_s8_u8((uint8x16_t)x->v);
    t.lo = vpadalq_s16(t.lo, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    t.hi = vpadalq_s16(t.hi, vmull_high_s8(a, b));
  }
#else
#error "QGemmGrouped.c: no dot product for this target"
#endif
  return t;
}

static inline __attribute__((always_inline)) vu32 tfinal(tacc t, const int dp) {
#ifdef QG_ARM
  if (!dp)
    return (vu32)vpaddq_s32(t.lo, t.hi);
#endif
  (void)dp;
  return t.a;
}

#ifdef QG_MADDUBS
/* Codes <= 15 can take the scale inside the int16 step: acc += sum of pairs
 * of (q*x pair sums, exact in int16) times the pair's scale. No unscaled
 * group accumulator and no per-group multiply. With VNNI (vpdpwssd) it
 * matches vpdpbusd plus the per-group multiply on Zen 4 for groups of 64
 * and 128 and beats it for 32, and is faster throughout on a Sapphire
 * Rapids class Xeon; without VNNI it saves two of five operations. */
#define QG_FUSED 1
static inline __attribute__((always_inline)) vu32 fdot(vu32 acc, vu8 q, vu8 x,
                                                       vs16 s16) {
  vs16 pr = QG_MADDUBS(q, x);
#if VB == 32 && defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return (vu32)_mm256_dpwssd_epi32((__m256i)acc, (__m256i)pr, (__m256i)s16);
#elif VB == 32 && defined(__AVXVNNI__)
  return (vu32)_mm256_dpwssd_avx_epi32((__m256i)acc, (__m256i)pr, (__m256i)s16);
#else
  return acc + QG_MADD(pr, s16);
#endif
}
#endif

static inline uint32_t hsum(vu32 v) {
  uint32_t s = 0;
  for (int l = 0; l < VL; ++l)
    s += v[l];
  return s;
}

/*===-- the register tile -------------------------------------------------===*/

/* Scales of one step for each int32 lane: one scale, or for groups smaller
 * than a vector the VB/G scales of the groups it spans (lane l -> group
 * l / (G/4), selected by the per-lane shift `shv`). */
static inline __attribute__((always_inline)) vu32
lane_scales(const uint8_t *sc, int64_t step, int64_t G, vu32 shv) {
  if (G >= VB)
    return (vu32){0} + sc[step];
  uint32_t w = 0;
  if (VB / G == 2) {
    uint16_t h;
    memcpy(&h, sc + 2 * step, 2);
    w = h;
  } else {
    memcpy(&w, sc + 4 * step, 4);
  }
  return ((vu32){0} + w) >> shv & 0xFF;
}

/* out[r][c] = T1 over the first Kv codes (a multiple of the step) for rows
 * xs + r*ldxs and columns w + c*ldw of `bits`-bit codes (0: unpacked bytes),
 * scales sc + c*ldsc. */
static inline __attribute__((always_inline)) void
tile(const int mr, const int nc, const int bits, const int fused, const int dp,
     int64_t Kv, int64_t G, const uint8_t *xs, int64_t ldxs, const uint8_t *w,
     int64_t ldw, int64_t rowBytes, const uint8_t *sc, int64_t ldsc,
     uint32_t *out) {
  const int64_t bpv = PACKED_BYTES(bits);
  const int64_t stepLen = G >= VB ? G : VB, nv = stepLen / VB;
  const int64_t steps = Kv / stepLen;
  vu32 shv = {0};
  if (G < VB)
    for (int l = 0; l < VL; ++l)
      shv[l] = 8 * (l / (G / 4));
  vu32 acc[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < mr; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < nc; ++c)
      acc[r][c] = (vu32){0};
  for (int64_t s = 0; s < steps; ++s) {
    if (fused) {
#ifdef QG_FUSED
      vs16 s16[4];
#pragma GCC unroll 4
      for (int c = 0; c < nc; ++c) {
        if (G >= VB) {
          s16[c] = (vs16){0} + sc[c * ldsc + s];
        } else {
          vu32 l = lane_scales(sc + c * ldsc, s, G, shv);
          s16[c] = (vs16)(l | l << 16);
        }
      }
      for (int64_t v = s * nv; v < (s + 1) * nv; ++v) {
        int wide = v * bpv + 16 <= rowBytes;
        int pf = bits && ((v * bpv) & 63) < bpv;
        vu8 q[4];
#pragma GCC unroll 4
        for (int c = 0; c < nc; ++c) {
          if (pf)
            __builtin_prefetch(w + (c + nc) * ldw + v * bpv, 0, PF_LOCALITY);
          q[c] = unpack_vec(bits, w + c * ldw + v * bpv, wide);
        }
#pragma GCC unroll 4
        for (int r = 0; r < mr; ++r) {
          vu8 xv;
          memcpy(&xv, xs + r * ldxs + v * VB, VB);
#pragma GCC unroll 4
          for (int c = 0; c < nc; ++c)
            acc[r][c] = fdot(acc[r][c], q[c], xv, s16[c]);
        }
      }
#endif
      continue;
    }
    tacc t[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < mr; ++r)
#pragma GCC unroll 4
      for (int c = 0; c < nc; ++c)
        t[r][c] = tzero();
    for (int64_t v = s * nv; v < (s + 1) * nv; ++v) {
      int wide = v * bpv + 16 <= rowBytes;
      int pf = bits && ((v * bpv) & 63) < bpv;
      operand q[4];
#pragma GCC unroll 4
      for (int c = 0; c < nc; ++c) {
        if (pf)
          __builtin_prefetch(w + (c + nc) * ldw + v * bpv, 0, PF_LOCALITY);
        q[c] = prep_q(unpack_vec(bits, w + c * ldw + v * bpv, wide));
      }
#pragma GCC unroll 4
      for (int r = 0; r < mr; ++r) {
        vu8 xv;
        memcpy(&xv, xs + r * ldxs + v * VB, VB);
        operand x = prep_x(xv);
#pragma GCC unroll 4
        for (int c = 0; c < nc; ++c)
          t[r][c] = tdot(t[r][c], &q[c], &x, dp);
      }
    }
    vu32 sv[4];
#pragma GCC unroll 4
    for (int c = 0; c < nc; ++c)
      sv[c] = lane_scales(sc + c * ldsc, s, G, shv);
#pragma GCC unroll 4
    for (int r = 0; r < mr; ++r)
#pragma GCC unroll 4
      for (int c = 0; c < nc; ++c)
        acc[r][c] += tfinal(t[r][c], dp) * sv[c];
  }
#pragma GCC unroll 4
  for (int r = 0; r < mr; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < nc; ++c)
      out[r * nc + c] = hsum(acc[r][c]);
}

typedef void (*tile_fn)(int64_t Kv, int64_t G, const uint8_t *xs, int64_t ldxs,
                        const uint8_t *w, int64_t ldw, int64_t rowBytes,
                        const uint8_t *sc, int64_t ldsc, uint32_t *out);

#define TILE_ARGS                                                              \
  int64_t Kv, int64_t G, const uint8_t *xs, int64_t ldxs, const uint8_t *w,    \
      int64_t ldw, int64_t rowBytes, const uint8_t *sc, int64_t ldsc,          \
      uint32_t *out
#define DEF_TILE(name, attr, mr, nc, bits, fused, dp)                          \
  static attr void name(TILE_ARGS) {                                           \
    tile(mr, nc, bits, fused, dp, Kv, G, xs, ldxs, w, ldw, rowBytes, sc, ldsc, \
         out);                                                                 \
  }
/* Direct tiles, in table order: (1 row, NC1 columns), (1, 1), (2, 2), (2, 1).
 */
#define DEF_DIRECT(n, attr, dp, bits, fused)                                   \
  DEF_TILE(n##_1w, attr, 1, NC1(bits), bits, fused, dp)                        \
  DEF_TILE(n##_11, attr, 1, 1, bits, fused, dp)                                \
  DEF_TILE(n##_22, attr, 2, 2, bits, fused, dp)                                \
  DEF_TILE(n##_21, attr, 2, 1, bits, fused, dp)
#define DIRECT_ROW(n) DIRECT_ROW_(n)
#define DIRECT_ROW_(n)                                                         \
  { n##_1w, n##_11, n##_22, n##_21 }
/* Buffered tiles of unpacked bytes: 1..4 rows by NC columns, then by 1. */
#define DEF_BUFFERED(n, attr, dp, fused)                                       \
  DEF_TILE(n##_1, attr, 1, NC, 0, fused, dp)                                   \
  DEF_TILE(n##_2, attr, 2, NC, 0, fused, dp)                                   \
  DEF_TILE(n##_3, attr, 3, NC, 0, fused, dp)                                   \
  DEF_TILE(n##_4, attr, 4, NC, 0, fused, dp)                                   \
  DEF_TILE(n##_1e, attr, 1, 1, 0, fused, dp)                                   \
  DEF_TILE(n##_2e, attr, 2, 1, 0, fused, dp)                                   \
  DEF_TILE(n##_3e, attr, 3, 1, 0, fused, dp)                                   \
  DEF_TILE(n##_4e, attr, 4, 1, 0, fused, dp)
#define BUFFERED_ROWS(n) BUFFERED_ROWS_(n)
#define BUFFERED_ROWS_(n)                                                      \
  {                                                                            \
    {n##_1, n##_2, n##_3, n##_4}, { n##_1e, n##_2e, n##_3e, n##_4e }           \
  }

/* Codes <= 15 take the fused form wherever it exists. */
#ifdef QG_FUSED
#define FUSED_SMALL 1
#else
#define FUSED_SMALL 0
#endif
#ifdef QG_BLOCK2
#define DEF_BLOCK2(sfx, attr, dp)                                              \
  DEF_DIRECT(d12##sfx, attr, dp, MODE_BLOCK2, FUSED_SMALL)
#define BLOCK2_NAME(sfx) d12##sfx
#else
#define DEF_BLOCK2(sfx, attr, dp)
#define BLOCK2_NAME(sfx) d2##sfx
#endif
/* Tables: direct[mode: 2, 3, 4, 8, 2-bit block][shape] and buffered[codes
 * <= 15][1 column][rows - 1]. (The block row repeats the chunk form of 2
 * bits where lanes cannot shift one by one.) */
#if FUSED_SMALL
#define DEF_BUFFERED_SMALL(sfx, attr, dp) DEF_BUFFERED(b1##sfx, attr, dp, 1)
#define BUFFERED_SMALL_NAME(sfx) b1##sfx
#else
#define DEF_BUFFERED_SMALL(sfx, attr, dp)
#define BUFFERED_SMALL_NAME(sfx) b0##sfx
#endif
#define DEF_ALL(sfx, attr, dp)                                                 \
  DEF_DIRECT(d2##sfx, attr, dp, 2, FUSED_SMALL)                                \
  DEF_DIRECT(d3##sfx, attr, dp, 3, FUSED_SMALL)                                \
  DEF_DIRECT(d4##sfx, attr, dp, 4, FUSED_SMALL)                                \
  DEF_DIRECT(d8##sfx, attr, dp, 8, 0)                                          \
  DEF_BLOCK2(sfx, attr, dp)                                                    \
  DEF_BUFFERED(b0##sfx, attr, dp, 0)                                           \
  DEF_BUFFERED_SMALL(sfx, attr, dp)                                            \
  static const tile_fn direct##sfx[5][4] = {                                   \
      DIRECT_ROW(d2##sfx), DIRECT_ROW(d3##sfx), DIRECT_ROW(d4##sfx),           \
      DIRECT_ROW(d8##sfx), DIRECT_ROW(BLOCK2_NAME(sfx))};                      \
  static const tile_fn buffered##sfx[2][2][4] = {                              \
      BUFFERED_ROWS(b0##sfx), BUFFERED_ROWS(BUFFERED_SMALL_NAME(sfx))};

DEF_ALL(_g, , 0)
#ifdef QG_ARM
DEF_ALL(_dp, __attribute__((target("arch=armv8.2-a+dotprod"))), 1)

static int has_dotprod(void) {
  static int cached = -1;
  if (cached < 0)
    cached = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  return cached;
}
#endif

/*===-- driver ------------------------------------------------------------===*/

typedef struct {
  int64_t M, N, K, G, nG, bits;
  int mode;        /* unpacking: bits, or MODE_BLOCK2 */
  int64_t rows;    /* rows of xs: M, plus the ones row first when ones */
  int ones, small; /* ones row present; codes <= 15 */
  uint32_t xz, wOff;
  const uint8_t *xs; /* [rows][ldxs] int8, unpacking order */
  int64_t ldxs;
  const uint32_t *Ax; /* [M][nG] */
  const uint8_t *W;
  int64_t ldw, rowBytes;
  const uint8_t *wScale, *wZp;
  int32_t *C;
  int64_t rsC, csC;
  int64_t Kv; /* codes done by the vector tiles; the rest is scalar */
  const tile_fn *direct;        /* [shape] for this mode */
  const tile_fn (*buffered)[4]; /* [1 column][rows - 1] for this kind */
} plan;

/* out[r][c] += T1 over chunks [c0, c1) (scalar; `bits` 0: unpacked). */
static void tail_t1(const plan *p, int bits, int64_t c0, int64_t c1, int64_t r0,
                    int mr, const uint8_t *w, int64_t ldw, const uint8_t *sc,
                    int nc, uint32_t *out) {
  int64_t chunkBytes = bits ? bits : 8;
  int sgn = p->bits == 8 && WOFF8; /* codes stored as int8 */
  for (int c = 0; c < nc; ++c)
    for (int64_t ch = c0; ch < c1; ++ch) {
      uint64_t q = unpack_chunk(bits, w + c * ldw + ch * chunkBytes);
      uint32_t s = sc[c * p->nG + ch * 8 / p->G];
      for (int r = 0; r < mr; ++r) {
        const int8_t *x = (const int8_t *)p->xs + (r0 + r) * p->ldxs + ch * 8;
        int32_t d = 0;
        for (int b = 0; b < 8; ++b)
          d += x[b] * (sgn ? (int32_t)(int8_t)(q >> 8 * b)
                           : (int32_t)(uint8_t)(q >> 8 * b));
        out[r * nc + c] += s * (uint32_t)d;
      }
    }
}

/* s * zk per group for columns [j0, j0+nc). */
static void scale_zero(const plan *p, int64_t j0, int nc, uint32_t *sz) {
  for (int c = 0; c < nc; ++c) {
    const uint8_t *s = p->wScale + (j0 + c) * p->nG;
    const uint8_t *z = p->wZp + (j0 + c) * p->nG;
    for (int64_t g = 0; g < p->nG; ++g)
      sz[c * p->nG + g] = s[g] * (z[g] - p->wOff);
  }
}

/* Stores rows [r0, r0+mr) x columns [j0, j0+nc) from their T1; the ones
 * row's T1 (row 0) goes to t3 first. */
static void finish(const plan *p, int64_t r0, int mr, int64_t j0, int nc,
                   const uint32_t *t1, const uint32_t *sz, uint32_t *t3) {
  for (int r = 0; r < mr; ++r) {
    int64_t row = r0 + r;
    if (p->ones && row == 0) {
      for (int c = 0; c < nc; ++c)
        t3[c] = t1[c];
      continue;
    }
    int64_t i = row - p->ones;
    const uint32_t *ax = p->Ax + i * p->nG;
    for (int c = 0; c < nc; ++c) {
      const uint32_t *z = sz + c * p->nG;
      uint32_t t2 = 0;
      for (int64_t g = 0; g < p->nG; ++g)
        t2 += z[g] * ax[g];
      uint32_t v = t1[r * nc + c] - t2 - (p->ones ? p->xz * t3[c] : 0);
      p->C[i * p->rsC + (j0 + c) * p->csC] = (int32_t)v;
    }
  }
}

/* Per-thread scratch, kept between calls (decode models call this for every
 * token). */
static __thread void *tls_buf;
static __thread size_t tls_cap;
static __thread void *tls_xbuf;
static __thread size_t tls_xcap;

static void *grow(void **buf, size_t *cap, size_t size) {
  if (size > *cap) {
    free(*buf);
    *buf = malloc(size);
    *cap = *buf ? size : 0;
  }
  return *buf;
}

/* Columns [j0, j1) with all rows in one direct tile (rows <= 2). */
static void run_direct(const plan *p, int64_t j0, int64_t j1, uint32_t *sz) {
  int mr = (int)p->rows;
  int ncw = mr == 1 ? NC1(p->bits) : 2;
  for (int64_t j = j0; j < j1;) {
    int nc = j1 - j >= ncw ? ncw : 1;
    tile_fn f = p->direct[(mr - 1) * 2 + (nc == 1)];
    const uint8_t *w = p->W + j * p->ldw;
    const uint8_t *sc = p->wScale + j * p->nG;
    uint32_t t1[8], t3[4];
    f(p->Kv, p->G, p->xs, p->ldxs, w, p->ldw, p->rowBytes, sc, p->nG, t1);
    if (p->Kv < p->K)
      tail_t1(p, (int)p->bits, p->Kv / 8, p->K / 8, 0, mr, w, p->ldw, sc, nc,
              t1);
    scale_zero(p, j, nc, sz);
    finish(p, 0, mr, j, nc, t1, sz, t3);
    j += nc;
  }
}

/* Columns [j0, j0+nb), nb <= NB, unpacked into buf then tiled. */
static void run_buffered(const plan *p, int64_t j0, int nb, uint8_t *buf,
                         uint32_t *sz) {
  int64_t K = p->K, full = K / VB, ldb = K;
  for (int c = 0; c < nb; ++c) {
    const uint8_t *w = p->W + (j0 + c) * p->ldw;
    uint8_t *dst = buf + c * ldb;
    int64_t bpv = PACKED_BYTES(p->mode);
    for (int64_t v = 0; v < full; ++v) {
      int wide = v * bpv + 16 <= p->rowBytes;
      vu8 q;
      switch (p->mode) {
      case 2:
        q = unpack_vec(2, w + v * bpv, wide);
        break;
      case 3:
        q = unpack_vec(3, w + v * bpv, wide);
        break;
      case 4:
        q = unpack_vec(4, w + v * bpv, wide);
        break;
#ifdef QG_BLOCK2
      case MODE_BLOCK2:
        q = unpack_vec(MODE_BLOCK2, w + v * bpv, wide);
        break;
#endif
      default:
        q = unpack_vec(8, w + v * bpv, wide);
        break;
      }
      memcpy(dst + v * VB, &q, VB);
    }
    for (int64_t ch = full * VC; ch < K / 8; ++ch) {
      uint64_t q = unpack_chunk((int)p->bits, w + ch * p->bits);
      memcpy(dst + ch * 8, &q, 8);
    }
  }
  scale_zero(p, j0, nb, sz);
  uint32_t t3[NB];
  for (int64_t r0 = 0; r0 < p->rows; r0 += MR) {
    int mr = p->rows - r0 < MR ? (int)(p->rows - r0) : MR;
    for (int c = 0; c < nb;) {
      int nc = nb - c >= NC ? NC : 1;
      uint32_t t1[MR * NC];
      const uint8_t *w = buf + c * ldb;
      const uint8_t *sc = p->wScale + (j0 + c) * p->nG;
      p->buffered[nc == 1][mr - 1](p->Kv, p->G, p->xs + r0 * p->ldxs, p->ldxs,
                                   w, ldb, K, sc, p->nG, t1);
      if (p->Kv < K)
        tail_t1(p, 0, p->Kv / 8, K / 8, r0, mr, w, ldb, sc, nc, t1);
      finish(p, r0, mr, j0 + c, nc, t1, sz + c * p->nG, t3 + c);
      c += nc;
    }
  }
}

/* Straight from the definition; only when scratch memory runs out. */
static void reference(int64_t M, int64_t N, int64_t K, const uint8_t *X,
                      int64_t ldx, int xSigned, int64_t xZp, const uint8_t *W,
                      int64_t ldw, int64_t bits, int64_t G,
                      const uint8_t *wScale, const uint8_t *wZp, int32_t *C,
                      int64_t rsC, int64_t csC) {
  int64_t nG = K / G;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      uint32_t acc = 0;
      for (int64_t g = 0; g < nG; ++g) {
        uint32_t d = 0;
        for (int64_t k = g * G; k < (g + 1) * G; ++k) {
          int64_t bit = k * bits;
          unsigned q =
              (W[j * ldw + bit / 8] |
               (bit % 8 + bits > 8 ? W[j * ldw + bit / 8 + 1] << 8 : 0)) >>
                  (bit % 8) &
              ((1u << bits) - 1);
          int32_t x = xSigned ? (int8_t)X[i * ldx + k] : X[i * ldx + k];
          d += (uint32_t)(x - xZp) * (uint32_t)((int32_t)q - wZp[j * nG + g]);
        }
        acc += wScale[j * nG + g] * d;
      }
      C[i * rsC + j * csC] = (int32_t)acc;
    }
}

__attribute__((visibility("hidden"))) void
qcc_rt_qgemm_grouped(int64_t M, int64_t N, int64_t K, const void *X,
                     int64_t ldx, int64_t xSigned, int64_t xZp,
                     const uint8_t *W, int64_t ldw, int64_t bits, int64_t group,
                     const uint8_t *wScale, const uint8_t *wZp, int32_t *C,
                     int64_t rsC, int64_t csC) {
  if (M <= 0 || N <= 0 || K < 0 || group <= 0 || group % 8 != 0 ||
      K % group != 0 || (bits != 2 && bits != 3 && bits != 4 && bits != 8))
    return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * rsC + j * csC] = 0;
    return;
  }
  plan p;
  p.M = M, p.N = N, p.K = K, p.G = group, p.nG = K / group, p.bits = bits;
  p.mode = (int)bits;
#ifdef QG_BLOCK2
  if (bits == 2 && group % VB == 0)
    p.mode = MODE_BLOCK2;
#endif
  uint32_t xOff = xSigned ? 0 : 128;
  p.xz = (uint32_t)xZp - xOff;
  p.ones = p.xz != 0;
  p.rows = M + p.ones;
  p.small = bits <= 4;
  p.wOff = bits == 8 ? WOFF8 : 0;
  p.W = W, p.ldw = ldw, p.rowBytes = K * bits / 8;
  p.wScale = wScale, p.wZp = wZp, p.C = C, p.rsC = rsC, p.csC = csC;
  /* Vector tiles need whole groups per vector or whole vectors per group. */
  if (group % VB == 0)
    p.Kv = K;
  else if (VB % group == 0)
    p.Kv = K / VB * VB;
  else
    p.Kv = 0;

  int direct = p.rows <= 2;
  p.ldxs = K;
  size_t xsBytes = (size_t)p.rows * p.ldxs;
  uint8_t *xbuf =
      (uint8_t *)grow(&tls_xbuf, &tls_xcap, xsBytes + (size_t)M * p.nG * 4);
  if (!xbuf) {
    reference(M, N, K, (const uint8_t *)X, ldx, (int)xSigned, xZp, W, ldw, bits,
              group, wScale, wZp, C, rsC, csC);
    return;
  }
  uint8_t flip = xSigned ? 0 : 0x80;
  uint32_t *Ax = (uint32_t *)(xbuf + xsBytes);
  if (p.ones)
    memset(xbuf, 1, K);
  p.xs = xbuf, p.Ax = Ax;
  int b = p.mode == MODE_BLOCK2 ? 4
          : bits == 2           ? 0
          : bits == 3           ? 1
          : bits == 4           ? 2
                                : 3;
  p.direct = direct_g[b];
  p.buffered = buffered_g[p.small];
#ifdef QG_ARM
  if (has_dotprod()) {
    p.direct = direct_dp[b];
    p.buffered = buffered_dp[p.small];
  }
#endif

  int threads = 1;
#ifdef _OPENMP
  if ((double)p.rows * N * K > PARALLEL_WORK)
    threads = omp_get_max_threads();
#endif
  int64_t units = direct ? N : (N + NB - 1) / NB;
  int failed = 0;
#pragma omp parallel num_threads(threads) if (threads > 1 && units > 1)
  {
    size_t szBytes = (size_t)NB * p.nG * 4;
    uint8_t *buf = (uint8_t *)grow(&tls_buf, &tls_cap,
                                   szBytes + (direct ? 0 : (size_t)NB * K));
    if (!buf) {
#pragma omp atomic write
      failed = 1;
    }
    /* X in unpacking order, as int8; per-group sums of x - xZp */
#pragma omp for schedule(static)
    for (int64_t i = 0; i < M; ++i) {
      const uint8_t *x = (const uint8_t *)X + i * ldx;
      uint8_t *d = xbuf + (i + p.ones) * p.ldxs;
      reorder_row(p.mode, x, d, K, flip);
      for (int64_t g = 0; g < p.nG; ++g) {
        int32_t s = 0;
        for (int64_t k = g * group; k < (g + 1) * group; ++k)
          s += (int8_t)d[k];
        Ax[i * p.nG + g] = (uint32_t)s - (uint32_t)group * p.xz;
      }
    }
    /* (the loop's barrier also publishes `failed`) */
    if (!failed) {
      uint32_t *sz = (uint32_t *)buf;
      if (direct) {
        /* contiguous column ranges, split on multiples of 4 */
        int nt = 1, t = 0;
#ifdef _OPENMP
        nt = omp_get_num_threads(), t = omp_get_thread_num();
#endif
        int64_t quads = (N + 3) / 4;
        int64_t j0 = quads * t / nt * 4, j1 = quads * (t + 1) / nt * 4;
        j1 = j1 < N ? j1 : N;
        if (j0 < j1)
          run_direct(&p, j0, j1, sz);
      } else {
#pragma omp for schedule(static)
        for (int64_t u = 0; u < units; ++u) {
          int64_t j0 = u * NB;
          int nb = N - j0 < NB ? (int)(N - j0) : NB;
          run_buffered(&p, j0, nb, buf + szBytes, sz);
        }
      }
    }
  }
  if (failed)
    reference(M, N, K, (const uint8_t *)X, ldx, (int)xSigned, xZp, W, ldw, bits,
              group, wScale, wZp, C, rsC, csC);
}
