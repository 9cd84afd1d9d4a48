/*===- QGemmSparse24.c - the 2:4 sparse int8 GEMM generated code calls ---===*\
|*                                                                            *|
|* qcc_rt_qgemm_sparse24 (see QGemm.h): W keeps 2 of every 4 consecutive      *|
|* reduction elements, stored as the kept int8 values plus two 2-bit          *|
|* positions per group. The kernels do only the kept multiply-adds; what      *|
|* they spend instead is selecting, per output column, the activations the    *|
|* kept values meet. Where that selection runs decides the speed, so each     *|
|* instruction set puts it where the multiplier is not:                       *|
|*                                                                            *|
|*   AVX-512 VNNI / AVX-VNNI   column lanes (as the dense kernel): a row's 8  *|
|*                             bytes of two groups are broadcast, vpshufb     *|
|*                             picks each lane's 2 + 2 kept positions (the    *|
|*                             control is packed with W), one vpdpbusd does   *|
|*                             the 4 products: one shuffle (port 5) and one   *|
|*                             vpdpbusd (port 0) per 8 k-steps, where the     *|
|*                             dense kernel issues two vpdpbusd.              *|
|*   AVX2 / AVX-512BW          row lanes: the selection moves into packing.   *|
|*                             An X sliver of 32 rows is stored, per group,   *|
|*                             as all 6 possible (a, b) position pairs of     *|
|*                             int16 (x - zp) values; a W unit is its 2 kept  *|
|*                             values as an int16 pair plus the offset of     *|
|*                             its pair's block. The kernel broadcasts the    *|
|*                             pair and does vpmaddwd on 4 vectors loaded at  *|
|*                             that offset: 2 vector ops per group and 8 rows *|
|*                             (the dense int16 kernel: 4 per 4 k-steps), no  *|
|*                             shuffle at all; loads are the limit.           *|
|*   few rows (GEMV), AVX2     W read in place: per 8 groups, vpshufb with a  *|
|*                             control looked up from the index bytes picks   *|
|*                             the kept int16 activations out of a            *|
|*                             pre-arranged copy of the row; W moves 5/8 of   *|
|*                             the dense bytes.                               *|
|*   anything else (AArch64)   portable C                                     *|
|*                                                                            *|
|* Zero points: the int16 paths subtract X's at packing; the VNNI path flips  *|
|* int8 X to uint8 and subtracts xz * (sum of column j's kept values) when it *|
|* stores. W's zero point is 0 by contract. All sums are mod 2^32.            *|
|*                                                                            *|
|* QCC_SPARSE24_EMULATE_VNNI (tests only) builds the column-lane path on      *|
|* AVX2 with vpdpbusd written as exact int16 arithmetic, so that its packing  *|
|* and selection are checked on CPUs without VNNI.                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#ifndef QCC_SPARSE24_ENTRY
#define QCC_SPARSE24_ENTRY qcc_rt_qgemm_sparse24
#endif

/* Products above this many (kept) multiply-adds run on all threads. */
#define PARALLEL_MACS (1 << 20)
/* At most this many rows take the in-place (GEMV) path. */
#define DIRECT_M 8

typedef uint32_t u32;

typedef struct Problem {
  int64_t M, N, K, G; /* G = K / 4 groups */
  const uint8_t *X;
  int64_t ldx, xZp;
  int xSigned;
  const int8_t *Wv;
  const uint8_t *Wi;
  int64_t ldv, ldi;
  int32_t *C;
  int64_t rsC, csC;
} Problem;

/* Position t (0 or 1) of group g of an index row. */
static inline int idxAt(const uint8_t *wi, int64_t g, int t) {
  return (wi[g >> 1] >> ((g & 1) * 4 + 2 * t)) & 3;
}

static inline int32_t xAt(const Problem *p, int64_t i, int64_t k) {
  uint8_t b = p->X[i * p->ldx + k];
  return p->xSigned ? (int8_t)b : b;
}

/* The definition, for what no fast path takes (and out of memory). */
static void naiveBlock(const Problem *p, int64_t i0, int64_t i1, int64_t j0,
                       int64_t j1) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      const int8_t *v = p->Wv + j * p->ldv;
      const uint8_t *wi = p->Wi + j * p->ldi;
      u32 s = 0;
      for (int64_t g = 0; g < p->G; ++g)
        for (int t = 0; t < 2; ++t)
          s += (u32)((int64_t)(xAt(p, i, 4 * g + idxAt(wi, g, t)) - p->xZp) *
                     v[2 * g + t]);
      p->C[i * p->rsC + j * p->csC] = (int32_t)s;
    }
}

static inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Whether x - xZp fits int16 for every x of X's type. */
static int zpFitsInt16(const Problem *p) {
  int64_t lo = p->xSigned ? -128 : 0, hi = p->xSigned ? 127 : 255;
  return p->xZp >= hi - 32767 && p->xZp <= lo + 32768;
}

/*===----------------------------------------------------------------------===*
 * Column lanes (VNNI): vpshufb selection + vpdpbusd
 *===----------------------------------------------------------------------===*/

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define CL_VT __m512i
#define CL_VL 16
#define CL_MR 8
#define CL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define CL_ZERO _mm512_setzero_si512
#define CL_LOAD(p) _mm512_load_si512((const void *)(p))
#define CL_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define CL_SET1_64 _mm512_set1_epi64
#define CL_SHUF _mm512_shuffle_epi8
#define CL_DOT(acc, u, s) _mm512_dpbusd_epi32(acc, u, s)
#define HAVE_COLUMN_LANES 1
#elif defined(__AVXVNNI__) ||                                                  \
    (defined(__AVX512VNNI__) && defined(__AVX512VL__)) ||                      \
    (defined(QCC_SPARSE24_EMULATE_VNNI) && defined(__AVX2__))
#define CL_VT __m256i
#define CL_VL 8
#define CL_MR 4
#define CL_ROWS(X) X(0) X(1) X(2) X(3)
#define CL_ZERO _mm256_setzero_si256
#define CL_LOAD(p) _mm256_load_si256((const __m256i *)(p))
#define CL_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define CL_SET1_64 _mm256_set1_epi64x
#define CL_SHUF _mm256_shuffle_epi8
#if defined(QCC_SPARSE24_EMULATE_VNNI)
/* vpdpbusd, exactly: uint8 u by int8 s, 4 products per int32 lane. */
static inline __m256i dpbusdEmu(__m256i acc, __m256i u, __m256i s) {
  __m256i lo8 = _mm256_set1_epi16(0x00FF);
  __m256i uLo = _mm256_and_si256(u, lo8), uHi = _mm256_srli_epi16(u, 8);
  __m256i sLo = _mm256_srai_epi16(_mm256_slli_epi16(s, 8), 8);
  __m256i sHi = _mm256_srai_epi16(s, 8);
  return _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_madd_epi16(uLo, sLo),
                                                _mm256_madd_epi16(uHi, sHi)));
}
#define CL_DOT(acc, u, s) dpbusdEmu(acc, u, s)
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define CL_DOT(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#else
#define CL_DOT(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
#endif
#define HAVE_COLUMN_LANES 1
#endif

#if defined(HAVE_COLUMN_LANES)
#define CL_NR (2 * CL_VL)
#define CL_KC 512 /* k-steps per block (a multiple of 8) */
/* A packed W step (8 k-steps, 2 groups) of a panel: values of the two
 * vectors, then their shuffle controls, CL_VL * 4 bytes each. */
#define CL_STEP_BYTES (4 * CL_VL * 4)

/* tile[r * CL_NR + c] = sum over `steps` of the kept products; `a` is a
 * sliver of CL_MR rows of 8 * steps uint8 bytes. */
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))
#endif
static void
kernelColumnLanes(int64_t steps, const uint8_t *a, const uint8_t *b,
                  int32_t *tile) {
  int64_t rs = 8 * steps;
#define CL_DECL(r) CL_VT c##r##0 = CL_ZERO(), c##r##1 = CL_ZERO();
#define CL_ROW(r)                                                              \
  {                                                                            \
    int64_t x;                                                                 \
    memcpy(&x, a + r * rs, 8);                                                 \
    CL_VT xb = CL_SET1_64(x);                                                  \
    c##r##0 = CL_DOT(c##r##0, CL_SHUF(xb, s0), w0);                            \
    c##r##1 = CL_DOT(c##r##1, CL_SHUF(xb, s1), w1);                            \
  }
#define CL_OUT(r)                                                              \
  CL_STORE(tile + 2 * r * CL_VL, c##r##0);                                     \
  CL_STORE(tile + (2 * r + 1) * CL_VL, c##r##1);
  CL_ROWS(CL_DECL)
  for (int64_t s = 0; s < steps; ++s) {
    CL_VT w0 = CL_LOAD(b), w1 = CL_LOAD(b + 4 * CL_VL);
    CL_VT s0 = CL_LOAD(b + 8 * CL_VL), s1 = CL_LOAD(b + 12 * CL_VL);
    CL_ROWS(CL_ROW)
    a += 8;
    b += CL_STEP_BYTES;
  }
  CL_ROWS(CL_OUT)
}

/* Packs panel `q` (columns [q * CL_NR, +CL_NR), missing ones zero) over all
 * K: step s at dst + s * CL_STEP_BYTES. Lane c of step s: values
 * (a0, a1, b0, b1) of groups 2s and 2s + 1, control (ia0, ia1, 4 + ib0,
 * 4 + ib1) into the 8 broadcast bytes. A missing group is zero. */
static void packWColumnLanes(const Problem *p, int64_t q, uint8_t *dst) {
  int64_t steps = ceilDiv(p->G, 2);
  for (int64_t s = 0; s < steps; ++s) {
    uint8_t *d = dst + s * CL_STEP_BYTES;
    for (int c = 0; c < CL_NR; ++c) {
      int64_t j = q * CL_NR + c;
      uint8_t *val = d + (c / CL_VL) * 4 * CL_VL + (c % CL_VL) * 4;
      uint8_t *ctl = val + 8 * CL_VL;
      for (int h = 0; h < 2; ++h) {
        int64_t g = 2 * s + h;
        int ok = j < p->N && g < p->G;
        for (int t = 0; t < 2; ++t) {
          val[2 * h + t] = ok ? (uint8_t)p->Wv[j * p->ldv + 2 * g + t] : 0;
          ctl[2 * h + t] =
              (uint8_t)(4 * h + (ok ? idxAt(p->Wi + j * p->ldi, g, t) : t));
        }
      }
    }
  }
}

/* A sliver of rows [i, i + h) over k-steps [k0, k0 + kc), as uint8 (int8 X
 * flipped by 0x80), each row padded with zeros to a multiple of 8. */
static void packXBytes(const Problem *p, int64_t i, int64_t h, int64_t k0,
                       int64_t kc, uint8_t *dst) {
  int64_t kp = ceilDiv(kc, 8) * 8;
  uint8_t m = p->xSigned ? 0x80 : 0;
  for (int64_t r = 0; r < CL_MR; ++r) {
    uint8_t *d = dst + r * kp;
    int64_t n = r < h ? kc : 0;
    const uint8_t *s = p->X + (i + r) * p->ldx + k0;
    for (int64_t k = 0; k < n; ++k)
      d[k] = s[k] ^ m;
    memset(d + n, 0, kp - n);
  }
}

/* Returns 0 (nothing written) when out of memory. */
static int pathColumnLanes(const Problem *p, int threads) {
  int64_t M = p->M, N = p->N, K = p->K;
  int64_t panels = ceilDiv(N, CL_NR), steps = ceilDiv(p->G, 2);
  int64_t panelBytes = steps * CL_STEP_BYTES;
  uint8_t *w = (uint8_t *)aligned_alloc(64, panels * panelBytes);
  u32 *bias = (u32 *)malloc(N * sizeof(u32));
  if (!w || !bias) {
    free(w);
    free(bias);
    return 0;
  }
  /* uint8 X's zero point; the kernel's sum of u * w less xz * sum w. */
  u32 xz = (u32)p->xZp + (p->xSigned ? 128u : 0u);
  int64_t slivers = ceilDiv(M, CL_MR);
  (void)threads;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static)
    for (int64_t q = 0; q < panels; ++q)
      packWColumnLanes(p, q, w + q * panelBytes);
#pragma omp for schedule(static)
    for (int64_t j = 0; j < N; ++j) {
      u32 s = 0;
      for (int64_t e = 0; e < 2 * p->G; ++e)
        s += (u32)(int32_t)p->Wv[j * p->ldv + e];
      bias[j] = -xz * s;
    }
    uint8_t *xs = (uint8_t *)aligned_alloc(64, CL_MR * CL_KC);
    int32_t *tile = (int32_t *)aligned_alloc(64, CL_MR * CL_NR * 4);
#pragma omp for schedule(static)
    for (int64_t sl = 0; sl < slivers; ++sl) {
      int64_t i = sl * CL_MR, h = M - i < CL_MR ? M - i : CL_MR;
      if (!xs || !tile) {
        naiveBlock(p, i, i + h, 0, N);
        continue;
      }
      for (int64_t k0 = 0; k0 < K; k0 += CL_KC) {
        int64_t kc = K - k0 < CL_KC ? K - k0 : CL_KC;
        int64_t st = ceilDiv(kc, 8), last = k0 + kc == K;
        packXBytes(p, i, h, k0, kc, xs);
        for (int64_t q = 0; q < panels; ++q) {
          kernelColumnLanes(
              st, xs, w + q * panelBytes + (k0 / 8) * CL_STEP_BYTES, tile);
          int64_t j0 = q * CL_NR, wd = N - j0 < CL_NR ? N - j0 : CL_NR;
          for (int64_t r = 0; r < h; ++r)
            for (int64_t c = 0; c < wd; ++c) {
              u32 v = (u32)tile[r * CL_NR + c] + (last ? bias[j0 + c] : 0);
              u32 *o = (u32 *)p->C + (i + r) * p->rsC + (j0 + c) * p->csC;
              *o = k0 ? *o + v : v;
            }
        }
      }
    }
    free(xs);
    free(tile);
  }
  free(w);
  free(bias);
  return 1;
}
#endif /* HAVE_COLUMN_LANES */

/*===----------------------------------------------------------------------===*
 * Row lanes (AVX2): pre-arranged activation pairs + vpmaddwd
 *===----------------------------------------------------------------------===*/

#if defined(__AVX2__) && !defined(HAVE_COLUMN_LANES)
#define HAVE_ROW_LANES 1
#define RL_MR 32 /* rows per sliver: 4 vectors of 8 int32 lanes */
#define RL_NR 3  /* columns per panel */
#ifndef RL_KC
#define RL_KC 128
#endif
#define RL_PAIRS 6
/* Bytes of one group of a packed sliver: 6 pair blocks of RL_MR int32. */
#define RL_GROUP_BYTES (RL_PAIRS * RL_MR * 4)

/* The 6 position pairs (a < b) and the block each (a, b) reads. */
static const uint8_t pairA[RL_PAIRS] = {0, 0, 0, 1, 1, 2};
static const uint8_t pairB[RL_PAIRS] = {1, 2, 3, 2, 3, 3};
static const int8_t pairOf[4][4] = {
    {-1, 0, 1, 2}, {0, -1, 3, 4}, {1, 3, -1, 5}, {2, 4, 5, -1}};

/* One W unit: the kept values as an int16 pair and the byte offset of the
 * pair block they meet within a packed group. */
typedef struct RowUnit {
  int32_t pair;
  int32_t off;
} RowUnit;

#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noipa))
#endif
static void
kernelRowLanes(int64_t groups, const uint8_t *xp, const RowUnit *wp,
               int32_t *tile) {
#define RL_LD(o) _mm256_load_si256((const __m256i *)(tile + o))
#define RL_DECL(c)                                                             \
  __m256i a##c##0 = RL_LD(c * RL_MR), a##c##1 = RL_LD(c * RL_MR + 8),          \
          a##c##2 = RL_LD(c * RL_MR + 16), a##c##3 = RL_LD(c * RL_MR + 24);
#define RL_COL(c)                                                              \
  {                                                                            \
    __m256i wv = _mm256_set1_epi32(wp[c].pair);                                \
    const __m256i *x = (const __m256i *)(xp + wp[c].off);                      \
    a##c##0 = _mm256_add_epi32(a##c##0,                                        \
                               _mm256_madd_epi16(wv, _mm256_load_si256(x)));   \
    a##c##1 = _mm256_add_epi32(                                                \
        a##c##1, _mm256_madd_epi16(wv, _mm256_load_si256(x + 1)));             \
    a##c##2 = _mm256_add_epi32(                                                \
        a##c##2, _mm256_madd_epi16(wv, _mm256_load_si256(x + 2)));             \
    a##c##3 = _mm256_add_epi32(                                                \
        a##c##3, _mm256_madd_epi16(wv, _mm256_load_si256(x + 3)));             \
  }
#define RL_OUT(c)                                                              \
  _mm256_store_si256((__m256i *)(tile + c * RL_MR), a##c##0);                  \
  _mm256_store_si256((__m256i *)(tile + c * RL_MR + 8), a##c##1);              \
  _mm256_store_si256((__m256i *)(tile + c * RL_MR + 16), a##c##2);             \
  _mm256_store_si256((__m256i *)(tile + c * RL_MR + 24), a##c##3);
  RL_DECL(0) RL_DECL(1) RL_DECL(2) for (int64_t g = 0; g < groups; ++g) {
    RL_COL(0) RL_COL(1) RL_COL(2) xp += RL_GROUP_BYTES;
    wp += RL_NR;
  }
  RL_OUT(0) RL_OUT(1) RL_OUT(2)
}

/* Per index nibble: the pair block it reads (byte offset within a packed
 * group) and whether its two values meet that pair swapped. A nibble with
 * p0 = p1 (not produced by qcc) reads (p0, p0 + 1 or p0 - 1) with the
 * second value on p0 too, so every nibble stays exact. */
static int32_t nibbleOff[16];
static uint8_t nibbleSwap[16], nibbleSame[16];
static void initNibbles(void) {
  for (int m = 0; m < 16; ++m) {
    int a = m & 3, b = m >> 2;
    nibbleSame[m] = a == b;
    if (a == b)
      b = a == 3 ? 2 : a + 1;
    nibbleSwap[m] = a > b;
    int lo = a < b ? a : b, hi = a < b ? b : a;
    nibbleOff[m] = pairOf[lo][hi] * RL_MR * 4;
  }
}

/* Packs panel q's units over all groups: unit (g, c) at dst[g * RL_NR + c];
 * missing columns are zero. */
static void packWRowLanes(const Problem *p, int64_t q, RowUnit *dst) {
  for (int c = 0; c < RL_NR; ++c) {
    int64_t j = q * RL_NR + c;
    if (j >= p->N) {
      for (int64_t g = 0; g < p->G; ++g)
        dst[g * RL_NR + c] = (RowUnit){0, 0};
      continue;
    }
    const int8_t *v = p->Wv + j * p->ldv;
    const uint8_t *wi = p->Wi + j * p->ldi;
    for (int64_t g = 0; g < p->G; ++g) {
      int m = (wi[g >> 1] >> ((g & 1) * 4)) & 15;
      int16_t va = v[2 * g], vb = v[2 * g + 1];
      if (nibbleSame[m])
        va = (int16_t)(va + vb), vb = 0;
      if (nibbleSwap[m]) {
        int16_t t = va;
        va = vb, vb = t;
      }
      dst[g * RL_NR + c] = (RowUnit){
          (int32_t)((u32)(uint16_t)va | (u32)(uint16_t)vb << 16), nibbleOff[m]};
    }
  }
}

/* Packs rows [i, i + h) over groups [g0, g0 + groups): int32 element
 * (g, pair, r) holds (x[r][4g + a] - zp, x[r][4g + b] - zp) as int16;
 * missing rows are zero. Eight rows at a time go through registers: the
 * 4 bytes of a group of 8 rows form one vector, from which each pair is
 * one byte shuffle, one widening and one subtraction. */
static void packXRowLanes(const Problem *p, int64_t i, int64_t h, int64_t g0,
                          int64_t groups, uint8_t *dst) {
  const __m256i zp = _mm256_set1_epi16((int16_t)p->xZp);
  /* shuffle controls: lane bytes (a, -, b, -) from the dword's 4 bytes */
  __m256i sel[RL_PAIRS];
  for (int c = 0; c < RL_PAIRS; ++c) {
    uint32_t w = (uint32_t)pairA[c] | 0x80u << 8 | (uint32_t)pairB[c] << 16 |
                 0x80u << 24;
    __m256i base = _mm256_set1_epi32((int32_t)w);
    __m256i lane = _mm256_setr_epi32(0, 4, 8, 12, 0, 4, 8, 12);
    /* byte index + 4 * (dword within 128-bit lane), keeping the 0x80s */
    lane = _mm256_and_si256(
        _mm256_mullo_epi32(lane, _mm256_set1_epi32(0x00010001)),
        _mm256_set1_epi32(0x00FF00FF));
    sel[c] = _mm256_or_si256(base, lane);
  }
  for (int64_t r0 = 0; r0 < RL_MR; r0 += 8) {
    const uint8_t *rows[8];
    for (int r = 0; r < 8; ++r)
      rows[r] = p->X + (i + (r0 + r < h ? r0 + r : 0)) * p->ldx;
    /* rows past h are zero */
    __m256i liveMask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(h - r0)),
                           _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int64_t g = 0; g < groups; ++g) {
      int64_t k = 4 * (g0 + g);
      int32_t v[8];
      for (int r = 0; r < 8; ++r) {
        int32_t t;
        memcpy(&t, rows[r] + k, 4);
        v[r] = t;
      }
      __m256i bytes = _mm256_loadu_si256((const __m256i *)v);
      uint8_t *d = dst + g * RL_GROUP_BYTES + r0 * 4;
      for (int c = 0; c < RL_PAIRS; ++c) {
        __m256i s = _mm256_shuffle_epi8(bytes, sel[c]);
        if (p->xSigned) /* sign-extend the low byte of each int16 */
          s = _mm256_srai_epi16(_mm256_slli_epi16(s, 8), 8);
        s = _mm256_and_si256(_mm256_sub_epi16(s, zp), liveMask);
        _mm256_store_si256((__m256i *)(d + c * RL_MR * 4), s);
      }
    }
  }
}

/* Returns 0 (nothing written) when out of memory. */
static int pathRowLanes(const Problem *p, int threads) {
  int64_t M = p->M, N = p->N, G = p->G;
  int64_t panels = ceilDiv(N, RL_NR), slivers = ceilDiv(M, RL_MR);
  RowUnit *w = (RowUnit *)malloc(panels * G * RL_NR * sizeof(RowUnit));
  if (!w)
    return 0;
  (void)threads;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static)
    for (int64_t q = 0; q < panels; ++q)
      packWRowLanes(p, q, w + q * G * RL_NR);
    /* The sliver's results over all columns, [column][row], so that the
     * k-blocks accumulate in contiguous memory and C is written once. */
    uint8_t *xs =
        (uint8_t *)aligned_alloc(64, (RL_KC / 4) * (size_t)RL_GROUP_BYTES);
    int32_t *acc =
        (int32_t *)aligned_alloc(64, (size_t)panels * RL_NR * RL_MR * 4);
#pragma omp for schedule(static)
    for (int64_t sl = 0; sl < slivers; ++sl) {
      int64_t i = sl * RL_MR, h = M - i < RL_MR ? M - i : RL_MR;
      if (!xs || !acc) {
        naiveBlock(p, i, i + h, 0, N);
        continue;
      }
      memset(acc, 0, (size_t)panels * RL_NR * RL_MR * 4);
      for (int64_t g0 = 0; g0 < G; g0 += RL_KC / 4) {
        int64_t gc = G - g0 < RL_KC / 4 ? G - g0 : RL_KC / 4;
        packXRowLanes(p, i, h, g0, gc, xs);
        for (int64_t q = 0; q < panels; ++q)
          kernelRowLanes(gc, xs, w + (q * G + g0) * RL_NR,
                         acc + q * RL_NR * RL_MR);
      }
      if (p->rsC == 1) {
        for (int64_t j = 0; j < N; ++j)
          memcpy(p->C + i + j * p->csC, acc + j * RL_MR, h * 4);
      } else {
        for (int64_t r = 0; r < h; ++r) {
          int32_t *o = p->C + (i + r) * p->rsC;
          for (int64_t j = 0; j < N; ++j)
            o[j * p->csC] = acc[j * RL_MR + r];
        }
      }
    }
    free(xs);
    free(acc);
  }
  free(w);
  return 1;
}
#endif /* row lanes */

/*===----------------------------------------------------------------------===*
 * Few rows: W read in place
 *===----------------------------------------------------------------------===*/

#if defined(__AVX2__)
/* selectCtl[m]: vpshufb control bytes that take, from the 16 bytes of two
 * groups of int16 activations, the kept int16 values of index byte m (low
 * nibble: the first group, into bytes 0-3; high nibble: the second, from
 * bytes 8-15, into bytes 4-7). */
static uint64_t selectCtl[256];
static void initSelectCtl(void) {
  for (int m = 0; m < 256; ++m) {
    uint64_t c = 0;
    for (int h = 0; h < 2; ++h)
      for (int t = 0; t < 2; ++t) {
        int idx = (m >> (4 * h + 2 * t)) & 3;
        int byte = 8 * h + 2 * idx;
        c |= (uint64_t)byte << (8 * (4 * h + 2 * t));
        c |= (uint64_t)(byte + 1) << (8 * (4 * h + 2 * t + 1));
      }
    selectCtl[m] = c;
  }
}

/* A row of X as int16 (x - zp), arranged per block of 8 groups as two
 * vectors, A = (groups 0, 1 | 4, 5) and B = (2, 3 | 6, 7), so that one
 * shuffle of each with the same control and a dword blend give the 8
 * groups' kept values in order; then the leftover groups, plainly. */
static void arrangeRow(const Problem *p, int64_t i, int16_t *dst) {
  int64_t blocks = p->G / 8;
  for (int64_t b = 0; b < blocks; ++b)
    for (int g = 0; g < 8; ++g) {
      static const int slot[8] = {0, 1, 4, 5, 2, 3, 6, 7};
      for (int e = 0; e < 4; ++e)
        dst[b * 32 + slot[g] * 4 + e] =
            (int16_t)(xAt(p, i, 32 * b + 4 * g + e) - p->xZp);
    }
  for (int64_t k = 32 * blocks; k < p->K; ++k)
    dst[k] = (int16_t)(xAt(p, i, k) - p->xZp);
}

static inline int32_t hsum(__m256i v) {
  __m128i s =
      _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

/* Returns 0 (nothing written) when out of memory or when the zero point
 * does not fit the int16 form. */
static int directPath(const Problem *p, int threads) {
  if (!zpFitsInt16(p))
    return 0;
  int64_t M = p->M, N = p->N, G = p->G, blocks = G / 8;
  /* int16 elements per arranged row: whole 32-byte vectors */
  int64_t rowLen = ceilDiv(p->K, 16) * 16;
  int16_t *xa = (int16_t *)aligned_alloc(64, ceilDiv(M * rowLen * 2, 64) * 64);
  if (!xa)
    return 0;
  for (int64_t i = 0; i < M; ++i)
    arrangeRow(p, i, xa + i * rowLen);
  (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t j = 0; j < N; ++j) {
    const int8_t *v = p->Wv + j * p->ldv;
    const uint8_t *wi = p->Wi + j * p->ldi;
    for (int64_t i0 = 0; i0 < M; i0 += 4) {
      int64_t rows = M - i0 < 4 ? M - i0 : 4;
      const int16_t *x0 = xa + i0 * rowLen;
      __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),
                        _mm256_setzero_si256(), _mm256_setzero_si256()};
      for (int64_t b = 0; b < blocks; ++b) {
        uint32_t m;
        memcpy(&m, wi + 4 * b, 4);
        __m256i ctl = _mm256_setr_epi64x((long long)selectCtl[m & 255],
                                         (long long)selectCtl[(m >> 8) & 255],
                                         (long long)selectCtl[(m >> 16) & 255],
                                         (long long)selectCtl[m >> 24]);
        __m256i wv = _mm256_cvtepi8_epi16(
            _mm_loadu_si128((const __m128i *)(v + 16 * b)));
        for (int64_t r = 0; r < rows; ++r) {
          const __m256i *xb = (const __m256i *)(x0 + r * rowLen + 32 * b);
          __m256i s = _mm256_blend_epi32(
              _mm256_shuffle_epi8(_mm256_load_si256(xb), ctl),
              _mm256_shuffle_epi8(_mm256_load_si256(xb + 1), ctl), 0xCC);
          acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(s, wv));
        }
      }
      for (int64_t r = 0; r < rows; ++r) {
        u32 s = (u32)hsum(acc[r]);
        const int16_t *xr = x0 + r * rowLen;
        for (int64_t g = 8 * blocks; g < G; ++g)
          for (int t = 0; t < 2; ++t)
            s += (u32)((int32_t)xr[4 * g + idxAt(wi, g, t)] * v[2 * g + t]);
        p->C[(i0 + r) * p->rsC + j * p->csC] = (int32_t)s;
      }
    }
  }
  free(xa);
  return 1;
}
#endif

/*===----------------------------------------------------------------------===*
 * Portable path
 *===----------------------------------------------------------------------===*/

/* Per output column, the kept products of int16 rows (x - zp), four rows
 * at a time. Used where no vector path exists (AArch64 today). */
static int portablePath(const Problem *p, int threads) {
  if (!zpFitsInt16(p))
    return 0;
  int64_t M = p->M, N = p->N, K = p->K, G = p->G;
  int16_t *xs = (int16_t *)malloc(M * K * 2);
  if (!xs)
    return 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k)
      xs[i * K + k] = (int16_t)(xAt(p, i, k) - p->xZp);
  (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t j = 0; j < N; ++j) {
    const int8_t *v = p->Wv + j * p->ldv;
    const uint8_t *wi = p->Wi + j * p->ldi;
    for (int64_t i0 = 0; i0 < M; i0 += 4) {
      int64_t rows = M - i0 < 4 ? M - i0 : 4;
      u32 s[4] = {0, 0, 0, 0};
      for (int64_t g = 0; g < G; ++g) {
        int a = idxAt(wi, g, 0), b = idxAt(wi, g, 1);
        int32_t va = v[2 * g], vb = v[2 * g + 1];
        for (int64_t r = 0; r < rows; ++r) {
          const int16_t *x = xs + (i0 + r) * K + 4 * g;
          s[r] += (u32)(x[a] * va + x[b] * vb);
        }
      }
      for (int64_t r = 0; r < rows; ++r)
        p->C[(i0 + r) * p->rsC + j * p->csC] = (int32_t)s[r];
    }
  }
  free(xs);
  return 1;
}

/*===----------------------------------------------------------------------===*
 * Entry point
 *===----------------------------------------------------------------------===*/

__attribute__((visibility("hidden"))) void
QCC_SPARSE24_ENTRY(int64_t M, int64_t N, int64_t K, const void *X, int64_t ldx,
                   int64_t xSigned, int64_t xZp, const int8_t *Wv, int64_t ldv,
                   const uint8_t *Wi, int64_t ldi, int32_t *C, int64_t rsC,
                   int64_t csC) {
  if (M <= 0 || N <= 0)
    return;
  Problem p = {M,
               N,
               K,
               K / 4,
               (const uint8_t *)X,
               ldx,
               xZp,
               xSigned != 0,
               Wv,
               Wi,
               ldv,
               ldi,
               C,
               rsC,
               csC};
  if (K < 4 || K % 4) { /* outside the contract: K = 0 gives zeros */
    p.G = K / 4;
    naiveBlock(&p, 0, M, 0, N);
    return;
  }
  /* Tables built on first use, not by a load-time constructor: the
   * library's CPU check must run before any code of its ISA level does.
   * Racing first calls write the same values. */
  static int tablesReady;
  if (!__atomic_load_n(&tablesReady, __ATOMIC_ACQUIRE)) {
#if defined(HAVE_ROW_LANES)
    initNibbles();
#endif
#if defined(__AVX2__)
    initSelectCtl();
#endif
    __atomic_store_n(&tablesReady, 1, __ATOMIC_RELEASE);
  }
  int threads = 1;
#ifdef _OPENMP
  if ((double)M * N * K / 2 > PARALLEL_MACS)
    threads = omp_get_max_threads();
#endif
#if defined(__AVX2__)
  if (M <= DIRECT_M && directPath(&p, threads))
    return;
#endif
#if defined(HAVE_COLUMN_LANES)
  if (pathColumnLanes(&p, threads))
    return;
#elif defined(HAVE_ROW_LANES)
  if (zpFitsInt16(&p) && pathRowLanes(&p, threads))
    return;
#endif
  if (portablePath(&p, threads))
    return;
  naiveBlock(&p, 0, M, 0, N);
}
