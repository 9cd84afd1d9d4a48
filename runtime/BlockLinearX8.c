/*===- BlockLinearX8.c - block-format linear layers, rows interleaved by 8 -===*\
|*                                                                            *|
|* qcc_rt_block_linear_x8 (BlockLinear.h): the same products as               *|
|* qcc_rt_block_linear on weights whose rows the compiler stored interleaved  *|
|* in groups of 8 (qcc-interleave-block-weights). Each 32-bit lane of a       *|
|* 256-bit vector holds 4 codes of one of the 8 rows, so one broadcast of 4   *|
|* activation codes feeds 8 rows' dot products at once: the 8 block sums come *|
|* out in the lanes of one vector (no horizontal reduction), the 8 rows' f16  *|
|* scales are one contiguous load, and a decode step's small rows (K = 576)   *|
|* pay no per-row call or tail. This file: the entry point and the formats    *|
|* of 32 elements (the k-quants are in BlockLinearX8K.c). Q4_0/Q4_1: the two  *|
|* nibbles' products of a block add up in int16 (at most 8 x 2 x 15 x 127 =  *|
|* 30480) before one vpmaddwd; Q5_0/Q5_1: the fifth bits (row r's 32-bit     *|
|* mask in lane r) are spread to bytes by a shuffle, a mask and a vpminub,    *|
|* and the low and high halves go to int32 separately (4 x 2 x 31 x 127 =     *|
|* 31496);                                                                    *|
|* Q8_0: |w| x sign(x, w) as in the row kernels. AArch64: sdot by lane (4     *|
|* rows per int32x4) where the CPU has dotprod; portable C otherwise.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockLinearX8.h"

#include <stdlib.h>

/* Bytes of one block of a row, of the 8 rows' scale header, and the
 * activation block size G. */
static int x8Shape(int64_t format, int *header, int *G) {
  *G = 32;
  switch (format) {
  case QCC_BLOCK_Q4_0:
    *header = 16;
    return 18;
  case QCC_BLOCK_Q4_1:
    *header = 32;
    return 20;
  case QCC_BLOCK_Q5_0:
    *header = 16;
    return 22;
  case QCC_BLOCK_Q5_1:
    *header = 32;
    return 24;
  case QCC_BLOCK_Q8_0:
    *header = 16;
    return 34;
  case QCC_BLOCK_Q4_K:
    *header = 32;
    *G = 256;
    return 144;
  case QCC_BLOCK_Q5_K:
    *header = 32;
    *G = 256;
    return 176;
  case QCC_BLOCK_Q6_K:
    *header = 16;
    *G = 256;
    return 210;
  }
  return 0;
}

/* The offset term's factor: Q4_0 w = d (q - 8), Q5_0 d (q - 16); Q4_1 and
 * Q5_1 add m. */
static inline float sideScale(int format) {
  return format == QCC_BLOCK_Q4_0   ? -8.0f
         : format == QCC_BLOCK_Q5_0 ? -16.0f
                                    : 1.0f;
}

#if defined(QCC_X8_AVX2)
/* s[r] = sum over the block's 32 codes of row r times the token's codes;
 * split: the low and high halves' int16 sums are widened separately (5-bit
 * codes). */
static inline __m256i dot4(const __m256i lo[4], const __m256i hi[4],
                           const int8_t *x, int split) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  (void)split;
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    s = _mm256_dpbusd_epi32(s, lo[j], qcc_x8_bcast4(x + 4 * j));
    s = _mm256_dpbusd_epi32(s, hi[j], qcc_x8_bcast4(x + 16 + 4 * j));
  }
  return s;
#else
  const __m256i one = _mm256_set1_epi16(1);
  __m256i sl = _mm256_setzero_si256(), sh = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    sl = _mm256_add_epi16(sl,
                          _mm256_maddubs_epi16(lo[j], qcc_x8_bcast4(x + 4 * j)));
    sh = _mm256_add_epi16(
        sh, _mm256_maddubs_epi16(hi[j], qcc_x8_bcast4(x + 16 + 4 * j)));
  }
  if (split)
    return _mm256_add_epi32(_mm256_madd_epi16(sl, one),
                            _mm256_madd_epi16(sh, one));
  return _mm256_madd_epi16(_mm256_add_epi16(sl, sh), one);
#endif
}

static inline __m256i dot8(const __m256i aw[8], const __m256i w[8],
                           const int8_t *x) {
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 8; ++j) {
    __m256i xs = _mm256_sign_epi8(qcc_x8_bcast4(x + 4 * j), w[j]);
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    s = _mm256_dpbusd_epi32(s, aw[j], xs);
#else
    s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(aw[j], xs),
                                              _mm256_set1_epi16(1)));
#endif
  }
  return s;
}

/* Lane r, every byte: byte `byte` of row r's fifth-bit mask. */
static inline __m256i maskByte(__m256i qh, int byte) {
  const __m256i spread = _mm256_setr_epi8(
      0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12, 0, 0, 0, 0, 4, 4, 4,
      4, 8, 8, 8, 8, 12, 12, 12, 12);
  return _mm256_shuffle_epi8(
      qh, _mm256_add_epi8(spread, _mm256_set1_epi8((char)byte)));
}

/* 16 in byte i where bit 4 + i of byte i of t is set (and 0 otherwise). */
static inline __m256i bit16(__m256i t) {
  return _mm256_min_epu8(
      _mm256_and_si256(t, _mm256_set1_epi32((int)0x80402010)),
      _mm256_set1_epi8(16));
}

/* One group of 8 rows against nt <= 4 tokens: out[8 t + r]. format and nt
 * are constants in every call (group8 below), so each case compiles to its
 * own loop. */
static inline __attribute__((always_inline)) void
group8_body(int format, const uint8_t *w, int64_t nb, const Act *a, int nt,
            float *out) {
  int header = 0, G = 0, bytes = x8Shape(format, &header, &G);
  const int five = format == QCC_BLOCK_Q5_0 || format == QCC_BLOCK_Q5_1;
  __m256 acc[4], side[4];
  for (int t = 0; t < nt; ++t)
    acc[t] = side[t] = _mm256_setzero_ps();
  const __m256i m15 = _mm256_set1_epi8(15);
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w));
    const uint8_t *c = w + header;
    if (format == QCC_BLOCK_Q8_0) {
      __m256i wv[8], aw[8];
      for (int j = 0; j < 8; ++j) {
        wv[j] = _mm256_loadu_si256((const __m256i *)(c + 32 * j));
        aw[j] = _mm256_sign_epi8(wv[j], wv[j]);
      }
      for (int t = 0; t < nt; ++t) {
        __m256i s = dot8(aw, wv, a[t].q + 32 * b);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                                 _mm256_mul_ps(dw, _mm256_set1_ps(a[t].d[b])),
                                 acc[t]);
      }
      continue;
    }
    __m256i lo[4], hi[4], qh = _mm256_setzero_si256();
    if (five) {
      qh = _mm256_loadu_si256((const __m256i *)c);
      c += 32;
    }
    for (int j = 0; j < 4; ++j) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(c + 32 * j));
      lo[j] = _mm256_and_si256(v, m15);
      hi[j] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m15);
    }
    if (five)
      /* Codes 8p .. 8p + 7 (chunks 2p, 2p + 1) take their fifth bits from
       * mask byte p, 16 + 8p .. from byte 2 + p: bits 0-3 (shifted up to
       * 4-7) for the even chunk, 4-7 for the odd one. */
      for (int p = 0; p < 2; ++p) {
        __m256i tl = maskByte(qh, p), th = maskByte(qh, 2 + p);
        lo[2 * p] = _mm256_or_si256(lo[2 * p], bit16(_mm256_slli_epi16(tl, 4)));
        lo[2 * p + 1] = _mm256_or_si256(lo[2 * p + 1], bit16(tl));
        hi[2 * p] = _mm256_or_si256(hi[2 * p], bit16(_mm256_slli_epi16(th, 4)));
        hi[2 * p + 1] = _mm256_or_si256(hi[2 * p + 1], bit16(th));
      }
    /* Q4_1/Q5_1: + m_w * sx; Q4_0/Q5_0: - 8 or 16 d_w * sx (the factor
     * applied at the end). */
    __m256 mw = format == QCC_BLOCK_Q4_1 || format == QCC_BLOCK_Q5_1
                    ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 16)))
                    : dw;
    for (int t = 0; t < nt; ++t) {
      __m256i s = dot4(lo, hi, a[t].q + 32 * b, five);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                               _mm256_mul_ps(dw, _mm256_set1_ps(a[t].d[b])),
                               acc[t]);
      side[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(a[t].sx[b]), side[t]);
    }
  }
  __m256 k = _mm256_set1_ps(sideScale(format));
  for (int t = 0; t < nt; ++t)
    _mm256_storeu_ps(out + 8 * t, _mm256_fmadd_ps(k, side[t], acc[t]));
}

static void group8(int format, const uint8_t *w, int64_t nb, const Act *a,
                   int nt, float *out) {
#define QCC_X8_CASE(F)                                                         \
  case F:                                                                      \
    if (nt == 1)                                                               \
      group8_body(F, w, nb, a, 1, out);                                        \
    else                                                                       \
      group8_body(F, w, nb, a, 4 < nt ? 4 : nt, out);                          \
    return;
  switch (format) {
    QCC_X8_CASE(QCC_BLOCK_Q4_0)
    QCC_X8_CASE(QCC_BLOCK_Q4_1)
    QCC_X8_CASE(QCC_BLOCK_Q5_0)
    QCC_X8_CASE(QCC_BLOCK_Q5_1)
    QCC_X8_CASE(QCC_BLOCK_Q8_0)
  }
#undef QCC_X8_CASE
}
#else
/* Portable C: the same sums, lane by lane (AArch64 without dotprod too). */
static void group8_c(int format, const uint8_t *w, int64_t nb, const Act *a,
                     int nt, float *out) {
  int header = 0, G = 0, bytes = x8Shape(format, &header, &G);
  const int five = format == QCC_BLOCK_Q5_0 || format == QCC_BLOCK_Q5_1;
  const int hasM = format == QCC_BLOCK_Q4_1 || format == QCC_BLOCK_Q5_1;
  float acc[4][8] = {{0}}, side[4][8] = {{0}};
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    const uint8_t *c = w + header + (five ? 32 : 0);
    for (int r = 0; r < 8; ++r) {
      float dw = h2f(w + 2 * r);
      float mw = hasM ? h2f(w + 16 + 2 * r) : dw;
      uint32_t qh = 0;
      if (five)
        memcpy(&qh, w + header + 4 * r, 4);
      for (int t = 0; t < nt; ++t) {
        const int8_t *x = a[t].q + 32 * b;
        int32_t s = 0;
        if (format == QCC_BLOCK_Q8_0) {
          for (int j = 0; j < 8; ++j)
            for (int i = 0; i < 4; ++i)
              s += (int8_t)c[32 * j + 4 * r + i] * x[4 * j + i];
        } else {
          for (int j = 0; j < 4; ++j)
            for (int i = 0; i < 4; ++i) {
              uint8_t v = c[32 * j + 4 * r + i];
              int e = 4 * j + i; /* element of the low nibble; + 16 high */
              int lo = (v & 15) | (int)((qh >> e) & 1) << 4;
              int hi = (v >> 4) | (int)((qh >> (e + 16)) & 1) << 4;
              s += lo * x[e] + hi * x[16 + e];
            }
          side[t][r] += mw * a[t].sx[b];
        }
        acc[t][r] += (float)s * (dw * a[t].d[b]);
      }
    }
  }
  float k = sideScale(format);
  for (int t = 0; t < nt; ++t)
    for (int r = 0; r < 8; ++r)
      out[8 * t + r] = acc[t][r] + k * side[t][r];
}

#if defined(QCC_X8_SDOT)
/* AArch64 sdot by lane: a 16-byte chunk holds 4 codes of 4 rows, and lane j
 * of the token's codes broadcasts activations 4j..4j+3 to all 4 rows, so
 * rows 0-3 and 4-7 each keep their block sums in one int32x4 (codes below
 * 128 are valid signed operands). Q5's fifth bits: a table lookup puts the
 * mask byte of each code's bit in every byte of the row's lane, vtst tests
 * the code's own bit. */
SDOT_ATTR static inline uint8x16_t fifth_sdot(uint8x16_t qh, int byte,
                                              int odd) {
  const uint8x16_t spread = {0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12};
  const uint8x16_t even = {1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
  uint8x16_t bit = odd ? vshlq_n_u8(even, 4) : even;
  uint8x16_t t = vqtbl1q_u8(qh, vaddq_u8(spread, vdupq_n_u8((uint8_t)byte)));
  return vandq_u8(vtstq_u8(t, bit), vdupq_n_u8(16));
}

SDOT_ATTR static void group8_sdot(int format, const uint8_t *w, int64_t nb,
                                  const Act *a, int nt, float *out) {
  int header = 0, G = 0, bytes = x8Shape(format, &header, &G);
  const int five = format == QCC_BLOCK_Q5_0 || format == QCC_BLOCK_Q5_1;
  const int hasM = format == QCC_BLOCK_Q4_1 || format == QCC_BLOCK_Q5_1;
  float32x4_t acc[4][2], side[4][2];
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      acc[t][h] = side[t][h] = vdupq_n_f32(0);
  const uint8x16_t m15 = vdupq_n_u8(15);
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    float32x4_t dw[2] = {vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w))),
                         vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 8)))};
    float32x4_t mw[2] = {dw[0], dw[1]};
    if (hasM) {
      mw[0] = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 16)));
      mw[1] = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 24)));
    }
    const uint8_t *c = w + header + (five ? 32 : 0);
    for (int t = 0; t < nt; ++t) {
      const int8_t *x = a[t].q + 32 * b;
      int8x16_t xl = vld1q_s8(x), xh = vld1q_s8(x + 16);
      int32x4_t s[2] = {vdupq_n_s32(0), vdupq_n_s32(0)};
      for (int h = 0; h < 2; ++h) {
        if (format == QCC_BLOCK_Q8_0) {
#define Q8_CHUNK(j, xv, lane)                                                  \
  s[h] = vdotq_laneq_s32(s[h], vld1q_s8((const int8_t *)c + 32 * (j) + 16 * h), \
                         xv, lane)
          Q8_CHUNK(0, xl, 0); Q8_CHUNK(1, xl, 1); Q8_CHUNK(2, xl, 2);
          Q8_CHUNK(3, xl, 3); Q8_CHUNK(4, xh, 0); Q8_CHUNK(5, xh, 1);
          Q8_CHUNK(6, xh, 2); Q8_CHUNK(7, xh, 3);
#undef Q8_CHUNK
        } else {
          uint8x16_t qh = vdupq_n_u8(0);
          if (five)
            qh = vld1q_u8(w + header + 16 * h);
#define Q4_CHUNK(j)                                                            \
  do {                                                                         \
    uint8x16_t v = vld1q_u8(c + 32 * (j) + 16 * h);                            \
    uint8x16_t lo = vandq_u8(v, m15), hi = vshrq_n_u8(v, 4);                   \
    if (five) {                                                                \
      lo = vorrq_u8(lo, fifth_sdot(qh, (j) / 2, (j) & 1));                     \
      hi = vorrq_u8(hi, fifth_sdot(qh, 2 + (j) / 2, (j) & 1));                 \
    }                                                                          \
    s[h] = vdotq_laneq_s32(s[h], vreinterpretq_s8_u8(lo), xl, j);              \
    s[h] = vdotq_laneq_s32(s[h], vreinterpretq_s8_u8(hi), xh, j);              \
  } while (0)
          Q4_CHUNK(0); Q4_CHUNK(1); Q4_CHUNK(2); Q4_CHUNK(3);
#undef Q4_CHUNK
        }
        float32x4_t scale = vmulq_n_f32(dw[h], a[t].d[b]);
        acc[t][h] = vfmaq_f32(acc[t][h], vcvtq_f32_s32(s[h]), scale);
        if (format != QCC_BLOCK_Q8_0)
          side[t][h] = vfmaq_n_f32(side[t][h], mw[h], a[t].sx[b]);
      }
    }
  }
  float k = sideScale(format);
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      vst1q_f32(out + 8 * t + 4 * h, vfmaq_n_f32(acc[t][h], side[t][h], k));
}
#endif

#endif

static X8GroupFn pickGroup(int64_t format) {
  if (format == QCC_BLOCK_Q4_K || format == QCC_BLOCK_Q5_K ||
      format == QCC_BLOCK_Q6_K)
    return QCC_X8_KQUANT_PICK((int)format);
#if defined(QCC_X8_AVX2)
  return group8;
#elif defined(QCC_X8_SDOT)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? group8_sdot : group8_c;
#else
  return group8_c;
#endif
}

static void fillNaN(int64_t T, int64_t N, float *Y, int64_t ldy) {
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      Y[t * ldy + n] = NAN;
}

void QCC_BLOCK_LINEAR_X8_NAME(int64_t T, int64_t N, int64_t K, const float *X,
                              int64_t ldx, const uint8_t *W, int64_t format,
                              float *Y, int64_t ldy) {
  int header = 0, G = 32, bytes = x8Shape(format, &header, &G);
  if (!bytes || K % G || N % 8) {
    fillNaN(T, N, Y, ldy);
    return;
  }
  int64_t nb = K / G, rowBytes = nb * bytes, groups = N / 8;
  size_t need = (size_t)T * (size_t)(K + nb * 8 + (K / 16) * 2) + 64;
  char stackBuf[65536] __attribute__((aligned(64)));
  char *buf = need <= sizeof(stackBuf) ? stackBuf : (char *)malloc(need);
  if (!buf) {
    fillNaN(T, N, Y, ldy);
    return;
  }
  int8_t *q = (int8_t *)buf;
  float *d = (float *)(buf + ((T * K + 15) & ~(int64_t)15));
  float *sx = d + T * nb;
  int16_t *s = (int16_t *)(sx + T * nb);
  for (int64_t t = 0; t < T; ++t)
    qcc_block_quantize_row(X + t * ldx, K, G, q + t * K, d + t * nb,
                           s + t * (K / 16), sx + t * nb);

  X8GroupFn group = pickGroup(format);
  int parallel = (double)N * (double)rowBytes * (double)T >= 65536.0;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t g = 0; g < groups; ++g) {
    const uint8_t *wg = W + g * 8 * rowBytes;
    for (int64_t t0 = 0; t0 < T; t0 += 4) {
      int nt = T - t0 < 4 ? (int)(T - t0) : 4;
      Act a[4];
      for (int t = 0; t < nt; ++t) {
        a[t].q = q + (t0 + t) * K;
        a[t].d = d + (t0 + t) * nb;
        a[t].s = s + (t0 + t) * (K / 16);
        a[t].sx = sx + (t0 + t) * nb;
      }
      float out[32];
      group((int)format, wg, nb, a, nt, out);
      for (int t = 0; t < nt; ++t)
        memcpy(Y + (t0 + t) * ldy + 8 * g, out + 8 * t, 8 * sizeof(float));
    }
  }
  if (buf != stackBuf)
    free(buf);
}
