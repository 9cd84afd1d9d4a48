/*===- QGemmTernary.c - ternary-weight GEMM by table lookup ---------------===*\
|*                                                                            *|
|* qcc_rt_qgemm_ternary (see QGemmTernary.h): int8/uint8 activations times    *|
|* weights in {-1, 0, +1}, exact in int32, with no multiplication by a        *|
|* weight: the products are looked up (T-MAC style) and added.                *|
|*                                                                            *|
|* Tables. Each pair of activations (a, b) = (x[2p] - xZp, x[2p+1] - xZp)     *|
|* gets a 16-entry table over the 4-bit index c0 + 4 c1 formed by two 2-bit   *|
|* weight codes (c = t + 1, so a nibble of the packed weights is the index):  *|
|*                                                                            *|
|*   T[c0 + 4 c1] = t(c0) a + t(c1) b + 512,   t(0, 1, 2, 3) = -1, 0, 1, 0    *|
|*                                                                            *|
|* built once per activation row with selects and negations. |a|, |b| <=     *|
|* 255, so T lies in [2, 1022]: 10 bits, kept as a low byte and a high byte   *|
|* (0..3) table of 16 bytes each, as a byte shuffle (vpshufb, tbl) needs.     *|
|* The result is C = sum_p T_p[nibble_p] - 512 * pairs.                       *|
|*                                                                            *|
|* Lookup. The weights are tiled so that one byte column of a block holds the *|
|* same 4 weights of 32 consecutive rows: one 32-byte load gives, per row,    *|
|* the nibbles of two pairs, and a shuffle of a pair's table by the low (or   *|
|* high) nibbles yields that pair's term for 32 rows at once. Low and high    *|
|* bytes are interleaved into 16-bit lanes (punpck/zip: lo | hi << 8 is T     *|
|* itself) and added; 16-bit sums take 64 terms (64 * 1022 < 2^16) before     *|
|* they are widened into 32-bit sums. A table is loaded once and used for     *|
|* NBLK row blocks. Per 128 weights of one row block: one load, 3 ops for     *|
|* the indices, 4 shuffles, 4 interleaves, 4 adds.                            *|
|*                                                                            *|
|* Vectors: AVX2 and AVX-512 use 32-byte shuffles (one table copy per 128-bit *|
|* lane, broadcast from memory), AVX-512 with more row blocks per table; SSE  *|
|* (x86-64-v2) and NEON use 16-byte GCC vector shuffles (pshufb, tbl) on each *|
|* half of a block. Plain x86-64 (no pshufb) gets the same algorithm with     *|
|* scalar lookups.                                                            *|
|*                                                                            *|
|* Threads: OpenMP splits the row blocks (or, with many activation rows, the  *|
|* rows) when M * N * K > 2^18.                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemmTernary.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#define QT_AVX2 1
#elif defined(__aarch64__) || (defined(__x86_64__) && defined(__SSSE3__))
#define QT_V16 1
#endif

#if defined(QT_AVX2) && defined(__AVX512VL__)
#define NBLK 4 /* 32 vector registers */
#else
#define NBLK 2
#endif
#define RB 32    /* rows per block */
#define FLUSH 32 /* byte columns (2 terms each) per 16-bit sum */
#define PARALLEL_WORK (1 << 18)

typedef int16_t v16s16 __attribute__((vector_size(32)));
typedef uint8_t v16u8 __attribute__((vector_size(16)));

size_t qcc_rt_ternary_tiled_size(int64_t N, int64_t K) {
  if (N <= 0 || K <= 0)
    return 0;
  return (size_t)((N + RB - 1) / RB) * (size_t)((K + 3) / 4) * RB;
}

int qcc_rt_ternary_tile(int64_t N, int64_t K, const int8_t *t, int64_t ldt,
                        uint8_t *out) {
  if (N <= 0 || K <= 0)
    return 0;
  int64_t K4 = (K + 3) / 4, blocks = (N + RB - 1) / RB;
  memset(out, 0x55, (size_t)(blocks * K4 * RB));
  for (int64_t j = 0; j < N; ++j) {
    uint8_t *dst = out + (j / RB) * K4 * RB + j % RB;
    const int8_t *row = t + j * ldt;
    for (int64_t kb = 0; kb < K4; ++kb) {
      unsigned byte = 0;
      for (int i = 0; i < 4; ++i) {
        int64_t k = 4 * kb + i;
        int v = k < K ? row[k] : 0;
        if (v < -1 || v > 1)
          return -1;
        byte |= (unsigned)(v + 1) << (2 * i);
      }
      dst[kb * RB] = (uint8_t)byte;
    }
  }
  return 0;
}

/*===-- tables ------------------------------------------------------------===*/

/* Entry masks: e & 3 (first weight) and e >> 2 (second) equal to 2 (+1) or
 * 0 (-1). */
#define M(c, v) ((c) == (v) ? -1 : 0)
#define ROW(f, v)                                                              \
  {                                                                            \
    M(f(0), v), M(f(1), v), M(f(2), v), M(f(3), v), M(f(4), v), M(f(5), v),    \
        M(f(6), v), M(f(7), v), M(f(8), v), M(f(9), v), M(f(10), v),           \
        M(f(11), v), M(f(12), v), M(f(13), v), M(f(14), v), M(f(15), v)        \
  }
#define FIRST(e) ((e)&3)
#define SECOND(e) ((e) >> 2)

/* Tables of one activation row: pair p at tab + 32p, 16 low bytes then 16
 * high bytes. xs: x - xZp, zero past K. */
static void build_tables(const int16_t *xs, int64_t pairs, uint8_t *tab) {
  const v16s16 posA = ROW(FIRST, 2), negA = ROW(FIRST, 0);
  const v16s16 posB = ROW(SECOND, 2), negB = ROW(SECOND, 0);
  for (int64_t p = 0; p < pairs; ++p) {
    v16s16 a = (v16s16){0} + xs[2 * p], b = (v16s16){0} + xs[2 * p + 1];
    v16s16 v = (a & posA) + (-a & negA) + (b & posB) + (-b & negB) + 512;
    v16u8 lo = __builtin_convertvector(v & 0xFF, v16u8);
    v16u8 hi = __builtin_convertvector(v >> 8, v16u8);
    memcpy(tab + 32 * p, &lo, 16);
    memcpy(tab + 32 * p + 16, &hi, 16);
  }
}

/*===-- kernels -----------------------------------------------------------===*/

/* Sums S[b*32 + r] (row r of block b, nb <= NBLK blocks from W with stride
 * bs bytes) of the table terms over K4 byte columns. */

#if defined(QT_AVX2)

static inline __attribute__((always_inline)) void
blocks_sum(const uint8_t *W, int64_t bs, const int nb, int64_t K4,
           const uint8_t *tab, uint32_t *S) {
  const __m256i low = _mm256_set1_epi8(0x0F);
  memset(S, 0, sizeof(uint32_t) * RB * nb);
  for (int64_t c0 = 0; c0 < K4; c0 += FLUSH) {
    int64_t c1 = c0 + FLUSH < K4 ? c0 + FLUSH : K4;
    __m256i accA[NBLK], accB[NBLK];
    for (int b = 0; b < nb; ++b)
      accA[b] = accB[b] = _mm256_setzero_si256();
    for (int64_t c = c0; c < c1; ++c) {
      const uint8_t *t = tab + 64 * c;
      const __m256i tl0 =
          _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)t));
      const __m256i th0 = _mm256_broadcastsi128_si256(
          _mm_load_si128((const __m128i *)(t + 16)));
      const __m256i tl1 = _mm256_broadcastsi128_si256(
          _mm_load_si128((const __m128i *)(t + 32)));
      const __m256i th1 = _mm256_broadcastsi128_si256(
          _mm_load_si128((const __m128i *)(t + 48)));
      for (int b = 0; b < nb; ++b) {
        const uint8_t *wp = W + b * bs + RB * c;
        __builtin_prefetch(wp + 1024, 0, 2);
        __m256i w = _mm256_loadu_si256((const __m256i *)wp);
        __m256i i0 = _mm256_and_si256(w, low);
        __m256i i1 = _mm256_and_si256(_mm256_srli_epi16(w, 4), low);
        __m256i l = _mm256_shuffle_epi8(tl0, i0);
        __m256i h = _mm256_shuffle_epi8(th0, i0);
        accA[b] = _mm256_add_epi16(accA[b], _mm256_unpacklo_epi8(l, h));
        accB[b] = _mm256_add_epi16(accB[b], _mm256_unpackhi_epi8(l, h));
        l = _mm256_shuffle_epi8(tl1, i1);
        h = _mm256_shuffle_epi8(th1, i1);
        accA[b] = _mm256_add_epi16(accA[b], _mm256_unpacklo_epi8(l, h));
        accB[b] = _mm256_add_epi16(accB[b], _mm256_unpackhi_epi8(l, h));
      }
    }
    /* accA: rows 0-7 | 16-23, accB: rows 8-15 | 24-31 */
    for (int b = 0; b < nb; ++b) {
      uint32_t *s = S + RB * b;
      const __m128i parts[4] = {_mm256_castsi256_si128(accA[b]),
                                _mm256_castsi256_si128(accB[b]),
                                _mm256_extracti128_si256(accA[b], 1),
                                _mm256_extracti128_si256(accB[b], 1)};
      for (int q = 0; q < 4; ++q) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(s + 8 * q));
        v = _mm256_add_epi32(v, _mm256_cvtepu16_epi32(parts[q]));
        _mm256_storeu_si256((__m256i *)(s + 8 * q), v);
      }
    }
  }
}

#elif defined(QT_V16)

typedef uint16_t v8u16 __attribute__((vector_size(16)));
typedef uint32_t v4u32 __attribute__((vector_size(16)));
typedef uint16_t v4u16 __attribute__((vector_size(8)));

static inline __attribute__((always_inline)) void
blocks_sum(const uint8_t *W, int64_t bs, const int nb, int64_t K4,
           const uint8_t *tab, uint32_t *S) {
  const v16u8 zip1 = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
  const v16u8 zip2 = {8,  24, 9,  25, 10, 26, 11, 27,
                      12, 28, 13, 29, 14, 30, 15, 31};
  memset(S, 0, sizeof(uint32_t) * RB * nb);
  for (int64_t c0 = 0; c0 < K4; c0 += FLUSH) {
    int64_t c1 = c0 + FLUSH < K4 ? c0 + FLUSH : K4;
    /* [block][quarter]: rows 0-7, 8-15, 16-23, 24-31 */
    v8u16 acc[NBLK][4];
    memset(acc, 0, sizeof(acc));
    for (int64_t c = c0; c < c1; ++c) {
      const uint8_t *t = tab + 64 * c;
      v16u8 tl0, th0, tl1, th1;
      memcpy(&tl0, t, 16);
      memcpy(&th0, t + 16, 16);
      memcpy(&tl1, t + 32, 16);
      memcpy(&th1, t + 48, 16);
      for (int b = 0; b < nb; ++b) {
        const uint8_t *wp = W + b * bs + RB * c;
        __builtin_prefetch(wp + 1024, 0, 2);
        for (int half = 0; half < 2; ++half) {
          v16u8 w;
          memcpy(&w, wp + 16 * half, 16);
          v16u8 i0 = w & 0x0F, i1 = w >> 4;
          v16u8 l = __builtin_shuffle(tl0, i0), h = __builtin_shuffle(th0, i0);
          acc[b][2 * half] += (v8u16)__builtin_shuffle(l, h, zip1);
          acc[b][2 * half + 1] += (v8u16)__builtin_shuffle(l, h, zip2);
          l = __builtin_shuffle(tl1, i1), h = __builtin_shuffle(th1, i1);
          acc[b][2 * half] += (v8u16)__builtin_shuffle(l, h, zip1);
          acc[b][2 * half + 1] += (v8u16)__builtin_shuffle(l, h, zip2);
        }
      }
    }
    for (int b = 0; b < nb; ++b)
      for (int q = 0; q < 4; ++q)
        for (int e = 0; e < 8; ++e)
          S[RB * b + 8 * q + e] += acc[b][q][e];
  }
}

#else

static void blocks_sum(const uint8_t *W, int64_t bs, const int nb, int64_t K4,
                       const uint8_t *tab, uint32_t *S) {
  memset(S, 0, sizeof(uint32_t) * RB * nb);
  for (int b = 0; b < nb; ++b)
    for (int64_t c = 0; c < K4; ++c) {
      const uint8_t *t = tab + 64 * c, *wp = W + b * bs + RB * c;
      for (int r = 0; r < RB; ++r) {
        unsigned i0 = wp[r] & 15, i1 = wp[r] >> 4;
        S[RB * b + r] +=
            t[i0] + 256u * t[16 + i0] + t[32 + i1] + 256u * t[48 + i1];
      }
    }
}

#endif

/* One activation row against all row blocks in [blk0, blk1). */
static void row_blocks(const uint8_t *W, int64_t K4, const uint8_t *tab,
                       int64_t N, int64_t blk0, int64_t blk1, int32_t *Crow,
                       int64_t csC) {
  const int64_t bs = K4 * RB;
  const uint32_t bias = (uint32_t)(512 * 2 * K4);
  uint32_t S[RB * NBLK];
  for (int64_t b = blk0; b < blk1; b += NBLK) {
    int nb = blk1 - b < NBLK ? (int)(blk1 - b) : NBLK;
    const uint8_t *Wb = W + b * bs;
    if (nb == NBLK)
      blocks_sum(Wb, bs, NBLK, K4, tab, S);
    else
      for (int q = 0; q < nb; ++q)
        blocks_sum(Wb + q * bs, bs, 1, K4, tab, S + RB * q);
    for (int r = 0; r < RB * nb; ++r) {
      int64_t j = b * RB + r;
      if (j < N)
        Crow[j * csC] = (int32_t)(S[r] - bias);
    }
  }
}

/* Activation row i as x - xZp in int16, zero up to 4*K4. */
static void load_row(const void *X, int64_t ldx, int64_t i, int64_t K,
                     int64_t K4, int64_t xSigned, int64_t xZp, int16_t *xs) {
  if (xSigned) {
    const int8_t *x = (const int8_t *)X + i * ldx;
    for (int64_t k = 0; k < K; ++k)
      xs[k] = (int16_t)(x[k] - xZp);
  } else {
    const uint8_t *x = (const uint8_t *)X + i * ldx;
    for (int64_t k = 0; k < K; ++k)
      xs[k] = (int16_t)(x[k] - xZp);
  }
  for (int64_t k = K; k < 4 * K4; ++k)
    xs[k] = 0;
}

void qcc_rt_qgemm_ternary(int64_t M, int64_t N, int64_t K, const void *X,
                          int64_t ldx, int64_t xSigned, int64_t xZp,
                          const uint8_t *W, int32_t *C, int64_t rsC,
                          int64_t csC) {
  if (M <= 0 || N <= 0)
    return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * rsC + j * csC] = 0;
    return;
  }
  const int64_t K4 = (K + 3) / 4, pairs = 2 * K4;
  const int64_t blocks = (N + RB - 1) / RB;
  const size_t tabBytes = (size_t)pairs * 32, xsBytes = (size_t)(4 * K4) * 2;
  int parallel = (double)M * N * K > PARALLEL_WORK;
  int threads = 1;
#ifdef _OPENMP
  if (parallel)
    threads = omp_get_max_threads();
#endif
  if (M >= 2 * threads || threads == 1) {
    /* rows of X split over the threads, each with its own tables */
#pragma omp parallel if (parallel && threads > 1)
    {
      uint8_t *tab = (uint8_t *)aligned_alloc(64, (tabBytes + 63) / 64 * 64);
      int16_t *xs = (int16_t *)malloc(xsBytes);
#pragma omp for schedule(static)
      for (int64_t i = 0; i < M; ++i) {
        load_row(X, ldx, i, K, K4, xSigned, xZp, xs);
        build_tables(xs, pairs, tab);
        row_blocks(W, K4, tab, N, 0, blocks, C + i * rsC, csC);
      }
      free(xs);
      free(tab);
    }
    return;
  }
  /* few rows: tables built once per row, row blocks split */
  uint8_t *tab = (uint8_t *)aligned_alloc(64, (tabBytes + 63) / 64 * 64);
  int16_t *xs = (int16_t *)malloc(xsBytes);
  const int64_t units = (blocks + NBLK - 1) / NBLK;
  for (int64_t i = 0; i < M; ++i) {
    load_row(X, ldx, i, K, K4, xSigned, xZp, xs);
    build_tables(xs, pairs, tab);
#pragma omp parallel for schedule(static)
    for (int64_t u = 0; u < units; ++u) {
      int64_t b1 = (u + 1) * NBLK < blocks ? (u + 1) * NBLK : blocks;
      row_blocks(W, K4, tab, N, u * NBLK, b1, C + i * rsC, csC);
    }
  }
  free(xs);
  free(tab);
}
