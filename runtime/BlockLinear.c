/*===- BlockLinear.c - linear layers on GGUF block-quantized weights -----===*\
|*                                                                            *|
|* See BlockLinear.h for the contract. The activations are quantized once per *|
|* call (the same plain C on every path, so every path sees the same codes);  *|
|* then OpenMP threads take contiguous ranges of weight rows, and each row is *|
|* multiplied by up to four tokens at a time (BlockLinearKernels.inc, written *|
|* once over a handful of primitives that each path defines here).            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockLinear.h"
#include "BlockActivations.h"
#include "BlockScales.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

/* Block size and bytes of a format; 0 when unknown. */
static int blockShape(int64_t format, int *bytes) {
  switch (format) {
  case QCC_BLOCK_Q4_0:
    *bytes = 18;
    return 32;
  case QCC_BLOCK_Q4_1:
    *bytes = 20;
    return 32;
  case QCC_BLOCK_Q5_0:
    *bytes = 22;
    return 32;
  case QCC_BLOCK_Q5_1:
    *bytes = 24;
    return 32;
  case QCC_BLOCK_Q8_0:
    *bytes = 34;
    return 32;
  case QCC_BLOCK_Q4_K:
    *bytes = 144;
    return 256;
  case QCC_BLOCK_Q5_K:
    *bytes = 176;
    return 256;
  case QCC_BLOCK_Q6_K:
    *bytes = 210;
    return 256;
  case QCC_BLOCK_Q2_K:
    *bytes = 84;
    return 256;
  case QCC_BLOCK_Q3_K:
    *bytes = 110;
    return 256;
  case QCC_BLOCK_Q2_G64:
    *bytes = 20;
    return 64;
  case QCC_BLOCK_Q3_G64:
    *bytes = 28;
    return 64;
  case QCC_BLOCK_Q3_G192:
    *bytes = 76;
    return 192;
  case QCC_BLOCK_Q4_1_G128: /* per 32: the nibbles; + 4 per group of 128 */
    *bytes = 16;
    return 32;
  }
  return 0;
}

/* Bytes of one weight row of K elements (K a multiple of the block size). */
static int64_t rowBytesOf(int64_t format, int64_t K) {
  int bytes = 0, G = blockShape(format, &bytes);
  if (format == QCC_BLOCK_Q4_1_G128)
    return 4 * ((K + 127) / 128) + K / 2;
  return K / G * bytes;
}

#define QCC_CAT2(a, b) a##b
#define QCC_CAT(a, b) QCC_CAT2(a, b)

/*===-------------------------------------------------------------------===*
 * Portable C primitives (the baseline x86-64 levels; AArch64 without
 * dotprod; the unit tests' reference-path build).
 *===-------------------------------------------------------------------===*/

typedef struct {
  int8_t v[32];
} CB;
typedef struct {
  int32_t v[8];
} CI;
typedef struct {
  float v[8];
} CF;

static inline CB c_vb_load(const void *p) {
  CB r;
  memcpy(r.v, p, 32);
  return r;
}
static inline CB c_vb_nib_lohi(const uint8_t *q) {
  CB r;
  for (int i = 0; i < 16; ++i) {
    r.v[i] = (int8_t)(q[i] & 15);
    r.v[i + 16] = (int8_t)(q[i] >> 4);
  }
  return r;
}
static inline CB c_vb_nib_lo(const uint8_t *q) {
  CB r;
  for (int i = 0; i < 32; ++i)
    r.v[i] = (int8_t)(q[i] & 15);
  return r;
}
static inline CB c_vb_nib_hi(const uint8_t *q) {
  CB r;
  for (int i = 0; i < 32; ++i)
    r.v[i] = (int8_t)(q[i] >> 4);
  return r;
}
static inline CB c_vb_or_bits(CB v, uint32_t bits) {
  for (int i = 0; i < 32; ++i)
    v.v[i] |= (int8_t)(((bits >> i) & 1) << 4);
  return v;
}
/* Lane i |= val where bit j of qh[i] is set. */
static inline CB c_vb_or_plane(CB v, const uint8_t *qh, int j, int val) {
  for (int i = 0; i < 32; ++i)
    v.v[i] |= (int8_t)(((qh[i] >> j) & 1) * val);
  return v;
}
static inline CB c_vb_q6(CB nib, const uint8_t *qh, int shift) {
  for (int i = 0; i < 32; ++i)
    nib.v[i] |= (int8_t)(((qh[i] >> shift) & 3) << 4);
  return nib;
}
/* Low-bit formats: lanes 0-15 are bits [s, s+2) of q[0..15], lanes 16-31
 * bits [s+2, s+4); or_bits2 sets bit 2 of lane i where bit i of `bits` is
 * set. */
static inline CB c_vb_crumb_lohi(const uint8_t *q, int s) {
  CB r;
  for (int i = 0; i < 16; ++i) {
    r.v[i] = (int8_t)((q[i] >> s) & 3);
    r.v[i + 16] = (int8_t)((q[i] >> (s + 2)) & 3);
  }
  return r;
}
/* Lane i: bits [s, s+2) of q[i] (Q2_K/Q3_K's 32-byte code rows). */
static inline CB c_vb_crumb(const uint8_t *q, int s) {
  CB r;
  for (int i = 0; i < 32; ++i)
    r.v[i] = (int8_t)((q[i] >> s) & 3);
  return r;
}
static inline CB c_vb_or_bits2(CB v, uint32_t bits) {
  for (int i = 0; i < 32; ++i)
    v.v[i] |= (int8_t)(((bits >> i) & 1) << 2);
  return v;
}
static inline CI c_vi_dot(CB w, CB x) {
  CI r;
  for (int l = 0; l < 8; ++l) {
    int32_t s = 0;
    for (int i = 4 * l; i < 4 * l + 4; ++i)
      s += w.v[i] * x.v[i];
    r.v[l] = s;
  }
  return r;
}
static inline CI c_vi_dot_s(CB w, CB x) { return c_vi_dot(w, x); }
static inline CI c_vi_zero(void) {
  CI r;
  memset(&r, 0, sizeof(r));
  return r;
}
static inline CI c_vi_add(CI a, CI b) {
  for (int l = 0; l < 8; ++l)
    a.v[l] += b.v[l];
  return a;
}
static inline CI c_vi_mul(CI a, int32_t s) {
  for (int l = 0; l < 8; ++l)
    a.v[l] *= s;
  return a;
}
static inline CI c_vi_mul2(CI a, int32_t lo, int32_t hi) {
  for (int l = 0; l < 8; ++l)
    a.v[l] *= l < 4 ? lo : hi;
  return a;
}
static inline CF c_vf_zero(void) {
  CF r;
  memset(&r, 0, sizeof(r));
  return r;
}
static inline CF c_vf_fma(CF acc, CI v, float s) {
  for (int l = 0; l < 8; ++l)
    acc.v[l] += (float)v.v[l] * s;
  return acc;
}
static inline float c_vf_sum(CF a) {
  float s = 0;
  for (int l = 0; l < 8; ++l)
    s += a.v[l];
  return s;
}

/*===-------------------------------------------------------------------===*
 * x86-64: AVX2 (vpmaddubsw + vpmaddwd) or AVX-512 VNNI (vpdpbusd on 256-bit
 * vectors). Weight codes are unsigned; Q8_0's signed codes go through
 * |w| and sign(x, w) (|w| <= 128, |x| <= 127: vpmaddubsw's pair sums stay
 * below 2^15, so no saturation).
 *===-------------------------------------------------------------------===*/

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__) &&              \
    !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_HAVE_X86_BLOCK 1
typedef __m256i XB;
typedef __m256i XI;
typedef __m256 XF;

static inline XB x_vb_load(const void *p) {
  return _mm256_loadu_si256((const __m256i *)p);
}
static inline XB x_vb_nib_lohi(const uint8_t *q) {
  __m128i b = _mm_loadu_si128((const __m128i *)q), m = _mm_set1_epi8(15);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), m),
                          _mm_and_si128(b, m));
}
static inline XB x_vb_nib_lo(const uint8_t *q) {
  return _mm256_and_si256(x_vb_load(q), _mm256_set1_epi8(15));
}
static inline XB x_vb_nib_hi(const uint8_t *q) {
  return _mm256_and_si256(_mm256_srli_epi16(x_vb_load(q), 4),
                          _mm256_set1_epi8(15));
}
static inline XB x_vb_or_bits(XB v, uint32_t bits) {
  /* Byte i <- byte i/8 of the mask, then test bit i%8. */
  const __m256i spread =
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                       2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
  __m256i t = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
  t = _mm256_cmpeq_epi8(_mm256_and_si256(t, bit), bit);
  return _mm256_or_si256(v, _mm256_and_si256(t, _mm256_set1_epi8(16)));
}
static inline XB x_vb_crumb_lohi(const uint8_t *q, int s) {
  __m128i b = _mm_loadu_si128((const __m128i *)q), m = _mm_set1_epi8(3);
  return _mm256_set_m128i(
      _mm_and_si128(_mm_srl_epi16(b, _mm_cvtsi32_si128(s + 2)), m),
      _mm_and_si128(_mm_srl_epi16(b, _mm_cvtsi32_si128(s)), m));
}
static inline XB x_vb_or_bits2(XB v, uint32_t bits) {
  /* As x_vb_or_bits, setting bit 2. */
  const __m256i spread =
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                       2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
  __m256i t = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
  t = _mm256_cmpeq_epi8(_mm256_and_si256(t, bit), bit);
  return _mm256_or_si256(v, _mm256_and_si256(t, _mm256_set1_epi8(4)));
}
static inline XB x_vb_or_plane(XB v, const uint8_t *qh, int j, int val) {
  __m256i m = _mm256_set1_epi8((char)(1 << j));
  __m256i t = _mm256_cmpeq_epi8(_mm256_and_si256(x_vb_load(qh), m), m);
  return _mm256_or_si256(v, _mm256_and_si256(t, _mm256_set1_epi8((char)val)));
}
static inline XB x_vb_crumb(const uint8_t *q, int s) {
  return _mm256_and_si256(_mm256_srl_epi16(x_vb_load(q), _mm_cvtsi32_si128(s)),
                          _mm256_set1_epi8(3));
}
static inline XB x_vb_q6(XB nib, const uint8_t *qh, int shift) {
  __m256i h = _mm256_and_si256(
      _mm256_srl_epi16(x_vb_load(qh), _mm_cvtsi32_si128(shift)),
      _mm256_set1_epi8(3));
  return _mm256_or_si256(nib, _mm256_slli_epi16(h, 4));
}
static inline XI x_vi_dot(XB w, XB x) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
#endif
}
static inline XI x_vi_dot_s(XB w, XB x) {
  return x_vi_dot(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
}
static inline XI x_vi_zero(void) { return _mm256_setzero_si256(); }
static inline XI x_vi_add(XI a, XI b) { return _mm256_add_epi32(a, b); }
static inline XI x_vi_mul(XI a, int32_t s) {
  return _mm256_mullo_epi32(a, _mm256_set1_epi32(s));
}
static inline XI x_vi_mul2(XI a, int32_t lo, int32_t hi) {
  return _mm256_mullo_epi32(a,
                            _mm256_setr_epi32(lo, lo, lo, lo, hi, hi, hi, hi));
}
static inline XF x_vf_zero(void) { return _mm256_setzero_ps(); }
static inline XF x_vf_fma(XF acc, XI v, float s) {
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), _mm256_set1_ps(s), acc);
}
static inline float x_vf_sum(XF a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* Q4_0, Q4_1 and Q8_0 eight blocks at a time: per block only the code
 * decoding and the integer dot product; the eight products' lanes are
 * reduced by a vphaddd tree into one vector of eight block sums, so the
 * int-to-float conversion, the scales (gathered: the f16 scales sit one
 * block apart) and the float accumulation happen once per eight blocks
 * rather than once per block. */
static inline __m256 x_f16x8_lo(__m256i u32) {
  /* The low 16 bits of each lane, as floats. */
  __m256i lo = _mm256_and_si256(u32, _mm256_set1_epi32(0xffff));
  __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, lo), 0x88);
  return _mm256_cvtph_ps(_mm256_castsi256_si128(p));
}
static inline __m256 x_f16x8_hi(__m256i u32) {
  __m256i hi = _mm256_srli_epi32(u32, 16);
  __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(hi, hi), 0x88);
  return _mm256_cvtph_ps(_mm256_castsi256_si128(p));
}
/* Lane i: the sum of the 8 lanes of p[i]. */
static inline __m256i x_sum8x8(const __m256i p[8]) {
  __m256i a = _mm256_hadd_epi32(p[0], p[1]), b = _mm256_hadd_epi32(p[2], p[3]);
  __m256i c = _mm256_hadd_epi32(p[4], p[5]), d = _mm256_hadd_epi32(p[6], p[7]);
  __m256i ab = _mm256_hadd_epi32(a, b), cd = _mm256_hadd_epi32(c, d);
  return _mm256_add_epi32(_mm256_permute2x128_si256(ab, cd, 0x20),
                          _mm256_permute2x128_si256(ab, cd, 0x31));
}

/* Q4_1_G128 takes 8 sub-blocks (two groups of 128, 136 bytes) at a time:
 * the same sums with each sub-block's d and m gathered from its group's
 * header. */
static inline __attribute__((always_inline)) void
x_row8(int format, int bytes, const uint8_t *w, int64_t groups, const Act *a,
       int nt, float *out) {
  const int g128 = format == QCC_BLOCK_Q4_1_G128;
  const __m256i offs =
      g128 ? _mm256_setr_epi32(0, 0, 0, 0, 68, 68, 68, 68)
           : _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                _mm256_set1_epi32(bytes));
  const int64_t step = g128 ? 136 : 8 * bytes;
  __m256 acc[4], side[4];
  for (int t = 0; t < nt; ++t)
    acc[t] = side[t] = _mm256_setzero_ps();
  for (int64_t g = 0; g < groups; ++g, w += step) {
    __m256i head = _mm256_i32gather_epi32((const int *)w, offs, 1);
    __m256 dw = x_f16x8_lo(head);
    __m256i p[4][8];
    for (int i = 0; i < 8; ++i) {
      const uint8_t *wb = w + i * bytes;
      XB wv = format == QCC_BLOCK_Q8_0   ? x_vb_load(wb + 2)
              : format == QCC_BLOCK_Q4_1 ? x_vb_nib_lohi(wb + 4)
              : g128 ? x_vb_nib_lohi(w + 68 * (i / 4) + 4 + 16 * (i % 4))
                     : x_vb_nib_lohi(wb + 2);
      for (int t = 0; t < nt; ++t) {
        XB xv = x_vb_load(a[t].q + 256 * g + 32 * i);
        p[t][i] =
            format == QCC_BLOCK_Q8_0 ? x_vi_dot_s(wv, xv) : x_vi_dot(wv, xv);
      }
    }
    for (int t = 0; t < nt; ++t) {
      __m256 dx = _mm256_loadu_ps(a[t].d + 8 * g);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(x_sum8x8(p[t])),
                               _mm256_mul_ps(dw, dx), acc[t]);
      if (format != QCC_BLOCK_Q8_0) {
        /* Q4_1: + m_w * sx; Q4_0: - 8 d_w * sx (scaled at the end). */
        __m256 mw = format == QCC_BLOCK_Q4_0 ? dw : x_f16x8_hi(head);
        side[t] =
            _mm256_fmadd_ps(mw, _mm256_loadu_ps(a[t].sx + 8 * g), side[t]);
      }
    }
  }
  float scale = format == QCC_BLOCK_Q4_0 ? -8.0f : 1.0f;
  for (int t = 0; t < nt; ++t)
    out[t] = x_vf_sum(acc[t]) + scale * x_vf_sum(side[t]);
}

#define VB XB
#define VI XI
#define VF XF
#define P(name) QCC_CAT(x_, name)
#define KN(name) QCC_CAT(name, _x86)
#define KATTR
#include "BlockLinearKernels.inc"
#undef VB
#undef VI
#undef VF
#undef P
#undef KN
#undef KATTR
#endif

/*===-------------------------------------------------------------------===*
 * AArch64 sdot (dotprod, chosen at run time): codes are below 128, so the
 * unsigned weight codes are valid signed operands.
 *===-------------------------------------------------------------------===*/

#if defined(__aarch64__) && !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_HAVE_SDOT_BLOCK 1
#define SDOT_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
typedef struct {
  int8x16_t l, h;
} NB;
typedef struct {
  int32x4_t l, h;
} NI;
typedef struct {
  float32x4_t l, h;
} NF;

SDOT_ATTR static inline NB n_vb_load(const void *p) {
  NB r = {vld1q_s8((const int8_t *)p), vld1q_s8((const int8_t *)p + 16)};
  return r;
}
SDOT_ATTR static inline NB n_vb_nib_lohi(const uint8_t *q) {
  uint8x16_t b = vld1q_u8(q);
  NB r = {vreinterpretq_s8_u8(vandq_u8(b, vdupq_n_u8(15))),
          vreinterpretq_s8_u8(vshrq_n_u8(b, 4))};
  return r;
}
SDOT_ATTR static inline NB n_vb_nib_lo(const uint8_t *q) {
  uint8x16_t m = vdupq_n_u8(15);
  NB r = {vreinterpretq_s8_u8(vandq_u8(vld1q_u8(q), m)),
          vreinterpretq_s8_u8(vandq_u8(vld1q_u8(q + 16), m))};
  return r;
}
SDOT_ATTR static inline NB n_vb_nib_hi(const uint8_t *q) {
  NB r = {vreinterpretq_s8_u8(vshrq_n_u8(vld1q_u8(q), 4)),
          vreinterpretq_s8_u8(vshrq_n_u8(vld1q_u8(q + 16), 4))};
  return r;
}
SDOT_ATTR static inline NB n_vb_or_bits(NB v, uint32_t bits) {
  const uint8x16_t bit = {1, 2, 4, 8, 16, 32, 64, 128,
                          1, 2, 4, 8, 16, 32, 64, 128};
  uint8x16_t lo =
      vcombine_u8(vdup_n_u8((uint8_t)bits), vdup_n_u8((uint8_t)(bits >> 8)));
  uint8x16_t hi = vcombine_u8(vdup_n_u8((uint8_t)(bits >> 16)),
                              vdup_n_u8((uint8_t)(bits >> 24)));
  uint8x16_t sixteen = vdupq_n_u8(16);
  v.l =
      vorrq_s8(v.l, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(lo, bit), sixteen)));
  v.h =
      vorrq_s8(v.h, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(hi, bit), sixteen)));
  return v;
}
SDOT_ATTR static inline NB n_vb_crumb_lohi(const uint8_t *q, int s) {
  uint8x16_t b = vld1q_u8(q), three = vdupq_n_u8(3);
  NB r = {vreinterpretq_s8_u8(
              vandq_u8(vshlq_u8(b, vdupq_n_s8((int8_t)-s)), three)),
          vreinterpretq_s8_u8(
              vandq_u8(vshlq_u8(b, vdupq_n_s8((int8_t)-(s + 2))), three))};
  return r;
}
SDOT_ATTR static inline NB n_vb_or_bits2(NB v, uint32_t bits) {
  const uint8x16_t bit = {1, 2, 4, 8, 16, 32, 64, 128,
                          1, 2, 4, 8, 16, 32, 64, 128};
  uint8x16_t lo =
      vcombine_u8(vdup_n_u8((uint8_t)bits), vdup_n_u8((uint8_t)(bits >> 8)));
  uint8x16_t hi = vcombine_u8(vdup_n_u8((uint8_t)(bits >> 16)),
                              vdup_n_u8((uint8_t)(bits >> 24)));
  uint8x16_t four = vdupq_n_u8(4);
  v.l = vorrq_s8(v.l, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(lo, bit), four)));
  v.h = vorrq_s8(v.h, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(hi, bit), four)));
  return v;
}
SDOT_ATTR static inline NB n_vb_or_plane(NB v, const uint8_t *qh, int j,
                                         int val) {
  uint8x16_t m = vdupq_n_u8((uint8_t)(1 << j)), set = vdupq_n_u8((uint8_t)val);
  v.l = vorrq_s8(
      v.l, vreinterpretq_s8_u8(vandq_u8(vtstq_u8(vld1q_u8(qh), m), set)));
  v.h = vorrq_s8(v.h, vreinterpretq_s8_u8(
                          vandq_u8(vtstq_u8(vld1q_u8(qh + 16), m), set)));
  return v;
}
SDOT_ATTR static inline NB n_vb_crumb(const uint8_t *q, int s) {
  int8x16_t sh = vdupq_n_s8((int8_t)-s);
  uint8x16_t three = vdupq_n_u8(3);
  NB r = {vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(q), sh), three)),
          vreinterpretq_s8_u8(vandq_u8(vshlq_u8(vld1q_u8(q + 16), sh), three))};
  return r;
}
SDOT_ATTR static inline NB n_vb_q6(NB nib, const uint8_t *qh, int shift) {
  int8x16_t sh = vdupq_n_s8((int8_t)-shift);
  uint8x16_t three = vdupq_n_u8(3);
  uint8x16_t l = vandq_u8(vshlq_u8(vld1q_u8(qh), sh), three);
  uint8x16_t h = vandq_u8(vshlq_u8(vld1q_u8(qh + 16), sh), three);
  nib.l = vorrq_s8(nib.l, vreinterpretq_s8_u8(vshlq_n_u8(l, 4)));
  nib.h = vorrq_s8(nib.h, vreinterpretq_s8_u8(vshlq_n_u8(h, 4)));
  return nib;
}
SDOT_ATTR static inline NI n_vi_dot(NB w, NB x) {
  NI r = {vdotq_s32(vdupq_n_s32(0), w.l, x.l),
          vdotq_s32(vdupq_n_s32(0), w.h, x.h)};
  return r;
}
SDOT_ATTR static inline NI n_vi_dot_s(NB w, NB x) { return n_vi_dot(w, x); }
SDOT_ATTR static inline NI n_vi_zero(void) {
  NI r = {vdupq_n_s32(0), vdupq_n_s32(0)};
  return r;
}
SDOT_ATTR static inline NI n_vi_add(NI a, NI b) {
  NI r = {vaddq_s32(a.l, b.l), vaddq_s32(a.h, b.h)};
  return r;
}
SDOT_ATTR static inline NI n_vi_mul(NI a, int32_t s) {
  NI r = {vmulq_n_s32(a.l, s), vmulq_n_s32(a.h, s)};
  return r;
}
SDOT_ATTR static inline NI n_vi_mul2(NI a, int32_t lo, int32_t hi) {
  NI r = {vmulq_n_s32(a.l, lo), vmulq_n_s32(a.h, hi)};
  return r;
}
SDOT_ATTR static inline NF n_vf_zero(void) {
  NF r = {vdupq_n_f32(0), vdupq_n_f32(0)};
  return r;
}
SDOT_ATTR static inline NF n_vf_fma(NF acc, NI v, float s) {
  NF r = {vfmaq_n_f32(acc.l, vcvtq_f32_s32(v.l), s),
          vfmaq_n_f32(acc.h, vcvtq_f32_s32(v.h), s)};
  return r;
}
SDOT_ATTR static inline float n_vf_sum(NF a) {
  return vaddvq_f32(vaddq_f32(a.l, a.h));
}

#define VB NB
#define VI NI
#define VF NF
#define P(name) QCC_CAT(n_, name)
#define KN(name) QCC_CAT(name, _sdot)
#define KATTR SDOT_ATTR
#include "BlockLinearKernels.inc"
#undef VB
#undef VI
#undef VF
#undef P
#undef KN
#undef KATTR
#endif

/* The portable instance: the only one on baseline x86-64 levels, the
 * fallback on AArch64 CPUs without dotprod. */
#if !defined(QCC_HAVE_X86_BLOCK)
#define VB CB
#define VI CI
#define VF CF
#define P(name) QCC_CAT(c_, name)
#define KN(name) QCC_CAT(name, _c)
#define KATTR
#include "BlockLinearKernels.inc"
#undef VB
#undef VI
#undef VF
#undef P
#undef KN
#undef KATTR
#endif

/*===-------------------------------------------------------------------===*/

typedef void (*RowFn)(int format, const uint8_t *w, int64_t nb, const Act *a,
                      int nt, float *out);

#if defined(QCC_HAVE_X86_BLOCK)
/* Q4_0/Q4_1/Q8_0/Q4_1_G128 rows of at least 8 blocks: x_row8 on the whole
 * groups of 8, the per-block kernels on the rest (for Q4_1_G128 the rest
 * starts at a group boundary: 8 sub-blocks are two whole groups). */
static void row_nt_x86_8(int format, const uint8_t *w, int64_t nb, const Act *a,
                         int nt, float *out) {
  int64_t groups = nb / 8;
  int bytes = 0;
  blockShape(format, &bytes);
  if (groups == 0 || (format != QCC_BLOCK_Q4_0 && format != QCC_BLOCK_Q4_1 &&
                      format != QCC_BLOCK_Q8_0 &&
                      format != QCC_BLOCK_Q4_1_G128)) {
    row_nt_x86(format, w, nb, a, nt, out);
    return;
  }
  switch (nt) {
  case 1:
    x_row8(format, bytes, w, groups, a, 1, out);
    break;
  case 2:
    x_row8(format, bytes, w, groups, a, 2, out);
    break;
  case 3:
    x_row8(format, bytes, w, groups, a, 3, out);
    break;
  default:
    x_row8(format, bytes, w, groups, a, 4, out);
    break;
  }
  int64_t done = 8 * groups;
  if (done == nb)
    return;
  Act rest[4];
  float tail[4];
  for (int t = 0; t < nt; ++t) {
    rest[t].q = a[t].q + 32 * done;
    rest[t].d = a[t].d + done;
    rest[t].s = a[t].s + 2 * done;
    rest[t].sx = a[t].sx + done;
  }
  const uint8_t *wrest = format == QCC_BLOCK_Q4_1_G128
                             ? w + 136 * groups
                             : w + done * bytes;
  row_nt_x86(format, wrest, nb - done, rest, nt, tail);
  for (int t = 0; t < nt; ++t)
    out[t] += tail[t];
}
#endif

static RowFn pickRow(void) {
#if defined(QCC_HAVE_X86_BLOCK)
  return row_nt_x86_8;
#elif defined(QCC_HAVE_SDOT_BLOCK)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? row_nt_sdot : row_nt_c;
#else
  return row_nt_c;
#endif
}

void QCC_BLOCK_LINEAR_NAME(int64_t T, int64_t N, int64_t K, const float *X,
                           int64_t ldx, const uint8_t *W, int64_t format,
                           float *Y, int64_t ldy) {
  int bytes = 0, G = blockShape(format, &bytes);
  if (!G || K % G) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t n = 0; n < N; ++n)
        Y[t * ldy + n] = NAN;
    return;
  }
  int64_t nb = K / G, rowBytes = rowBytesOf(format, K);
  /* Quantized activations: codes, scales, sums per 16 (small for a decode
   * step: on the stack up to 64 KiB). */
  size_t need = (size_t)T * (size_t)(K + nb * 8 + (K / 16) * 2) + 64;
  char stackBuf[65536] __attribute__((aligned(64)));
  char *buf = need <= sizeof(stackBuf) ? stackBuf : (char *)malloc(need);
  if (!buf) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t n = 0; n < N; ++n)
        Y[t * ldy + n] = NAN;
    return;
  }
  int8_t *q = (int8_t *)buf;
  float *d = (float *)(buf + ((T * K + 15) & ~(int64_t)15));
  float *sx = d + T * nb;
  int16_t *s = (int16_t *)(sx + T * nb);
  for (int64_t t = 0; t < T; ++t)
    qcc_block_quantize_row(X + t * ldx, K, G, q + t * K, d + t * nb, s + t * (K / 16),
                sx + t * nb);

  RowFn row = pickRow();
  /* Tiles of 64 weight rows (a few KiB to a few tens of KiB, in L2) by 4
   * tokens (in L1): each weight block is decoded once per 4 tokens. */
  const int64_t RB = T <= 4 ? 8 : 64; /* decode: even shares per thread */
  int64_t tiles = (N + RB - 1) / RB;
  int parallel = (double)N * (double)rowBytes * (double)T >= 65536.0;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t tile = 0; tile < tiles; ++tile) {
    int64_t n0 = tile * RB, n1 = n0 + RB < N ? n0 + RB : N;
    for (int64_t t0 = 0; t0 < T; t0 += 4) {
      int nt = T - t0 < 4 ? (int)(T - t0) : 4;
      Act a[4];
      for (int t = 0; t < nt; ++t) {
        a[t].q = q + (t0 + t) * K;
        a[t].d = d + (t0 + t) * nb;
        a[t].s = s + (t0 + t) * (K / 16);
        a[t].sx = sx + (t0 + t) * nb;
      }
      for (int64_t n = n0; n < n1; ++n) {
        float out[4];
        row((int)format, W + n * rowBytes, nb, a, nt, out);
        for (int t = 0; t < nt; ++t)
          Y[(t0 + t) * ldy + n] = out[t];
      }
    }
  }
  if (buf != stackBuf)
    free(buf);
}
