/*===- QRequant.h - the requantizing epilogue of the int8 kernels -*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime (included by QGemm.c): one row of int32 results    *|
|* to bytes by the fixed-point rule of docs/numerics.md,                      *|
|*                                                                            *|
|*   a = acc + bias                      (int32, wrapping)                    *|
|*   q = clamp(zp + round_shift(a * M, n), lo, hi)                            *|
|*   out = table ? table[(uint8_t)q] : (uint8_t)q                             *|
|*                                                                            *|
|* with round_shift(v, n) = (v + 2^(n-1)) >> n in 64 bits (v for n = 0).      *|
|* Since |a * M| < 2^62, for n >= 33 the 64-bit rounding equals one in 32     *|
|* bits on the high word h = (a * M) >> 32:                                   *|
|*                                                                            *|
|*   (a * M + 2^(n-1)) >> n = (h + 2^(n-33)) >> (n - 32)                      *|
|*                                                                            *|
|* (2^(n-1) is a multiple of 2^32, so adding it leaves the low word alone,    *|
|* and floor(floor(x / 2^32) / 2^k) = floor(x / 2^(32+k))); |h| <= 2^30, so   *|
|* nothing overflows. qcc's requantizations of accumulators have n >= 34 on   *|
|* the models measured; smaller shifts take the 64-bit form.                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_QREQUANT_H
#define QCC_RUNTIME_QREQUANT_H

#include "QGemmSource.h"

#include <stdint.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* The definition, one value. */
static inline int32_t requantOne(int32_t acc, int32_t bias, int64_t m, int n,
                                 int32_t zp, int32_t lo, int32_t hi) {
  int32_t a = (int32_t)((uint32_t)acc + (uint32_t)bias);
  int64_t v = (int64_t)a * m;
  if (n > 0) {
    v += (int64_t)1 << (n - 1);
    v = v >= 0 ? v >> n : ~(~v >> n);
  }
  v += zp;
  return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* out[c] = t[out[c]] for c in [0, w). With AVX2, 32 bytes at a time: the
 * low nibble indexes each 16-entry slice of the table (vpshufb) and the high
 * nibble picks the slice. */
static inline void tableRow(const uint8_t *t, uint8_t *out, int64_t w) {
  int64_t c = 0;
#if defined(__AVX2__)
  if (w >= 32) {
    __m256i slice[16];
    for (int i = 0; i < 16; ++i)
      slice[i] = _mm256_broadcastsi128_si256(
          _mm_loadu_si128((const __m128i *)(t + 16 * i)));
    __m256i nib = _mm256_set1_epi8(0x0F);
    for (; c + 32 <= w; c += 32) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(out + c));
      __m256i lo = _mm256_and_si256(v, nib);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
      __m256i r = _mm256_setzero_si256();
      for (int i = 0; i < 16; ++i) {
        __m256i pick = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8((char)i));
        r = _mm256_or_si256(
            r, _mm256_and_si256(pick, _mm256_shuffle_epi8(slice[i], lo)));
      }
      _mm256_storeu_si256((__m256i *)(out + c), r);
    }
  }
#endif
  for (; c < w; ++c)
    out[c] = t[out[c]];
}

static inline void requantRow(const int32_t *acc, int64_t w,
                              const QRequant *rq, int64_t row, uint8_t *out) {
  int32_t bias = rq->bias ? rq->bias[row] : 0;
  int32_t m = rq->mult[row];
  int n = (int)rq->shift[row];
  int32_t zp = rq->zp, lo = rq->lo, hi = rq->hi;
  int64_t c = 0;
  if (n >= 33) {
    int32_t rnd = (int32_t)1 << (n - 33);
    int k = n - 32;
#if defined(__AVX2__)
    __m256i vb = _mm256_set1_epi32(bias), vm = _mm256_set1_epi32(m);
    __m256i vr = _mm256_set1_epi32(rnd), vz = _mm256_set1_epi32(zp);
    __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    __m128i vk = _mm_cvtsi32_si128(k);
    /* the low byte of each 32-bit lane, per 128-bit half */
    __m256i pick = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
        12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    for (; c + 8 <= w; c += 8) {
      __m256i a = _mm256_add_epi32(
          _mm256_loadu_si256((const __m256i *)(acc + c)), vb);
      __m256i even = _mm256_mul_epi32(a, vm);
      __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), vm);
      __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
      h = _mm256_sra_epi32(_mm256_add_epi32(h, vr), vk);
      h = _mm256_add_epi32(h, vz);
      h = _mm256_min_epi32(_mm256_max_epi32(h, vlo), vhi);
      __m256i b = _mm256_shuffle_epi8(h, pick);
      __m128i lo4 = _mm256_castsi256_si128(b),
              hi4 = _mm256_extracti128_si256(b, 1);
      __m128i eight = _mm_unpacklo_epi32(lo4, hi4);
      _mm_storel_epi64((__m128i *)(out + c), eight);
    }
#endif
    for (; c < w; ++c) {
      int32_t a = (int32_t)((uint32_t)acc[c] + (uint32_t)bias);
      int32_t h = (int32_t)(((int64_t)a * m) >> 32);
      int32_t v = ((h + rnd) >> k) + zp;
      out[c] = (uint8_t)(v < lo ? lo : v > hi ? hi : v);
    }
  } else {
    for (; c < w; ++c)
      out[c] = (uint8_t)requantOne(acc[c], bias, m, n, zp, lo, hi);
  }
  if (rq->table)
    tableRow(rq->table, out, w);
}

#endif /* QCC_RUNTIME_QREQUANT_H */
