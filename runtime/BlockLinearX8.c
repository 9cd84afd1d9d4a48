/*===- BlockLinearX8.c - block-format linear layers, rows interleaved by 8 -===*\
|*                                                                            *|
|* qcc_rt_block_linear_x8 (BlockLinear.h): the same products as               *|
|* qcc_rt_block_linear on weights whose rows the compiler stored interleaved  *|
|* in groups of 8 (qcc-interleave-block-weights). Each 32-bit lane of a       *|
|* 256-bit vector holds 4 codes of one of the 8 rows, so one broadcast of 4   *|
|* activation codes feeds 8 rows' dot products at once: the 8 block sums come *|
|* out in the lanes of one vector (no horizontal reduction), the 8 rows' f16  *|
|* scales are one contiguous load, and a decode step's small rows (K = 576)   *|
|* pay no per-row call or tail. Q4_0/Q4_1: the two nibbles' products of a     *|
|* block add up in int16 (at most 8 x 2 x 15 x 127 = 30480) before one        *|
|* vpmaddwd; Q8_0: |w| x sign(x, w) as in the row kernels. AArch64: sdot by   *|
|* lane (4 rows per int32x4) where the CPU has dotprod; portable C otherwise. *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockActivations.h"
#include "BlockLinear.h"

#include <stdlib.h>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__) &&              \
    !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_X8_AVX2 1
#endif
#if defined(__aarch64__) && !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_X8_SDOT 1
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

/* Bytes of one block of a row, and of the 8 rows' scale header. */
static int x8Shape(int64_t format, int *header) {
  switch (format) {
  case QCC_BLOCK_Q4_0:
    *header = 16;
    return 18;
  case QCC_BLOCK_Q4_1:
    *header = 32;
    return 20;
  case QCC_BLOCK_Q8_0:
    *header = 16;
    return 34;
  }
  return 0;
}

#if defined(QCC_X8_AVX2)
static inline __m256i bcast4(const int8_t *x) {
  int32_t v;
  memcpy(&v, x, 4);
  return _mm256_set1_epi32(v);
}

/* s[r] = sum over the block's 32 codes of row r times the token's codes. */
static inline __m256i dot4(const __m256i lo[4], const __m256i hi[4],
                           const int8_t *x) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    s = _mm256_dpbusd_epi32(s, lo[j], bcast4(x + 4 * j));
    s = _mm256_dpbusd_epi32(s, hi[j], bcast4(x + 16 + 4 * j));
  }
  return s;
#else
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    s = _mm256_add_epi16(s, _mm256_maddubs_epi16(lo[j], bcast4(x + 4 * j)));
    s = _mm256_add_epi16(s,
                         _mm256_maddubs_epi16(hi[j], bcast4(x + 16 + 4 * j)));
  }
  return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
#endif
}

static inline __m256i dot8(const __m256i aw[8], const __m256i w[8],
                           const int8_t *x) {
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 8; ++j) {
    __m256i xs = _mm256_sign_epi8(bcast4(x + 4 * j), w[j]);
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    s = _mm256_dpbusd_epi32(s, aw[j], xs);
#else
    s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(aw[j], xs),
                                              _mm256_set1_epi16(1)));
#endif
  }
  return s;
}

/* One group of 8 rows against nt <= 4 tokens: out[8 t + r]. */
static void group8(int format, int bytes, int header, const uint8_t *w,
                   int64_t nb, const Act *a, int nt, float *out) {
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
    __m256i lo[4], hi[4];
    for (int j = 0; j < 4; ++j) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(c + 32 * j));
      lo[j] = _mm256_and_si256(v, m15);
      hi[j] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m15);
    }
    /* Q4_1: + m_w * sx; Q4_0: - 8 d_w * sx (the -8 applied at the end). */
    __m256 mw = format == QCC_BLOCK_Q4_1
                    ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 16)))
                    : dw;
    for (int t = 0; t < nt; ++t) {
      __m256i s = dot4(lo, hi, a[t].q + 32 * b);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                               _mm256_mul_ps(dw, _mm256_set1_ps(a[t].d[b])),
                               acc[t]);
      side[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(a[t].sx[b]), side[t]);
    }
  }
  __m256 k = _mm256_set1_ps(format == QCC_BLOCK_Q4_0 ? -8.0f : 1.0f);
  for (int t = 0; t < nt; ++t)
    _mm256_storeu_ps(out + 8 * t, _mm256_fmadd_ps(k, side[t], acc[t]));
}
#else
/* Portable C: the same sums, lane by lane (AArch64 without dotprod too). */
static void group8_c(int format, int bytes, int header, const uint8_t *w,
                   int64_t nb, const Act *a, int nt, float *out) {
  float acc[4][8] = {{0}}, side[4][8] = {{0}};
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    const uint8_t *c = w + header;
    for (int r = 0; r < 8; ++r) {
      float dw = h2f(w + 2 * r);
      float mw = format == QCC_BLOCK_Q4_1 ? h2f(w + 16 + 2 * r) : dw;
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
              s += (v & 15) * x[4 * j + i] + (v >> 4) * x[16 + 4 * j + i];
            }
          side[t][r] += mw * a[t].sx[b];
        }
        acc[t][r] += (float)s * (dw * a[t].d[b]);
      }
    }
  }
  float k = format == QCC_BLOCK_Q4_0 ? -8.0f : 1.0f;
  for (int t = 0; t < nt; ++t)
    for (int r = 0; r < 8; ++r)
      out[8 * t + r] = acc[t][r] + k * side[t][r];
}

#if defined(QCC_X8_SDOT)
#define SDOT_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
/* AArch64 sdot by lane: a 16-byte chunk holds 4 codes of 4 rows, and lane j
 * of the token's codes broadcasts activations 4j..4j+3 to all 4 rows, so
 * rows 0-3 and 4-7 each keep their block sums in one int32x4 (codes below
 * 128 are valid signed operands). */
SDOT_ATTR static void group8_sdot(int format, int bytes, int header,
                                  const uint8_t *w, int64_t nb, const Act *a,
                                  int nt, float *out) {
  float32x4_t acc[4][2], side[4][2];
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      acc[t][h] = side[t][h] = vdupq_n_f32(0);
  const uint8x16_t m15 = vdupq_n_u8(15);
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    float32x4_t dw[2] = {vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w))),
                         vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 8)))};
    float32x4_t mw[2] = {dw[0], dw[1]};
    if (format == QCC_BLOCK_Q4_1) {
      mw[0] = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 16)));
      mw[1] = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 24)));
    }
    const uint8_t *c = w + header;
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
#define Q4_CHUNK(j)                                                            \
  do {                                                                         \
    uint8x16_t v = vld1q_u8(c + 32 * (j) + 16 * h);                            \
    s[h] = vdotq_laneq_s32(s[h], vreinterpretq_s8_u8(vandq_u8(v, m15)), xl, j); \
    s[h] = vdotq_laneq_s32(s[h], vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), xh, j); \
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
  float k = format == QCC_BLOCK_Q4_0 ? -8.0f : 1.0f;
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      vst1q_f32(out + 8 * t + 4 * h, vfmaq_n_f32(acc[t][h], side[t][h], k));
}
#endif

#endif

typedef void (*GroupFn)(int format, int bytes, int header, const uint8_t *w,
                        int64_t nb, const Act *a, int nt, float *out);

static GroupFn pickGroup(void) {
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
  int header = 0, bytes = x8Shape(format, &header);
  const int G = 32;
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

  GroupFn group = pickGroup();
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
      group((int)format, bytes, header, wg, nb, a, nt, out);
      for (int t = 0; t < nt; ++t)
        memcpy(Y + (t0 + t) * ldy + 8 * g, out + 8 * t, 8 * sizeof(float));
    }
  }
  if (buf != stackBuf)
    free(buf);
}
