/*===- QGemm.c - the dense 8-bit integer GEMM generated code calls -------===*\
|*                                                                            *|
|* qcc_rt_qgemm_s8 (see QGemm.h). The zero points are taken out of the inner  *|
|* loop by the identity                                                       *|
|*                                                                            *|
|*   sum (x - xz)(w - wz) = sum x w - wz * sum x - xz * sum w + K * xz * wz   *|
|*                                                                            *|
|* which holds for any shift of x and xz by the same amount (likewise w): so  *|
|* int8 and uint8 operands are converted, while packing, to whatever byte     *|
|* types the instruction multiplies (x ^ 0x80 = x + 128 as uint8), and the    *|
|* shifted zero points go into a per-column bias and a per-row term added     *|
|* when the result is stored. Everything is modulo 2^32, as the contract      *|
|* asks. The instruction set is fixed by the build's predefined macros:       *|
|*                                                                            *|
|*   AMX-INT8              tdpbusd/tdpbssd/... tiles (QGemmAmx.c), taken      *|
|*                         first where the build targets them and Linux       *|
|*                         grants the tile state                              *|
|*   AVX-512 VNNI          vpdpbusd zmm (uint8 X x int8 W, exact)             *|
|*   AVX-VNNI              vpdpbusd ymm                                       *|
|*   AVX-512BW, AVX2, SSE2 operands widened to int16 at packing, vpmaddwd     *|
|*                         (exact; the zero points are subtracted right       *|
|*                         there, so no correction terms)                     *|
|*   AArch64               smmla (i8mm) or sdot (dotprod), chosen at run time *|
|*                         from the hwcaps since the runtime targets armv8-a; *|
|*                         else the generic kernel                            *|
|*   anything else         generic C on int16 operands                        *|
|*                                                                            *|
|* Blocking: W is packed per call into NR-column panels of KC k-steps, a      *|
|* block of up to NC_MAX columns at a time (sized for L2), X into MR-row      *|
|* slivers (L1); the register tile is MR x NR and the loop over panels is     *|
|* innermost, so a sliver stays in L1 while the W block streams from L2.      *|
|* OpenMP threads pack each W block together, then take rectangles of         *|
|* slivers x panels. Products with a handful of rows (GEMV) skip packing and  *|
|* take dot products against W in place.                                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QGemmAmx.h"
#include "QGemmSource.h"
#include "QRequant.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#endif

/* Products above this many multiply-adds run on all OpenMP threads. */
#define PARALLEL_MACS (1 << 21)
/* Products with at most this many rows may take the unpacked dot-product
 * path (see directRows). */
#define DIRECT_M 7
/* Columns of W per packed block (a multiple of every NR), and room for the
 * largest register tile of any variant. */
#define NC_MAX 384
#define TILE_MAX (12 * 32)

typedef uint32_t u32;

/*===----------------------------------------------------------------------===*
 * Kernel variants
 *===----------------------------------------------------------------------===*/

/* tile[r * nr + c] = sum_k a[r * kp + k] * b[(k / ku * nr + c) * ku + k % ku]
 * over kp = groups * ku k-steps, wrapping in int32: `a` is an X sliver of mr
 * rows of kp elements, `b` a W panel of nr columns stored as k-groups of ku
 * (int8/uint8 elements, or int16 when the variant is `wide`). */
typedef void (*KernelFn)(int64_t groups, const void *a, const void *b,
                         int32_t *tile);

typedef struct Variant {
  int mr, nr, ku;
  int wide;             /* operands packed as int16 */
  int xSigned, wSigned; /* 8-bit: the operand types the kernel multiplies */
  int kc;               /* k-steps per packed block (a multiple of ku) */
  KernelFn kernel;
} Variant;

/* Generic kernel: int16 operands, ku = 1; the compiler vectorizes over the
 * tile columns. */
#define GEN_MR 4
#define GEN_NR 16
__attribute__((unused)) static void
kernelGeneric(int64_t groups, const void *a, const void *b, int32_t *tile) {
  const int16_t *pa = (const int16_t *)a, *pb = (const int16_t *)b;
  u32 acc[GEN_MR][GEN_NR] = {{0}};
  for (int64_t g = 0; g < groups; ++g, pb += GEN_NR)
    for (int r = 0; r < GEN_MR; ++r) {
      int32_t x = pa[r * groups + g];
      for (int c = 0; c < GEN_NR; ++c)
        acc[r][c] += (u32)(x * pb[c]);
    }
  memcpy(tile, acc, sizeof(acc));
}
__attribute__((unused)) static const Variant variantGeneric = {
    GEN_MR, GEN_NR, 1, 1, 1, 1, 512, kernelGeneric};

/* x86: one kernel body over the build's vector type. The tile is K_MR rows
 * by two vectors; each k-group broadcasts 4 bytes of a row (4 uint8 X
 * values, or 2 int16) against the two W vectors. K_STEP is the
 * multiply-accumulate:
 *   vpdpbusd: acc += 4 products of uint8 X by int8 W per int32 lane (exact,
 *             no saturation);
 *   vpmaddwd: acc += 2 products of int16 pairs per lane (exact: only
 *             -32768 * -32768 * 2 overflows, and it wraps to the right
 *             value mod 2^32), after widening to int16 at packing. */
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define K_VT __m512i
#define K_VL 16
#define K_MR 8
#define K_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define K_ZERO _mm512_setzero_si512
#define K_LOAD(p) _mm512_load_si512((const void *)(p))
#define K_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define K_SET1 _mm512_set1_epi32
#define K_STEP(acc, x, w) _mm512_dpbusd_epi32(acc, x, w)
#define K_VNNI 1
#elif defined(__AVXVNNI__) || (defined(__AVX512VNNI__) && defined(__AVX512VL__))
#define K_VT __m256i
#define K_VL 8
#define K_MR 6
#define K_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define K_ZERO _mm256_setzero_si256
#define K_LOAD(p) _mm256_load_si256((const __m256i *)(p))
#define K_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define K_SET1 _mm256_set1_epi32
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define K_STEP(acc, x, w) _mm256_dpbusd_epi32(acc, x, w)
#else
#define K_STEP(acc, x, w) _mm256_dpbusd_avx_epi32(acc, x, w)
#endif
#define K_VNNI 1
#elif defined(__AVX512BW__)
#define K_VT __m512i
#define K_VL 16
#define K_MR 8
#define K_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define K_ZERO _mm512_setzero_si512
#define K_LOAD(p) _mm512_load_si512((const void *)(p))
#define K_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define K_SET1 _mm512_set1_epi32
#define K_STEP(acc, x, w) _mm512_add_epi32(acc, _mm512_madd_epi16(x, w))
#elif defined(__AVX2__)
#define K_VT __m256i
#define K_VL 8
#define K_MR 6
#define K_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define K_ZERO _mm256_setzero_si256
#define K_LOAD(p) _mm256_load_si256((const __m256i *)(p))
#define K_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define K_SET1 _mm256_set1_epi32
#define K_STEP(acc, x, w) _mm256_add_epi32(acc, _mm256_madd_epi16(x, w))
#elif defined(__SSE2__)
#define K_VT __m128i
#define K_VL 4
#define K_MR 4
#define K_ROWS(X) X(0) X(1) X(2) X(3)
#define K_ZERO _mm_setzero_si128
#define K_LOAD(p) _mm_load_si128((const __m128i *)(p))
#define K_STORE(p, v) _mm_storeu_si128((__m128i *)(p), v)
#define K_SET1 _mm_set1_epi32
#define K_STEP(acc, x, w) _mm_add_epi32(acc, _mm_madd_epi16(x, w))
#endif

#if defined(K_VT)
/* Named accumulators rather than an array: with 16 registers GCC keeps an
 * array of vectors in memory. */
#define K_DECL(r) K_VT c##r##0 = K_ZERO(), c##r##1 = K_ZERO();
#define K_ROW(r)                                                               \
  {                                                                            \
    int32_t x;                                                                 \
    memcpy(&x, pa + r * rs, 4);                                                \
    K_VT xa = K_SET1(x);                                                       \
    c##r##0 = K_STEP(c##r##0, xa, w0);                                         \
    c##r##1 = K_STEP(c##r##1, xa, w1);                                         \
  }
#define K_OUT(r)                                                               \
  K_STORE(tile + 2 * r * K_VL, c##r##0);                                       \
  K_STORE(tile + (2 * r + 1) * K_VL, c##r##1);
/* noipa: GCC schedules a clone specialized for a constant trip count (as a
 * benchmark makes) into spills. */
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))
#endif
static void
kernelX86(int64_t groups, const void *a, const void *b, int32_t *tile) {
  const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
  int64_t rs = 4 * groups; /* bytes per sliver row */
  K_ROWS(K_DECL)
  for (int64_t g = 0; g < groups; ++g) {
    K_VT w0 = K_LOAD(pb), w1 = K_LOAD(pb + 4 * K_VL);
    K_ROWS(K_ROW)
    pa += 4;
    pb += 8 * K_VL;
  }
  K_ROWS(K_OUT)
}
#if defined(K_VNNI)
static const Variant variantNative = {K_MR, 2 * K_VL, 4,    0,
                                      0,    1,        1024, kernelX86};
/* The same tile for int8 X by uint8 W (filters as rows, activations as
 * columns): vpdpbusd's byte products commute, so W takes its uint8 side
 * and the broadcast X its int8 side, and neither operand is flipped. */
#undef K_STEP
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define K_STEP(acc, x, w) _mm512_dpbusd_epi32(acc, w, x)
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define K_STEP(acc, x, w) _mm256_dpbusd_epi32(acc, w, x)
#else
#define K_STEP(acc, x, w) _mm256_dpbusd_avx_epi32(acc, w, x)
#endif
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))
#endif
static void
kernelX86SignedX(int64_t groups, const void *a, const void *b, int32_t *tile) {
  const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
  int64_t rs = 4 * groups;
  K_ROWS(K_DECL)
  for (int64_t g = 0; g < groups; ++g) {
    K_VT w0 = K_LOAD(pb), w1 = K_LOAD(pb + 4 * K_VL);
    K_ROWS(K_ROW)
    pa += 4;
    pb += 8 * K_VL;
  }
  K_ROWS(K_OUT)
}
static const Variant variantSignedX = {K_MR, 2 * K_VL, 4,    0,
                                       1,    0,        1024, kernelX86SignedX};
#define HAVE_SIGNED_X 1
#define DIRECT_MIXED 1 /* vpdpbusd multiplies uint8 by int8 */
#else
static const Variant variantNative = {K_MR, 2 * K_VL, 2,   1,
                                      1,    1,        512, kernelX86};
#endif
#define HAVE_NATIVE 1
#endif

#if defined(__aarch64__)
#define AARCH64_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define AARCH64_I8MM __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))

/* sdot: 8 x 12 tile in 24 accumulators; a W vector holds 4 columns of 4
 * k-steps, multiplied by 4 k-steps of one row broadcast. */
AARCH64_DOTPROD static void kernelSdot(int64_t groups, const void *a,
                                       const void *b, int32_t *tile) {
  const int8_t *pa = (const int8_t *)a, *pb = (const int8_t *)b;
  int32x4_t acc[8][3];
  for (int r = 0; r < 8; ++r)
    for (int v = 0; v < 3; ++v)
      acc[r][v] = vdupq_n_s32(0);
  int64_t rs = 4 * groups;
  for (int64_t g = 0; g < groups; ++g, pa += 4, pb += 48) {
    int8x16_t b0 = vld1q_s8(pb), b1 = vld1q_s8(pb + 16), b2 = vld1q_s8(pb + 32);
    for (int r = 0; r < 8; ++r) {
      int32_t x;
      memcpy(&x, pa + r * rs, 4);
      int8x16_t xr = vreinterpretq_s8_s32(vdupq_n_s32(x));
      acc[r][0] = vdotq_s32(acc[r][0], b0, xr);
      acc[r][1] = vdotq_s32(acc[r][1], b1, xr);
      acc[r][2] = vdotq_s32(acc[r][2], b2, xr);
    }
  }
  for (int r = 0; r < 8; ++r)
    for (int v = 0; v < 3; ++v)
      vst1q_s32(tile + r * 12 + 4 * v, acc[r][v]);
}
static const Variant variantSdot = {8, 12, 4, 0, 1, 1, 1024, kernelSdot};

/* smmla: each instruction multiplies a 2 x 8 block of rows by an 8 x 2
 * block of columns into a 2 x 2 int32 block; 8 x 8 tile in 16 of them. */
AARCH64_I8MM static void kernelSmmla(int64_t groups, const void *a,
                                     const void *b, int32_t *tile) {
  const int8_t *pa = (const int8_t *)a, *pb = (const int8_t *)b;
  int32x4_t acc[4][4];
  for (int p = 0; p < 4; ++p)
    for (int q = 0; q < 4; ++q)
      acc[p][q] = vdupq_n_s32(0);
  int64_t rs = 8 * groups;
  for (int64_t g = 0; g < groups; ++g, pa += 8, pb += 64) {
    int8x16_t bq[4], ap[4];
    for (int q = 0; q < 4; ++q)
      bq[q] = vld1q_s8(pb + 16 * q);
    for (int p = 0; p < 4; ++p)
      ap[p] =
          vcombine_s8(vld1_s8(pa + 2 * p * rs), vld1_s8(pa + (2 * p + 1) * rs));
    for (int p = 0; p < 4; ++p)
      for (int q = 0; q < 4; ++q)
        acc[p][q] = vmmlaq_s32(acc[p][q], ap[p], bq[q]);
  }
  /* acc[p][q] = {c(2p,2q), c(2p,2q+1), c(2p+1,2q), c(2p+1,2q+1)} */
  for (int p = 0; p < 4; ++p)
    for (int q = 0; q < 4; ++q) {
      int32x4_t v = acc[p][q];
      vst1_s32(tile + (2 * p) * 8 + 2 * q, vget_low_s32(v));
      vst1_s32(tile + (2 * p + 1) * 8 + 2 * q, vget_high_s32(v));
    }
}
static const Variant variantSmmla = {8, 8, 8, 0, 1, 1, 1024, kernelSmmla};

static int aarch64Level(void) {
  unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
  if ((hw2 & HWCAP2_I8MM) && (hw & HWCAP_ASIMDDP))
    return 2;
  return (hw & HWCAP_ASIMDDP) ? 1 : 0;
}
#endif

static const Variant *pickVariant(int xSigned, int wSigned) {
#if defined(HAVE_SIGNED_X)
  if (xSigned && !wSigned)
    return &variantSignedX;
#endif
  (void)xSigned, (void)wSigned;
#if defined(HAVE_NATIVE)
  return &variantNative;
#elif defined(__aarch64__)
  int level = aarch64Level();
  return level == 2   ? &variantSmmla
         : level == 1 ? &variantSdot
                      : &variantGeneric;
#else
  return &variantGeneric;
#endif
}

/*===----------------------------------------------------------------------===*
 * Packing
 *===----------------------------------------------------------------------===*/

static inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* How one call converts its operands. The kernel multiplies x + dx and
 * w + dw[j]: for 8-bit variants the shift is the signedness flip of the
 * mask (+128 int8 -> uint8, -128 uint8 -> int8); for int16 variants it is
 * minus the zero point when that fits (then no correction terms remain). */
typedef struct Plan {
  const Variant *v;
  int xSigned, wSigned; /* the caller's types */
  uint8_t xMask, wMask; /* 8-bit variants */
  int xSub, wSub;       /* int16 variants: zero points subtracted in packing */
  int32_t xZp32;        /* xZp, when xSub */
  u32 dx, dw;           /* shifts of 8-bit variants mod 2^32 */
} Plan;

/* 4 x 4 transpose of 32-bit units: rows a..d become columns. */
typedef uint32_t v4u __attribute__((vector_size(16)));
static inline void transpose4(v4u *a, v4u *b, v4u *c, v4u *d) {
  v4u t0 = __builtin_shufflevector(*a, *b, 0, 4, 1, 5);
  v4u t1 = __builtin_shufflevector(*a, *b, 2, 6, 3, 7);
  v4u t2 = __builtin_shufflevector(*c, *d, 0, 4, 1, 5);
  v4u t3 = __builtin_shufflevector(*c, *d, 2, 6, 3, 7);
  *a = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  *b = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  *c = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  *d = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

/* Four 32-bit W units of one column: k-groups g..g+3 (16 bytes, or 8
 * bytes widened to int16 less the zero point z). */
static inline v4u loadUnits4(const Plan *pl, const uint8_t *col, int64_t g,
                             int32_t z) {
  v4u r;
  if (!pl->v->wide) {
    memcpy(&r, col + 4 * g, 16);
    return r ^ (pl->wMask * 0x01010101u);
  }
  typedef int8_t v8sb __attribute__((vector_size(8)));
  typedef uint8_t v8ub __attribute__((vector_size(8)));
  typedef int16_t v8h __attribute__((vector_size(16)));
  v8h x;
  if (pl->wSigned) {
    v8sb b;
    memcpy(&b, col + 2 * g, 8);
    x = __builtin_convertvector(b, v8h);
  } else {
    v8ub b;
    memcpy(&b, col + 2 * g, 8);
    x = __builtin_convertvector(b, v8h);
  }
  x -= (int16_t)z;
  memcpy(&r, &x, 16);
  return r;
}

/* One W unit: column `col`'s k-group g (ku bytes, or ku int16 less the
 * zero point z), zero past kc. */
static void packUnit(const Plan *pl, const uint8_t *col, int64_t g, int64_t kc,
                     int32_t z, void *dst) {
  int ku = pl->v->ku;
  for (int u = 0; u < ku; ++u) {
    int64_t k = g * ku + u;
    if (pl->v->wide) {
      int32_t v = k >= kc ? 0 : pl->wSigned ? (int8_t)col[k] : col[k];
      ((int16_t *)dst)[u] = k < kc ? (int16_t)(v - z) : 0;
    } else {
      ((uint8_t *)dst)[u] = k < kc ? col[k] ^ pl->wMask : 0;
    }
  }
}

/* Packs one panel: columns [0, w) of NR (the rest zero), k-steps [0, kc),
 * unit (c, g) at dst + (g * NR + c) * ku elements. Where units are 32-bit
 * (vpdpbusd / sdot groups, vpmaddwd int16 pairs), blocks of 4 columns x
 * 4 groups go through a register transpose. */
static void packPanel(const Plan *pl, const uint8_t *W, int64_t ldw,
                      const int32_t *wZp, int64_t wZpStride, int64_t w,
                      int64_t kc, void *dst) {
  const Variant *v = pl->v;
  int NR = v->nr, ku = v->ku, unitBytes = ku * (v->wide ? 2 : 1);
  int64_t groups = ceilDiv(kc, ku);
  /* groups covered by whole blocks of 4 with every k-step present */
  int64_t blockGroups = unitBytes == 4 ? kc / ku / 4 * 4 : 0;
  for (int c0 = 0; c0 < NR; c0 += 4) {
    int32_t z[4];
    for (int i = 0; i < 4; ++i)
      z[i] = pl->wSub && wZp && c0 + i < w ? wZp[(c0 + i) * wZpStride] : 0;
    int64_t g = 0;
    if (c0 + 4 <= w)
      for (; g < blockGroups; g += 4) {
        v4u r0 = loadUnits4(pl, W + c0 * ldw, g, z[0]);
        v4u r1 = loadUnits4(pl, W + (c0 + 1) * ldw, g, z[1]);
        v4u r2 = loadUnits4(pl, W + (c0 + 2) * ldw, g, z[2]);
        v4u r3 = loadUnits4(pl, W + (c0 + 3) * ldw, g, z[3]);
        transpose4(&r0, &r1, &r2, &r3);
        uint8_t *d = (uint8_t *)dst + (g * NR + c0) * 4;
        memcpy(d, &r0, 16);
        memcpy(d + NR * 4, &r1, 16);
        memcpy(d + NR * 8, &r2, 16);
        memcpy(d + NR * 12, &r3, 16);
      }
    for (int i = 0; i < 4; ++i)
      for (int64_t gg = g; gg < groups; ++gg) {
        void *d = (uint8_t *)dst + (gg * NR + c0 + i) * unitBytes;
        if (c0 + i >= w) {
          memset(d, 0, unitBytes);
        } else if (!v->wide && ku == 4 && (gg + 1) * 4 <= kc) {
          /* a whole byte unit: one 32-bit move (small K: most units) */
          uint32_t u;
          memcpy(&u, W + (c0 + i) * ldw + gg * 4, 4);
          u ^= pl->wMask * 0x01010101u;
          memcpy(d, &u, 4);
        } else {
          packUnit(pl, W + (c0 + i) * ldw, gg, kc, z[i], d);
        }
      }
  }
}

/* Packs panels [p0, p1) of the block of W columns [0, nc), k-steps
 * [0, kc) (W points at the block's first column and k-step, `wZp` at its
 * first column's zero point): panel p holds columns [p * NR, p * NR + NR)
 * and lies at dst + p * NR * ceil(kc / ku) * ku elements. Kept apart from the
 * product so that weights can later be packed once, ahead of time. */
static void packW(const Plan *pl, const uint8_t *W, int64_t ldw,
                  const int32_t *wZp, int64_t wZpStride, int64_t nc, int64_t kc,
                  int64_t p0, int64_t p1, void *dst) {
  const Variant *v = pl->v;
  int64_t panelBytes =
      (int64_t)v->nr * ceilDiv(kc, v->ku) * v->ku * (v->wide ? 2 : 1);
  for (int64_t p = p0; p < p1; ++p) {
    int64_t j = p * v->nr, w = nc - j < v->nr ? nc - j : v->nr;
    packPanel(pl, W + j * ldw, ldw, wZp ? wZp + j * wZpStride : NULL, wZpStride,
              w, kc, (uint8_t *)dst + p * panelBytes);
  }
}

/* Packs an X sliver: rows [0, h) of mr, k-steps [0, kc), each row padded
 * to kp = ceil(kc / ku) * ku elements; missing rows and k-steps are zero
 * (zero in either signedness, so the padding adds nothing). */
static void packX(const Plan *pl, const uint8_t *X, int64_t ldx, int64_t h,
                  int64_t kc, void *dst) {
  const Variant *v = pl->v;
  int64_t kp = ceilDiv(kc, v->ku) * v->ku;
  for (int64_t r = 0; r < v->mr; ++r) {
    int64_t n = r < h ? kc : 0;
    const uint8_t *s = r < h ? X + r * ldx : X;
    if (v->wide) {
      int16_t *d = (int16_t *)dst + r * kp;
      int32_t z = pl->xSub ? pl->xZp32 : 0;
      if (pl->xSigned)
        for (int64_t k = 0; k < n; ++k)
          d[k] = (int16_t)((int8_t)s[k] - z);
      else
        for (int64_t k = 0; k < n; ++k)
          d[k] = (int16_t)(s[k] - z);
      memset(d + n, 0, (kp - n) * sizeof(int16_t));
    } else {
      uint8_t *d = (uint8_t *)dst + r * kp, m = pl->xMask;
      for (int64_t k = 0; k < n; ++k)
        d[k] = s[k] ^ m;
      memset(d + n, 0, kp - n);
    }
  }
}

/* Sum of the K bytes of a row, as int8 or uint8, mod 2^32. */
static u32 byteSum(const uint8_t *p, int64_t K, int isSigned) {
  u32 s = 0;
  if (isSigned) {
    const int8_t *q = (const int8_t *)p;
    for (int64_t k = 0; k < K; ++k)
      s += (u32)(int32_t)q[k];
  } else {
    for (int64_t k = 0; k < K; ++k)
      s += p[k];
  }
  return s;
}

/*===----------------------------------------------------------------------===*
 * Storing a tile
 *===----------------------------------------------------------------------===*/

/* Stores the h x w tile (row stride ld) to C plus bias[c] - zp[c] * rs[r]
 * (terms that are NULL are left out; zp and rs come together), or adds it
 * all to C when `accumulate` (a later k-block). One pass, contiguous along
 * whichever of C's strides is 1. */
void qcc_rt_store_tile(const int32_t *tile, int ld, int64_t h, int64_t w,
                       int32_t *C, int64_t rsC, int64_t csC, int accumulate,
                       const uint32_t *bias, const uint32_t *zp,
                       const uint32_t *rs) {
  const u32 *t = (const u32 *)tile;
  u32 *c0 = (u32 *)C;
  if (csC == 1) {
    for (int64_t r = 0; r < h; ++r) {
      u32 *d = c0 + r * rsC;
      const u32 *tr = t + r * ld;
      if (rs) {
        u32 s = rs[r];
        if (accumulate)
          for (int64_t c = 0; c < w; ++c)
            d[c] += tr[c] + bias[c] - zp[c] * s;
        else
          for (int64_t c = 0; c < w; ++c)
            d[c] = tr[c] + bias[c] - zp[c] * s;
      } else if (bias) {
        if (accumulate)
          for (int64_t c = 0; c < w; ++c)
            d[c] += tr[c] + bias[c];
        else
          for (int64_t c = 0; c < w; ++c)
            d[c] = tr[c] + bias[c];
      } else {
        if (accumulate)
          for (int64_t c = 0; c < w; ++c)
            d[c] += tr[c];
        else
          for (int64_t c = 0; c < w; ++c)
            d[c] = tr[c];
      }
    }
    return;
  }
  for (int64_t c = 0; c < w; ++c) {
    u32 *d = c0 + c * csC;
    const u32 *tc = t + c;
    u32 b = bias ? bias[c] : 0, z = rs ? zp[c] : 0;
    if (rsC == 1 && !accumulate && !rs)
      for (int64_t r = 0; r < h; ++r)
        d[r] = tc[r * ld] + b;
    else
      for (int64_t r = 0; r < h; ++r) {
        u32 v = tc[r * ld] + b - (rs ? z * rs[r] : 0);
        u32 *e = d + r * rsC;
        *e = accumulate ? *e + v : v;
      }
  }
}

/*===----------------------------------------------------------------------===*
 * The problem and the reference loop
 *===----------------------------------------------------------------------===*/

typedef struct Problem {
  int64_t M, N, K;
  const uint8_t *X, *W;
  int64_t ldx, ldw, xZp;
  const int32_t *wZp;
  int64_t wZpStride;
  int32_t *C;
  int64_t rsC, csC;
  Plan plan;
  u32 xz;      /* X's zero point after the shift */
  int needCol; /* xz != 0: W's column sums are needed */
  int needRow; /* a shifted W zero point is nonzero: X's row sums */
  u32 *rs;     /* shifted row sums of X, when needRow */
  QGemmPackFn pack;    /* W packed by this callback instead of read (then W */
  const void *packCtx; /* is NULL and wZp one value) */
  const QRequant *rq;  /* C requantized to bytes at out8 (row stride rsOut) */
  uint8_t *out8;       /* as it is stored; then C is NULL and rsC, csC unused */
  int64_t rsOut;
} Problem;

static inline int32_t wZpAt(const Problem *p, int64_t j) {
  return p->wZp ? p->wZp[j * p->wZpStride] : 0;
}

/* Column j's zero point after the shift. */
static inline u32 shiftedWZp(const Problem *p, int64_t j) {
  if (p->plan.wSub)
    return 0;
  return (u32)wZpAt(p, j) + p->plan.dw;
}

/* Sum over K of column j's shifted values. */
static inline u32 shiftedColSum(const Problem *p, int64_t j) {
  u32 s = byteSum(p->W + j * p->ldw, p->K, p->plan.wSigned);
  u32 d = p->plan.wSub ? -(u32)wZpAt(p, j) : p->plan.dw;
  return s + (u32)p->K * d;
}

static inline u32 shiftedRowSum(const Problem *p, int64_t i) {
  u32 s = byteSum(p->X + i * p->ldx, p->K, p->plan.xSigned);
  u32 d = p->plan.xSub ? -(u32)p->xZp : p->plan.dx;
  return s + (u32)p->K * d;
}

/* The definition, for blocks the fast paths cannot take (no memory). */
static void naiveBlock(const Problem *p, int64_t i0, int64_t i1, int64_t j0,
                       int64_t j1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      const uint8_t *x = p->X + i * p->ldx, *w = p->W + j * p->ldw;
      uint64_t z = (uint64_t)(int64_t)wZpAt(p, j);
      u32 s = 0;
      for (int64_t k = 0; k < p->K; ++k) {
        int64_t xv = p->plan.xSigned ? (int8_t)x[k] : x[k];
        int64_t wv = p->plan.wSigned ? (int8_t)w[k] : w[k];
        s += (u32)(((uint64_t)xv - (uint64_t)p->xZp) * ((uint64_t)wv - z));
      }
      p->C[i * p->rsC + j * p->csC] = (int32_t)s;
    }
}

/*===----------------------------------------------------------------------===*
 * Packed path
 *===----------------------------------------------------------------------===*/

/* Per-thread scratch, allocated on a thread's first product and kept (as
 * in Gemm.c): the packed W block (used by the team of the thread that
 * called the product), one packed X sliver and the tile. Sized for every
 * variant: 8-bit blocks of 1024 k-steps, int16 blocks of 512. */
typedef struct Scratch {
  void *w, *x;
  int32_t *tile;
} Scratch;
static __thread Scratch scratch;

static void *getWBlock(void) {
  if (!scratch.w)
    scratch.w = aligned_alloc(64, (size_t)NC_MAX * 1024);
  return scratch.w;
}

static Scratch *getSliverScratch(void) {
  Scratch *s = &scratch;
  if (!s->x)
    s->x = aligned_alloc(64, (size_t)16 * 1024);
  if (!s->tile)
    s->tile = (int32_t *)aligned_alloc(64, TILE_MAX * sizeof(int32_t));
  return s->x && s->tile ? s : NULL;
}

/* Whether every x - z fits int16 for x in the operand's range. */
static int subFits(int64_t z, int isSigned) {
  int64_t lo = isSigned ? -128 : 0, hi = isSigned ? 127 : 255;
  return z >= hi - 32767 && z <= lo + 32768;
}

static void planFor(Problem *p, const Variant *v) {
  Plan *pl = &p->plan;
  pl->v = v;
  if (v->wide) {
    pl->xSub = subFits(p->xZp, pl->xSigned);
    pl->xZp32 = pl->xSub ? (int32_t)p->xZp : 0;
    pl->wSub = 1;
    for (int64_t j = 0; j < (p->wZpStride ? p->N : 1) && p->wZp; ++j)
      pl->wSub &= subFits(p->wZp[j * p->wZpStride], pl->wSigned);
  } else {
    pl->xMask = pl->xSigned != v->xSigned ? 0x80 : 0;
    pl->wMask = pl->wSigned != v->wSigned ? 0x80 : 0;
    pl->dx = pl->xMask ? (pl->xSigned ? 128u : -128u) : 0;
    pl->dw = pl->wMask ? (pl->wSigned ? 128u : -128u) : 0;
  }
  p->xz = pl->xSub ? 0 : (u32)p->xZp + pl->dx;
  p->needCol = p->xz != 0;
  p->needRow = 0;
  for (int64_t j = 0; j < (p->wZpStride ? p->N : 1) && !p->needRow; ++j)
    p->needRow = shiftedWZp(p, j) != 0;
}

/* How a team of `team` threads splits an np-panel by sl-sliver block: a
 * grid of rp row parts by cp panel parts (rp * cp <= team), the one with
 * the least time per thread, estimated as its multiply-adds at 64 a cycle
 * plus its bytes of packed W and X (every thread reads its parts from the
 * shared cache) at 8 a cycle. */
static void splitBlock(const Variant *v, int64_t np, int64_t sl, int team,
                       int64_t *rp, int64_t *cp) {
  double best = 0;
  *rp = *cp = 1;
  for (int64_t c = 1; c <= team && c <= np; ++c)
    for (int64_t r = 1; r * c <= team && r <= sl; ++r) {
      double cols = (double)ceilDiv(np, c) * v->nr;
      double rows = (double)ceilDiv(sl, r) * v->mr;
      double cost = cols * rows / 64 + (cols + rows) * (v->wide ? 2 : 1) / 8;
      if (best == 0 || cost < best * 0.999) {
        best = cost;
        *rp = r;
        *cp = c;
      }
    }
}

/* The packed product. Column blocks of W (up to NC_MAX columns) and
 * k-blocks are walked in turn by the whole team: the threads pack the W
 * block together (each W element is packed once), then each takes one
 * rectangle of X slivers by W panels (see splitBlock). Returns 0 (nothing
 * written) when out of memory. */
static int packedPath(Problem *p, int threads) {
  const Variant *v = p->plan.v;
  int64_t M = p->M, N = p->N, K = p->K;
  int corr = p->needCol || p->needRow;
  void *wBlock = getWBlock();
  u32 *sums = corr ? (u32 *)malloc((2 * N + M) * sizeof(u32)) : NULL;
  if (!wBlock || (corr && !sums)) {
    free(sums);
    return 0;
  }
  u32 *bias = sums, *zp = corr ? sums + N : NULL;
  p->rs = p->needRow ? sums + 2 * N : NULL;
  int64_t panels = ceilDiv(N, v->nr), slivers = ceilDiv(M, v->mr);
  /* A requantized product of several k-blocks keeps the partial sums of one
   * block of columns (M x NC_MAX int32) until its last k-block. */
  int32_t *part = NULL;
  if (p->rq && K > v->kc) {
    part = (int32_t *)malloc((size_t)M * NC_MAX * sizeof(int32_t));
    if (!part) {
      free(sums);
      return 0;
    }
  }
  int64_t colBlocks = ceilDiv(panels, NC_MAX / v->nr);
  int elem = v->wide ? 2 : 1;
  /* The byte table of a requantized product is applied once per sliver row
   * of a column block (up to NC_MAX bytes, which vectorize), not per
   * register tile row. */
  QRequant rqBytes;
  const uint8_t *table = NULL;
  if (p->rq) {
    rqBytes = *p->rq;
    table = rqBytes.table;
    rqBytes.table = NULL;
  }
  QGemmPanelFormat fmt = {
      v->nr,           v->ku,         v->wide,
      p->plan.wSigned, p->plan.wMask, p->plan.wSub && p->wZp ? p->wZp[0] : 0};
  (void)threads; /* without OpenMP */
  int noScratch = 0; /* a thread without sliver scratch, with a W source */
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Scratch *s = getSliverScratch();
    if (!s && p->pack) {
#pragma omp atomic write
      noScratch = 1;
    }
#pragma omp barrier
    int give_up;
#pragma omp atomic read
    give_up = noScratch;
    if (give_up) /* the slow fallback reads W in place: there is none */
      goto done;
    if (corr) {
#pragma omp for schedule(static)
      for (int64_t j = 0; j < N; ++j) {
        u32 wz = shiftedWZp(p, j);
        zp[j] = wz;
        bias[j] =
            p->needCol ? (u32)K * p->xz * wz - p->xz * shiftedColSum(p, j) : 0;
      }
    }
    if (p->needRow) {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < M; ++i)
        p->rs[i] = shiftedRowSum(p, i);
    }
    int team = 1;
#ifdef _OPENMP
    team = omp_get_num_threads();
#endif
    for (int64_t b = 0; b < colBlocks; ++b) {
      int64_t q0 = panels * b / colBlocks, q1 = panels * (b + 1) / colBlocks;
      int64_t j0 = q0 * v->nr, j1 = q1 * v->nr < N ? q1 * v->nr : N;
      int64_t np = q1 - q0, nc = j1 - j0, rp, cp;
      splitBlock(v, np, slivers, team, &rp, &cp);
      for (int64_t k0 = 0; k0 < K; k0 += v->kc) {
        int64_t kc = K - k0 < v->kc ? K - k0 : v->kc;
        int64_t groups = ceilDiv(kc, v->ku);
        int64_t panelBytes = (int64_t)v->nr * groups * v->ku * elem;
        int last = k0 + kc == K;
#pragma omp for schedule(static)
        for (int64_t q = 0; q < np; ++q) {
          if (p->pack) {
            int64_t jq = q * v->nr;
            p->pack(p->packCtx, &fmt, j0 + jq,
                    nc - jq < v->nr ? nc - jq : v->nr, k0, kc,
                    (char *)wBlock + q * panelBytes);
            continue;
          }
          packW(&p->plan, p->W + j0 * p->ldw + k0, p->ldw,
                p->wZp ? p->wZp + j0 * p->wZpStride : NULL, p->wZpStride, nc,
                kc, q, q + 1, wBlock);
        }
#pragma omp for schedule(static)
        for (int64_t t = 0; t < rp * cp; ++t) {
          int64_t r = t / cp, c = t % cp;
          int64_t g0 = np * c / cp, g1 = np * (c + 1) / cp;
          for (int64_t sl = slivers * r / rp; sl < slivers * (r + 1) / rp;
               ++sl) {
            int64_t i = sl * v->mr, h = M - i < v->mr ? M - i : v->mr;
            if (!s) { /* no memory for this thread's sliver: slow but exact */
              if (last)
                naiveBlock(p, i, i + h, j0 + g0 * v->nr,
                           j0 + g1 * v->nr < j1 ? j0 + g1 * v->nr : j1);
              continue;
            }
            packX(&p->plan, p->X + i * p->ldx + k0, p->ldx, h, kc, s->x);
            for (int64_t q = g0; q < g1; ++q) {
              int64_t jp = q * v->nr, w = nc - jp < v->nr ? nc - jp : v->nr;
              v->kernel(groups, s->x, (const char *)wBlock + q * panelBytes,
                        s->tile);
              if (p->rq) {
                /* Finished sums (tile + earlier blocks' partial sums +
                 * corrections) are requantized from the tile or the
                 * partial-sum block; unfinished ones go to that block. */
                int32_t *acc = s->tile;
                int64_t ld = v->nr;
                if (k0 > 0 || !last)
                  acc = part + i * NC_MAX + jp, ld = NC_MAX;
                qcc_rt_store_tile(s->tile, v->nr, h, w, acc, ld, 1, k0 > 0,
                                  last && corr ? bias + j0 + jp : NULL,
                                  last && p->needRow ? zp + j0 + jp : NULL,
                                  last && p->needRow ? p->rs + i : NULL);
                if (last)
                  for (int64_t r = 0; r < h; ++r)
                    requantRow(acc + r * ld, w, &rqBytes, i + r,
                               p->out8 + (i + r) * p->rsOut + j0 + jp);
                continue;
              }
              qcc_rt_store_tile(s->tile, v->nr, h, w,
                        p->C + i * p->rsC + (j0 + jp) * p->csC, p->rsC, p->csC,
                        k0 > 0, last && corr ? bias + j0 + jp : NULL,
                        last && p->needRow ? zp + j0 + jp : NULL,
                        last && p->needRow ? p->rs + i : NULL);
            }
            if (table && last && g1 > g0) {
              int64_t c0 = j0 + g0 * v->nr;
              int64_t c1 = j0 + g1 * v->nr < j1 ? j0 + g1 * v->nr : j1;
              for (int64_t r = 0; r < h; ++r)
                tableRow(table, p->out8 + (i + r) * p->rsOut + c0, c1 - c0);
            }
          }
        }
      }
    }
  done:;
  }
  free(part);
  free(sums);
  p->rs = NULL;
  return !noScratch;
}

/*===----------------------------------------------------------------------===*
 * Direct path: a few rows, dot products against W in place
 *===----------------------------------------------------------------------===*/

/* out[r * 4 + c] = sum_k x[r][k] * w[c][k] for R rows and 4 columns. The
 * compiler vectorizes these with the build's dot-product instruction
 * (vpdpbusd for uint8 x int8, sdot/udot for equal signedness) or widening
 * multiply-adds; W is read once per R rows. */
typedef void (*DotFn)(const uint8_t *const *x, const uint8_t *const *w,
                      int64_t K, u32 *out);
#define DOT_FN(name, TX, TW, R, attr)                                          \
  attr static void name(const uint8_t *const *xp, const uint8_t *const *wp,    \
                        int64_t K, u32 *out) {                                 \
    const TX *x[R];                                                            \
    for (int r = 0; r < R; ++r)                                                \
      x[r] = (const TX *)xp[r];                                                \
    const TW *w0 = (const TW *)wp[0], *w1 = (const TW *)wp[1],                 \
             *w2 = (const TW *)wp[2], *w3 = (const TW *)wp[3];                 \
    u32 s[R][4] = {{0}};                                                       \
    for (int64_t k = 0; k < K; ++k) {                                          \
      int32_t b0 = w0[k], b1 = w1[k], b2 = w2[k], b3 = w3[k];                  \
      _Pragma("GCC unroll 4") for (int r = 0; r < R; ++r) {                    \
        int32_t a = x[r][k];                                                   \
        s[r][0] += (u32)(a * b0);                                              \
        s[r][1] += (u32)(a * b1);                                              \
        s[r][2] += (u32)(a * b2);                                              \
        s[r][3] += (u32)(a * b3);                                              \
      }                                                                        \
    }                                                                          \
    memcpy(out, s, sizeof(s));                                                 \
  }
#define DOT_FNS(prefix, TX, TW, attr)                                          \
  DOT_FN(prefix##1, TX, TW, 1, attr)                                           \
  DOT_FN(prefix##2, TX, TW, 2, attr)                                           \
  DOT_FN(prefix##3, TX, TW, 3, attr)                                           \
  DOT_FN(prefix##4, TX, TW, 4, attr)
#define DOT_TABLE(prefix, attr)                                                \
  DOT_FNS(prefix##UU, uint8_t, uint8_t, attr)                                  \
  DOT_FNS(prefix##US, uint8_t, int8_t, attr)                                   \
  DOT_FNS(prefix##SU, int8_t, uint8_t, attr)                                   \
  DOT_FNS(prefix##SS, int8_t, int8_t, attr)                                    \
  static const DotFn prefix##Table[2][2][4] = {                                \
      {{prefix##UU1, prefix##UU2, prefix##UU3, prefix##UU4},                   \
       {prefix##US1, prefix##US2, prefix##US3, prefix##US4}},                  \
      {{prefix##SU1, prefix##SU2, prefix##SU3, prefix##SU4},                   \
       {prefix##SS1, prefix##SS2, prefix##SS3, prefix##SS4}}};
DOT_TABLE(dot, )
#if defined(__aarch64__)
DOT_TABLE(dotDp, AARCH64_DOTPROD)
#endif

/* Up to how many rows the dot-product path beats packing W (measured on
 * Zen 4): with a byte dot-product instruction, through 7 rows; with
 * widening multiplies, only through 2. */
static int64_t directRows(void) {
#if defined(DIRECT_MIXED)
  return 7;
#elif defined(__aarch64__)
  return aarch64Level() >= 1 ? 7 : 2;
#else
  return 2;
#endif
}

/* Returns 0 (nothing written) when out of memory. */
static int directPath(const Problem *p, int threads) {
  int64_t M = p->M, N = p->N, K = p->K;
  int xSigned = p->plan.xSigned, wSigned = p->plan.wSigned;
  /* The signedness X is converted to: the one the instruction wants with
   * W as it is, or X's own for plain widening multiplies. */
  int xt = xSigned;
  const DotFn *dots = dotTable[0][0];
#if defined(DIRECT_MIXED)
  xt = !wSigned;
#elif defined(__aarch64__)
  if (aarch64Level() >= 1) {
    xt = wSigned;
    dots = dotDpTable[0][0];
  }
#endif
  dots += (xt * 2 + wSigned) * 4;
  uint8_t xMask = xt != xSigned ? 0x80 : 0;
  u32 dx = xMask ? (xSigned ? 128u : -128u) : 0, xz = (u32)p->xZp + dx;
  int needCol = xz != 0, needRow = 0;
  for (int64_t j = 0; j < (p->wZpStride ? N : 1) && !needRow; ++j)
    needRow = wZpAt(p, j) != 0;

  /* Rows: X converted if needed, then a row of ones whose products are
   * the column sums of W (for X's zero point). */
  int64_t rows = M + needCol;
  uint8_t *buf = NULL;
  const uint8_t *rowPtr[DIRECT_M + 1];
  if (xMask || needCol) {
    buf = (uint8_t *)malloc((size_t)rows * K);
    if (!buf)
      return 0;
  }
  for (int64_t i = 0; i < M; ++i) {
    const uint8_t *x = p->X + i * p->ldx;
    if (xMask) {
      for (int64_t k = 0; k < K; ++k)
        buf[i * K + k] = x[k] ^ xMask;
      x = buf + i * K;
    }
    rowPtr[i] = x;
  }
  if (needCol) {
    memset(buf + M * K, 1, K);
    rowPtr[M] = buf + M * K;
  }
  u32 rs[DIRECT_M];
  for (int64_t i = 0; i < M; ++i)
    rs[i] = needRow ? byteSum(p->X + i * p->ldx, K, xSigned) + (u32)K * dx : 0;
  (void)threads; /* without OpenMP */

  int64_t quads = ceilDiv(N, 4);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t q = 0; q < quads; ++q) {
    int64_t j0 = 4 * q, w = N - j0 < 4 ? N - j0 : 4;
    const uint8_t *cols[4];
    for (int c = 0; c < 4; ++c)
      cols[c] = p->W + (j0 + (c < w ? c : w - 1)) * p->ldw;
    /* The 4 columns are 4 streams of K bytes (a page each at K = 4096): too
     * short for the hardware prefetcher to ramp up, so the next quad is
     * fetched into L2 while this one is computed. */
    for (int64_t c = j0 + 4; c < j0 + 8 && c < N; ++c)
      for (int64_t k = 0; k < K; k += 128)
        __builtin_prefetch(p->W + c * p->ldw + k, 0, 2);
    u32 acc[DIRECT_M + 1][4];
    for (int64_t r0 = 0; r0 < rows; r0 += 4) {
      int64_t n = rows - r0 < 4 ? rows - r0 : 4;
      dots[n - 1](rowPtr + r0, cols, K, acc[r0]);
    }
    for (int64_t c = 0; c < w; ++c) {
      u32 wz = (u32)wZpAt(p, j0 + c);
      u32 bias = needCol ? (u32)K * xz * wz - xz * acc[M][c] : 0;
      for (int64_t i = 0; i < M; ++i)
        p->C[i * p->rsC + (j0 + c) * p->csC] =
            (int32_t)(acc[i][c] + bias - wz * rs[i]);
    }
  }
  free(buf);
  return 1;
}

/*===----------------------------------------------------------------------===*
 * Entry point
 *===----------------------------------------------------------------------===*/

__attribute__((visibility("hidden"))) void
qcc_rt_qgemm_s8(int64_t M, int64_t N, int64_t K, const void *X, int64_t ldx,
                int64_t xSigned, int64_t xZp, const void *W, int64_t ldw,
                int64_t wSigned, const int32_t *wZp, int64_t wZpStride,
                int32_t *C, int64_t rsC, int64_t csC) {
  if (M <= 0 || N <= 0 || K <= 0)
    return;
  int threads = 1;
#ifdef _OPENMP
  if ((double)M * N * K > PARALLEL_MACS)
    threads = omp_get_max_threads();
#endif
  Problem p;
  memset(&p, 0, sizeof(p));
  p.M = M, p.N = N, p.K = K;
  p.X = (const uint8_t *)X, p.W = (const uint8_t *)W;
  p.ldx = ldx, p.ldw = ldw, p.xZp = xZp;
  p.wZp = wZp, p.wZpStride = wZpStride;
  p.C = C, p.rsC = rsC, p.csC = csC;
  p.plan.xSigned = xSigned != 0, p.plan.wSigned = wSigned != 0;
  if (M <= directRows() && directPath(&p, threads))
    return;
#if defined(QCC_HAVE_AMX)
  if (qcc_rt_qgemm_s8_amx(M, N, K, X, ldx, xSigned, xZp, W, ldw, wSigned, wZp,
                          wZpStride, C, rsC, csC, threads))
    return;
#endif
  planFor(&p, pickVariant(p.plan.xSigned, p.plan.wSigned));
  if (!packedPath(&p, threads)) /* out of memory: slow, but still exact */
    naiveBlock(&p, 0, M, 0, N);
}

__attribute__((visibility("hidden"))) void
qcc_rt_requant_row(const int32_t *acc, int64_t w, const QRequant *rq,
                   int64_t row, uint8_t *out) {
  requantRow(acc, w, rq, row, out);
}

static int sourcePath(int64_t M, int64_t N, int64_t K, const void *X,
                      int64_t ldx, int64_t xSigned, int64_t xZp,
                      QGemmPackFn pack, const void *ctx, int64_t wSigned,
                      int32_t wZp, int32_t *C, int64_t rsC, int64_t csC,
                      const QRequant *rq, uint8_t *out8, int64_t rsOut);

/* The packed path with W from a callback (QGemmSource.h). */
__attribute__((visibility("hidden"))) int
qcc_rt_qgemm_s8_source(int64_t M, int64_t N, int64_t K, const void *X,
                       int64_t ldx, int64_t xSigned, int64_t xZp,
                       QGemmPackFn pack, const void *ctx, int64_t wSigned,
                       int32_t wZp, int32_t *C, int64_t rsC, int64_t csC) {
  return sourcePath(M, N, K, X, ldx, xSigned, xZp, pack, ctx, wSigned, wZp, C,
                    rsC, csC, NULL, NULL, 0);
}

__attribute__((visibility("hidden"))) int
qcc_rt_qgemm_s8_source_rq(int64_t M, int64_t N, int64_t K, const void *X,
                          int64_t ldx, int64_t xSigned, int64_t xZp,
                          QGemmPackFn pack, const void *ctx, int64_t wSigned,
                          int32_t wZp, const QRequant *rq, uint8_t *out,
                          int64_t rsOut) {
  return sourcePath(M, N, K, X, ldx, xSigned, xZp, pack, ctx, wSigned, wZp,
                    NULL, 0, 1, rq, out, rsOut);
}

static int sourcePath(int64_t M, int64_t N, int64_t K, const void *X,
                      int64_t ldx, int64_t xSigned, int64_t xZp,
                      QGemmPackFn pack, const void *ctx, int64_t wSigned,
                      int32_t wZp, int32_t *C, int64_t rsC, int64_t csC,
                      const QRequant *rq, uint8_t *out8, int64_t rsOut) {
  if (M <= 0 || N <= 0 || K <= 0)
    return 1;
  /* AMX builds take this (vector) path too: their W packing would need the
   * matrix, and on PP-OCR det the tile unit gained only 6% over VNNI with
   * an explicit patch matrix (bench/README.md). */
  if (M <= directRows())
    return 0;
  /* Every thread needs its sliver scratch up front: the packed path's
   * fallback for a thread without it reads W in place. */
  if (!getSliverScratch())
    return 0;
  int threads = 1;
#ifdef _OPENMP
  if ((double)M * N * K > PARALLEL_MACS)
    threads = omp_get_max_threads();
#endif
  Problem p;
  memset(&p, 0, sizeof(p));
  p.M = M, p.N = N, p.K = K;
  p.X = (const uint8_t *)X, p.W = NULL;
  p.ldx = ldx, p.ldw = 0, p.xZp = xZp;
  p.wZp = &wZp, p.wZpStride = 0;
  p.C = C, p.rsC = rsC, p.csC = csC;
  p.plan.xSigned = xSigned != 0, p.plan.wSigned = wSigned != 0;
  p.pack = pack, p.packCtx = ctx;
  p.rq = rq, p.out8 = out8, p.rsOut = rsOut;
  planFor(&p, pickVariant(p.plan.xSigned, p.plan.wSigned));
  if (p.needCol) /* W's column sums: W would have to be read in place */
    return 0;
  return packedPath(&p, threads);
}
