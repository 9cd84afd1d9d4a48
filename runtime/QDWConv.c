/*===- QDWConv.c - int8 depthwise convolution -----------------------------===*\
|*                                                                            *|
|* qcc_rt_qdwconv_s8 and qcc_rt_qdwconv_s8_rq (QGemm.h): one NCHW image, one  *|
|* KH x KW filter per channel, int32 sums. With w'[t] = w[t] - wZp,           *|
|*                                                                            *|
|*   sum_t (x[t] - xZp) * w'[t] = sum_t x[t] * w'[t] - xZp * sum_t w'[t]      *|
|*                                                                            *|
|* modulo 2^32, so the sums start from the channel's constant and add x * w'  *|
|* (x and w' both fit int16, so each product and each pair of products fits   *|
|* int32). The AVX2 path computes 16 adjacent output pixels of a row at once  *|
|* with vpmaddwd over int16 pairs of two taps:                                *|
|*                                                                            *|
|* - stride 1: taps t, t+1 (row-major over the window) are two 16-byte loads  *|
|*   interleaved bytewise, so each 16-bit pair is (x[t], x[t+1]) of a pixel; *|
|* - stride 2 (unit dilation): the bytes at 2*ox + kx and 2*ox + kx + 1 are  *|
|*   adjacent in the input, so one 32-byte load widened to int16 already     *|
|*   holds the pairs of taps (kx, kx+1) of 16 pixels (a window row of odd     *|
|*   width ends with a tap paired with weight 0).                             *|
|*                                                                            *|
|* A window much wider than the output (a global pooling written as a         *|
|* convolution) is reduced along the window row instead, 16 taps at a time.   *|
|* Anything else (other strides or dilations, no AVX2: AArch64 and the        *|
|* baseline x86-64 levels) takes the portable loop, tap by tap over a row of  *|
|* outputs, which compilers vectorize for stride 1.                           *|
|*                                                                            *|
|* qcc_rt_qdwconv_s8_rq requantizes (and maps through the byte table) runs    *|
|* of up to kChunk sums of one channel with QRequant.h's requantRow, the      *|
|* epilogue of qcc_rt_qconv_s8_rq. Channels are split over the OpenMP team    *|
|* when the convolution has at least kParallelMacs multiply-adds.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QRequant.h"

#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

enum {
  kChunk = 2048,         /* int32 sums requantized at once */
  kParallelMacs = 1 << 17,
  kMaxTaps = 128,        /* windows the pair paths take (KH * KW) */
  kMaxRows = 16,         /* ... and their height */
};

typedef struct DW {
  int64_t IH, IW, KH, KW, OH, OW, sy, sx, dy, dx;
  const uint8_t *X;
  int64_t csX, rsX;
  const uint8_t *end; /* one past the last input byte */
  int xSigned;
} DW;

/* One channel's filter: w' per tap (row-major), the constant the sums start
 * from, and the int16 pairs of the AVX2 paths. */
typedef struct Filter {
  int16_t w[kMaxTaps];
  int32_t base;
  int steps;
  int row[kMaxTaps], off[kMaxTaps];   /* tap a of each step */
  int rowB[kMaxTaps], offB[kMaxTaps]; /* tap b (stride 1) */
  int at[kMaxTaps], atB[kMaxTaps];    /* both from the window's first byte */
  int32_t pair[kMaxTaps];             /* w'[a] low half, w'[b] high half */
} Filter;

static int32_t pairOf(int16_t a, int16_t b) {
  return (int32_t)(((uint32_t)(uint16_t)b << 16) | (uint16_t)a);
}

/* Whether the AVX2 pair path takes this convolution (see the banner). */
static int pairPath(const DW *d) {
#if defined(__AVX2__)
  if (d->KH * d->KW > kMaxTaps || d->KH > kMaxRows || d->OW < 8)
    return 0;
  return d->sx == 1 || (d->sx == 2 && d->dx == 1);
#else
  (void)d;
  return 0;
#endif
}

#if defined(__AVX2__)
/* Whether the AVX2 window-row reduction takes it. */
static int rowReduction(const DW *d) {
  return d->dx == 1 && d->KW >= 16 && d->OW < 8;
}
#endif

static void setFilter(const DW *d, const uint8_t *wt, int wSigned, int32_t wZp,
                      int32_t xZp, int16_t *w, Filter *f) {
  int64_t taps = d->KH * d->KW;
  int64_t sum = 0;
  for (int64_t t = 0; t < taps; ++t) {
    int32_t v = wSigned ? (int8_t)wt[t] : wt[t];
    w[t] = (int16_t)(v - wZp);
    sum += w[t];
  }
  f->base = (int32_t)(uint32_t)(0 - (uint64_t)(int64_t)xZp * (uint64_t)sum);
  f->steps = 0;
  if (!pairPath(d))
    return;
  int kh = (int)d->KH, kw = (int)d->KW;
  if (d->sx == 1) {
    for (int t = 0; t < kh * kw; t += 2) {
      int s = f->steps++, u = t + 1 < kh * kw ? t + 1 : t;
      f->row[s] = t / kw, f->off[s] = (int)(t % kw * d->dx);
      f->rowB[s] = u / kw, f->offB[s] = (int)(u % kw * d->dx);
      f->pair[s] = pairOf(w[t], u == t ? 0 : w[u]);
    }
  } else {
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; kx += 2) {
        int s = f->steps++;
        f->row[s] = f->rowB[s] = ky, f->off[s] = f->offB[s] = kx;
        f->pair[s] =
            pairOf(w[ky * kw + kx], kx + 1 < kw ? w[ky * kw + kx + 1] : 0);
      }
  }
  for (int s = 0; s < f->steps; ++s) {
    f->at[s] = (int)(f->row[s] * d->dy * d->rsX + f->off[s]);
    f->atB[s] = (int)(f->rowB[s] * d->dy * d->rsX + f->offB[s]);
  }
}

/* Sums of pixels [ox0, ox0 + n) of output row oy from the rows of the
 * window, by the definition's loop order over taps (portable). */
static void portableRow(const DW *d, const int16_t *w, int32_t base,
                        const uint8_t *const *rows, int64_t n, int32_t *acc) {
  for (int64_t i = 0; i < n; ++i)
    acc[i] = base;
  for (int64_t ky = 0; ky < d->KH; ++ky)
    for (int64_t kx = 0; kx < d->KW; ++kx) {
      const uint8_t *s = rows[ky] + kx * d->dx;
      int32_t wv = w[ky * d->KW + kx];
      int64_t sx = d->sx;
      /* int32 arithmetic wraps as the definition does: unsigned adds */
      if (d->xSigned) {
        const int8_t *ss = (const int8_t *)s;
        for (int64_t i = 0; i < n; ++i)
          acc[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)(ss[i * sx] * wv));
      } else if (sx == 1) {
        for (int64_t i = 0; i < n; ++i)
          acc[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)(s[i] * wv));
      } else {
        for (int64_t i = 0; i < n; ++i)
          acc[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)(s[i * sx] * wv));
      }
    }
}

#if defined(__AVX2__)
static inline __m256i widen16(__m128i v, int xSigned) {
  return xSigned ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
}

/* 16 sums (8 when `half`) of a block whose first pixel's window starts at
 * `x`; the steps' taps are at x + at[s] and x + atB[s]. */
static inline void pairBlock(const DW *d, const Filter *f, const uint8_t *x,
                             const int *at, const int *atB, int half,
                             int32_t *acc) {
  __m256i a0 = _mm256_set1_epi32(f->base), a1 = a0;
  int xs = d->xSigned;
  if (d->sx == 1) {
    for (int s = 0; s < f->steps; ++s) {
      __m128i va = _mm_loadu_si128((const __m128i *)(x + at[s]));
      __m128i vb = _mm_loadu_si128((const __m128i *)(x + atB[s]));
      __m256i p = _mm256_set1_epi32(f->pair[s]);
      a0 = _mm256_add_epi32(
          a0, _mm256_madd_epi16(widen16(_mm_unpacklo_epi8(va, vb), xs), p));
      if (!half)
        a1 = _mm256_add_epi32(
            a1, _mm256_madd_epi16(widen16(_mm_unpackhi_epi8(va, vb), xs), p));
    }
  } else {
    for (int s = 0; s < f->steps; ++s) {
      const uint8_t *src = x + at[s];
      __m256i p = _mm256_set1_epi32(f->pair[s]);
      a0 = _mm256_add_epi32(
          a0, _mm256_madd_epi16(
                  widen16(_mm_loadu_si128((const __m128i *)src), xs), p));
      if (!half)
        a1 = _mm256_add_epi32(
            a1, _mm256_madd_epi16(
                    widen16(_mm_loadu_si128((const __m128i *)(src + 16)), xs),
                    p));
    }
  }
  _mm256_storeu_si256((__m256i *)acc, a0);
  if (!half)
    _mm256_storeu_si256((__m256i *)(acc + 8), a1);
}

/* Pixels [0, n) of a row by 16-pixel blocks (a last one of at most 8
 * pixels by 8). A block whose loads would pass the input's end (the last
 * rows of the last channel) reads a copy of its window rows instead; lanes
 * past n are computed and dropped. */
static void pairRow(const DW *d, const Filter *f, const uint8_t *const *rows,
                    int64_t n, int32_t *acc) {
  /* bytes a block reads past its first pixel in a window row */
  int64_t span = 16 * d->sx + (d->KW - 1) * d->dx + 16;
  int64_t lastRow = (d->KH - 1) * d->dy * d->rsX;
  for (int64_t i = 0; i < n; i += 16) {
    const uint8_t *x = rows[0] + i * d->sx;
    int half = n - i <= 8;
    _Alignas(32) int32_t tmp[16];
    int32_t *dst = n - i >= 16 ? acc + i : tmp;
    if (x + lastRow + span <= d->end) {
      pairBlock(d, f, x, f->at, f->atB, half, dst);
    } else {
      /* the copy holds what lies before the end; the rest is never used
       * by a lane that is stored */
      uint8_t *copy = (uint8_t *)__builtin_alloca((size_t)(d->KH * span));
      for (int64_t ky = 0; ky < d->KH; ++ky) {
        const uint8_t *r = rows[ky] + i * d->sx;
        int64_t have = d->end - r;
        have = have < 0 ? 0 : have > span ? span : have;
        memcpy(copy + ky * span, r, (size_t)have);
        memset(copy + ky * span + have, 0, (size_t)(span - have));
      }
      int at[kMaxTaps], atB[kMaxTaps];
      for (int s = 0; s < f->steps; ++s) {
        at[s] = (int)(f->row[s] * span + f->off[s]);
        atB[s] = (int)(f->rowB[s] * span + f->offB[s]);
      }
      pairBlock(d, f, copy, at, atB, half, dst);
    }
    if (dst == tmp)
      memcpy(acc + i, tmp, (size_t)(n - i) * sizeof(int32_t));
  }
}

/* Each pixel's window rows reduced 16 taps at a time (dx = 1). */
static void reduceRow(const DW *d, const int16_t *w, int32_t base,
                      const uint8_t *const *rows, int64_t n, int32_t *acc) {
  int xs = d->xSigned;
  for (int64_t i = 0; i < n; ++i) {
    __m256i a = _mm256_setzero_si256();
    uint32_t tail = (uint32_t)base;
    for (int64_t ky = 0; ky < d->KH; ++ky) {
      const uint8_t *s = rows[ky] + i * d->sx;
      const int16_t *wr = w + ky * d->KW;
      int64_t kx = 0;
      for (; kx + 16 <= d->KW; kx += 16)
        a = _mm256_add_epi32(
            a, _mm256_madd_epi16(
                   widen16(_mm_loadu_si128((const __m128i *)(s + kx)), xs),
                   _mm256_loadu_si256((const __m256i *)(wr + kx))));
      for (; kx < d->KW; ++kx)
        tail += (uint32_t)((xs ? (int8_t)s[kx] : s[kx]) * wr[kx]);
    }
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(a),
                              _mm256_extracti128_si256(a, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    acc[i] = (int32_t)(tail + (uint32_t)_mm_cvtsi128_si32(h));
  }
}
#endif

/* Sums of output row oy, pixels [ox0, ox0 + n), of one channel. */
static void channelRow(const DW *d, const int16_t *w, const Filter *f,
                       const uint8_t *plane, int64_t oy, int64_t ox0,
                       int64_t n, int32_t *acc) {
  const uint8_t *rowsBuf[kMaxRows];
  const uint8_t **rows = rowsBuf;
  if (d->KH > kMaxRows)
    rows = (const uint8_t **)__builtin_alloca((size_t)d->KH * sizeof(*rows));
  for (int64_t ky = 0; ky < d->KH; ++ky)
    rows[ky] = plane + (oy * d->sy + ky * d->dy) * d->rsX + ox0 * d->sx;
#if defined(__AVX2__)
  if (f->steps) {
    pairRow(d, f, rows, n, acc);
    return;
  }
  if (rowReduction(d)) {
    reduceRow(d, w, f->base, rows, n, acc);
    return;
  }
#endif
  portableRow(d, w, f->base, rows, n, acc);
}

/* Everything but the output: the shared part of both entry points. */
static int setUp(DW *d, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                 int64_t KW, int64_t OH, int64_t OW, int64_t sy, int64_t sx,
                 int64_t dy, int64_t dx, const void *X, int64_t csX,
                 int64_t rsX, int64_t xSigned) {
  if (C <= 0 || OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0)
    return 0;
  DW v = {IH,  IW,  KH, KW, OH, OW, sy, sx, dy, dx, (const uint8_t *)X,
          csX, rsX, NULL, xSigned != 0};
  v.end = v.X + (C - 1) * csX + (IH - 1) * rsX + IW;
  *d = v;
  return 1;
}

/* Per-channel w' in a buffer (the Filter's own for small windows); NULL
 * when w' would not fit int16 (a weight zero point outside [-255, 255],
 * which qcc does not emit) or there is no memory: the caller then sums by
 * the definition. */
static int16_t *tapBuffer(const DW *d, Filter *f, int64_t wZp) {
  if (wZp < -255 || wZp > 255)
    return NULL;
  if (d->KH * d->KW <= kMaxTaps)
    return f->w;
  return (int16_t *)malloc((size_t)(d->KH * d->KW) * sizeof(int16_t));
}

__attribute__((visibility("hidden"))) void
qcc_rt_qdwconv_s8(int64_t F, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                  int64_t KW, int64_t OH, int64_t OW, int64_t sy, int64_t sx,
                  int64_t dy, int64_t dx, const void *X, int64_t csX,
                  int64_t rsX, int64_t xSigned, int64_t xZp, const void *Wt,
                  int64_t wSigned, int64_t wZp, int32_t *out) {
  DW d;
  if (F != C || !setUp(&d, C, IH, IW, KH, KW, OH, OW, sy, sx, dy, dx, X, csX,
                       rsX, xSigned))
    return;
  int64_t taps = KH * KW, plane = OH * OW;
  int parallel = C * plane * taps >= kParallelMacs;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < C; ++c) {
    Filter f;
    int16_t *w = tapBuffer(&d, &f, wZp);
    if (!w) {
      /* the definition, directly (see tapBuffer) */
      const uint8_t *wt = (const uint8_t *)Wt + c * taps;
      for (int64_t p = 0; p < plane; ++p) {
        const uint8_t *x = d.X + c * csX + p / OW * sy * rsX + p % OW * sx;
        uint32_t s = 0;
        for (int64_t t = 0; t < taps; ++t) {
          uint8_t xb = x[t / KW * dy * rsX + t % KW * dx];
          int64_t xv = d.xSigned ? (int8_t)xb : xb;
          int64_t wv = wSigned ? (int8_t)wt[t] : wt[t];
          s += (uint32_t)((uint64_t)(xv - xZp) * (uint64_t)(wv - wZp));
        }
        out[c * plane + p] = (int32_t)s;
      }
      continue;
    }
    setFilter(&d, (const uint8_t *)Wt + c * taps, wSigned != 0, (int32_t)wZp,
              (int32_t)xZp, w, &f);
    for (int64_t oy = 0; oy < OH; ++oy)
      channelRow(&d, w, &f, d.X + c * csX, oy, 0, OW,
                 out + c * plane + oy * OW);
    if (w != f.w)
      free(w);
  }
}

__attribute__((visibility("hidden"))) void
qcc_rt_qdwconv_s8_rq(int64_t F, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                     int64_t KW, int64_t OH, int64_t OW, int64_t sy,
                     int64_t sx, int64_t dy, int64_t dx, const void *X,
                     int64_t csX, int64_t rsX, int64_t xSigned, int64_t xZp,
                     const void *Wt, int64_t wSigned, int64_t wZp,
                     const int32_t *bias, const int32_t *mult,
                     const int32_t *shift, int64_t outZp, int64_t lo,
                     int64_t hi, const uint8_t *table, uint8_t *out) {
  DW d;
  if (F != C || !setUp(&d, C, IH, IW, KH, KW, OH, OW, sy, sx, dy, dx, X, csX,
                       rsX, xSigned))
    return;
  QRequant rq = {bias,        mult,        shift, (int32_t)outZp,
                 (int32_t)lo, (int32_t)hi, table};
  int64_t taps = KH * KW, plane = OH * OW;
  int parallel = C * plane * taps >= kParallelMacs;
  /* whole output rows per chunk where they fit, else pieces of a row */
  int64_t piece = OW < kChunk ? OW : kChunk;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < C; ++c) {
    _Alignas(32) int32_t acc[kChunk];
    Filter f;
    int16_t *w = tapBuffer(&d, &f, wZp);
    if (!w) {
      /* the definition, directly (see tapBuffer) */
      for (int64_t p = 0; p < plane; p += kChunk) {
        int64_t n = plane - p < kChunk ? plane - p : kChunk;
        const uint8_t *wt = (const uint8_t *)Wt + c * taps;
        for (int64_t i = 0; i < n; ++i) {
          const uint8_t *x =
              d.X + c * csX + (p + i) / OW * sy * rsX + (p + i) % OW * sx;
          uint32_t s = 0;
          for (int64_t t = 0; t < taps; ++t) {
            uint8_t xb = x[t / KW * dy * rsX + t % KW * dx];
            int64_t xv = d.xSigned ? (int8_t)xb : xb;
            int64_t wv = wSigned ? (int8_t)wt[t] : wt[t];
            s += (uint32_t)((uint64_t)(xv - xZp) * (uint64_t)(wv - wZp));
          }
          acc[i] = (int32_t)s;
        }
        requantRow(acc, n, &rq, c, out + c * plane + p);
      }
      continue;
    }
    setFilter(&d, (const uint8_t *)Wt + c * taps, wSigned != 0, (int32_t)wZp,
              (int32_t)xZp, w, &f);
    int64_t fill = 0, start = 0; /* sums in acc; the first one's pixel */
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ox += piece) {
        int64_t n = OW - ox < piece ? OW - ox : piece;
        if (fill + n > kChunk) {
          requantRow(acc, fill, &rq, c, out + c * plane + start);
          start += fill, fill = 0;
        }
        channelRow(&d, w, &f, d.X + c * csX, oy, ox, n, acc + fill);
        fill += n;
      }
    requantRow(acc, fill, &rq, c, out + c * plane + start);
    if (w != f.w)
      free(w);
  }
}
