/*===- BlockLinearX8K.c - k-quant linear layers, rows interleaved by 8 ----===*\
|*                                                                            *|
|* The Q4_K, Q5_K and Q6_K groups of qcc_rt_block_linear_x8 (BlockLinear.h    *|
|* gives the layout: per block of 256, the 8 rows' f16 d (and dmin), then the *|
|* rest of each row's block in GGUF's order, 4 bytes at a time, row by row).  *|
|* A 32-bit lane holds 4 codes of one row, as in BlockLinearX8.c, and the     *|
|* 6-bit (Q4_K/Q5_K) or int8 (Q6_K) sub-block scales of the 8 rows sit in the *|
|* same lanes: 4 per lane, so a byte shuffle puts sub-block j's scale of      *|
|* every row next to that row's sum, and the scale is applied by the          *|
|* vpmaddwd that widens the int16 code sums to int32. Int16 sums stay below   *|
|* 2^15: 8 products of 4-bit codes per lane (8 x 2 x 15 x 127 = 30480), 4 of  *|
|* 5-bit codes, 2 of Q6_K's 6-bit codes (2 x 2 x 63 x 127 = 32004). Q6_K's    *|
|* offset of 32 is subtracted in int32 (sum of scale x activation sums per    *|
|* 16); Q4_K/Q5_K's mins are one more vpmaddwd per pair of sub-blocks.        *|
|* AArch64 sdot: 4 rows per int32x4, per-sub-block int32 sums times the       *|
|* widened scales. Portable C: each row's block is gathered back and summed   *|
|* as in the row kernels.                                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockLinearX8.h"
#include "BlockScales.h"

/*===-------------------------------------------------------------------===*
 * Portable C (baseline x86-64 levels, AArch64 without dotprod, and the
 * unit tests' reference path).
 *===-------------------------------------------------------------------===*/

#if !defined(QCC_X8_AVX2)
/* Row r's block of `bytes` bytes back in GGUF's order (its f16 scales,
 * `head` bytes, belong at `headAt`). */
static void gatherRow(const uint8_t *w, int bytes, int headAt, int head, int r,
                      uint8_t *blk) {
  for (int h = 0; h < head; h += 2)
    memcpy(blk + headAt + h, w + 8 * h + 2 * r, 2);
  for (int c = 0; c < (bytes - head) / 4; ++c) {
    int at = 4 * c < headAt ? 4 * c : 4 * c + head;
    memcpy(blk + at, w + 8 * head + 32 * c + 4 * r, 4);
  }
}

static void group_k_c(int format, const uint8_t *w, int64_t nb, const Act *a,
                      int nt, float *out) {
  const int q6 = format == QCC_BLOCK_Q6_K, five = format == QCC_BLOCK_Q5_K;
  const int bytes = q6 ? 210 : five ? 176 : 144;
  double acc[4][8] = {{0}};
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    for (int r = 0; r < 8; ++r) {
      uint8_t blk[256];
      gatherRow(w, bytes, q6 ? 208 : 0, q6 ? 2 : 4, r, blk);
      int8_t code[256];
      int sc[16], mn[8] = {0};
      float d, dmin = 0;
      if (q6) {
        for (int h = 0; h < 2; ++h)
          for (int l = 0; l < 32; ++l) {
            const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
            int8_t *o = code + 128 * h + l;
            o[0] = (int8_t)((ql[l] & 15) | ((qh[l] & 3) << 4));
            o[32] = (int8_t)((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4));
            o[64] = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
            o[96] = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
          }
        for (int j = 0; j < 16; ++j)
          sc[j] = (int8_t)blk[192 + j];
        d = h2f(blk + 208);
      } else {
        uint8_t s8[8], m8[8];
        kscales(blk + 4, s8, m8);
        for (int j = 0; j < 8; ++j) {
          sc[j] = s8[j];
          mn[j] = m8[j];
        }
        const uint8_t *qh = blk + 16, *qs = blk + (five ? 48 : 16);
        for (int e = 0; e < 256; ++e) {
          int j = e / 32, i = e % 32;
          uint8_t v = qs[32 * (j / 2) + i];
          int c = (j & 1) ? v >> 4 : v & 15;
          if (five)
            c |= ((qh[i] >> j) & 1) << 4;
          code[e] = (int8_t)c;
        }
        d = h2f(blk);
        dmin = h2f(blk + 2);
      }
      for (int t = 0; t < nt; ++t) {
        const int8_t *x = a[t].q + 256 * b;
        const int16_t *xs = a[t].s + 16 * b;
        int32_t isum = 0, side = 0;
        int sub = q6 ? 16 : 32;
        for (int j = 0; j < 256 / sub; ++j) {
          int32_t s = 0;
          for (int i = 0; i < sub; ++i)
            s += code[sub * j + i] * x[sub * j + i];
          isum += sc[j] * s;
          side += q6 ? sc[j] * xs[j] : mn[j] * (xs[2 * j] + xs[2 * j + 1]);
        }
        float dx = a[t].d[b];
        /* Q6_K: d dx (isum - 32 side); Q4_K/Q5_K: d dx isum - dmin dx side. */
        acc[t][r] += q6 ? (double)(d * dx) * (double)(isum - 32 * side)
                        : (double)(d * dx) * isum - (double)(dmin * dx) * side;
      }
    }
  }
  for (int t = 0; t < nt; ++t)
    for (int r = 0; r < 8; ++r)
      out[8 * t + r] = (float)acc[t][r];
}
#endif

/*===-------------------------------------------------------------------===*
 * x86-64 AVX2 (AVX-512 VNNI levels use the same code).
 *===-------------------------------------------------------------------===*/

#if defined(QCC_X8_AVX2)
/* Byte i of lane r: 16 where bit j of that byte of `h` is set. */
static inline __m256i bitTo16(__m256i h, int j) {
  __m256i v = j <= 4 ? _mm256_sll_epi16(h, _mm_cvtsi32_si128(4 - j))
                     : _mm256_srl_epi16(h, _mm_cvtsi32_si128(j - 4));
  return _mm256_and_si256(v, _mm256_set1_epi8(16));
}

/* Lane r: byte `i` of lane r of v in both int16 halves (zero-extended). */
static inline __m256i byteToPair(__m256i v, int i) {
  const __m256i base = _mm256_setr_epi8(
      0, -128, 0, -128, 4, -128, 4, -128, 8, -128, 8, -128, 12, -128, 12, -128,
      0, -128, 0, -128, 4, -128, 4, -128, 8, -128, 8, -128, 12, -128, 12, -128);
  return _mm256_shuffle_epi8(v, _mm256_add_epi8(base, _mm256_set1_epi8((char)i)));
}

/* Lane r: bytes i and i + 1 of lane r of v as two int16 (zero-extended). */
static inline __m256i bytesToPair(__m256i v, int i) {
  const __m256i base = _mm256_setr_epi8(
      0, -128, 1, -128, 4, -128, 5, -128, 8, -128, 9, -128, 12, -128, 13, -128,
      0, -128, 1, -128, 4, -128, 5, -128, 8, -128, 9, -128, 12, -128, 13, -128);
  return _mm256_shuffle_epi8(v, _mm256_add_epi8(base, _mm256_set1_epi8((char)i)));
}

static inline __m256i pair16(int lo, int hi) {
  return _mm256_set1_epi32((int)(((uint32_t)(uint16_t)hi << 16) |
                                 (uint16_t)lo));
}

/* Q4_K (five = 0) and Q5_K: per pair of sub-blocks 2p, 2p+1 the 8 code
 * chunks' low nibbles (sub-block 2p) and high nibbles (2p+1). */
static inline __attribute__((always_inline)) void
k4_body(int five, const uint8_t *w, int64_t nb, const Act *a, int nt,
        float *out) {
  const int bytes = five ? 176 : 144;
  const __m256i m15 = _mm256_set1_epi8(15), m63 = _mm256_set1_epi8(63),
                m48 = _mm256_set1_epi8(48);
  __m256 acc[4], side[4];
  for (int t = 0; t < nt; ++t)
    acc[t] = side[t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w));
    __m256 dm = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 16)));
    const uint8_t *c = w + 32;
    __m256i s0 = _mm256_loadu_si256((const __m256i *)c);
    __m256i s1 = _mm256_loadu_si256((const __m256i *)(c + 32));
    __m256i s2 = _mm256_loadu_si256((const __m256i *)(c + 64));
    /* Lane r, byte j: sub-block j's (sc) or 4 + j's (sc[1]) scale. */
    __m256i sc[2] = {_mm256_and_si256(s0, m63),
                     _mm256_or_si256(_mm256_and_si256(s2, m15),
                                     _mm256_and_si256(_mm256_srli_epi16(s0, 2),
                                                      m48))};
    __m256i mn[2] = {
        _mm256_and_si256(s1, m63),
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(s2, 4), m15),
                        _mm256_and_si256(_mm256_srli_epi16(s1, 2), m48))};
    const uint8_t *qh = c + 96, *qs = c + 96 + (five ? 256 : 0);
    __m256i isum[4];
    for (int t = 0; t < nt; ++t)
      isum[t] = _mm256_setzero_si256();
    for (int p = 0; p < 4; ++p) {
      __m256i scA = byteToPair(sc[p / 2], 2 * (p % 2));
      __m256i scB = byteToPair(sc[p / 2], 2 * (p % 2) + 1);
      __m256i sA[4], sB[4];
      for (int t = 0; t < nt; ++t)
        sA[t] = sB[t] = _mm256_setzero_si256();
      for (int q = 0; q < 8; ++q) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(qs + 32 * (8 * p + q)));
        __m256i lo = _mm256_and_si256(v, m15);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m15);
        if (five) {
          __m256i h = _mm256_loadu_si256((const __m256i *)(qh + 32 * q));
          lo = _mm256_or_si256(lo, bitTo16(h, 2 * p));
          hi = _mm256_or_si256(hi, bitTo16(h, 2 * p + 1));
        }
        for (int t = 0; t < nt; ++t) {
          const int8_t *x = a[t].q + 256 * b + 64 * p + 4 * q;
          sA[t] = _mm256_add_epi16(
              sA[t], _mm256_maddubs_epi16(lo, qcc_x8_bcast4(x)));
          sB[t] = _mm256_add_epi16(
              sB[t], _mm256_maddubs_epi16(hi, qcc_x8_bcast4(x + 32)));
        }
        if (five && q == 3)
          for (int t = 0; t < nt; ++t) {
            isum[t] = _mm256_add_epi32(
                isum[t], _mm256_add_epi32(_mm256_madd_epi16(sA[t], scA),
                                          _mm256_madd_epi16(sB[t], scB)));
            sA[t] = sB[t] = _mm256_setzero_si256();
          }
      }
      for (int t = 0; t < nt; ++t)
        isum[t] = _mm256_add_epi32(
            isum[t], _mm256_add_epi32(_mm256_madd_epi16(sA[t], scA),
                                      _mm256_madd_epi16(sB[t], scB)));
    }
    for (int t = 0; t < nt; ++t) {
      const int16_t *xs = a[t].s + 16 * b;
      __m256i msum = _mm256_setzero_si256();
      for (int j = 0; j < 8; j += 2)
        msum = _mm256_add_epi32(
            msum, _mm256_madd_epi16(bytesToPair(mn[j / 4], j % 4),
                                    pair16(xs[2 * j] + xs[2 * j + 1],
                                           xs[2 * j + 2] + xs[2 * j + 3])));
      __m256 dx = _mm256_set1_ps(a[t].d[b]);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]),
                               _mm256_mul_ps(dw, dx), acc[t]);
      side[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum),
                                _mm256_mul_ps(dm, dx), side[t]);
    }
  }
  for (int t = 0; t < nt; ++t)
    _mm256_storeu_ps(out + 8 * t, _mm256_sub_ps(acc[t], side[t]));
}

/* Q6_K: for each half h and quarter k of its 32 code positions, the four
 * sub-blocks 8h + 2s + k (s = 0..3) of chunks 16h + q (low nibbles s = 0,
 * high s = 2), 16h + 8 + q (s = 1, 3) and their 2-bit highs in chunk
 * 32 + 8h + q (bits 2s, 2s + 1). */
static inline __attribute__((always_inline)) void
k6_body(const uint8_t *w, int64_t nb, const Act *a, int nt, float *out) {
  const __m256i m15 = _mm256_set1_epi8(15), m48 = _mm256_set1_epi8(48);
  const __m256i sext = _mm256_setr_epi8(
      -128, 0, -128, 0, -128, 4, -128, 4, -128, 8, -128, 8, -128, 12, -128, 12,
      -128, 0, -128, 0, -128, 4, -128, 4, -128, 8, -128, 8, -128, 12, -128,
      12);
  __m256 acc[4];
  for (int t = 0; t < nt; ++t)
    acc[t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b, w += 8 * 210) {
    __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w));
    const uint8_t *ql = w + 16, *qh = ql + 32 * 32, *scp = ql + 32 * 48;
    /* The sums read the block's chunks out of order (the scales, at its
     * end, first): the next block is asked for whole. */
    for (int i = 0; i < 8 * 210; i += 64)
      _mm_prefetch((const char *)w + 8 * 210 + i, _MM_HINT_T0);
    __m256i isum[4], osum[4];
    for (int t = 0; t < nt; ++t)
      isum[t] = osum[t] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h)
      for (int k = 0; k < 2; ++k) {
        __m256i scs[4];
        for (int s = 0; s < 4; ++s) {
          int j = 8 * h + 2 * s + k;
          __m256i v = _mm256_loadu_si256((const __m256i *)(scp + 32 * (j / 4)));
          /* sc_j in the high byte of both int16 halves, then sign-extended. */
          scs[s] = _mm256_srai_epi16(
              _mm256_shuffle_epi8(
                  v, _mm256_add_epi8(sext, _mm256_set1_epi8((char)(j % 4)))),
              8);
          for (int t = 0; t < nt; ++t)
            osum[t] = _mm256_add_epi32(
                osum[t], _mm256_madd_epi16(scs[s],
                                           pair16(a[t].s[16 * b + j], 0)));
        }
        for (int q0 = 4 * k; q0 < 4 * k + 4; q0 += 2) {
          __m256i s16[4][4];
          for (int t = 0; t < nt; ++t)
            for (int s = 0; s < 4; ++s)
              s16[t][s] = _mm256_setzero_si256();
          for (int q = q0; q < q0 + 2; ++q) {
            __m256i A = _mm256_loadu_si256((const __m256i *)(ql + 32 * (16 * h + q)));
            __m256i B =
                _mm256_loadu_si256((const __m256i *)(ql + 32 * (16 * h + 8 + q)));
            __m256i H = _mm256_loadu_si256((const __m256i *)(qh + 32 * (8 * h + q)));
            __m256i cv[4] = {
                _mm256_or_si256(_mm256_and_si256(A, m15),
                                _mm256_and_si256(_mm256_slli_epi16(H, 4), m48)),
                _mm256_or_si256(_mm256_and_si256(B, m15),
                                _mm256_and_si256(_mm256_slli_epi16(H, 2), m48)),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(A, 4), m15),
                    _mm256_and_si256(H, m48)),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(B, 4), m15),
                    _mm256_and_si256(_mm256_srli_epi16(H, 2), m48))};
            for (int t = 0; t < nt; ++t) {
              const int8_t *x = a[t].q + 256 * b + 128 * h + 4 * q;
              for (int s = 0; s < 4; ++s)
                s16[t][s] = _mm256_add_epi16(
                    s16[t][s],
                    _mm256_maddubs_epi16(cv[s], qcc_x8_bcast4(x + 32 * s)));
            }
          }
          for (int t = 0; t < nt; ++t)
            for (int s = 0; s < 4; ++s)
              isum[t] = _mm256_add_epi32(isum[t],
                                         _mm256_madd_epi16(s16[t][s], scs[s]));
        }
      }
    for (int t = 0; t < nt; ++t) {
      __m256i v = _mm256_sub_epi32(isum[t], _mm256_slli_epi32(osum[t], 5));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v),
                               _mm256_mul_ps(dw, _mm256_set1_ps(a[t].d[b])),
                               acc[t]);
    }
  }
  for (int t = 0; t < nt; ++t)
    _mm256_storeu_ps(out + 8 * t, acc[t]);
}

static void group_k_avx2(int format, const uint8_t *w, int64_t nb,
                         const Act *a, int nt, float *out) {
  switch (format) {
  case QCC_BLOCK_Q4_K:
    if (nt == 1)
      k4_body(0, w, nb, a, 1, out);
    else
      k4_body(0, w, nb, a, nt, out);
    return;
  case QCC_BLOCK_Q5_K:
    if (nt == 1)
      k4_body(1, w, nb, a, 1, out);
    else
      k4_body(1, w, nb, a, nt, out);
    return;
  case QCC_BLOCK_Q6_K:
    if (nt == 1)
      k6_body(w, nb, a, 1, out);
    else
      k6_body(w, nb, a, nt, out);
    return;
  }
}
#endif

/*===-------------------------------------------------------------------===*
 * AArch64 sdot (dotprod, chosen at run time): rows 0-3 and 4-7 of a chunk
 * are its two 16-byte halves; lane l of the token's 16 codes at x
 * broadcasts codes 4l..4l+3 to the 4 rows.
 *===-------------------------------------------------------------------===*/

#if defined(QCC_X8_SDOT)
/* Lane r: byte i of lane r of v (unsigned, or sign-extended). */
SDOT_ATTR static inline int32x4_t laneByte(uint8x16_t v, int i) {
  return vreinterpretq_s32_u32(vandq_u32(
      vshlq_u32(vreinterpretq_u32_u8(v), vdupq_n_s32(-8 * i)),
      vdupq_n_u32(255)));
}
SDOT_ATTR static inline int32x4_t laneByteS(uint8x16_t v, int i) {
  int32x4_t s = vshlq_s32(vreinterpretq_s32_u8(v), vdupq_n_s32(24 - 8 * i));
  return vshlq_s32(s, vdupq_n_s32(-24));
}

/* The 8 chunks at c (stride 32, this half at + 16 h) against activations
 * x[0..31] (chunk q takes x[4q..4q+3]). */
#define QCC_SDOT8(sum, chunk, x0, x1)                                          \
  do {                                                                         \
    sum = vdotq_laneq_s32(sum, chunk(0), x0, 0);                               \
    sum = vdotq_laneq_s32(sum, chunk(1), x0, 1);                               \
    sum = vdotq_laneq_s32(sum, chunk(2), x0, 2);                               \
    sum = vdotq_laneq_s32(sum, chunk(3), x0, 3);                               \
    sum = vdotq_laneq_s32(sum, chunk(4), x1, 0);                               \
    sum = vdotq_laneq_s32(sum, chunk(5), x1, 1);                               \
    sum = vdotq_laneq_s32(sum, chunk(6), x1, 2);                               \
    sum = vdotq_laneq_s32(sum, chunk(7), x1, 3);                               \
  } while (0)

SDOT_ATTR static void group_k4_sdot(int format, const uint8_t *w, int64_t nb,
                                    const Act *a, int nt, float *out) {
  const int five = format == QCC_BLOCK_Q5_K, bytes = five ? 176 : 144;
  const uint8x16_t m15 = vdupq_n_u8(15), m63 = vdupq_n_u8(63),
                   m48 = vdupq_n_u8(48), m16 = vdupq_n_u8(16);
  float32x4_t acc[4][2], side[4][2];
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      acc[t][h] = side[t][h] = vdupq_n_f32(0);
  for (int64_t b = 0; b < nb; ++b, w += 8 * bytes) {
    const uint8_t *c = w + 32, *qh = c + 96, *qs = c + 96 + (five ? 256 : 0);
    for (int h = 0; h < 2; ++h) {
      float32x4_t dw = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 8 * h)));
      float32x4_t dm =
          vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 16 + 8 * h)));
      uint8x16_t s0 = vld1q_u8(c + 16 * h), s1 = vld1q_u8(c + 32 + 16 * h),
                 s2 = vld1q_u8(c + 64 + 16 * h);
      uint8x16_t sc[2] = {vandq_u8(s0, m63),
                          vorrq_u8(vandq_u8(s2, m15),
                                   vandq_u8(vshrq_n_u8(s0, 2), m48))};
      uint8x16_t mn[2] = {vandq_u8(s1, m63),
                          vorrq_u8(vshrq_n_u8(s2, 4),
                                   vandq_u8(vshrq_n_u8(s1, 2), m48))};
      int32x4_t isum[4], msum[4];
      for (int t = 0; t < nt; ++t)
        isum[t] = msum[t] = vdupq_n_s32(0);
      for (int j = 0; j < 8; ++j) {
        int32x4_t scj = laneByte(sc[j / 4], j % 4);
        int32x4_t mnj = laneByte(mn[j / 4], j % 4);
        const uint8_t *q32 = qs + 32 * 8 * (j / 2) + 16 * h;
#define K4_CHUNK(q)                                                            \
  ({                                                                           \
    uint8x16_t v_ = vld1q_u8(q32 + 32 * (q));                                  \
    v_ = (j & 1) ? vshrq_n_u8(v_, 4) : vandq_u8(v_, m15);                      \
    if (five)                                                                  \
      v_ = vorrq_u8(v_, vandq_u8(vtstq_u8(vld1q_u8(qh + 32 * (q) + 16 * h),    \
                                          vdupq_n_u8((uint8_t)(1 << j))),      \
                                 m16));                                        \
    vreinterpretq_s8_u8(v_);                                                   \
  })
        int8x16_t cv[8];
        cv[0] = K4_CHUNK(0); cv[1] = K4_CHUNK(1); cv[2] = K4_CHUNK(2);
        cv[3] = K4_CHUNK(3); cv[4] = K4_CHUNK(4); cv[5] = K4_CHUNK(5);
        cv[6] = K4_CHUNK(6); cv[7] = K4_CHUNK(7);
#undef K4_CHUNK
        for (int t = 0; t < nt; ++t) {
          const int8_t *x = a[t].q + 256 * b + 32 * j;
          int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
          int32x4_t s = vdupq_n_s32(0);
#define CV(q) cv[q]
          QCC_SDOT8(s, CV, x0, x1);
#undef CV
          isum[t] = vmlaq_s32(isum[t], s, scj);
          const int16_t *xs = a[t].s + 16 * b;
          msum[t] = vmlaq_n_s32(msum[t], mnj, xs[2 * j] + xs[2 * j + 1]);
        }
      }
      for (int t = 0; t < nt; ++t) {
        acc[t][h] = vfmaq_f32(acc[t][h], vcvtq_f32_s32(isum[t]),
                              vmulq_n_f32(dw, a[t].d[b]));
        side[t][h] = vfmaq_f32(side[t][h], vcvtq_f32_s32(msum[t]),
                               vmulq_n_f32(dm, a[t].d[b]));
      }
    }
  }
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      vst1q_f32(out + 8 * t + 4 * h, vsubq_f32(acc[t][h], side[t][h]));
}

SDOT_ATTR static void group_k6_sdot(int format, const uint8_t *w, int64_t nb,
                                    const Act *a, int nt, float *out) {
  (void)format;
  const uint8x16_t m15 = vdupq_n_u8(15), m48 = vdupq_n_u8(48);
  float32x4_t acc[4][2];
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      acc[t][h] = vdupq_n_f32(0);
  for (int64_t b = 0; b < nb; ++b, w += 8 * 210) {
    const uint8_t *ql = w + 16, *qhp = ql + 32 * 32, *scp = ql + 32 * 48;
    for (int i = 0; i < 8 * 210; i += 64) /* as in k6_body */
      __builtin_prefetch(w + 8 * 210 + i);
    for (int half = 0; half < 2; ++half) {
      float32x4_t dw =
          vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(w + 8 * half)));
      int32x4_t isum[4], osum[4];
      for (int t = 0; t < nt; ++t)
        isum[t] = osum[t] = vdupq_n_s32(0);
      for (int h = 0; h < 2; ++h)
        for (int s = 0; s < 4; ++s) {
          /* Element 128h + 32s + 4q + i: sub-blocks 8h + 2s (q < 4) and
           * 8h + 2s + 1. */
          int8x16_t cv[8];
          for (int q = 0; q < 8; ++q) {
            const uint8_t *l =
                ql + 32 * (16 * h + 8 * (s & 1) + q) + 16 * half;
            uint8x16_t v = vld1q_u8(l);
            v = s < 2 ? vandq_u8(v, m15) : vshrq_n_u8(v, 4);
            uint8x16_t hb = vld1q_u8(qhp + 32 * (8 * h + q) + 16 * half);
            hb = vandq_u8(vshlq_u8(hb, vdupq_n_s8((int8_t)(4 - 2 * s))), m48);
            cv[q] = vreinterpretq_s8_u8(vorrq_u8(v, hb));
          }
          int j0 = 8 * h + 2 * s;
          int32x4_t sc0 = laneByteS(vld1q_u8(scp + 32 * (j0 / 4) + 16 * half),
                                    j0 % 4);
          int32x4_t sc1 = laneByteS(
              vld1q_u8(scp + 32 * ((j0 + 1) / 4) + 16 * half), (j0 + 1) % 4);
          for (int t = 0; t < nt; ++t) {
            const int8_t *x = a[t].q + 256 * b + 128 * h + 32 * s;
            int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
            int32x4_t s0 = vdupq_n_s32(0), s1 = vdupq_n_s32(0);
            s0 = vdotq_laneq_s32(s0, cv[0], x0, 0);
            s0 = vdotq_laneq_s32(s0, cv[1], x0, 1);
            s0 = vdotq_laneq_s32(s0, cv[2], x0, 2);
            s0 = vdotq_laneq_s32(s0, cv[3], x0, 3);
            s1 = vdotq_laneq_s32(s1, cv[4], x1, 0);
            s1 = vdotq_laneq_s32(s1, cv[5], x1, 1);
            s1 = vdotq_laneq_s32(s1, cv[6], x1, 2);
            s1 = vdotq_laneq_s32(s1, cv[7], x1, 3);
            isum[t] = vmlaq_s32(vmlaq_s32(isum[t], s0, sc0), s1, sc1);
            const int16_t *xs = a[t].s + 16 * b;
            osum[t] = vmlaq_n_s32(vmlaq_n_s32(osum[t], sc0, xs[j0]), sc1,
                                  xs[j0 + 1]);
          }
        }
      for (int t = 0; t < nt; ++t) {
        int32x4_t v = vsubq_s32(isum[t], vshlq_n_s32(osum[t], 5));
        acc[t][half] = vfmaq_f32(acc[t][half], vcvtq_f32_s32(v),
                                 vmulq_n_f32(dw, a[t].d[b]));
      }
    }
  }
  for (int t = 0; t < nt; ++t)
    for (int h = 0; h < 2; ++h)
      vst1q_f32(out + 8 * t + 4 * h, acc[t][h]);
}
#endif

X8GroupFn QCC_X8_KQUANT_PICK(int format) {
#if defined(QCC_X8_AVX2)
  (void)format;
  return group_k_avx2;
#elif defined(QCC_X8_SDOT)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP)
    return format == QCC_BLOCK_Q6_K ? group_k6_sdot : group_k4_sdot;
  return group_k_c;
#else
  (void)format;
  return group_k_c;
#endif
}
