/*===- Attention.c - masked softmax attention of a few queries ------------===*\
|*                                                                            *|
|* qcc_rt_attention_f32 (Attention.h): what `qnn.attention` becomes, the      *|
|* fused form of a decode step's scores, mask, softmax and value product.     *|
|* Per KV head the queries' columns are copied contiguous once; then only     *|
|* the positions some query sees are visited: their keys are read once for    *|
|* all the head's queries (M dot products each), and so are their values.     *|
|* The unfused graph multiplied every cache position, masked the scores and   *|
|* exponentiated them, so a step early in a long context read the whole     *|
|* cache. Vectors are GCC vector types (AVX2/AVX-512/NEON from one source).  *|
|* Heads run in parallel when a step's product is large enough to pay for    *|
|* an OpenMP region.                                                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Attention.h"
#include "FloatVector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float dot(const float *a, const float *b, int64_t n) {
  vf s0 = {0}, s1 = {0};
  int64_t k = 0;
  for (; k + 2 * VW <= n; k += 2 * VW) {
    s0 += loadv(a + k) * loadv(b + k);
    s1 += loadv(a + k + VW) * loadv(b + k + VW);
  }
  for (; k + VW <= n; k += VW)
    s0 += loadv(a + k) * loadv(b + k);
  float s = hsum(s0 + s1);
  for (; k < n; ++k)
    s += a[k] * b[k];
  return s;
}

/* y += a x */
static void axpy(float a, const float *x, float *y, int64_t n) {
  vf av = {0};
  av += a;
  int64_t k = 0;
  for (; k + VW <= n; k += VW)
    storev(y + k, loadv(y + k) + av * loadv(x + k));
  for (; k < n; ++k)
    y[k] += a * x[k];
}

/* One KV head: q [M][D] contiguous (the copied columns), s scratch [M][N]. */
static void head(int64_t N, int64_t D, int64_t M, int64_t E, int64_t T,
                 const float *keys, int64_t keyRow, const float *q,
                 const float *values, int64_t valueRow, const uint8_t *mask,
                 int64_t maskRow, float *out, int64_t outRow, float *s) {
  /* The visible positions of any query: [lo, hi). */
  int64_t lo = N, hi = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t t = 0; t < T; ++t)
      if (mask[n * maskRow + t]) {
        lo = n < lo ? n : lo;
        hi = n + 1;
        break;
      }
  for (int64_t m = 0; m < M; ++m)
    memset(out + m * outRow, 0, sizeof(float) * E);
  for (int64_t n = lo; n < hi; ++n) {
    const float *k = keys + n * keyRow;
    for (int64_t m = 0; m < M; ++m)
      s[m * N + n] = mask[n * maskRow + m % T] ? dot(k, q + m * D, D)
                                               : -INFINITY;
  }
  for (int64_t m = 0; m < M; ++m) {
    float *sm = s + m * N, mx = -INFINITY, sum = 0.f;
    for (int64_t n = lo; n < hi; ++n)
      mx = sm[n] > mx ? sm[n] : mx;
    if (mx == -INFINITY) { /* this query sees nothing: the uniform softmax */
      for (int64_t n = 0; n < N; ++n)
        axpy(1.0f / (float)N, values + n * valueRow, out + m * outRow, E);
      for (int64_t n = lo; n < hi; ++n)
        sm[n] = 0.f;
      continue;
    }
    for (int64_t n = lo; n < hi; ++n) {
      float e = sm[n] == -INFINITY ? 0.f : expf(sm[n] - mx);
      sm[n] = e;
      sum += e;
    }
    float inv = 1.0f / sum;
    for (int64_t n = lo; n < hi; ++n)
      sm[n] *= inv;
  }
  for (int64_t n = lo; n < hi; ++n) {
    const float *v = values + n * valueRow;
    for (int64_t m = 0; m < M; ++m)
      if (s[m * N + n] != 0.f)
        axpy(s[m * N + n], v, out + m * outRow, E);
  }
}

__attribute__((visibility("hidden"))) void
qcc_rt_attention_f32(int64_t B, int64_t N, int64_t D, int64_t M, int64_t E,
                     int64_t T, const float *keys, int64_t keyBatch,
                     int64_t keyRow, const float *queries, int64_t queryBatch,
                     int64_t queryRow, const float *values, int64_t valueBatch,
                     int64_t valueRow, const uint8_t *mask, int64_t maskRow,
                     float *out, int64_t outBatch, int64_t outRow) {
  if (B <= 0 || M <= 0 || E <= 0)
    return;
  /* Work of the whole product if every position were visible. */
  double work = (double)B * M * N * (D + E);
#pragma omp parallel if (B > 1 && work > 4e5)
  {
    float *q = malloc(sizeof(float) * (M * D + M * (N > 0 ? N : 1)));
#pragma omp for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      float *o = out + b * outBatch;
      if (!q) { /* no scratch: a zero result would be silently wrong */
        for (int64_t m = 0; m < M; ++m)
          for (int64_t e = 0; e < E; ++e)
            o[m * outRow + e] = NAN;
        continue;
      }
      const float *qb = queries + b * queryBatch;
      for (int64_t d = 0; d < D; ++d)
        for (int64_t m = 0; m < M; ++m)
          q[m * D + d] = qb[d * queryRow + m];
      head(N, D, M, E, T, keys + b * keyBatch, keyRow, q,
           values + b * valueBatch, valueRow, mask, maskRow, o, outRow,
           q + M * D);
    }
    free(q);
  }
}
