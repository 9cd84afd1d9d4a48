/*===- QConv.c - int8 convolution with an implicit patch matrix ----------===*\
|*                                                                            *|
|* qcc_rt_qconv_s8 (QGemm.h): the convolution of one NCHW image as the 8-bit  *|
|* product of the filters [F][C*KH*KW] (the GEMM's X) by the patch matrix     *|
|* (its W: column = output pixel, k = (c, ky, kx)). The patch matrix is never *|
|* stored: the packed path asks for one panel of nr pixels by a k-block at a  *|
|* time (QGemmSource.h), and the panel is gathered from the input here. Its   *|
|* k-row (c, ky, kx) over the panel's pixels is, for stride 1, one contiguous *|
|* run of the input row per output row the panel touches: those runs are      *|
|* copied into a row buffer (or, when the panel's pixels are one run, read in *|
|* place, as for every 1x1 stride-1 convolution), and ku rows are then        *|
|* interleaved into the kernel's k-groups.                                    *|
|*                                                                            *|
|* Products the packed path does not take (a handful of filters, W column    *|
|* sums) get an explicit patch matrix and qcc_rt_qgemm_s8. AMX builds keep    *|
|* convolutions on the vector kernels (their tile path packs W from a matrix).*|
|*                                                                            *|
|* qcc_rt_qconv_s8_rq is the same product with the requantization (and byte  *|
|* table) applied to each register tile as it is stored (QRequant.h), so the *|
|* int32 sums are never written as a tensor.                                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QGemmSource.h"

#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

typedef QConvSource Conv;

/* Pixels [j, j + w) of the output as runs within output rows: run r covers
 * panel columns [t[r], t[r] + len[r]) from input offset src[r]. */
#define MAX_NR 64
typedef struct Runs {
  int n;
  int t[MAX_NR], len[MAX_NR];
  int64_t src[MAX_NR];
} Runs;

static void pixelRuns(const Conv *cv, int64_t j, int64_t w, Runs *r) {
  int64_t oy = j / cv->OW, ox = j % cv->OW;
  r->n = 0;
  for (int64_t t = 0; t < w; ++oy, ox = 0) {
    int64_t len = cv->OW - ox < w - t ? cv->OW - ox : w - t;
    r->t[r->n] = (int)t;
    r->len[r->n] = (int)len;
    r->src[r->n] = oy * cv->sy * cv->rsX + ox * cv->sx;
    ++r->n;
    t += len;
  }
}

/* Gathers the k-row starting at input byte `base` into d[0, w). */
static void gatherRow(const Conv *cv, const Runs *r, const uint8_t *base,
                      uint8_t *d) {
  for (int i = 0; i < r->n; ++i) {
    const uint8_t *s = base + r->src[i];
    uint8_t *o = d + r->t[i];
    int len = r->len[i];
    if (cv->sx != 1) {
      for (int c = 0; c < len; ++c)
        o[c] = s[c * cv->sx];
    } else if (len <= 32 && s + 32 <= cv->end) {
      /* one fixed-size move; what lands past len is overwritten by the
       * next run or ignored (d has 32 bytes of slack) */
      memcpy(o, s, 32);
    } else {
      memcpy(o, s, len);
    }
  }
}

typedef uint8_t v16b __attribute__((vector_size(16)));
typedef int16_t v8h __attribute__((vector_size(16)));
typedef int8_t v8sb __attribute__((vector_size(8)));
typedef uint8_t v8ub __attribute__((vector_size(8)));

/* Byte units of 4 k-steps, 16 columns at a time: d[4c + u] = r[u][c]. */
static void interleave4(const uint8_t *const *r, int nr, uint8_t mask,
                        uint8_t *d) {
  v16b m = {0};
  m += mask;
  for (int c = 0; c < nr; c += 16, d += 64) {
    v16b a, b, e, f;
    memcpy(&a, r[0] + c, 16);
    memcpy(&b, r[1] + c, 16);
    memcpy(&e, r[2] + c, 16);
    memcpy(&f, r[3] + c, 16);
    a ^= m, b ^= m, e ^= m, f ^= m;
    v16b ab0 = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20,
                                       5, 21, 6, 22, 7, 23);
    v16b ab1 = __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12,
                                       28, 13, 29, 14, 30, 15, 31);
    v16b ef0 = __builtin_shufflevector(e, f, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20,
                                       5, 21, 6, 22, 7, 23);
    v16b ef1 = __builtin_shufflevector(e, f, 8, 24, 9, 25, 10, 26, 11, 27, 12,
                                       28, 13, 29, 14, 30, 15, 31);
    v16b o0 = __builtin_shufflevector(ab0, ef0, 0, 1, 16, 17, 2, 3, 18, 19, 4,
                                      5, 20, 21, 6, 7, 22, 23);
    v16b o1 = __builtin_shufflevector(ab0, ef0, 8, 9, 24, 25, 10, 11, 26, 27,
                                      12, 13, 28, 29, 14, 15, 30, 31);
    v16b o2 = __builtin_shufflevector(ab1, ef1, 0, 1, 16, 17, 2, 3, 18, 19, 4,
                                      5, 20, 21, 6, 7, 22, 23);
    v16b o3 = __builtin_shufflevector(ab1, ef1, 8, 9, 24, 25, 10, 11, 26, 27,
                                      12, 13, 28, 29, 14, 15, 30, 31);
    memcpy(d, &o0, 16);
    memcpy(d + 16, &o1, 16);
    memcpy(d + 32, &o2, 16);
    memcpy(d + 48, &o3, 16);
  }
}

typedef int16_t v16h __attribute__((vector_size(32)));
typedef int8_t v16sb __attribute__((vector_size(16)));

/* int16 units of 2 k-steps: d[2c + u] = r[u][c] - z; 16 columns at a time
 * (with AVX2: the two rows' bytes interleaved, then widened), then 8. */
static void interleave2Wide(const uint8_t *const *r, int nr, int srcSigned,
                            int16_t z, int16_t *d) {
  int c = 0;
#if defined(__AVX2__)
  /* bytes interleaved first, then one widening per 16 units */
  __m256i vz = _mm256_set1_epi16(z);
  for (; c + 16 <= nr; c += 16, d += 32) {
    __m128i x = _mm_loadu_si128((const __m128i *)(r[0] + c));
    __m128i y = _mm_loadu_si128((const __m128i *)(r[1] + c));
    __m128i l = _mm_unpacklo_epi8(x, y), h = _mm_unpackhi_epi8(x, y);
    __m256i lw = srcSigned ? _mm256_cvtepi8_epi16(l) : _mm256_cvtepu8_epi16(l);
    __m256i hw = srcSigned ? _mm256_cvtepi8_epi16(h) : _mm256_cvtepu8_epi16(h);
    _mm256_storeu_si256((__m256i *)d, _mm256_sub_epi16(lw, vz));
    _mm256_storeu_si256((__m256i *)(d + 16), _mm256_sub_epi16(hw, vz));
  }
#endif
  for (; c + 16 <= nr; c += 16, d += 32) {
    v16h a, b;
    if (srcSigned) {
      v16sb x, y;
      memcpy(&x, r[0] + c, 16);
      memcpy(&y, r[1] + c, 16);
      a = __builtin_convertvector(x, v16h);
      b = __builtin_convertvector(y, v16h);
    } else {
      v16b x, y;
      memcpy(&x, r[0] + c, 16);
      memcpy(&y, r[1] + c, 16);
      a = __builtin_convertvector(x, v16h);
      b = __builtin_convertvector(y, v16h);
    }
    a -= z, b -= z;
    v16h o0 = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20,
                                      5, 21, 6, 22, 7, 23);
    v16h o1 = __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12,
                                      28, 13, 29, 14, 30, 15, 31);
    memcpy(d, &o0, 32);
    memcpy(d + 16, &o1, 32);
  }
  for (; c < nr; c += 8, d += 16) {
    v8h a, b;
    if (srcSigned) {
      v8sb x, y;
      memcpy(&x, r[0] + c, 8);
      memcpy(&y, r[1] + c, 8);
      a = __builtin_convertvector(x, v8h);
      b = __builtin_convertvector(y, v8h);
    } else {
      v8ub x, y;
      memcpy(&x, r[0] + c, 8);
      memcpy(&y, r[1] + c, 8);
      a = __builtin_convertvector(x, v8h);
      b = __builtin_convertvector(y, v8h);
    }
    a -= z, b -= z;
    v8h o0 = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    v8h o1 = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
    memcpy(d, &o0, 16);
    memcpy(d + 8, &o1, 16);
  }
}

/* Any other unit shape (the generic kernel, AArch64's sdot and smmla). */
static void interleaveAny(const uint8_t *const *r, const int *valid,
                          const QGemmPanelFormat *f, void *dst) {
  for (int c = 0; c < f->nr; ++c)
    for (int u = 0; u < f->ku; ++u) {
      uint8_t b = r[u][c];
      if (f->wide) {
        int32_t v = f->srcSigned ? (int8_t)b : b;
        ((int16_t *)dst)[c * f->ku + u] = valid[u] ? (int16_t)(v - f->sub) : 0;
      } else {
        ((uint8_t *)dst)[c * f->ku + u] = valid[u] ? b ^ f->mask : 0;
      }
    }
}

__attribute__((visibility("hidden"))) void
qcc_rt_qconv_pack(const void *ctx, const QGemmPanelFormat *f, int64_t j,
                  int64_t w, int64_t k0, int64_t kc, void *dst) {
  const Conv *cv = (const Conv *)ctx;
  int nr = f->nr, ku = f->ku, unit = ku * (f->wide ? 2 : 1);
  /* Row buffers (ku <= 8 rows of nr <= MAX_NR bytes, 32 bytes of slack)
   * and a row of zeros for the k-steps past the block. */
  _Alignas(64) uint8_t rows[8][MAX_NR + 32];
  static const uint8_t zeros[MAX_NR] = {0};
  if (ku > 8 || nr > MAX_NR)
    return; /* no such variant */
  Runs runs;
  pixelRuns(cv, j, w, &runs);
  /* The panel's pixels are one run of the input, nr long: read in place. */
  int inPlace = runs.n == 1 && w == nr && cv->sx == 1;
  int64_t window = cv->KH * cv->KW;
  int64_t c = k0 / window, ky = k0 % window / cv->KW, kx = k0 % cv->KW;
  int64_t groups = (kc + ku - 1) / ku;
  for (int64_t g = 0; g < groups; ++g) {
    const uint8_t *r[8];
    int valid[8];
    for (int u = 0; u < ku; ++u) {
      valid[u] = g * ku + u < kc;
      if (!valid[u]) {
        r[u] = zeros;
        continue;
      }
      const uint8_t *base =
          cv->X + c * cv->csX + ky * cv->dy * cv->rsX + kx * cv->dx;
      if (inPlace) {
        r[u] = base + runs.src[0];
      } else {
        gatherRow(cv, &runs, base, rows[u]);
        r[u] = rows[u];
      }
      if (++kx == cv->KW) {
        kx = 0;
        if (++ky == cv->KH)
          ky = 0, ++c;
      }
    }
    void *d = (uint8_t *)dst + g * nr * unit;
    int allValid = valid[ku - 1];
    if (!f->wide && ku == 4 && nr % 16 == 0 && allValid)
      interleave4(r, nr, f->mask, (uint8_t *)d);
    else if (f->wide && ku == 2 && nr % 8 == 0 && allValid)
      interleave2Wide(r, nr, f->srcSigned, (int16_t)f->sub, (int16_t *)d);
    else
      interleaveAny(r, valid, f, d);
  }
}

/* Output pixel p of filter f by the definition (int32, wrapping). */
static int32_t directSum(const Conv *cv, const void *Wt, int64_t f, int64_t p,
                         int64_t xSigned, int64_t xZp, int64_t wSigned,
                         int64_t wZp) {
  int64_t K = cv->C * cv->KH * cv->KW;
  int64_t oy = p / cv->OW, ox = p % cv->OW;
  const uint8_t *w = (const uint8_t *)Wt + f * K;
  const uint8_t *x = cv->X + oy * cv->sy * cv->rsX + ox * cv->sx;
  uint32_t s = 0;
  int64_t k = 0;
  for (int64_t c = 0; c < cv->C; ++c)
    for (int64_t ky = 0; ky < cv->KH; ++ky)
      for (int64_t kx = 0; kx < cv->KW; ++kx, ++k) {
        uint8_t xb = x[c * cv->csX + ky * cv->dy * cv->rsX + kx * cv->dx];
        int64_t xv = xSigned ? (int8_t)xb : xb;
        int64_t wv = wSigned ? (int8_t)w[k] : w[k];
        s += (uint32_t)((uint64_t)(xv - xZp) * (uint64_t)(wv - wZp));
      }
  return (int32_t)s;
}

/* The explicit patch matrix [OH*OW][C*KH*KW] for qcc_rt_qgemm_s8. */
static void buildPatches(const Conv *cv, uint8_t *P) {
  int64_t K = cv->C * cv->KH * cv->KW;
  for (int64_t oy = 0; oy < cv->OH; ++oy)
    for (int64_t ox = 0; ox < cv->OW; ++ox) {
      uint8_t *d = P + (oy * cv->OW + ox) * K;
      const uint8_t *s = cv->X + oy * cv->sy * cv->rsX + ox * cv->sx;
      for (int64_t c = 0; c < cv->C; ++c)
        for (int64_t ky = 0; ky < cv->KH; ++ky)
          for (int64_t kx = 0; kx < cv->KW; ++kx)
            *d++ = s[c * cv->csX + ky * cv->dy * cv->rsX + kx * cv->dx];
    }
}

__attribute__((visibility("hidden"))) void
qcc_rt_qconv_s8(int64_t F, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                int64_t KW, int64_t OH, int64_t OW, int64_t sy, int64_t sx,
                int64_t dy, int64_t dx, const void *X, int64_t csX, int64_t rsX,
                int64_t xSigned, int64_t xZp, const void *Wt, int64_t wSigned,
                int64_t wZp, int32_t *out) {
  if (F <= 0 || C <= 0 || OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0)
    return;
  Conv cv = {C,   IH,  IW,  KH, KW, OH, OW, sy, sx, dy, dx, (const uint8_t *)X,
             csX, rsX, NULL};
  cv.end = cv.X + (C - 1) * csX + (IH - 1) * rsX + IW;
  int64_t K = C * KH * KW, N = OH * OW;
  /* The filters are the GEMM's X (zero point wZp), the patches its W (one
   * zero point, xZp); out is [F][N] row-major. */
  if (qcc_rt_qgemm_s8_source(F, N, K, Wt, K, wSigned, wZp, qcc_rt_qconv_pack,
                             &cv, xSigned, (int32_t)xZp, out, N, 1))
    return;
  uint8_t *P = (uint8_t *)malloc((size_t)N * K);
  int32_t zp = (int32_t)xZp;
  if (P) {
    buildPatches(&cv, P);
    qcc_rt_qgemm_s8(F, N, K, Wt, K, wSigned, wZp, P, K, xSigned, &zp, 0, out, N,
                    1);
    free(P);
    return;
  }
  /* No memory for the patch matrix: the definition, directly. */
  for (int64_t f = 0; f < F; ++f)
    for (int64_t p = 0; p < N; ++p)
      out[f * N + p] =
          directSum(&cv, Wt, f, p, xSigned, xZp, wSigned, wZp);
}

__attribute__((visibility("hidden"))) void
qcc_rt_qconv_s8_rq(int64_t F, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                   int64_t KW, int64_t OH, int64_t OW, int64_t sy, int64_t sx,
                   int64_t dy, int64_t dx, const void *X, int64_t csX,
                   int64_t rsX, int64_t xSigned, int64_t xZp, const void *Wt,
                   int64_t wSigned, int64_t wZp, const int32_t *bias,
                   const int32_t *mult, const int32_t *shift, int64_t outZp,
                   int64_t lo, int64_t hi, const uint8_t *table,
                   uint8_t *out) {
  if (F <= 0 || C <= 0 || OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0)
    return;
  QRequant rq = {bias,        mult,        shift, (int32_t)outZp,
                 (int32_t)lo, (int32_t)hi, table};
  Conv cv = {C,   IH,  IW,  KH, KW, OH, OW, sy, sx, dy, dx, (const uint8_t *)X,
             csX, rsX, NULL};
  cv.end = cv.X + (C - 1) * csX + (IH - 1) * rsX + IW;
  int64_t K = C * KH * KW, N = OH * OW;
  if (qcc_rt_qgemm_s8_source_rq(F, N, K, Wt, K, wSigned, wZp,
                                qcc_rt_qconv_pack, &cv, xSigned, (int32_t)xZp,
                                &rq, out, N))
    return;
  /* The products the packed path does not take: int32 results first, one
   * filter at a time when there is no memory for all of them. */
  int32_t *acc = (int32_t *)malloc((size_t)F * N * sizeof(int32_t));
  if (acc) {
    qcc_rt_qconv_s8(F, C, IH, IW, KH, KW, OH, OW, sy, sx, dy, dx, X, csX, rsX,
                    xSigned, xZp, Wt, wSigned, wZp, acc);
    for (int64_t f = 0; f < F; ++f)
      qcc_rt_requant_row(acc + f * N, N, &rq, f, out + f * N);
    free(acc);
    return;
  }
  int32_t row[256];
  for (int64_t f = 0; f < F; ++f)
    for (int64_t p = 0; p < N; p += 256) {
      int64_t w = N - p < 256 ? N - p : 256;
      for (int64_t t = 0; t < w; ++t)
        row[t] = directSum(&cv, Wt, f, p + t, xSigned, xZp, wSigned, wZp);
      qcc_rt_requant_row(row, w, &rq, f, out + f * N + p);
    }
}
